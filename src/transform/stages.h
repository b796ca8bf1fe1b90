/*!
 * \file stages.h
 * \brief The stages of a compute program that is more than one step
 *        (tt.compute op `stages`, issue #19): a reduction whose result an
 *        element-wise update reads back, as a norm or a softmax does.
 *
 * Each stage computes one value of the output block from tensors and the
 * values of earlier stages: `reduce` (c[i] = reduce(in[i, :]) or along
 * columns) or `eltwise` (c = epilogue(in), the epilogue's operands tensors or
 * earlier values, a reduced vector broadcast over the block). A value
 * between stages lives in an intermediate CB (compute's own): the stage that
 * makes it packs it there, the stages that read it wait for it once and the
 * last one pops it. MemorySpaceLowerTT records the stages once; TensorizeTT
 * expands them, the emitters describe them and the plan copies them, where
 * the simulator's reference evaluates them in order.
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

/*! \brief One stage of tt.compute's `stages`. */
struct ComputeStage {
  /*! \brief attr.h kOpEltwise or kOpReduce. */
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
};

/*! \brief tt.compute's `stages` field. */
tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>
StagesAttr(const std::vector<ComputeStage> &stages);

/*!
 * \brief How the stages read CB `cb`: through the matrix unit's source
 *        registers (a reduction's input: a Float32 tile arrives as TF32) and
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
