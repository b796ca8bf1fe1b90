// Simulated "api/compute/eltwise_unary/recip.h": recip_tile makes each datum
// of DST[idst] 1 / x as the release's calculate_reciprocal computes it on
// fp32 DST (sfpu_reciprocal_iter<2>: tt_sim/sfpu_functions.hpp Reciprocal);
// recip_tile_init sets the SFPU up for it. The release's template arguments
// (ReciprocalDestAcc, ReciprocalApproxMode) are accepted; the DEST precision
// follows the ComputeConfig, the approximation its math_approx_mode, which the
// simulator refuses when set (device.cc): the default is the precise routine.
// An explicit BF16 DEST or the approximate mode does not compile, nor does a
// vector mode argument (VectorMode::RC only); recip_tile on 16-bit DST faults.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

namespace ckernel {
enum class ReciprocalDestAcc { BF16, FP32, kFromConfig };
enum class ReciprocalApproxMode { Default, Precise, Approximate };
} // namespace ckernel

template <ckernel::ReciprocalDestAcc dest_acc =
              ckernel::ReciprocalDestAcc::kFromConfig,
          ckernel::ReciprocalApproxMode approximation =
              ckernel::ReciprocalApproxMode::Default>
inline void recip_tile_init() {
  static_assert(dest_acc != ckernel::ReciprocalDestAcc::BF16,
                "recip_tile_init<BF16> is not simulated");
  static_assert(approximation != ckernel::ReciprocalApproxMode::Approximate,
                "recip_tile_init<..., Approximate> is not simulated");
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kRecip);
}

template <ckernel::ReciprocalDestAcc dest_acc =
              ckernel::ReciprocalDestAcc::kFromConfig,
          ckernel::ReciprocalApproxMode approximation =
              ckernel::ReciprocalApproxMode::Default>
inline void recip_tile(uint32_t idst) {
  static_assert(dest_acc != ckernel::ReciprocalDestAcc::BF16,
                "recip_tile<BF16> is not simulated");
  static_assert(approximation != ckernel::ReciprocalApproxMode::Approximate,
                "recip_tile<..., Approximate> is not simulated");
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kRecip, idst, 0, "recip_tile");
}
