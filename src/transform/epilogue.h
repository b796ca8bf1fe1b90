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
 * (T.max(x, 0) is ReLU), x * c, x + c, x - c, T.exp(x), T.exp2(x),
 * T.sigmoid(x), T.tanh(x), T.rsqrt(x), x / c (a product by fp32(1 / c)),
 * x * T.sigmoid(x) (SiLU), GELU in its erf form
 * x * 0.5 * (1 + T.erf(x * 0.7071...)) (gelu_tile), and x +, - or * an element
 * of a global bfloat16 tensor at the output element's own position (and, in an
 * element-wise kernel or stage, x / a tensor or a stage's value: recip_tile of
 * it, then a product): a bias
 * vector Bias[col] (broadcast over the rows) or Bias[row] (over the columns),
 * or a residual D[row, col] of the output's shape. tt.compute records the
 * chain as `epilogue: [{op, value}]` / `[{op, operand, broadcast}]`, the plan
 * copies it, and the simulator's reference applies it. An operand is streamed
 * by the reader into a CB of its own, once per output block, and loaded into a
 * free DST tile (unary_bcast for a vector, copy_tile for a residual) for the
 * SFPU's add_binary_tile, sub_binary_tile or mul_binary_tile.
 */
#ifndef TILELANG_TT_SRC_TRANSFORM_EPILOGUE_H_
#define TILELANG_TT_SRC_TRANSFORM_EPILOGUE_H_

#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>
#include <tvm/tirx/buffer.h>
#include <tvm/tirx/stmt.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tilelang_tt {
namespace detail {

/*! \brief One epilogue op: x = op(x, value) (value unused by relu), or
 *         x = op(x, operand) when `operand` names a tensor. */
struct EpilogueOp {
  std::string op;     // attr.h kEpilogue*
  float value = 0.0f; // unused by relu and the functions
  /*! \brief The global tensor of the second operand; empty for a constant. */
  std::string operand;
  /*! \brief attr.h kBroadcast*: how the operand covers the output block. */
  std::string broadcast;
  /*! \brief The CB the reader streams the operand into (MemorySpaceLowerTT
   *         assigns it; -1 for a constant). */
  int64_t cb = -1;
  /*! \brief MemorySpaceLowerTT only: the operand's buffer and, per axis of
   *         it, its index minus the T.Parallel variable (the block's offset,
   *         proven against the output copy's), or the whole index for a
   *         leading (batch) axis. */
  tvm::tirx::Buffer buffer;
  std::vector<tvm::PrimExpr> offsets;
};

/*!
 * \brief The ops of one `T.Parallel` nest over `accumulator`, or a
 *        ValueError naming the construct that is not an epilogue we lower.
 * \param loop The outermost T.Parallel loop.
 * \param where "PrimFunc 'f': T.Parallel over 'C_local'", for messages.
 */
std::vector<EpilogueOp>
MatchEpilogue(const tvm::tirx::ForNode *loop,
              const tvm::tirx::Buffer &accumulator, const std::string &where,
              const std::function<bool(const tvm::tirx::Buffer &)> &is_global);

/*! \brief An element-wise kernel's update, `C[y, x] = f(A[y, x], ...)`: the
 *         tensor the chain of ops starts from and the ops. */
struct ElementwiseExpr {
  /*! \brief The first tensor (op unused; broadcast none). */
  EpilogueOp base;
  std::vector<EpilogueOp> ops;
};

/*!
 * \brief The element-wise update `value` of the element (vars) as a tensor
 *        and a chain of epilogue ops on it (the same ops and operands as an
 *        epilogue, the accumulator replaced by a tensor read at the element's
 *        own position), or a ValueError naming the construct.
 */
ElementwiseExpr MatchElementwise(
    const tvm::PrimExpr &value, const std::vector<tvm::tirx::Var> &vars,
    const std::string &where,
    const std::function<bool(const tvm::tirx::Buffer &)> &is_global);

/*! \brief Whether any op takes a tensor operand (it needs a DST tile). */
bool HasOperands(const std::vector<EpilogueOp> &ops);

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

/*! \brief Where the tiles in DST lie in the output block, for the ops
 *         with a tensor operand. */
struct EpilogueBlock {
  /*! \brief DST holds sub_h x sub_w tiles, row-major, of the output block
   *         of mt x nt tiles, from tile (row0, col0) of it. */
  int64_t sub_h = 0, sub_w = 0, mt = 0, nt = 0;
  tvm::PrimExpr row0, col0;
  /*! \brief A DST tile the accumulator does not use. */
  int64_t scratch = 0;
};

/*!
 * \brief The compute kernel's statements for the ops on the DST tiles of
 *        `block`: for each op, its SFPU init and the op on every tile; a
 *        tensor operand's tile is first loaded into the scratch tile. The
 *        caller waits for and pops the operands' CBs, and re-inits the
 *        matmul before the next T.gemm (an SFPU init reprograms state the
 *        matmul uses, see src/sim/README.md).
 */
tvm::tirx::Stmt LowerEpilogue(const std::vector<EpilogueOp> &ops,
                              const EpilogueBlock &block);

/*!
 * \brief The fp32 value of a constant expression as the epilogue reads one
 *        (a float or integer immediate, a product or quotient of them, a
 *        cast to float32, +/-T.infinity); nullopt for anything else.
 */
std::optional<float> ConstantValue(const tvm::PrimExpr &e);

} // namespace detail
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_TRANSFORM_EPILOGUE_H_
