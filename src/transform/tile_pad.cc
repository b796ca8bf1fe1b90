/*!
 * \file tile_pad.cc
 * \brief Give shapes that are not tile or block multiples real padding
 *        semantics at the DRAM boundary.
 */

#include <tvm/arith/analyzer.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>
#include <tvm/tirx/transform.h>

#include <map>
#include <string>
#include <vector>

#include "common.h"
#include "ir_builder.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::PrimExpr;
using tvm::ffi::Any;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::CallNode;
using tvm::tirx::EvaluateNode;
using tvm::tirx::ForNode;
using tvm::tirx::PrimFunc;
using tvm::tirx::Stmt;

namespace {

constexpr const char *kPassName = "TilePadTT";

/*!
 * \brief Guards the tile reads and writes that can fall outside a tensor.
 *
 * A tensor of M x N elements is stored as ceil(M/32) x ceil(N/32) whole tiles
 * whose out-of-range elements the host fills with zeros. A block can still
 * reach past the last tile (e.g. M = 70 with 64-row blocks touches tile rows
 * 2 and 3, but only 3 tile rows exist). For every read_tile / write_tile
 * whose tile coordinate is not provably inside the tensor (loops bound to
 * their ranges), the read becomes `if inside: read_tile else zero_tile` and
 * the write `if inside: write_tile`, so padded tiles contribute zeros and the
 * writer never writes outside the tensor.
 */
class TilePadder : public tvm::tirx::StmtExprMutator {
public:
  static PrimFunc Apply(PrimFunc f) {
    Map<String, Any> buffers = detail::RequireMapAttr(
        f, attr::kBuffers, kPassName, "InferDefaultTTShard");
    TilePadder padder;
    for (const auto &kv : f->buffer_map) {
      const tvm::tirx::Buffer &buf = kv.second;
      if (auto it = buffers.find(buf->name); it != buffers.end()) {
        padder.tiles_[buf->data.get()] = detail::IntArrayField(
            (*it).second.cast<Map<String, Any>>(), field::kFieldTiles);
      }
    }
    auto *n = f.CopyOnWrite();
    n->body = padder(n->body);
    return f;
  }

private:
  Stmt VisitStmt_(const ForNode *op) final {
    analyzer_.Bind(op->loop_var,
                   tvm::Range::FromMinExtent(op->min, op->extent));
    return StmtExprMutator::VisitStmt_(op);
  }

  /*! \brief `row_block = by % 4` (a batched output's block row): the
   *         analyzer knows its range from its value. */
  Stmt VisitStmt_(const tvm::tirx::BindNode *op) final {
    analyzer_.Bind(op->var, op->value);
    return StmtExprMutator::VisitStmt_(op);
  }

  Stmt VisitStmt_(const EvaluateNode *op) final {
    const auto *call = op->value.as<CallNode>();
    const bool is_read = call && call->op.same_as(builtin::read_tile());
    const bool is_write = call && call->op.same_as(builtin::write_tile());
    if (!is_read && !is_write) {
      return StmtExprMutator::VisitStmt_(op);
    }
    const auto *data = call->args[0].as<tvm::tirx::VarNode>();
    auto it = data ? tiles_.find(data) : tiles_.end();
    if (it == tiles_.end()) {
      TVM_FFI_THROW(ValueError) << kPassName << ": " << detail::Brief(op->value)
                                << " names no tensor described by tt.buffers.";
    }
    // Step 1: the conditions that cannot be proven from the loop ranges.
    PrimExpr inside;
    for (int axis = 0; axis < 2; ++axis) {
      // tiles is [rows, cols], or [batch, rows, cols] for a batched tensor.
      const std::vector<int64_t> &tiles = it->second;
      PrimExpr cond =
          call->args[1 + axis] < detail::I32(tiles[tiles.size() - 2 + axis]);
      if (!analyzer_.CanProve(cond)) {
        inside = inside.defined() ? (inside && cond) : cond;
      }
    }
    Stmt stmt = tvm::ffi::GetRef<Stmt>(op);
    if (!inside.defined()) {
      return stmt;
    }
    // Step 2: guard. A skipped read still fills its CB slot, with zeros.
    if (is_read) {
      Stmt zero =
          detail::Intrin(builtin::zero_tile(), {call->args[3], call->args[4]});
      return tvm::tirx::IfThenElse(inside, stmt, zero);
    }
    return tvm::tirx::IfThenElse(inside, stmt);
  }

  tvm::arith::Analyzer analyzer_;
  /*! \brief Buffer data var -> tiles per axis. */
  std::map<const tvm::tirx::VarNode *, std::vector<int64_t>> tiles_;
};

} // namespace

namespace transform {

Pass TilePadTT() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return TilePadder::Apply(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(pass_func, 0,
                                                  "tl.tt.TilePadTT", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.TilePadTT", TilePadTT);
}

} // namespace transform
} // namespace tilelang_tt
