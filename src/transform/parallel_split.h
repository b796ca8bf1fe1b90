/*!
 * \file parallel_split.h
 * \brief A `T.Parallel` nest of several updates, or of an update whose value
 *        is not one chain of ops, as a sequence of nests of one chain each.
 *
 * TileLang kernels write the statistics of a norm in one loop, reading in
 * the second statement what the first wrote at the same element:
 *
 *     for i in T.Parallel(blk_m):
 *         mean_row[i] = sum_row[i] * inv_D
 *         rstd_row[i] = T.rsqrt(sumsq_row[i] * inv_D - mean_row[i] *
 * mean_row[i] + eps)
 *
 * A compute stage (stages.h) applies one chain of ops (epilogue.h) to one
 * value, each op with a constant or one tensor element. So the nest becomes
 * one nest per store, in order (each element depends on its own position
 * only, so the order of the loops is the order of the statements), with the
 * nest's `Bind`s (`norm = ...`) substituted, and an operand that is itself
 * an expression of tensors (`mean_row[i] * mean_row[i]` above) computed
 * first into a new fragment of its own type (`mean_row_t0`) read back at
 * the element: TileLang's own IR computes that product in bfloat16 too, a
 * widening cast around it making it float32 afterwards.
 */
#ifndef TILELANG_TT_SRC_TRANSFORM_PARALLEL_SPLIT_H_
#define TILELANG_TT_SRC_TRANSFORM_PARALLEL_SPLIT_H_

#include <tvm/tirx/buffer.h>
#include <tvm/tirx/stmt.h>

#include <vector>

namespace tilelang_tt {
namespace detail {

/*! \brief The nests a T.Parallel nest becomes, and the fragments made for
 *         the operands computed first (shape: the nest's extents). */
struct SplitNests {
  std::vector<tvm::tirx::For> nests;
  std::vector<tvm::tirx::Buffer> temps;
};

/*!
 * \brief `loop` (the outermost loop of a T.Parallel nest with constant
 *        extents) as nests of one store each whose value is one chain; an
 *        empty result when it already is one (or is not a nest of stores
 *        and Binds, left to the caller's messages). An expression with
 *        T.erf (GELU's form, matched whole) is not split.
 */
SplitNests SplitParallel(const tvm::tirx::For &loop);

} // namespace detail
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_TRANSFORM_PARALLEL_SPLIT_H_
