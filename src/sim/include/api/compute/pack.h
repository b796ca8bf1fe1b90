// Simulated "api/compute/pack.h": DST tile -> the output CB's reserved pages
// (tt_sim/matrix_unit.hpp: the conversion to bf16). As in the release,
// pages are written in order and output_tile_index is ignored unless
// out_of_order_output is set; is_fp32_dest_acc_en must match the DST mode
// (DST_ACCUM_MODE, which the runtime defines from the ComputeConfig).
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#ifndef DST_ACCUM_MODE
#define DST_ACCUM_MODE false
#endif

template <bool out_of_order_output = false,
          bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void pack_tile(uint32_t ifrom_dst, uint32_t icb,
                      uint32_t output_tile_index = 0) {
  tt_sim::kapi::PackTile(ifrom_dst, icb, output_tile_index, out_of_order_output,
                         is_fp32_dest_acc_en);
}
