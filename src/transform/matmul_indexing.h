/*!
 * \file matmul_indexing.h
 * \brief Proof that a kernel's T.copy offsets make it compute C = A @ B
 *        (and that an element-wise kernel writes every output block once).
 *
 * The plan's `compute` section says "C = A @ B" and the simulator judges the
 * program against that. MemorySpaceLowerTT lowers whatever offsets the user
 * wrote, so before it records the claim it proves it from the IR: every
 * output block is written exactly once, from the row panel of A and the
 * column panel of B that belong to it, summed over all of K. A kernel that
 * computes anything else is refused, naming the copy and the offset.
 */
#ifndef TILELANG_TT_SRC_TRANSFORM_MATMUL_INDEXING_H_
#define TILELANG_TT_SRC_TRANSFORM_MATMUL_INDEXING_H_

#include <tvm/ir/expr.h>
#include <tvm/tirx/stmt.h>
#include <tvm/tirx/var.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common.h"

namespace tilelang_tt {
namespace detail {

/*! \brief One T.copy between a global tensor and a block, in tile units. */
struct BlockAccess {
  /*! \brief The copy, for messages: "T.copy into 'A_shared'". */
  std::string copy;
  /*! \brief The global tensor, its static shape in elements: of a batched
   *         tensor, one matrix's (rows, cols), its leading axes (in their
   *         stored order) in `batch_shape` (empty for a 2-D or 1-D tensor). */
  std::string tensor;
  std::vector<int64_t> shape, batch_shape;
  /*! \brief The tensor's shape as declared (its own axis order), and its
   *         axes in the stored order (empty: the declared order). */
  std::vector<int64_t> declared, axes;
  /*! \brief First tile of the block (Bind variables substituted). */
  tvm::PrimExpr row, col;
  /*! \brief A batched tensor's matrix index in the stored order (undefined
   *         for a 2-D tensor). */
  tvm::PrimExpr batch;
  /*! \brief The block's size in tiles. */
  int64_t rows = 0, cols = 0;
};

/*! \brief "'C' (2, 96, 3, 64)" for messages: the tensor and its declared
 *         shape, and its stored shape where the order differs ("stored as
 *         (2, 3, 96, 64)"). */
std::string Shape(const BlockAccess &t);

/*! \brief One index of the block nest: a launch index or a loop around the
 *         whole output block (a batch or persistent-wave loop). */
struct NestDim {
  tvm::tirx::Var var;
  int64_t min = 0, extent = 0;
};

/*!
 * \brief How a kernel walks its output blocks: every point of `dims` (launch
 *        grid x loops around T.clear .. the output T.copy) whose `guards`
 *        (the `if`s around the block, Bind variables substituted) all hold
 *        computes one output block.
 */
struct BlockNest {
  std::vector<NestDim> dims;
  std::vector<tvm::PrimExpr> guards;
};

/*! \brief The output block each point of the nest computes (tile units of
 *         the block grid): batch, block row, block column. */
struct OutputBlocks {
  int64_t batch = 1, block_rows = 0, block_cols = 0;
};

/*!
 * \brief ValueError (naming `func`) unless the kernel computes C = A @ B.
 *
 * \param nest The block nest (launch indices, loops and guards).
 * \param k_loops The kernel's own loops around the T.gemm (at most one: K).
 * \param tile Tile edge in elements.
 *
 * Proven: the shapes chain (A M x K -- K x M with transpose_a --, B K x N --
 * N x K with transpose_b --,
 * C M x N; a rank-3 C has a batch axis that a rank-3 A or B shares, a 2-D A
 * or B is used by every batch) and a batched operand's block is in C's
 * batch; the K loop starts at 0 with step 1 and covers K; A's block is
 * (C's block row, k * block_K) and B's (k * block_K, C's block column), or
 * (C's block column, k * block_K) with transpose_b (A's (k * block_K, C's
 * block row) with transpose_a); evaluated at every point
 * of the nest whose guards hold, C's block offsets tile the output exactly
 * once, and every intermediate value of the index expressions is a
 * non-negative 32-bit value.
 * \return The output's block grid, which the lowered kernel walks instead of
 *         the nest (MemorySpaceLowerTT).
 */
OutputBlocks
ProveMatmulIndexing(const std::string &func, const BlockNest &nest,
                    const std::vector<const tvm::tirx::ForNode *> &k_loops,
                    const BlockAccess &a, const BlockAccess &b,
                    const BlockAccess &c, bool transpose_a, bool transpose_b,
                    int64_t tile);

/*!
 * \brief ValueError (naming `func`) unless C's block offsets, evaluated at
 *        every point of the nest whose guards hold, tile the output exactly
 *        once (the last step of ProveMatmulIndexing; an element-wise kernel,
 *        whose inputs are read at C's own offsets, needs only this).
 * \return The output's block grid.
 */
OutputBlocks ProveBlockCoverage(const std::string &func, const BlockNest &nest,
                                const BlockAccess &c, int64_t tile);

/*!
 * \brief ValueError (naming `func`) unless the kernel computes c[i] =
 *        reduce(a[i, :]) (`rows`) or c[j] = reduce(a[:, j]): a is 2-D
 *        (M, N), c the column vector (M, 1) or the row vector (1, N) of a
 *        1-D tensor; a's block spans all of N (M) and has c's rows (columns);
 *        at every point of the nest whose guards hold a's block starts at
 *        c's block row and column 0 (c's block column and row 0), and c's
 *        blocks tile the output exactly once.
 *        With `loop` (a loop of stages around a's T.copy, summing its
 *        blocks into a value the reduction reads: rms_norm_splitk), a's
 *        block spans N (M) over the loop's iterations instead: at every point
 *        of the nest, the blocks of the iterations start at c's block row
 *        (column) and their columns (rows) are each of N's blocks once.
 * \return The output's block grid.
 */
OutputBlocks ProveReduction(const std::string &func, const BlockNest &nest,
                            const BlockAccess &a, const BlockAccess &c,
                            bool rows, int64_t tile,
                            const tvm::tirx::ForNode *loop = nullptr);

} // namespace detail
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_TRANSFORM_MATMUL_INDEXING_H_
