/*!
 * \file matmul_indexing.h
 * \brief Proof that a kernel's T.copy offsets make it compute C = A @ B.
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
  /*! \brief The global tensor, its static shape in elements. */
  std::string tensor;
  std::vector<int64_t> shape;
  /*! \brief First tile of the block (Bind variables substituted). */
  tvm::PrimExpr row, col;
  /*! \brief The block's size in tiles. */
  int64_t rows = 0, cols = 0;
};

/*!
 * \brief ValueError (naming `func`) unless the kernel computes C = A @ B.
 *
 * \param grid The launch grid (blockIdx.x / blockIdx.y loops).
 * \param k_loops The kernel's own loops around the T.gemm (at most one: K).
 * \param tile Tile edge in elements.
 *
 * Proven: the shapes chain (A M x K, B K x N -- N x K with transpose_b --,
 * C M x N); the K loop starts at 0 with step 1 and covers K; A's block is
 * (C's block row, k * block_K) and B's (k * block_K, C's block column), or
 * (C's block column, k * block_K) with transpose_b; evaluated at every block
 * of the launch
 * grid, C's block offsets tile the output exactly once, and every
 * intermediate value of those index expressions is a non-negative 32-bit
 * value (the kernels compute indices in uint32_t).
 */
void ProveMatmulIndexing(const std::string &func, const LaunchGrid &grid,
                         const std::vector<const tvm::tirx::ForNode *> &k_loops,
                         const BlockAccess &a, const BlockAccess &b,
                         const BlockAccess &c, bool transpose_b, int64_t tile);

} // namespace detail
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_TRANSFORM_MATMUL_INDEXING_H_
