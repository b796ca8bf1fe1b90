/*!
 * \file infer_tt_shard.cc
 * \brief Describe every global buffer as DRAM-interleaved 32x32 tiles.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/transform.h>

#include <string>
#include <vector>

#include "common.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/data_format.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::Buffer;
using tvm::tirx::PrimFunc;

namespace {

constexpr const char *kPassName = "InferDefaultTTShard";

/*! \brief Largest byte offset a 32-bit NoC address can hold in one bank. */
constexpr int64_t kMaxBankBytes = int64_t(1) << 32;

/*!
 * \brief The DRAM-interleaved descriptor of one global buffer.
 *
 * Step 1: check what is supported: static bfloat16 or float32 (where a
 *         float32 tensor may be used is MemorySpaceLowerTT's check), non-empty,
 * 2-D, batched 3-D (batch, rows, cols), or a 1-D vector (an epilogue's bias),
 * stored as the 1 x n matrix of a row vector (row 0 of its tiles;
 * MemorySpaceLowerTT makes it the n x 1 matrix of a column vector when the
 * kernel broadcasts it over the columns). Step 2: round the matrix axes up to
 * whole tiles; mark axes that needed padding. A batched tensor is its matrices
 * one after another, each tilized on its own: page (b * tile_rows + row) *
 * tiles_per_row + col. Step 3: check that one bank's share still fits 32-bit
 * offsets.
 */
Map<String, Any> Describe(const Buffer &buffer, const TTTargetInfo &target,
                          const std::string &func) {
  // Step 1
  const std::vector<int64_t> shape = detail::StaticShape(buffer, func);
  const std::string where =
      "PrimFunc '" + func + "': buffer '" + std::string(buffer->name) + "'";
  if (shape.size() < 1 || shape.size() > 3) {
    TVM_FFI_THROW(ValueError)
        << where << " has rank " << shape.size() << " (shape "
        << detail::ShapeString(shape)
        << "); the Tenstorrent backend supports 2-D tensors, batched 3-D "
           "(batch, rows, cols) tensors and 1-D vectors (an epilogue's "
           "bias).";
  }
  if (!TileFormatOf(buffer->dtype)) {
    TVM_FFI_THROW(ValueError)
        << where << " has dtype " << detail::DtypeString(buffer)
        << "; the Tenstorrent backend supports bfloat16, float16 and float32 "
           "tensors (which of them where: docs/limitations.md).";
  }
  for (int64_t dim : shape) {
    if (dim <= 0) {
      TVM_FFI_THROW(ValueError)
          << where << " has shape " << detail::ShapeString(shape)
          << " with an empty axis; every axis must be at least 1.";
    }
  }
  // Step 2
  const std::vector<int64_t> matrix =
      shape.size() == 1 ? std::vector<int64_t>{1, shape[0]} : shape;
  const int64_t tile_dims[2] = {target.tile_rows, target.tile_cols};
  std::vector<int64_t> tiles, padded, padded_axes;
  const size_t batch_axes = matrix.size() - 2;
  int64_t num_tiles = 1;
  for (size_t axis = 0; axis < matrix.size(); ++axis) {
    const int64_t edge = axis < batch_axes ? 1 : tile_dims[axis - batch_axes];
    const int64_t t = (matrix[axis] + edge - 1) / edge;
    tiles.push_back(t);
    padded.push_back(t * edge);
    padded_axes.push_back(matrix[axis] % edge != 0 ? 1 : 0);
    num_tiles *= t;
  }
  const int64_t page_bytes = target.TileBytes(*TileFormatOf(buffer->dtype));
  // Step 3
  const int64_t pages_per_bank =
      (num_tiles + target.dram_banks - 1) / target.dram_banks;
  if (pages_per_bank > kMaxBankBytes / page_bytes) {
    TVM_FFI_THROW(ValueError)
        << where << " of shape " << detail::ShapeString(shape) << " needs "
        << pages_per_bank << " pages of " << page_bytes << " bytes in each of "
        << target.dram_banks
        << " DRAM banks, more than a 32-bit bank offset addresses.";
  }
  Map<String, Any> desc;
  desc.Set(field::kFieldDtype, String(detail::DtypeString(buffer)));
  desc.Set(field::kFieldLayout, String(value::kLayoutDramInterleaved));
  desc.Set(field::kFieldTile,
           detail::ToIntegerArray({target.tile_rows, target.tile_cols}));
  desc.Set(field::kFieldPageBytes, page_bytes);
  desc.Set(field::kFieldShape, detail::ToIntegerArray(shape));
  if (shape.size() == 1) {
    desc.Set(field::kFieldMatrix, detail::ToIntegerArray(matrix));
  }
  desc.Set(field::kFieldPaddedShape, detail::ToIntegerArray(padded));
  desc.Set(field::kFieldTiles, detail::ToIntegerArray(tiles));
  desc.Set(field::kFieldNumTiles, num_tiles);
  desc.Set(field::kFieldBanks, target.dram_banks);
  desc.Set(field::kFieldPadded, detail::ToIntegerArray(padded_axes));
  return desc;
}

/*!
 * \brief Describe every parameter buffer; their pages must fit the DRAM banks
 *        together (each bank holds ceil(tiles / banks) pages of each tensor).
 */
PrimFunc InferShard(PrimFunc f) {
  const TTTargetInfo target = detail::RequireTTTarget(f, kPassName);
  const std::string func = detail::FuncName(f);
  Map<String, Any> buffers;
  int64_t bank_bytes = 0;
  for (const auto &param : f->params) {
    if (auto it = f->buffer_map.find(param); it != f->buffer_map.end()) {
      const Buffer &buffer = (*it).second;
      Map<String, Any> desc = Describe(buffer, target, func);
      const int64_t tiles = detail::IntField(desc, field::kFieldNumTiles);
      bank_bytes += (tiles + target.dram_banks - 1) / target.dram_banks *
                    detail::IntField(desc, field::kFieldPageBytes);
      buffers.Set(buffer->name, desc);
    }
  }
  if (bank_bytes > target.dram_bank_bytes) {
    TVM_FFI_THROW(ValueError)
        << "PrimFunc '" << func << "': its tensors need " << bank_bytes
        << " bytes in each of the " << target.dram_banks
        << " DRAM banks, but a " << target.arch << " bank holds "
        << target.dram_bank_bytes << " bytes; use smaller tensors.";
  }
  return tvm::WithAttr(std::move(f), attr::kBuffers, buffers);
}

} // namespace

namespace transform {

Pass InferDefaultTTShard() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return InferShard(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(
      pass_func, 0, "tl.tt.InferDefaultTTShard", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.InferDefaultTTShard",
                                        InferDefaultTTShard);
}

} // namespace transform
} // namespace tilelang_tt
