// Simulated "api/compute/pack.h": DST tile -> bf16 tile (round to nearest even)
// in the output CB's reserved pages.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

inline void pack_tile(uint32_t ifrom_dst, uint32_t icb,
                      uint32_t output_tile_index = 0) {
  tt_sim::kapi::PackTile(ifrom_dst, icb, output_tile_index);
}
