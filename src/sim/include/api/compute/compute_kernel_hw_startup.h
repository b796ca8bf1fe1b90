// Simulated "api/compute/compute_kernel_hw_startup.h": one-time configuration
// of unpacker, math and packer for the given input and output CBs.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

// Regular: icb0 -> SrcA, icb1 -> SrcB; Reverse: icb0 -> SrcB, icb1 -> SrcA (the
// operand routing only matters to hardware; the simulator computes in0 @ in1).
enum class SrcOrder : uint8_t { Regular = 0, Reverse = 1 };

template <SrcOrder order = SrcOrder::Regular>
inline void compute_kernel_hw_startup(uint32_t in0_cb, uint32_t in1_cb,
                                      uint32_t out_cb) {
  tt_sim::kapi::HwStartup(in0_cb, in1_cb, out_cb);
}
