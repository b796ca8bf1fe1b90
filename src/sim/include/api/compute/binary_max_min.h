// Simulated "api/compute/binary_max_min.h": binary_max_tile(a, b, out) and
// binary_min_tile make each datum of DST[out] the larger / smaller of DST[a]
// and DST[b] on the SFPU (calculate_binary_max_min: SFPSWAP with
// VEC_MIN_MAX, tt_sim/vector_unit.hpp); each one's init sets the SFPU up for
// it.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

inline void binary_max_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kMaxBinary);
}

inline void binary_max_tile(uint32_t idst0, uint32_t idst1, uint32_t odst) {
  tt_sim::kapi::SfpuBinaryTile(tt_sim::SfpuOp::kMax, idst0, idst1, odst,
                               "binary_max_tile");
}

inline void binary_min_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kMinBinary);
}

inline void binary_min_tile(uint32_t idst0, uint32_t idst1, uint32_t odst) {
  tt_sim::kapi::SfpuBinaryTile(tt_sim::SfpuOp::kMin, idst0, idst1, odst,
                               "binary_min_tile");
}
