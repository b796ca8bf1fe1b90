// Simulated "api/compute/eltwise_unary/binop_with_scalar.h": add_unary_tile /
// mul_unary_tile add a constant to / multiply by a constant each datum of
// DST[idst] on the SFPU (tt_sim/vector_unit.hpp); the constant is its fp32
// bit pattern. binop_with_scalar_tile_init sets the SFPU up for both.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#ifndef DST_ACCUM_MODE
#define DST_ACCUM_MODE false
#endif

inline void binop_with_scalar_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kBinopWithScalar);
}

template <bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void add_unary_tile(uint32_t idst, uint32_t param1) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kAdd, idst, param1, "add_unary_tile");
}

template <bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void mul_unary_tile(uint32_t idst, uint32_t param1) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kMul, idst, param1, "mul_unary_tile");
}
