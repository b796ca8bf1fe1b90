// Simulated "api/compute/eltwise_binary_sfpu.h": add_binary_tile(a, b, out),
// sub_binary_tile and mul_binary_tile make each datum of DST[out] DST[a] +,
// - or * DST[b] on the SFPU (tt_sim/vector_unit.hpp); each one's init sets
// the SFPU up for it.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#ifndef DST_ACCUM_MODE
#define DST_ACCUM_MODE false
#endif

inline void add_binary_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kAddBinary);
}

template <bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void add_binary_tile(uint32_t idst0, uint32_t idst1, uint32_t odst) {
  tt_sim::kapi::SfpuBinaryTile(tt_sim::SfpuOp::kAdd, idst0, idst1, odst,
                               "add_binary_tile");
}

inline void sub_binary_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kSubBinary);
}

template <bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void sub_binary_tile(uint32_t idst0, uint32_t idst1, uint32_t odst) {
  tt_sim::kapi::SfpuBinaryTile(tt_sim::SfpuOp::kSub, idst0, idst1, odst,
                               "sub_binary_tile");
}

inline void mul_binary_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kMulBinary);
}

template <bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void mul_binary_tile(uint32_t idst0, uint32_t idst1, uint32_t odst) {
  tt_sim::kapi::SfpuBinaryTile(tt_sim::SfpuOp::kMul, idst0, idst1, odst,
                               "mul_binary_tile");
}
