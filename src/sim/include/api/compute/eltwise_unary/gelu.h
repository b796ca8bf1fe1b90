// Simulated "api/compute/eltwise_unary/gelu.h": gelu_tile makes each datum
// of DST[idst] x * Phi(x) = x * (0.5 + 0.5 * erf(x / sqrt 2)) as the
// release's accurate routine computes it on fp32 DST
// (tt_sim/sfpu_functions.hpp GeluFp32); gelu_tile_init sets the SFPU up for
// it. As in the release, `fast_and_approx` defaults to true: the approximate
// (lookup-table) variant, which is not simulated, so a kernel that leaves it
// unset does not compile; nor does gelu_tanh_tile, the pack-thread variants
// or gelu_derivative_tile. On 16-bit DST gelu_tile faults (the release's
// piecewise bf16 routine is not simulated).
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#ifndef DST_ACCUM_MODE
#define DST_ACCUM_MODE false
#endif

template <bool fast_and_approx = true,
          bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void gelu_tile_init() {
  static_assert(!fast_and_approx,
                "gelu_tile_init<true> (the approximate GELU, the release's "
                "default) is not simulated; use gelu_tile_init<false>()");
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kGelu);
}

template <bool fast_and_approx = true,
          bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void gelu_tile(uint32_t idst) {
  static_assert(!fast_and_approx,
                "gelu_tile<true> (the approximate GELU, the release's "
                "default) is not simulated; use gelu_tile<false>(idst)");
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kGelu, idst, 0, "gelu_tile");
}
