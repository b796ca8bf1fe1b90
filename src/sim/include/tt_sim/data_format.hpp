// tt_sim/data_format.hpp -- tile data formats, and the formats and op the
// unpackers and the packer are configured for.
//
// Models (src/sim/README.md, "Rules and their sources"):
//   - A CB holds tiles of one data format: Float16_b (bf16, 2048-byte tiles),
//     Float16 (IEEE-like fp16, 2048) or Float32 (4096-byte tiles); the values
//     are tt::DataFormat's. One program's CBs may not mix Float16_b and
//     Float16 (the JIT build's exponent-family rule; Float32 is exempt).
//   - compute_kernel_hw_startup<order>(in0, in1, out) sets the unpackers'
//     SrcA / SrcB formats from in0 / in1 (swapped by SrcOrder::Reverse, which
//     matmul needs: it unpacks in0 to SrcB and in1 to SrcA) and the packer's
//     output format from out. Only the reconfig calls change them:
//     reconfig_data_format_srca and pack_reconfig_data_format; their
//     (old, new) forms do nothing when the two CBs' formats are equal (for
//     SrcA: and their unpack destination, UnpackToDestFp32 or not).
//   - The unpacker is set up for one op at a time: matmul_init(in0, in1,
//     transpose) for matmul_tiles on those CBs (with transpose, each in1
//     tile is transposed on its way into SrcA), copy_init(cb) for copy_tile
//     from that CB (it turns the transpose off), transpose_init(cb) for
//     transpose_tile from that CB (a bf16 tile transposed through SrcA into
//     DST); none changes a data format.
//   - unary_bcast_init<ROW / COL>(cb) sets it up for unary_bcast from that
//     CB: the tile goes through the unpacker with its first row (ROW) or
//     first column (COL) repeated over the tile, into SrcB, and is moved
//     into DST (the release's bcast.h); a bf16 tile is exact on the way.
//   - copy_tile from a Float32 CB whose unpack_to_dest_mode is
//     UnpackToDestFp32 writes the fp32 values straight into fp32 DST;
//     otherwise the data passes through SrcA, which keeps TF32 at most (not
//     simulated: such a copy is a fault). bf16 data is exact in SrcA and DST.
//     Which of the two a Float32 CB takes is part of SrcA's configuration
//     (srca_to_dest): a matmul on Float32 operands (TF32 in SrcA) and a copy
//     of UnpackToDestFp32 partials need a reconfig_data_format_srca between
//     them although the CBs' formats are equal. Beside a Float16 CB the JIT
//     makes Float16, not TF32, a Float32 CB's source-register format (an
//     FP32 -> FP16 conversion no ISA page defines): such a read is a fault.
// A tile op whose CB format disagrees with the configured format reads or
// writes garbage on the chip; the simulator faults instead.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "tt_sim/arch.hpp"
#include "tt_sim/vector_unit.hpp"

namespace tt_sim {

/// tt::DataFormat's values for the formats the simulator models.
enum class Format : uint8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kFloat16_b = 5,
  kNone = 0xff
};

inline bool IsSimulatedFormat(uint8_t value) {
  return value == uint8_t(Format::kFloat32) ||
         value == uint8_t(Format::kFloat16) ||
         value == uint8_t(Format::kFloat16_b);
}

/// Float16's 5-bit exponent ("a" family) against Float16_b's 8-bit one
/// ("b"); Float32 belongs to neither (the JIT exempts it).
inline bool IsExpAFormat(Format f) { return f == Format::kFloat16; }

inline const char *FormatName(Format f) {
  switch (f) {
  case Format::kFloat32:
    return "Float32";
  case Format::kFloat16_b:
    return "Float16_b";
  case Format::kFloat16:
    return "Float16";
  case Format::kNone:
    return "(none)";
  }
  return "?";
}

/// Bytes of one 32x32 tile in format `f`.
inline uint32_t TileBytesOf(Format f) {
  return f == Format::kFloat32 ? 4 * kTileDim * kTileDim
                               : 2 * kTileDim * kTileDim;
}

/// What the compute kernel configured the unpackers, FPU and packer for.
struct EngineConfig {
  bool hw_configured = false;
  Format srca = Format::kNone, srcb = Format::kNone, pack = Format::kNone;
  /// SrcA's unpacker is set up to unpack straight to DST (the CB it was
  /// configured from is UnpackToDestFp32): copy_tile's path for Float32
  /// partials; a Float32 matmul operand instead unpacks to TF32 in SrcA.
  bool srca_to_dest = false;
  /// SrcB's unpacker likewise was configured from an UnpackToDestFp32 CB
  /// (reconfig_data_format sets both): no FPU op may read SrcB from it.
  bool srcb_to_dest = false;
  /// kSfpu: an SFPU init ran last (vector_unit.hpp); the FPU ops need their
  /// init again.
  enum class Op { kNone, kMatmul, kCopy, kTranspose, kBcast, kSfpu, kReduce };
  Op op = Op::kNone;
  /// matmul_init's in0 / in1, copy_init's / transpose_init's CB in in0,
  /// reduce_init's data CB in in0 and its scaler CB in in1.
  uint32_t in0 = 0, in1 = 0;
  /// matmul_init(..., transpose): in1's tiles are transposed into SrcA.
  /// copy_init turns the unpacker's transpose off (matmul_init sets it).
  bool transpose_in1 = false;
  /// matmul_block_init's sub-block (rt_dim x ct_dim tiles) and A's block
  /// width kt_dim; matmul_init's are 1.
  uint32_t ct_dim = 1, rt_dim = 1, kt_dim = 1;
  /// unary_bcast_init's BroadcastType (1 = COL, 2 = ROW, as the release's).
  uint32_t bcast = 0;
  /// reduce_init's PoolType and ReduceDim (the release's values).
  uint32_t reduce_type = 0, reduce_dim = 0;
  /// The packer's edge mask a reduce_init set, until reduce_uninit:
  /// REDUCE_ROW (0) keeps column 0 of each row, REDUCE_COL (1) row 0 of each
  /// column, every other datum packed as zero; -1: none.
  int pack_mask = -1;
  /// The SFPU op the last SFPU init set the Vector Unit up for.
  SfpuInit sfpu = SfpuInit::kNone;
  /// ComputeConfig::unpack_to_dest_mode, per CB: UnpackToDestFp32.
  std::array<bool, kNumCBs> unpack_to_dest_fp32{};
};

} // namespace tt_sim
