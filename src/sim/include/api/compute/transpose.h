// Simulated "api/compute/transpose.h": transpose_tile unpacks a bf16 tile of
// a CB's waited-for front pages, transposed (faces and within each face),
// through SrcA into DST; transpose_init sets the unpacker and FPU up for it
// and, as in the release, changes no data format (tt_sim/data_format.hpp).
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

inline void transpose_init(uint32_t icb) { tt_sim::kapi::TransposeInit(icb); }

inline void transpose_tile(uint32_t icb, uint32_t itile, uint32_t idst) {
  tt_sim::kapi::TransposeTile(icb, itile, idst);
}
