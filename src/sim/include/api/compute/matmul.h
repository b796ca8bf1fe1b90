// Simulated "api/compute/matmul.h": DST[dst] += tile(in0, i0) @ tile(in1, i1)
// (in1's tile transposed after matmul_init(..., transpose))
// with the matrix unit's numerics in the DST mode (tt_sim/matrix_unit.hpp),
// reading tiles among the pages the kernel waited for at the CBs' front.
#pragma once
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

inline void matmul_init(uint32_t in0_cb, uint32_t in1_cb,
                        const uint32_t transpose = 0) {
  tt_sim::kapi::MatmulInit(in0_cb, in1_cb, transpose);
}

inline void matmul_tiles(uint32_t in0_cb, uint32_t in1_cb,
                         uint32_t in0_tile_index, uint32_t in1_tile_index,
                         uint32_t idst) {
  tt_sim::kapi::MatmulTiles(in0_cb, in1_cb, in0_tile_index, in1_tile_index,
                            idst);
}
