// Simulated "api/compute/bcast.h": unary_bcast<ROW / COL> moves a CB tile into
// DST with its first row (ROW) or first column (COL) repeated over the tile
// (tt_sim/data_format.hpp); unary_bcast_init sets the unpacker up for it.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#ifndef DST_ACCUM_MODE
#define DST_ACCUM_MODE false
#endif

// The release's ckernel::BroadcastType (tt-llk llk_defs.h), values included.
enum class BroadcastType : uint8_t { NONE = 0, COL = 1, ROW = 2, SCALAR = 3 };

template <BroadcastType bcast_type, bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void unary_bcast_init(uint32_t icb) {
  tt_sim::kapi::BcastInit(icb, static_cast<uint32_t>(bcast_type));
}

template <BroadcastType bcast_type, bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void unary_bcast(uint32_t icb, uint32_t in_tile_index,
                        uint32_t dst_tile_index) {
  tt_sim::kapi::BcastTile(icb, in_tile_index, dst_tile_index,
                          static_cast<uint32_t>(bcast_type));
}
