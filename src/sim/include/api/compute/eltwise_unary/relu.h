// Simulated "api/compute/eltwise_unary/relu.h": relu_tile makes each datum of
// DST[idst] max(x, +0) on the SFPU (tt_sim/vector_unit.hpp); relu_tile_init
// sets the SFPU up for it.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

inline void relu_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kRelu);
}

inline void relu_tile(uint32_t idst) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kRelu, idst, 0, "relu_tile");
}
