// Simulated "api/compute/compute_kernel_hw_startup.h": one-time configuration
// of unpacker, math and packer for the given input and output CBs.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

enum class SrcOrder { Direct, Reverse };

template <SrcOrder order = SrcOrder::Direct>
inline void compute_kernel_hw_startup(uint32_t in0_cb, uint32_t in1_cb,
                                      uint32_t out_cb) {
  tt_sim::kapi::HwStartup(in0_cb, in1_cb, out_cb);
}
