// Simulated "api/compute/reconfig_data_format.h": change the data format the
// unpacker feeds SrcA with, or the packer writes, to a CB's format
// (tt_sim/data_format.hpp). The (old, new) forms reconfigure only when the
// two CBs' formats differ, as in the release.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

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
