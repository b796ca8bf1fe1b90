/*!
 * \file stages.h
 * \brief The stages of a compute program that is more than one step
 *        (tt.compute op `stages`, issue #19): a reduction whose result an
 *        element-wise update reads back, as a norm or a softmax does.
 *
 * Each stage computes one value of the output block from tensors and the
 * values of earlier stages: `reduce` (c[i] = reduce(in[i, :]) or along
 * columns), `eltwise` (c = epilogue(in), the epilogue's operands tensors or
 * earlier values, a reduced vector broadcast over the block), `fill` (c =
 * a constant, the start of a value a loop carries) or `matmul` (c = in @ b,
 * or in @ b^T: attention's scores Q @ K^T, multiplied by the matrix unit).
 * Stages may run in a loop (`loop`): each iteration reads a block of the
 * tensors it slices and may update a value in place (rms_norm_splitk's A_local
 * += x * x). A value between stages lives in an intermediate CB (compute's
 * own): the stage that makes it packs it there, the stages that read it wait
 * for it once and the last one pops it. MemorySpaceLowerTT records the stages
 * once; TensorizeTT expands them, the emitters describe them and the plan
 * copies them, where the simulator's reference evaluates them in order.
 */
#ifndef TILELANG_TT_SRC_TRANSFORM_STAGES_H_
#define TILELANG_TT_SRC_TRANSFORM_STAGES_H_

#include <tvm/ffi/container/array.h>
#include <tvm/ffi/container/map.h>

#include <cstdint>
#include <string>
#include <vector>

#include "epilogue.h"

namespace tilelang_tt {
namespace detail {

/*! \brief A tensor a loop of stages reads a block of per iteration: at
 *         iteration k, elements [(step * k + start) * size, + size) along
 *         `axis` (all of the other axis). */
struct LoopSlice {
  std::string tensor;
  int64_t axis = 1, size = 0, step = 1, start = 0;
};

/*! \brief The loop of stages a stage runs in (TIR's serial loop around
 *         them, kept in the IR): stages of one loop share `id`. */
struct StageLoop {
  int64_t id = -1, extent = 0;
  /*! \brief A bound per output block (flash attention's causal loop,
   *         T.min(T.ceildiv(seq, block_N), T.ceildiv((bx + 1) * block_M,
   *         block_N))): the block whose first row is r0 (of bound_rows rows)
   *         runs min(extent, ceil((r0 + bound_add) / bound_div)) iterations;
   *         none when bound_div is 0. */
  int64_t bound_rows = 0, bound_add = 0, bound_div = 0;
  bool bounded() const { return bound_div > 0; }
  std::vector<LoopSlice> slices;
  /*! \brief The CBs of tensor blocks the stage reads in every iteration
   *         that the reader pushes once per output block, before the loop
   *         (a T.copy outside it: flash attention's Q block). */
  std::vector<int64_t> fixed;
  bool defined() const { return id >= 0; }
};

/*! \brief One stage of tt.compute's `stages`. */
struct ComputeStage {
  /*! \brief attr.h kOpEltwise, kOpReduce, kOpFill, kOpMask or kOpMatmul. */
  std::string op;
  /*! \brief The tensor or earlier value it starts from, and its value (the
   *         output tensor for the last stage, else the fragment's name). */
  std::string in, out;
  /*! \brief The CBs `in` is read from and `out` is packed into. */
  int64_t cb_in = -1, cb_out = -1;
  /*! \brief op reduce: kReduceSum / kReduceMax along kReduceDim*. */
  std::string reduce, reduce_dim;
  /*! \brief op eltwise: the ops on `in`, operands tensors or values. */
  std::vector<EpilogueOp> epilogue;
  /*! \brief op fill: the constant (no `in`; cb_in -1), and the value's
   *         shape in elements, over the whole output as the plan states
   *         values: a block (the output's rows, the fragment's columns), or
   *         a vector of one value per row (the output's rows). */
  double value = 0;
  std::vector<int64_t> shape;
  /*! \brief op matmul: the right operand (a tensor or earlier value), the
   *         CB it is read from, and whether it is used transposed (an N x K
   *         block: T.gemm's transpose_B). `in` is the left operand. */
  std::string b;
  int64_t cb_b = -1;
  bool transpose_b = false;
  /*! \brief op matmul: out = out + in @ b, the product added to the
   *         version of `out` before (a value the stage's loop carries:
   *         flash attention's acc_o += P @ V), which it reads. */
  bool accumulate = false;
  /*! \brief op matmul that accumulates: the CB the version of `out` before
   *         is read from: cb_out for a value the loop carries (updated in
   *         place), a mask stage's CB for a product added onto a mask. */
  int64_t cb_acc = -1;
  /*! \brief op mask (flash attention's causal mask, a block the reader
   *         writes each iteration): out[r, c] = `value` where r + row_offset
   *         >= col_step * k + col_start + c, else `otherwise` (r the
   *         output's row, c the block's column, k the loop's iteration);
   *         `shape` as a fill's (the output's rows, the block's columns). */
  double otherwise = 0;
  int64_t row_offset = 0, col_step = 0, col_start = 0;
  /*! \brief The loop it runs in, if any. */
  StageLoop loop;
};

/*! \brief The CBs a stage reads, each once, in order: its input, then its
 *         operands' (a matmul's b, and its own value when it accumulates; a
 *         block read twice, as in x * x, is one). */
std::vector<int64_t> StageReads(const ComputeStage &stage);

/*!
 * \brief Which of the CBs stage `index` reads it waits for and pops. A
 *        version of a CB is a block pushed into it: by the stage that writes
 *        it (its value), or by the reader (a tensor's block, once per output
 *        block, or per iteration of the loop its readers are in). The rule
 *        is read off the program's run on one output block, each loop
 *        unrolled (first, middle and last iteration): each run of a stage
 *        reads the version pushed last before it; the first of a version's
 *        readers waits for it, the last pops it, and a stage that writes the
 *        CB it reads (a value a loop carries, updated in place) reads the
 *        version before its own and is its last reader. A stage waits if it
 *        is the first reader in any iteration (a wait for a version already
 *        at the front returns at once); it pops in every iteration, or, when
 *        it is the last reader only in the last one (a version made before
 *        the loop, read in every iteration), once after the loop
 *        (`pops_after_loop`). The version a loop's last iteration pushes that
 *        no later stage reads (a running maximum) is waited for and popped
 *        after the loop by the stage that pushed it (`waits_after_loop`).
 */
struct StageCBUse {
  std::vector<int64_t> waits, pops, pops_after_loop, waits_after_loop;
  /*! \brief Why no such rule fits the stage, if none does (a value never
   *         read before the next replaces it, a pop only in some
   *         iterations); MemorySpaceLowerTT refuses the kernel naming it. */
  std::string fault;
  int64_t fault_cb = -1;
};
StageCBUse WaitsAndPops(const std::vector<ComputeStage> &stages, size_t index);

/*! \brief tt.compute's `stages` field. */
tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>
StagesAttr(const std::vector<ComputeStage> &stages);

/*!
 * \brief How the stages read CB `cb`: through the matrix unit's source
 *        registers (a reduction's input, a matmul's operands: a Float32 tile
 *        arrives as TF32) and
 *        by moving tiles into DST (copy_tile, unary_bcast: a Float32 CB set
 *        to UnpackToDestFp32 arrives exactly). A Float32 CB is configured
 *        for one of the two (ComputeConfig::unpack_to_dest_mode), so its
 *        stages may read it one way only (MemorySpaceLowerTT gives the
 *        reductions of one read both ways a copy of their own).
 */
struct StageReadsOf {
  bool reduced = false, moved = false;
};
StageReadsOf ReadsOf(const std::vector<ComputeStage> &stages, int64_t cb);

/*! \brief Whether a staged program's CB `cb` (of attr.h `data_format`) is
 *         UnpackToDestFp32: a Float32 CB its stages move into DST and no
 *         reduction reads (the host's ComputeConfig and TensorizeTT's
 *         unpacker reconfigs agree through this). */
bool UnpacksToDest(const std::vector<ComputeStage> &stages, int64_t cb,
                   const std::string &data_format);

/*! \brief The stages of tt.compute (op stages); empty for other ops. */
std::vector<ComputeStage>
StagesFromAttr(const tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> &compute);

} // namespace detail
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_TRANSFORM_STAGES_H_
