/*!
 * \file infer_tt_shard.cc
 * \brief Describe every global buffer as DRAM-interleaved 32x32 tiles.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/op.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/analysis.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/stmt_functor.h>
#include <tvm/tirx/transform.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
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
 * \brief The axis whose blocks are a batched tensor's rows: the one axis
 *        other than the last along which the kernel's T.copy regions of
 *        the tensor span more than one element (`Q[bz, rows, by, :]` of a
 *        (batch, seq, heads, dim) tensor: axis 1), or along which its
 *        elements move in a T.Parallel nest with the last (a residual
 *        `D[bz, i, by, j]`); the second-last when nothing says otherwise; -1
 *        for a tensor of rank below 3. Accesses that name two different
 *        axes are an error.
 */
class RowAxes : public tvm::tirx::StmtExprVisitor {
public:
  RowAxes(const PrimFunc &f, std::string func) : func_(std::move(func)) {
    VisitStmt(f->body);
  }

  int64_t Of(const Buffer &buffer, size_t rank) const {
    if (rank < 3) {
      return -1;
    }
    auto it = axis_.find(buffer.get());
    return it == axis_.end() ? static_cast<int64_t>(rank) - 2
                             : it->second.first;
  }

private:
  void VisitExpr_(const tvm::tirx::CallNode *op) final {
    static const tvm::Op &region_op = tvm::Op::Get("tl.region");
    const auto *load = op->op.same_as(region_op) && !op->args.empty()
                           ? op->args[0].as<tvm::tirx::BufferLoadNode>()
                           : nullptr;
    if (load != nullptr && load->indices.size() >= 3 &&
        load->indices.size() + 2 == op->args.size()) {
      const detail::RegionOperand region =
          detail::DecodeRegion(tvm::ffi::GetRef<tvm::PrimExpr>(op), "T.copy");
      std::vector<int64_t> spans;
      for (size_t axis = 0; axis + 1 < region.extents.size(); ++axis) {
        if (region.extents[axis] > 1) {
          spans.push_back(static_cast<int64_t>(axis));
        }
      }
      if (spans.size() == 1) {
        Record(region, spans[0]);
      }
    }
    StmtExprVisitor::VisitExpr_(op);
  }

  void VisitStmt_(const tvm::tirx::ForNode *op) final {
    const bool parallel = op->kind == tvm::tirx::ForKind::kParallel;
    if (parallel) {
      parallel_.push_back(op->loop_var.get());
    }
    StmtExprVisitor::VisitStmt_(op);
    if (parallel) {
      parallel_.pop_back();
    }
  }

  // An element of a batched tensor read or written in a T.Parallel nest
  // (a residual D[bz, i, by, j]): its rows run along the one axis but the
  // last whose index moves with the nest's loops, its columns the last.
  void VisitExpr_(const tvm::tirx::BufferLoadNode *op) final {
    Element(op->buffer, op->indices);
    StmtExprVisitor::VisitExpr_(op);
  }
  void VisitStmt_(const tvm::tirx::BufferStoreNode *op) final {
    Element(op->buffer, op->indices);
    StmtExprVisitor::VisitStmt_(op);
  }

  void Element(const tvm::tirx::Buffer &buffer,
               const tvm::ffi::Array<tvm::PrimExpr> &indices) {
    if (indices.size() < 3 || parallel_.empty()) {
      return;
    }
    std::vector<int64_t> moving;
    for (size_t axis = 0; axis < indices.size(); ++axis) {
      if (tvm::tirx::UsesVar(indices[axis], [&](const tvm::tirx::VarNode *v) {
            return std::find(parallel_.begin(), parallel_.end(), v) !=
                   parallel_.end();
          })) {
        moving.push_back(static_cast<int64_t>(axis));
      }
    }
    if (moving.size() == 2 &&
        moving[1] == static_cast<int64_t>(indices.size()) - 1) {
      std::ostringstream text;
      text << "elements " << buffer->name << indices;
      Record(buffer, moving[0], text.str());
    }
  }

  void Record(const detail::RegionOperand &region, int64_t axis) {
    Record(region.buffer, axis,
           "blocks " + detail::ShapeString(region.extents));
  }

  void Record(const tvm::tirx::Buffer &buffer, int64_t axis,
              const std::string &text) {
    auto [it, fresh] = axis_.emplace(buffer.get(), std::pair{axis, text});
    if (!fresh && it->second.first != axis) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': buffer '" << buffer->name
          << "' is accessed as " << it->second.second << " (rows along axis "
          << it->second.first << ") and as " << text << " (rows along axis "
          << axis
          << "); a batched tensor is stored as matrices of one (rows, last "
             "axis) pair, so every T.copy or element access of it must take "
             "its rows along the same axis.";
    }
  }

  std::string func_;
  std::vector<const tvm::tirx::VarNode *> parallel_;
  std::unordered_map<const tvm::tirx::BufferNode *,
                     std::pair<int64_t, std::string>>
      axis_;
};

/*!
 * \brief The DRAM-interleaved descriptor of one global buffer.
 *
 * Step 1: check what is supported: static bfloat16 or float32 (where a
 *         float32 tensor may be used is MemorySpaceLowerTT's check), non-empty,
 * 2-D, batched (rank 3 or 4), or a 1-D vector (an epilogue's bias), stored
 * as the 1 x n matrix of a row vector (row 0 of its tiles;
 * MemorySpaceLowerTT makes it the n x 1 matrix of a column vector when the
 * kernel broadcasts it over the columns). A batched tensor is stored as
 * matrices of (its `row_axis`, its last axis), one for each index of its
 * other axes in their order: (batch, seq, heads, dim) copied in blocks
 * `[b, rows, h, :]` as the (batch, heads) matrices of (seq, dim) -- the
 * descriptor's `axes` (stored order) and `matrix` (stored shape). Step 2:
 * round the matrix axes up to whole tiles; mark axes that needed padding.
 * The matrices are one after another, each tilized on its own: page
 * (b * tile_rows + row) * tiles_per_row + col. Step 3: check that one bank's
 * share still fits 32-bit offsets.
 */
Map<String, Any> Describe(const Buffer &buffer, const TTTargetInfo &target,
                          const std::string &func, const RowAxes &row_axes) {
  // Step 1
  const std::vector<int64_t> shape = detail::StaticShape(buffer, func);
  const std::string where =
      "PrimFunc '" + func + "': buffer '" + std::string(buffer->name) + "'";
  if (shape.size() < 1 || shape.size() > 4) {
    TVM_FFI_THROW(ValueError)
        << where << " has rank " << shape.size() << " (shape "
        << detail::ShapeString(shape)
        << "); the Tenstorrent backend supports 2-D tensors, batched tensors "
           "of rank 3 or 4 (matrices of rows x the last axis) and 1-D "
           "vectors (an epilogue's bias).";
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
  std::vector<int64_t> axes, matrix;
  const int64_t row_axis = row_axes.Of(buffer, shape.size());
  for (int64_t axis = 0; axis + 1 < static_cast<int64_t>(shape.size());
       ++axis) {
    if (axis != row_axis) {
      axes.push_back(axis);
    }
  }
  if (row_axis >= 0) {
    axes.push_back(row_axis);
  }
  axes.push_back(static_cast<int64_t>(shape.size()) - 1);
  for (int64_t axis : axes) {
    matrix.push_back(shape[axis]);
  }
  if (shape.size() == 1) {
    matrix = {1, shape[0]};
  }
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
  if (matrix != shape) {
    desc.Set(field::kFieldMatrix, detail::ToIntegerArray(matrix));
  }
  if (shape.size() >= 3 && row_axis != static_cast<int64_t>(shape.size()) - 2) {
    desc.Set(field::kFieldAxes, detail::ToIntegerArray(axes));
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
  const RowAxes row_axes(f, func);
  int64_t bank_bytes = 0;
  for (const auto &param : f->params) {
    if (auto it = f->buffer_map.find(param); it != f->buffer_map.end()) {
      const Buffer &buffer = (*it).second;
      Map<String, Any> desc = Describe(buffer, target, func, row_axes);
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
