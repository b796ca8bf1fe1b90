/*!
 * \file group_k_steps.cc
 * \brief Move several of the kernel's K steps per CB push when the output
 *        block's partial sums leave DST between steps.
 */

#include <tvm/arith/analyzer.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/analysis.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>
#include <tvm/tirx/transform.h>

#include <optional>
#include <string>
#include <vector>

#include "common.h"
#include "ir_builder.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"
#include "tilelang_tt/target.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::PrimExpr;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::AttrStmtNode;
using tvm::tirx::CallNode;
using tvm::tirx::EvaluateNode;
using tvm::tirx::ForNode;
using tvm::tirx::PrimFunc;
using tvm::tirx::SeqStmtNode;
using tvm::tirx::Stmt;
using tvm::tirx::Var;

namespace {

constexpr const char *kPassName = "GroupKStepsTT";

/*! \brief The call of an `Evaluate(call)` statement, or null. */
const CallNode *CallOf(const Stmt &stmt) {
  const auto *eval = stmt.as<EvaluateNode>();
  return eval ? eval->value.as<CallNode>() : nullptr;
}

/*! \brief Finds the innermost loop around the gemm_block and the call. */
class GemmLoopFinder : public tvm::tirx::StmtVisitor {
public:
  const ForNode *loop = nullptr;
  const CallNode *gemm = nullptr;

private:
  void VisitStmt_(const ForNode *op) final {
    loops_.push_back(op);
    StmtVisitor::VisitStmt_(op);
    loops_.pop_back();
  }
  void VisitStmt_(const EvaluateNode *op) final {
    const auto *call = op->value.as<CallNode>();
    if (call && call->op.same_as(builtin::gemm_block())) {
      gemm = call;
      loop = loops_.empty() ? nullptr : loops_.back();
    }
  }
  std::vector<const ForNode *> loops_;
};

/*!
 * \brief Rewrites the K loop `for k in range(S)` into `for k in range(S /
 *        g)`: the reader's A and B blocks of g consecutive kernel steps go
 *        into one CB push (the inner loop `ks`), laid out as the one block
 *        of g * kb K tiles they form (A's mt x (g * kb) tiles row-major, B's
 *        (g * kb) x nt), and compute's gemm_block takes all g * kb tiles.
 */
class KGrouper : public tvm::tirx::StmtExprMutator {
public:
  KGrouper(const ForNode *loop, int64_t g, int64_t kb, int64_t nt, int64_t cb_a,
           int64_t cb_b, bool transpose_b)
      : loop_(loop), g_(g), kb_(kb), nt_(nt), cb_a_(cb_a), cb_b_(cb_b),
        transpose_b_(transpose_b) {}

  /*! \brief False when the loop holds something this rewrite does not
   *         know (another CB's reads, a use of k outside the reads). */
  bool ok = true;

  Stmt VisitStmt_(const ForNode *op) final {
    if (op != loop_) {
      analyzer_.Bind(op->loop_var,
                     tvm::Range::FromMinExtent(op->min, op->extent));
      return StmtExprMutator::VisitStmt_(op);
    }
    ko_ = Var(op->loop_var->name_hint, op->loop_var.dtype());
    ks_ = Var("ks", op->loop_var.dtype());
    k_ = op->loop_var;
    const int64_t steps = op->extent.as<tvm::IntImmNode>()->value;
    analyzer_.Bind(ko_, tvm::Range::FromMinExtent(detail::I32(0),
                                                  detail::I32(steps / g_)));
    analyzer_.Bind(ks_,
                   tvm::Range::FromMinExtent(detail::I32(0), detail::I32(g_)));
    Stmt body = VisitStmt(op->body);
    if (tvm::tirx::UsesVar(
            body, [&](const tvm::tirx::VarNode *v) { return v == k_.get(); })) {
      ok = false;
    }
    Map<String, Any> annotations = op->annotations;
    annotations.Set(ir::kKGroupLoop, tvm::Integer(g_));
    // Statements after the K loop (an epilogue operand's reads) are not
    // this loop's: leave them as they are.
    k_ = Var();
    return tvm::tirx::For(ko_, op->min, detail::I32(steps / g_), op->kind, body,
                          std::nullopt, annotations);
  }

  Stmt VisitStmt_(const AttrStmtNode *op) final {
    const auto *role = op->value.as<tvm::tirx::StringImmNode>();
    if (!k_.defined() || op->attr_key != ir::kRoleAttr || !role ||
        role->value != ir::kRoleReader) {
      return StmtExprMutator::VisitStmt_(op);
    }
    // reserve(cb, n); <reads>; barrier; push(cb, n) of A's or B's CB.
    const auto *seq = op->body.as<SeqStmtNode>();
    const CallNode *reserve = seq ? CallOf(seq->seq.front()) : nullptr;
    const int64_t cb = reserve ? ConstArg(reserve, 0) : -1;
    if (!reserve || !reserve->op.same_as(builtin::cb_reserve_back()) ||
        (cb != cb_a_ && cb != cb_b_)) {
      ok = false;
      return tvm::ffi::GetRef<Stmt>(op);
    }
    std::vector<Stmt> out, reads;
    for (const Stmt &stmt : seq->seq) {
      const CallNode *call = CallOf(stmt);
      if (call && (call->op.same_as(builtin::cb_reserve_back()) ||
                   call->op.same_as(builtin::cb_push_back()))) {
        out.push_back(Scaled(call));
      } else if (call && call->op.same_as(builtin::noc_async_read_barrier())) {
        out.push_back(tvm::tirx::For(ks_, detail::I32(0), detail::I32(g_),
                                     tvm::tirx::ForKind::kSerial,
                                     detail::Seq(reads)));
        out.push_back(stmt);
      } else {
        reads.push_back(Reads(stmt, cb));
      }
    }
    return tvm::tirx::AttrStmt(op->node, op->attr_key, op->value,
                               detail::Seq(out));
  }

  Stmt VisitStmt_(const EvaluateNode *op) final {
    const auto *call = op->value.as<CallNode>();
    if (!k_.defined() || !call) {
      return StmtExprMutator::VisitStmt_(op);
    }
    if (call->op.same_as(builtin::cb_wait_front()) ||
        call->op.same_as(builtin::cb_pop_front())) {
      const int64_t cb = ConstArg(call, 0);
      return cb == cb_a_ || cb == cb_b_ ? Scaled(call)
                                        : tvm::ffi::GetRef<Stmt>(op);
    }
    if (call->op.same_as(builtin::gemm_block())) {
      Array<PrimExpr> args = call->args;
      args.Set(4, detail::I32(g_ * kb_));
      return detail::Intrin(builtin::gemm_block(), args);
    }
    return StmtExprMutator::VisitStmt_(op);
  }

private:
  static int64_t ConstArg(const CallNode *call, size_t i) {
    const auto *imm = call->args[i].as<tvm::IntImmNode>();
    return imm ? imm->value : -1;
  }

  /*! \brief The CB call with its tile count times g. */
  Stmt Scaled(const CallNode *call) const {
    Array<PrimExpr> args = call->args;
    args.Set(1, analyzer_.Simplify(args[1] * detail::I32(g_)));
    return detail::Intrin(tvm::Downcast<tvm::Op>(call->op), args);
  }

  /*! \brief The reads of kernel step k = ko * g + ks into their slots of
   *         the grouped block. A block whose rows run along K (B's kb x nt)
   *         stacks the steps' blocks; one whose columns do (A's mt x kb,
   *         B's nt x kb when transposed) interleaves them row by row. */
  Stmt Reads(const Stmt &stmt, int64_t cb) {
    Map<Var, PrimExpr> vmap{{k_, ko_ * detail::I32(g_) + ks_}};
    SlotRemapper remap;
    remap.k_in_columns = cb == cb_a_ || transpose_b_;
    remap.block = cb == cb_b_ && !transpose_b_ ? kb_ * nt_ : 0;
    remap.kb = kb_;
    remap.g = g_;
    remap.ks = ks_;
    remap.analyzer = &analyzer_;
    return remap(tvm::tirx::Substitute(stmt, vmap));
  }

  /*! \brief read_tile's slot of kernel step ks in the grouped block. */
  struct SlotRemapper : public tvm::tirx::StmtExprMutator {
    bool k_in_columns = false;
    int64_t block = 0, kb = 1, g = 1;
    Var ks;
    tvm::arith::Analyzer *analyzer = nullptr;
    /*! \brief The read loops' ranges, so the slots simplify. */
    Stmt VisitStmt_(const ForNode *op) final {
      analyzer->Bind(op->loop_var,
                     tvm::Range::FromMinExtent(op->min, op->extent));
      return StmtExprMutator::VisitStmt_(op);
    }
    Stmt VisitStmt_(const EvaluateNode *op) final {
      const auto *call = op->value.as<CallNode>();
      if (!call || !call->op.same_as(builtin::read_tile())) {
        return StmtExprMutator::VisitStmt_(op);
      }
      const PrimExpr slot = call->args[4], k = detail::I32(kb);
      const PrimExpr grouped =
          k_in_columns ? tvm::floordiv(slot, k) * (detail::I32(g) * k) +
                             ks * k + tvm::floormod(slot, k)
                       : ks * detail::I32(block) + slot;
      Array<PrimExpr> args = call->args;
      args.Set(4, analyzer->Simplify(grouped));
      return detail::Intrin(builtin::read_tile(), args);
    }
  };

  const ForNode *loop_;
  int64_t g_, kb_, nt_, cb_a_, cb_b_;
  bool transpose_b_;
  Var k_, ko_, ks_;
  mutable tvm::arith::Analyzer analyzer_;
};

/*! \brief The CB entry of tt.cbs for (role, tensor), or -1. */
int64_t FindCB(const Array<Map<String, Any>> &cbs, const char *role,
               const std::string &tensor) {
  for (size_t i = 0; i < cbs.size(); ++i) {
    if (detail::StrField(cbs[i], field::kFieldRole) == role &&
        detail::StrField(cbs[i], field::kFieldTensor) == tensor) {
      return static_cast<int64_t>(i);
    }
  }
  return -1;
}

/*! \brief The value of the user's tt.k_group: a positive integer, or an
 *         error saying what it may be. */
int64_t PositiveKGroup(const PrimFunc &f, const Any &given) {
  std::optional<int64_t> value;
  if (given.type_index() == tvm::ffi::TypeIndex::kTVMFFIInt) {
    value = given.cast<int64_t>();
  } else if (given.type_index() != tvm::ffi::TypeIndex::kTVMFFIBool) {
    if (auto imm = given.try_cast<tvm::IntImm>();
        imm && imm.value()->dtype.is_int() && imm.value()->dtype.bits() > 1) {
      value = imm.value()->value;
    }
  }
  if (!value || *value < 1) {
    TVM_FFI_THROW(ValueError)
        << "PrimFunc '" << detail::FuncName(f) << "': attribute '"
        << attr::kKGroup << "' = " << given
        << " is not supported; supported: a positive integer (1: each of "
           "the kernel's K steps its own CB push).";
  }
  return *value;
}

/*! \brief The user's tt.k_group, checked: 1, or a factor the kernel allows. */
int64_t UserKGroup(const PrimFunc &f, const Any &given,
                   const KGroupRequest &r) {
  const std::string where = "PrimFunc '" + detail::FuncName(f) +
                            "': attribute '" + attr::kKGroup + "'";
  const int64_t value = PositiveKGroup(f, given);
  if (value == 1) {
    return 1;
  }
  const char *why = !r.partials ? "the output block stays in DST over all K "
                                  "steps (no partial sums to save)"
                    : !r.exact  ? "its partial sums are not fp32 partials of "
                                  "fp32 DST (grouping would change their "
                                  "rounding; use a float32 accumulator)"
                    : r.transpose_a ? "A is transposed (its transpose stage "
                                      "works one K step at a time)"
                                    : nullptr;
  if (why != nullptr) {
    TVM_FFI_THROW(ValueError)
        << where << " = " << value << ": the kernel's K steps cannot be "
        << "grouped: " << why << ". Supported here: 1.";
  }
  if ((value - 1) * r.l1_per_step > r.l1_free) {
    TVM_FFI_THROW(ValueError)
        << where << " = " << value << ": A's and B's circular buffers of "
        << value << " K steps need " << value * r.l1_per_step
        << " bytes of L1, and " << r.l1_free + r.l1_per_step
        << " are left for them; supported: a smaller tt.k_group.";
  }
  if (r.steps % value != 0) {
    TVM_FFI_THROW(ValueError)
        << where << " = " << value << " does not divide the kernel's "
        << r.steps << " K steps; supported: a divisor of " << r.steps << ".";
  }
  return value;
}

/*! \brief `f` unchanged, unless the user forced a tt.k_group other than 1
 *         on a kernel with no K loop to group (`why`): then an error. */
PrimFunc NothingToGroup(PrimFunc f, const char *why) {
  if (!f->attrs.defined()) {
    return f;
  }
  auto it = f->attrs->dict.find(attr::kKGroup);
  if (it == f->attrs->dict.end()) {
    return f;
  }
  const Any &given = (*it).second;
  if (PositiveKGroup(f, given) == 1) {
    return f;
  }
  TVM_FFI_THROW(ValueError)
      << "PrimFunc '" << detail::FuncName(f) << "': attribute '"
      << attr::kKGroup << "' = " << given << ": " << why
      << "; supported here: 1.";
}

PrimFunc Apply(PrimFunc f) {
  auto compute = f->GetAttr<Map<String, Any>>(attr::kCompute);
  auto cbs = f->GetAttr<Array<Map<String, Any>>>(attr::kCBs);
  if (!compute || !cbs ||
      detail::StrField(*compute, field::kFieldOp) != value::kOpMatmul) {
    return NothingToGroup(f, "the kernel computes no T.gemm, so it has no K "
                             "steps to group");
  }
  GemmLoopFinder finder;
  finder(f->body);
  if (!finder.gemm || !finder.loop) {
    return NothingToGroup(f, "the T.gemm has no K loop around it (one K "
                             "step), so there are no K steps to group");
  }
  const auto *extent = finder.loop->extent.as<tvm::IntImmNode>();
  const auto *min = finder.loop->min.as<tvm::IntImmNode>();
  const int64_t ia = FindCB(*cbs, value::kCBRoleInput,
                            detail::StrField(*compute, field::kFieldOperandA));
  const int64_t ib = FindCB(*cbs, value::kCBRoleInput,
                            detail::StrField(*compute, field::kFieldOperandB));
  if (!extent || !min || min->value != 0 || ia < 0 || ib < 0) {
    return f;
  }
  const TTTargetInfo target = detail::RequireTTTarget(f, kPassName);
  auto bytes_of = [&](int64_t i) {
    return detail::IntField((*cbs)[i], field::kFieldNumPages) *
           detail::IntField((*cbs)[i], field::kFieldPageBytes);
  };
  int64_t l1_used = 0;
  for (int64_t i = 0; i < static_cast<int64_t>((*cbs).size()); ++i) {
    l1_used += bytes_of(i);
  }
  const auto *kb_imm = finder.gemm->args[4].as<tvm::IntImmNode>();
  const auto *nt_imm = finder.gemm->args[3].as<tvm::IntImmNode>();
  if (!kb_imm || !nt_imm) {
    return f;
  }
  KGroupRequest request;
  request.steps = extent->value;
  request.kb = kb_imm->value;
  request.partials = detail::BoolField(*compute, field::kFieldPartials);
  request.exact = detail::BoolField(*compute, field::kFieldFp32DestAccEn) &&
                  detail::StrField(*compute, field::kFieldAccumulator) ==
                      std::string("float32");
  request.transpose_a = detail::BoolField(*compute, field::kFieldTransposeA);
  request.l1_free = target.l1_cb_bytes() - l1_used;
  request.l1_per_step = bytes_of(ia) + bytes_of(ib);
  int64_t g = PlanKGroup(request);
  bool forced = false;
  if (f->attrs.defined()) {
    if (auto it = f->attrs->dict.find(attr::kKGroup);
        it != f->attrs->dict.end()) {
      g = UserKGroup(f, (*it).second, request);
      forced = true;
    }
  }
  if (g <= 1) {
    return f;
  }
  KGrouper grouper(finder.loop, g, request.kb, nt_imm->value,
                   detail::IntField((*cbs)[ia], field::kFieldIndex),
                   detail::IntField((*cbs)[ib], field::kFieldIndex),
                   detail::BoolField(*compute, field::kFieldTransposeB));
  Stmt body = grouper(f->body);
  if (!grouper.ok) {
    if (forced) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << detail::FuncName(f) << "': attribute '"
          << attr::kKGroup << "' = " << g
          << ": the kernel's K loop holds statements GroupKStepsTT cannot "
             "group (reads of other tensors, or uses of k besides A's and "
             "B's reads); supported here: 1.";
    }
    return f;
  }
  // One grouped step covers all of K: no partial sums leave DST any more,
  // so the partials CB goes and tt.compute says so.
  const bool one_step = request.steps == g;
  Array<Map<String, Any>> grouped;
  for (size_t i = 0; i < (*cbs).size(); ++i) {
    Map<String, Any> cb = (*cbs)[i];
    if (static_cast<int64_t>(i) == ia || static_cast<int64_t>(i) == ib) {
      for (const char *key : {field::kFieldBlockTiles, field::kFieldNumPages}) {
        cb.Set(key, detail::IntField(cb, key) * g);
      }
    }
    if (!(one_step && detail::StrField(cb, field::kFieldRole) ==
                          std::string(value::kCBRolePartials))) {
      grouped.push_back(cb);
    }
  }
  auto *n = f.CopyOnWrite();
  n->body = body;
  if (one_step) {
    Map<String, Any> c = *compute;
    c.Set(field::kFieldPartials, false);
    f = tvm::WithAttr(std::move(f), attr::kCompute, c);
  }
  return tvm::WithAttr(std::move(f), attr::kCBs, grouped);
}

} // namespace

namespace transform {

Pass GroupKStepsTT() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return Apply(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(pass_func, 0,
                                                  "tl.tt.GroupKStepsTT", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.GroupKStepsTT",
                                        GroupKStepsTT);
}

} // namespace transform
} // namespace tilelang_tt
