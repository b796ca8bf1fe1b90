// Simulated "api/compute/tile_move_copy.h": copy_tile moves a tile from a
// CB's waited-for front pages into DST (tt_sim/data_format.hpp: through SrcA,
// or straight into fp32 DST for an UnpackToDestFp32 Float32 CB). copy_init
// sets the unpacker up for it and, as in the release, changes no data format.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

inline void copy_init(uint32_t cbid, uint32_t transpose = 0,
                      uint32_t transpose_within_16x16_face = false) {
  tt_sim::kapi::CopyInit(cbid, transpose, transpose_within_16x16_face);
}

inline void copy_tile(uint32_t in_cb_id, uint32_t in_tile_index,
                      uint32_t dst_tile_index) {
  tt_sim::kapi::CopyTile(in_cb_id, in_tile_index, dst_tile_index);
}
