/*!
 * \file epilogue.h
 * \brief Epilogues on the accumulator: the element-wise ops a kernel applies
 *        to its T.gemm result between the K loop and the output T.copy,
 *        recognized once (MemorySpaceLowerTT) and lowered once (TensorizeTT).
 *
 * TileLang kernels write them as `T.Parallel` loops over the whole
 * accumulator fragment, each element updated from itself:
 *
 *     for i, j in T.Parallel(block_M, block_N):
 *         C_local[i, j] = T.max(C_local[i, j] * 0.5, 0)
 *
 * On Tenstorrent they run on the SFPU, in place on the accumulator's tiles
 * in DST, before they are packed: no extra pass over L1 or DRAM. Supported
 * ops (a chain of them, innermost first): T.max / T.min with a constant
 * (T.max(x, 0) is ReLU), x * c, x + c, x - c. tt.compute records the chain
 * as `epilogue: [{op, value}]`, the plan copies it, and the simulator's
 * reference applies it.
 */
#ifndef TILELANG_TT_SRC_TRANSFORM_EPILOGUE_H_
#define TILELANG_TT_SRC_TRANSFORM_EPILOGUE_H_

#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>
#include <tvm/tirx/buffer.h>
#include <tvm/tirx/stmt.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tilelang_tt {
namespace detail {

/*! \brief One epilogue op: x = op(x, value) (value unused by relu). */
struct EpilogueOp {
  std::string op; // attr.h kEpilogue*
  float value = 0.0f;
};

/*!
 * \brief The ops of one `T.Parallel` nest over `accumulator`, or a
 *        ValueError naming the construct that is not an epilogue we lower.
 * \param loop The outermost T.Parallel loop.
 * \param where "PrimFunc 'f': T.Parallel over 'C_local'", for messages.
 */
std::vector<EpilogueOp> MatchEpilogue(const tvm::tirx::ForNode *loop,
                                      const tvm::tirx::Buffer &accumulator,
                                      const std::string &where);

/*! \brief `v` in decimal, with the digits that read back as the same fp32
 *         value ("0.5", "0.100000001"). */
std::string FloatText(float v);

/*! \brief The fp32 bit pattern of `v` (how the SFPU ops take constants). */
uint32_t FloatBits(float v);

/*! \brief tt.compute's `epilogue` field. */
tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>
EpilogueAttr(const std::vector<EpilogueOp> &ops);

/*! \brief The ops of tt.compute's `epilogue` field (none when absent). */
std::vector<EpilogueOp>
EpilogueFromAttr(const tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> &compute);

/*!
 * \brief The compute kernel's statements for the ops on DST[0..n): for each
 *        op, its SFPU init and the op on every tile. The caller re-inits the
 *        matmul before the next T.gemm (an SFPU init reprograms state the
 *        matmul uses, see src/sim/README.md).
 */
tvm::tirx::Stmt LowerEpilogue(const std::vector<EpilogueOp> &ops, int64_t n);

} // namespace detail
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_TRANSFORM_EPILOGUE_H_
