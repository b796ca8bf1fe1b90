// tt_sim/dst_register_file.hpp -- the DST register file of one core.
//
// Models: DST as the compute kernel's ComputeConfig sets it up, and the
// protocol between math and pack as a state machine:
//   kIdle --tile_regs_acquire--> kMath --tile_regs_commit--> kCommitted
//   kCommitted --tile_regs_wait--> kPacking --tile_regs_release--> kIdle
// matmul_tiles writes DST only in kMath, pack_tile reads it only in kPacking;
// any other order is a Fault. Acquire hands math zeroed tiles (the packer
// clears DST as it releases it): ZEROACC marks the rows undefined, which the
// matrix unit reads as its op's identity: zero for MVMUL and ELWADD, minus
// infinity for GMPOOL (reduce_tile<MAX>); `undefined` keeps that per tile
// until an op writes it.
//
// Storage precision and capacity follow the mode (src/sim/README.md cites
// the sources):
//   - fp32_dest_acc_en: every datum is fp32; otherwise 16-bit, and every
//     value written to DST is a bf16 value (bf16 inputs) or an fp16 one
//     (fp16 inputs: DstMode::fp16);
//   - DST is 1024 rows of 16 16-bit datums (512 rows of fp32), a 32x32 tile
//     takes 64 rows; half-sync mode gives math one half:
//
//                   16-bit DST   fp32 DST
//       half-sync       8           4
//       full-sync      16           8
//
// Values are kept as floats whatever the mode; the matrix unit
// (matrix_unit.hpp) rounds what it writes to the mode's precision.
#pragma once

#include <array>
#include <cstdint>

#include "tt_sim/arch.hpp"

namespace tt_sim {

enum class DstState { kIdle, kMath, kCommitted, kPacking };

inline const char *DstStateName(DstState s) {
  switch (s) {
  case DstState::kIdle:
    return "idle";
  case DstState::kMath:
    return "acquired by math";
  case DstState::kCommitted:
    return "committed";
  case DstState::kPacking:
    return "owned by the packer";
  }
  return "?";
}

/// Rows of DST in 16-bit mode, and rows one 32x32 tile takes.
constexpr uint32_t kDstRows16Bit = 1024;
constexpr uint32_t kDstRowsPerTile = 64;
/// The most tiles any mode holds (16-bit, full-sync).
constexpr uint32_t kDstMaxTiles = kDstRows16Bit / kDstRowsPerTile;

/// 32x32 tiles the math thread may use in a mode (get_dest_max_tiles()).
constexpr uint32_t DstCapacity(bool fp32_dest_acc_en, bool dst_full_sync_en) {
  return (dst_full_sync_en ? kDstRows16Bit : kDstRows16Bit / 2) /
         (fp32_dest_acc_en ? 2 : 1) / kDstRowsPerTile;
}

/// What the compute kernel's ComputeConfig asked for.
struct DstMode {
  bool fp32_dest_acc_en = false;
  bool dst_full_sync_en = false;
  /// Multiplier passes per product: LoFi 1, HiFi2 2, HiFi3 3, HiFi4 4.
  uint32_t fidelity_phases = 4;
  /// 16-bit DST holds FP16 rather than BF16: the matrix unit writes the
  /// format of its sources (ISA SrcASrcB.md: Dst FP16 += FP16 @ FP16), so
  /// compute_kernel_hw_startup sets it from the source formats.
  bool fp16 = false;

  uint32_t capacity() const {
    return DstCapacity(fp32_dest_acc_en, dst_full_sync_en);
  }
  /// "fp32 DST, half-sync" etc., for messages.
  const char *name() const {
    return fp32_dest_acc_en ? (dst_full_sync_en ? "fp32 DST, full-sync"
                                                : "fp32 DST, half-sync")
                            : (dst_full_sync_en ? "16-bit DST, full-sync"
                                                : "16-bit DST, half-sync");
  }
};

struct DstRegisterFile {
  DstState state = DstState::kIdle;
  DstMode mode;
  std::array<std::array<float, kTileDim * kTileDim>, kDstMaxTiles> tiles{};
  std::array<bool, kDstMaxTiles> undefined{};
};

} // namespace tt_sim
