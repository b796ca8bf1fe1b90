/*!
 * \file grid_to_persistent.cc
 * \brief Replace the launch grid with a per-core loop over assigned blocks.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/analysis.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>
#include <tvm/tirx/transform.h>

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
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::Bind;
using tvm::tirx::BindNode;
using tvm::tirx::For;
using tvm::tirx::ForNode;
using tvm::tirx::PrimFunc;
using tvm::tirx::SeqStmtNode;
using tvm::tirx::Stmt;
using tvm::tirx::Var;

namespace {

constexpr const char *kPassName = "GridToPersistentTT";

bool IsLaunchLoop(const ForNode *op) {
  return op->kind == tvm::tirx::ForKind::kThreadBinding && op->thread_binding &&
         std::string(op->thread_binding.value()->thread_tag)
                 .rfind("blockIdx", 0) == 0;
}

/*! \brief Drops `t = tl.launch_thread_idx(i)` binds and remembers them. */
class ThreadBindRemover : public tvm::tirx::StmtMutator {
public:
  std::vector<Var> removed;

private:
  Stmt VisitStmt_(const SeqStmtNode *op) final {
    Array<Stmt> kept;
    for (const Stmt &s : op->seq) {
      if (const auto *bind = s.as<BindNode>()) {
        const auto *call = bind->value.as<tvm::tirx::CallNode>();
        const auto *opnode = call ? call->op.as<tvm::OpNode>() : nullptr;
        if (opnode && opnode->name == "tl.launch_thread_idx") {
          removed.push_back(bind->var);
          continue;
        }
      }
      kept.push_back(VisitStmt(s));
    }
    return detail::Seq(std::vector<Stmt>(kept.begin(), kept.end()));
  }
};

/*!
 * \brief Rewrites
 *          for bx in thread_binding(grid_x, "blockIdx.x"):
 *            for by in thread_binding(grid_y, "blockIdx.y"): body
 *        into
 *          start_id = tt_runtime_arg(0); count = ...; grid_x = ...; ...
 *          for i in range(count):            # annotated tt.persistent
 *            block_id = start_id + i
 *            by = block_id / grid_x; bx = block_id % grid_x     (row_major)
 *            body
 */
class GridToPersistentRewriter : public tvm::tirx::StmtExprMutator {
public:
  static PrimFunc Apply(PrimFunc f) {
    auto names = f->GetAttr<Array<String>>(attr::kRuntimeArgs);
    auto order = f->GetAttr<String>(attr::kScheduleOrder);
    if (!names || !order) {
      TVM_FFI_THROW(ValueError)
          << kPassName << ": PrimFunc '" << detail::FuncName(f)
          << "' has no tt.runtime_args / tt.schedule_order; run "
             "AnnotateTTDefaults and InferDefaultTTSchedule first.";
    }
    GridToPersistentRewriter rewriter(detail::FuncName(f), names.value(),
                                      order.value());
    auto *n = f.CopyOnWrite();
    n->body = rewriter(n->body);
    if (!rewriter.rewritten_) {
      TVM_FFI_THROW(ValueError)
          << kPassName << ": PrimFunc '" << detail::FuncName(f)
          << "' has no blockIdx launch loop to rewrite.";
    }
    return f;
  }

private:
  GridToPersistentRewriter(std::string func, Array<String> names,
                           std::string order)
      : func_(std::move(func)), order_(std::move(order)) {
    for (const String &name : names) {
      args_.push_back(Var(name, tvm::DataType::Int(32)));
    }
  }

  bool HasArg(const char *name) const {
    for (const Var &v : args_) {
      if (v->name_hint == name) {
        return true;
      }
    }
    return false;
  }

  Var Arg(const char *name) const {
    for (const Var &v : args_) {
      if (v->name_hint == name) {
        return v;
      }
    }
    TVM_FFI_THROW(ValueError) << kPassName << ": tt.runtime_args of '" << func_
                              << "' lacks '" << name << "'.";
    TVM_FFI_UNREACHABLE();
  }

  Stmt VisitStmt_(const ForNode *op) final {
    if (!IsLaunchLoop(op)) {
      return StmtExprMutator::VisitStmt_(op);
    }
    // Step 1: peel the (at most two) launch loops.
    Var x_var, y_var;
    Stmt body = tvm::ffi::GetRef<Stmt>(op);
    while (const auto *loop = body.as<ForNode>()) {
      if (!IsLaunchLoop(loop)) {
        break;
      }
      const std::string tag = loop->thread_binding.value()->thread_tag;
      (tag == "blockIdx.x" ? x_var : y_var) = loop->loop_var;
      body = loop->body;
    }
    // Step 2: thread indices mean nothing on a Tensix core.
    ThreadBindRemover remover;
    body = remover(body);
    for (const Var &t : remover.removed) {
      if (tvm::tirx::UsesVar(body, [&](const tvm::tirx::VarNode *v) {
            return v == t.get();
          })) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': the kernel uses the thread index '"
            << t->name_hint
            << "'; threads have no meaning on Tenstorrent cores, write the "
               "kernel with whole-block tile ops.";
      }
    }
    // Step 3: block coordinates from the persistent loop index. All operands
    // are non-negative, so C-style (truncating) / and % are exact; floordiv
    // would be lowered to a sign-correcting select by TileLang's LowerIntrin.
    Var i("i", tvm::DataType::Int(32));
    Var block_id("block_id", tvm::DataType::Int(32));
    // A core's blocks: a contiguous run of block ids, or (mcast2d) a
    // rectangle core_block_cols wide from start_id, row after row.
    PrimExpr id = Arg(ir::kArgStartId) + i;
    if (HasArg(ir::kArgCoreBlockCols)) {
      const Var cols = Arg(ir::kArgCoreBlockCols);
      id = Arg(ir::kArgStartId) + tvm::truncdiv(i, cols) * Arg(ir::kArgGridX) +
           tvm::truncmod(i, cols);
    }
    std::vector<Stmt> loop_body{Bind(block_id, id)};
    const bool row_major = order_ == value::kOrderRowMajor;
    const Var grid_x = Arg(ir::kArgGridX), grid_y = Arg(ir::kArgGridY);
    if (y_var.defined()) {
      loop_body.push_back(Bind(y_var, row_major
                                          ? tvm::truncdiv(block_id, grid_x)
                                          : tvm::truncmod(block_id, grid_y)));
    }
    if (x_var.defined()) {
      loop_body.push_back(Bind(x_var, row_major
                                          ? tvm::truncmod(block_id, grid_x)
                                          : tvm::truncdiv(block_id, grid_y)));
    }
    loop_body.push_back(body);
    Map<String, Any> annotations;
    annotations.Set(ir::kPersistentLoop, tvm::Integer(1));
    Stmt persistent =
        For(i, detail::I32(0), Arg(ir::kArgCount), tvm::tirx::ForKind::kSerial,
            detail::Seq(loop_body), std::nullopt, annotations);
    // Step 4: the runtime arguments, in schema order.
    std::vector<Stmt> out;
    for (size_t k = 0; k < args_.size(); ++k) {
      out.push_back(
          Bind(args_[k],
               tvm::tirx::Call(tvm::DataType::Int(32), builtin::runtime_arg(),
                               {detail::I32(static_cast<int64_t>(k))})));
    }
    out.push_back(persistent);
    rewritten_ = true;
    return detail::Seq(out);
  }

  std::string func_;
  std::string order_;
  std::vector<Var> args_;
  bool rewritten_ = false;
};

} // namespace

namespace transform {

Pass GridToPersistentTT() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return GridToPersistentRewriter::Apply(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(
      pass_func, 0, "tl.tt.GridToPersistentTT", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.GridToPersistentTT",
                                        GridToPersistentTT);
}

} // namespace transform
} // namespace tilelang_tt
