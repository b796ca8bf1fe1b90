// Simulated "api/compute/matmul.h": DST[dst] += tile(in0, i0) @ tile(in1, i1)
// (in1's tile transposed after matmul_init(..., transpose)); matmul_block
// does that for each tile (r, c) of an rt_dim x ct_dim sub-block, A's tile
// i0 + r * kt_dim and B's i1 + c into DST[idst + r * ct_dim + c], after a
// matmul_block_init with the same dims
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

inline void matmul_block_init(uint32_t in0_cb, uint32_t in1_cb,
                              const uint32_t transpose = 0, uint32_t ct_dim = 1,
                              uint32_t rt_dim = 1, uint32_t kt_dim = 1) {
  tt_sim::kapi::MatmulBlockInit(in0_cb, in1_cb, transpose, ct_dim, rt_dim,
                                kt_dim);
}

inline void matmul_block(uint32_t in0_cb, uint32_t in1_cb,
                         uint32_t in0_tile_index, uint32_t in1_tile_index,
                         uint32_t idst, const uint32_t transpose,
                         uint32_t ct_dim, uint32_t rt_dim, uint32_t kt_dim) {
  tt_sim::kapi::MatmulBlock(in0_cb, in1_cb, in0_tile_index, in1_tile_index,
                            idst, transpose, ct_dim, rt_dim, kt_dim);
}
