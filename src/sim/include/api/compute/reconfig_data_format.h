// Simulated "api/compute/reconfig_data_format.h": change the data format the
// unpackers feed SrcA (and SrcB) with, or the packer writes, to a CB's format
// (tt_sim/data_format.hpp). The (old, new) forms reconfigure only when the
// two CBs' formats differ, as in the release.
#pragma once
#include <cstdint>

#include "api/compute/compute_kernel_hw_startup.h"
#include "tt_sim/kernel_api.hpp"

// reconfig_data_format(icb0, icb1): SrcA from icb0, SrcB from icb1
// (SrcOrder::Reverse swaps them), always.
template <SrcOrder src_order = SrcOrder::Regular>
inline void reconfig_data_format(uint32_t icb0_new_operand,
                                 uint32_t icb1_new_operand) {
  constexpr bool reverse = src_order == SrcOrder::Reverse;
  tt_sim::kapi::ReconfigSrcs(reverse ? icb1_new_operand : icb0_new_operand,
                             reverse ? icb0_new_operand : icb1_new_operand);
}

inline void reconfig_data_format_srca(uint32_t srca_new_operand) {
  tt_sim::kapi::ReconfigSrcA(-1, srca_new_operand);
}

inline void reconfig_data_format_srca(uint32_t srca_old_operand,
                                      uint32_t srca_new_operand) {
  tt_sim::kapi::ReconfigSrcA(srca_old_operand, srca_new_operand);
}

template <bool is_tile_dim_reconfig_en = false>
inline void pack_reconfig_data_format(uint32_t new_cb_id) {
  static_assert(!is_tile_dim_reconfig_en, "tile-dim reconfig: not simulated");
  tt_sim::kapi::PackReconfig(-1, new_cb_id);
}

template <bool is_tile_dim_reconfig_en = false>
inline void pack_reconfig_data_format(uint32_t old_cb_id, uint32_t new_cb_id) {
  static_assert(!is_tile_dim_reconfig_en, "tile-dim reconfig: not simulated");
  tt_sim::kapi::PackReconfig(old_cb_id, new_cb_id);
}
