// Simulated "api/compute/eltwise_unary/rsqrt.h": rsqrt_tile makes each datum
// of DST[idst] 1 / sqrt(x) as the release's calculate_rsqrt computes it on
// fp32 DST (tt_sim/sfpu_functions.hpp Rsqrt); rsqrt_tile_init sets the SFPU
// up for it. RsqrtMode::Fast and an explicit 16-bit DST do not compile;
// rsqrt_tile on 16-bit DST faults (ComputeConfig::math_approx_mode, which
// selects the approximate routine, is refused by the simulator).
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

namespace ckernel {
enum class RsqrtMode { Default, Fast };
} // namespace ckernel

inline void rsqrt_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kRsqrt);
}

template <ckernel::RsqrtMode mode = ckernel::RsqrtMode::Default,
          bool is_fp32_dest_acc_en = true>
inline void rsqrt_tile(uint32_t idst) {
  static_assert(mode == ckernel::RsqrtMode::Default,
                "rsqrt_tile<RsqrtMode::Fast> is not simulated");
  static_assert(is_fp32_dest_acc_en,
                "rsqrt_tile<..., false> (16-bit DST) is not simulated");
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kRsqrt, idst, 0, "rsqrt_tile");
}
