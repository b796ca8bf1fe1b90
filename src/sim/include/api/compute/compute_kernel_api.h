// Simulated "api/compute/compute_kernel_api.h", the part the emitted kernels
// use: unary_max_tile / unary_min_tile make each datum of DST[idst] the max /
// min of itself and a constant (its fp32 bit pattern) on the SFPU
// (tt_sim/vector_unit.hpp); their inits set the SFPU up for them.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#ifndef DST_ACCUM_MODE
#define DST_ACCUM_MODE false
#endif

// The release's `is_fp32_dest_acc_en` template arguments are accepted and
// ignored: the simulator runs each routine in the DST mode the host's
// ComputeConfig set (tt_sim/dst_register_file.hpp).

inline void unary_max_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kMax);
}

inline void unary_max_tile(uint32_t idst, uint32_t param0) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kMax, idst, param0, "unary_max_tile");
}

inline void unary_min_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kMin);
}

inline void unary_min_tile(uint32_t idst, uint32_t param0) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kMin, idst, param0, "unary_min_tile");
}

// sigmoid_tile / silu_tile: the release's accurate sigmoid(x) and
// x * sigmoid(x) (tt_sim/sfpu_functions.hpp). `fast_and_approx` picks the
// release's approximate sigmoid, which is not simulated: it faults.
template <bool fast_and_approx = false> inline void sigmoid_tile_init() {
  static_assert(!fast_and_approx,
                "sigmoid_tile_init<true> (approximate) is not simulated");
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kSigmoid);
}

template <int vec_mode = 0, bool fast_and_approx = false,
          bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void sigmoid_tile(uint32_t idst) {
  static_assert(vec_mode == 0,
                "sigmoid_tile: only VectorMode::RC is simulated");
  static_assert(!fast_and_approx,
                "sigmoid_tile<..., true> (approximate) is not simulated");
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kSigmoid, idst, 0, "sigmoid_tile");
}

// abs_tile: |x| (tt_sim/vector_unit.hpp), exact in any DST mode.
inline void abs_tile_init() { tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kAbs); }

inline void abs_tile(uint32_t idst) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kAbs, idst, 0, "abs_tile");
}

inline void silu_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kSilu);
}

template <bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void silu_tile(uint32_t idst) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kSilu, idst, 0, "silu_tile");
}

// tanh_tile: the release's accurate tanh(x) (tt_sim/sfpu_functions.hpp);
// `fast_and_approx` (a lookup table) is not simulated.
template <bool fast_and_approx = false,
          bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void tanh_tile_init() {
  static_assert(!fast_and_approx,
                "tanh_tile_init<true> (approximate) is not simulated");
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kTanh);
}

template <bool fast_and_approx = false,
          bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void tanh_tile(uint32_t idst) {
  static_assert(!fast_and_approx,
                "tanh_tile<true> (approximate) is not simulated");
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kTanh, idst, 0, "tanh_tile");
}

// exp2_tile: the release's 2^x (tt_sim/sfpu_functions.hpp; its accurate
// routines, which it runs whatever its APPROXIMATE argument says).
template <bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void exp2_tile_init() {
  tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kExp2);
}

template <bool is_fp32_dest_acc_en = DST_ACCUM_MODE>
inline void exp2_tile(uint32_t idst) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kExp2, idst, 0, "exp2_tile");
}
