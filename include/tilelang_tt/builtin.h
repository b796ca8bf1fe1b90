/*!
 * \file tilelang_tt/builtin.h
 * \brief The TT intrinsics the TT passes write into TIR and the code
 *        generators turn into TT-Metalium calls.
 *
 * One table, `X(name, num_inputs, doc)`: each entry is a TVM Op named
 * `tl.tt.<name>` (printed as `T.tt_<name>(...)`) with an accessor
 * `tilelang_tt::builtin::<name>()`. CB arguments are circular buffer indices
 * (`c_<index>`); "slot" is a tile position inside the pages reserved or
 * waited for (0 = first). All are opaque calls: they move data or block.
 */
#ifndef TILELANG_TT_BUILTIN_H_
#define TILELANG_TT_BUILTIN_H_

#include <tvm/ir/op.h>

namespace tilelang_tt {

#define TILELANG_TT_BUILTINS(X)                                                \
  X(runtime_arg, 1, "int32 (index): this core's runtime argument `index`.")    \
  X(cb_reserve_back, 2, "(cb, n): producer waits for n free pages.")           \
  X(cb_push_back, 2, "(cb, n): producer publishes n pages.")                   \
  X(cb_wait_front, 2, "(cb, n): consumer waits for n filled pages.")           \
  X(cb_pop_front, 2, "(cb, n): consumer frees n pages.")                       \
  X(read_tile, 6,                                                              \
    "(buffer, tile_row, tile_col, cb, slot, batch): start reading tile "       \
    "(row, col) of matrix `batch` of the interleaved buffer (page (batch * "   \
    "tile_rows + row) * tiles_per_row + col) into the reserved CB slot.")      \
  X(zero_tile, 2, "(cb, slot): fill the reserved CB slot with zeros.")         \
  X(noc_async_read_barrier, 0, "(): wait until every started read landed.")    \
  X(write_tile, 6,                                                             \
    "(buffer, tile_row, tile_col, cb, slot, batch): start writing the front "  \
    "CB slot to tile (row, col) of matrix `batch` of the interleaved buffer.") \
  X(noc_async_write_barrier, 0, "(): wait until every started write left.")    \
  X(matmul_init, 4,                                                            \
    "(cb_a, cb_b, cb_out, transpose_b): configure the FPU for matmul.")        \
  X(tile_regs_acquire, 0, "(): math takes the DST registers (zeroed).")        \
  X(tile_regs_commit, 0, "(): math hands DST to the packer.")                  \
  X(tile_regs_wait, 0, "(): packer waits for DST.")                            \
  X(tile_regs_release, 0, "(): packer releases DST.")                          \
  X(gemm_block, 6,                                                             \
    "(cb_a, cb_b, m_tiles, n_tiles, k_tiles, transpose_b): DST[m, n] += "      \
    "A[m, k] @ B[k, n] over row-major tile blocks at the CB fronts (B's "      \
    "block N x K when transpose_b); lowered by TensorizeTT.")                  \
  X(matmul_block_init, 7,                                                      \
    "(cb_a, cb_b, cb_out, transpose_b, ct, rt, kt): configure the FPU for "    \
    "matmul_block on rt x ct-tile sub-blocks (A's block rt x kt tiles).")      \
  X(matmul_block_reinit, 6,                                                    \
    "(cb_a, cb_b, transpose_b, ct, rt, kt): set the unpacker and FPU up for "  \
    "matmul_block again.")                                                     \
  X(matmul_block, 9,                                                           \
    "(cb_a, cb_b, a_slot, b_slot, dst, transpose_b, ct, rt, kt): for r < rt, " \
    "c < ct: DST[dst + r * ct + c] += A tile a_slot + r * kt @ B tile "        \
    "b_slot + c.")                                                             \
  X(matmul_tiles, 5,                                                           \
    "(cb_a, cb_b, a_slot, b_slot, dst): DST[dst] += A tile @ B tile.")         \
  X(pack_tile, 3, "(dst, cb, slot): convert DST[dst] into the CB slot.")       \
  X(matmul_reinit, 3,                                                          \
    "(cb_a, cb_b, transpose_b): set the unpacker and FPU up for matmul "       \
    "again.")                                                                  \
  X(copy_init, 1, "(cb): set the unpacker up for copy_tile from cb.")          \
  X(copy_tile, 3, "(cb, slot, dst): DST[dst] = the CB's waited-for slot.")     \
  X(reconfig_srca, 2,                                                          \
    "(old_cb, new_cb): SrcA's data format becomes new_cb's.")                  \
  X(pack_reconfig, 2,                                                          \
    "(old_cb, new_cb): the packer's output format becomes new_cb's (old_cb "   \
    "-1: whatever it was).")                                                   \
  X(transpose_block, 4,                                                        \
    "(cb_in, cb_out, rows, cols): push the transpose of the rows x cols-tile " \
    "block at cb_in's front into cb_out (cols x rows tiles, each tile "        \
    "transposed); lowered by TensorizeTT.")                                    \
  X(transpose_init, 1,                                                         \
    "(cb): set the unpacker and FPU up for transpose_tile from cb.")           \
  X(transpose_tile, 3,                                                         \
    "(cb, slot, dst): DST[dst] = the transpose of the CB's waited-for slot.")  \
  X(epilogue_block, 1,                                                         \
    "(n): apply tt.compute's epilogue to DST[0..n) before they are packed; "   \
    "lowered by TensorizeTT.")                                                 \
  X(sfpu_init, 1,                                                              \
    "(op): set the SFPU up for the epilogue op `op` (a string).")              \
  X(sfpu_tile, 3,                                                              \
    "(op, dst, value): DST[dst] = op(DST[dst], value) on the SFPU; value the " \
    "fp32 bit pattern of the op's constant (0 for relu).")                     \
  X(eltwise_block, 3,                                                          \
    "(cb_in, m_tiles, n_tiles): an element-wise kernel's block: each tile "    \
    "at cb_in's front through DST, tt.compute's epilogue applied, packed "     \
    "into the output CB; lowered by TensorizeTT.")                             \
  X(hw_startup, 2,                                                             \
    "(cb_in, cb_out): configure unpacker, FPU and packer for ops from cb_in "  \
    "into cb_out (once).")                                                     \
  X(bcast_init, 2,                                                             \
    "(cb, broadcast): set the unpacker and FPU up for bcast_tile from cb "     \
    "(broadcast: attr.h kBroadcastRow / kBroadcastCol).")                      \
  X(bcast_tile, 4,                                                             \
    "(cb, slot, dst, broadcast): DST[dst] = the CB's waited-for slot with "    \
    "its first row (row) or first column (col) repeated over the tile.")       \
  X(sfpu_binary_init, 1,                                                       \
    "(op): set the SFPU up for the epilogue op `op` between two DST tiles.")   \
  X(sfpu_binary_tile, 4,                                                       \
    "(op, dst0, dst1, out): DST[out] = op(DST[dst0], DST[dst1]) on the "       \
    "SFPU.")                                                                   \
  X(reduce_block, 4,                                                           \
    "(cb_in, cb_scaler, m_tiles, n_tiles): a reduce kernel's block: each row " \
    "(column) of tiles of the m x n-tile block at cb_in's front reduced "      \
    "along its rows (columns: tt.compute reduce, reduce_dim) into one tile, "  \
    "packed into the output CB; lowered by TensorizeTT.")                      \
  X(reduce_init, 5,                                                            \
    "(cb_in, cb_scaler, cb_out, reduce, dim): set the unpackers, the FPU and " \
    "the packer up for reduce_tile (reduce: attr.h kReduceSum / kReduceMax; "  \
    "dim: kReduceDimRow / kReduceDimCol).")                                    \
  X(reduce_tile, 6,                                                            \
    "(cb_in, cb_scaler, slot, dst, reduce, dim): column 0 (row 0) of "         \
    "DST[dst] gets the reduction of each row (column) of the CB's "            \
    "waited-for slot, accumulated.")                                           \
  X(reduce_uninit, 1, "(cb_in): the packer's edge mask back to its default.")  \
  X(reconfig_srcs, 2,                                                          \
    "(cb_srca, cb_srcb): SrcA's data format becomes cb_srca's, SrcB's "        \
    "cb_srcb's.")                                                              \
  X(fill_scaler, 2,                                                            \
    "(cb, slot): write the reduce scaler tile (1.0 in the first row of each "  \
    "face, 0 elsewhere) into the reserved CB slot.")                           \
  X(fill_mask_tile, 4,                                                         \
    "(cb, slot, row, col): write a Float32 mask tile into the reserved CB "    \
    "slot: element (i, j) the mask stage's value where row + i >= col + j, "   \
    "else its otherwise (tt.compute stage op mask).")

namespace builtin {
#define TILELANG_TT_DECLARE_BUILTIN(name, num_inputs, doc)                     \
  const tvm::Op &name();
TILELANG_TT_BUILTINS(TILELANG_TT_DECLARE_BUILTIN)
#undef TILELANG_TT_DECLARE_BUILTIN
} // namespace builtin

} // namespace tilelang_tt

#endif // TILELANG_TT_BUILTIN_H_
