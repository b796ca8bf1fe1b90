// Simulated "api/compute/eltwise_unary/fill.h": fill_tile makes every datum
// of DST[idst] the constant `param0` on the SFPU (tt_sim/vector_unit.hpp: an
// fp32 immediate, stored as any op's result: exact on fp32 DST, truncated to
// 16 bits on 16-bit DST); fill_tile_bitcast takes the constant's fp32 bit
// pattern. fill_tile_init sets the SFPU up for both.
#pragma once
#include <cstdint>
#include <cstring>

#include "tt_sim/kernel_api.hpp"

inline void fill_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kFill);
}

inline void fill_tile(uint32_t idst, float param0) {
  uint32_t bits = 0;
  std::memcpy(&bits, &param0, sizeof bits);
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kFill, idst, bits, "fill_tile");
}

inline void fill_tile_bitcast(uint32_t idst, uint32_t param0) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kFill, idst, param0,
                         "fill_tile_bitcast");
}
