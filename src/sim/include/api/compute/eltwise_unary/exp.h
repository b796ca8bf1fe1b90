// Simulated "api/compute/eltwise_unary/exp.h": exp_tile makes each datum of
// DST[idst] exp(x) as the release's accurate routine computes it
// (tt_sim/sfpu_functions.hpp); exp_tile_init sets the SFPU up for it. The
// approximate variant (`approx`), input scaling and other vector modes are
// not simulated: a kernel asking for them does not compile.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

inline void exp_tile_init() { tt_sim::kapi::SfpuSetUp(tt_sim::SfpuInit::kExp); }

template <bool approx> inline void exp_tile_init() {
  static_assert(!approx, "exp_tile_init<true> (approximate) is not simulated");
  exp_tile_init();
}

inline void exp_tile(uint32_t idst) {
  tt_sim::kapi::SfpuTile(tt_sim::SfpuOp::kExp, idst, 0, "exp_tile");
}

template <bool approx, bool scale_en = false>
inline void exp_tile(uint32_t idst) {
  static_assert(!approx, "exp_tile<true> (approximate) is not simulated");
  static_assert(!scale_en,
                "exp_tile<..., true> (input scaling) is not simulated");
  exp_tile(idst);
}
