// tt_sim/dst_register_file.hpp -- the DST register file of one core.
//
// Models: kDstTiles fp32 tiles (half-sync mode: the math thread owns one half)
// and the protocol between math and pack as a state machine:
//   kIdle --tile_regs_acquire--> kMath --tile_regs_commit--> kCommitted
//   kCommitted --tile_regs_wait--> kPacking --tile_regs_release--> kIdle
// matmul_tiles writes DST only in kMath, pack_tile reads it only in kPacking;
// any other order is a Fault. Acquire hands math zeroed tiles (the packer
// clears DST as it releases it). Accumulation is fp32; pack_tile rounds to
// bf16 once.
#pragma once

#include <array>
#include <string>

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

struct DstRegisterFile {
  DstState state = DstState::kIdle;
  std::array<std::array<float, kTileDim * kTileDim>, kDstTiles> tiles{};
};

} // namespace tt_sim
