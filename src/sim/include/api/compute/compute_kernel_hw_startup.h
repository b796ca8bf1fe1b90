// Simulated "api/compute/compute_kernel_hw_startup.h": one-time configuration
// of unpacker, math and packer for the given input and output CBs.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

// Regular: icb0 -> SrcA, icb1 -> SrcB; Reverse: icb0 -> SrcB, icb1 -> SrcA,
// as matmul needs (tt_sim/data_format.hpp: the formats each source is set to).
enum class SrcOrder : uint8_t { Regular = 0, Reverse = 1 };

template <SrcOrder order = SrcOrder::Regular>
inline void compute_kernel_hw_startup(uint32_t in0_cb, uint32_t in1_cb,
                                      uint32_t out_cb) {
  tt_sim::kapi::HwStartup(in0_cb, in1_cb, out_cb, order == SrcOrder::Reverse);
}

// One input CB: both sources are set up from it (the release's overload
// passes icb0 for both).
inline void compute_kernel_hw_startup(uint32_t in_cb, uint32_t out_cb) {
  tt_sim::kapi::HwStartup(in_cb, in_cb, out_cb, false);
}
