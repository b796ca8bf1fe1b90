/*!
 * \file tensorize_matmul.cc
 * \brief Lower block matmuls on circular buffers to tile matmuls in DST.
 */

#include <tvm/ffi/extra/structural_equal.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/stmt_functor.h>
#include <tvm/tirx/transform.h>

#include <optional>
#include <string>

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
using tvm::tirx::CallNode;
using tvm::tirx::EvaluateNode;
using tvm::tirx::ForNode;
using tvm::tirx::PrimFunc;
using tvm::tirx::Stmt;

namespace {

constexpr const char *kPassName = "TensorizeTT";

/*! \brief Constant int argument `i` of a TT intrinsic call. */
int64_t ConstArg(const CallNode *call, int i) {
  const auto *imm = call->args[i].as<tvm::IntImmNode>();
  TVM_FFI_ICHECK(imm) << kPassName << ": argument " << i << " of " << call->op
                      << " must be a constant";
  return imm->value;
}

/*!
 * \brief Replaces each gemm_block with matmul_tiles loops and puts one
 *        matmul_init in front of the kernel's launch loops.
 */
class MatmulTensorizer : public tvm::tirx::StmtExprMutator {
public:
  static PrimFunc Apply(PrimFunc f) {
    Array<Map<String, Any>> cbs =
        f->GetAttr<Array<Map<String, Any>>>(attr::kCBs).value_or({});
    if (!f->GetAttr<Array<Map<String, Any>>>(attr::kCBs)) {
      TVM_FFI_THROW(ValueError)
          << kPassName << ": PrimFunc '" << detail::FuncName(f)
          << "' has no tt.cbs attribute; run MemorySpaceLowerTT first.";
    }
    auto compute = f->GetAttr<Map<String, Any>>(attr::kCompute);
    if (!compute) {
      TVM_FFI_THROW(ValueError)
          << kPassName << ": PrimFunc '" << detail::FuncName(f)
          << "' has no tt.compute attribute; run MemorySpaceLowerTT first.";
    }
    MatmulTensorizer tensorizer(detail::FuncName(f));
    tensorizer.dst_tiles_ =
        detail::IntField(compute.value(), field::kFieldDstTiles);
    tensorizer.dst_mode_ = DstModeName(
        detail::BoolField(compute.value(), field::kFieldFp32DestAccEn),
        detail::BoolField(compute.value(), field::kFieldDstFullSyncEn));
    for (const auto &cb : cbs) {
      if (detail::StrField(cb, field::kFieldRole) == value::kCBRoleOutput) {
        tensorizer.output_cbs_.push_back(
            detail::IntField(cb, field::kFieldIndex));
      }
    }
    auto *n = f.CopyOnWrite();
    n->body = tensorizer(n->body);
    return f;
  }

private:
  explicit MatmulTensorizer(std::string func) : func_(std::move(func)) {}

  /*! \brief The outermost launch loop gets the kernel-wide matmul_init. */
  Stmt VisitStmt_(const ForNode *op) final {
    const bool launch = op->kind == tvm::tirx::ForKind::kThreadBinding;
    const bool outermost = launch && !inside_launch_;
    if (outermost) {
      inside_launch_ = true;
    }
    Stmt stmt = StmtExprMutator::VisitStmt_(op);
    if (!outermost || !init_args_) {
      return stmt;
    }
    inside_launch_ = false;
    Stmt init = detail::RoleScope(
        ir::kRoleCompute,
        detail::Intrin(builtin::matmul_init(), init_args_.value()));
    return detail::Seq({init, stmt});
  }

  /*!
   * \brief gemm_block(cb_a, cb_b, mt, nt, kt): for each output tile (mi, ni)
   *        of the mt x nt block, accumulate the kt products of A's row mi and
   *        B's column ni into DST[mi * nt + ni]. A's tiles sit row-major in
   *        its CB (slot mi * kt + kk), B's likewise (slot kk * nt + ni).
   */
  Stmt VisitStmt_(const EvaluateNode *op) final {
    const auto *call = op->value.as<CallNode>();
    if (call == nullptr || !call->op.same_as(builtin::gemm_block())) {
      return StmtExprMutator::VisitStmt_(op);
    }
    const int64_t cb_a = ConstArg(call, 0), cb_b = ConstArg(call, 1);
    const int64_t mt = ConstArg(call, 2), nt = ConstArg(call, 3);
    const int64_t kt = ConstArg(call, 4);
    // MemorySpaceLowerTT chose a DST mode this block fits; check it holds.
    if (mt * nt > dst_tiles_) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': T.gemm output block of " << mt * 32
          << "x" << nt * 32 << " elements is " << mt * nt
          << " tiles, more than the " << dst_tiles_ << " tiles DST holds ("
          << dst_mode_ << ", tt.compute).";
    }
    if (output_cbs_.size() != 1) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': T.gemm needs exactly one output "
          << "circular buffer, found " << output_cbs_.size() << ".";
    }
    Array<PrimExpr> init{detail::I32(cb_a), detail::I32(cb_b),
                         detail::I32(output_cbs_.front())};
    if (init_args_ && !tvm::ffi::StructuralEqual()(init_args_.value(), init)) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_
          << "': more than one T.gemm with different operands; one matmul "
             "per kernel is supported.";
    }
    init_args_ = init;
    return detail::SerialLoop("mi", mt, [&](PrimExpr mi) {
      return detail::SerialLoop("ni", nt, [&](PrimExpr ni) {
        return detail::SerialLoop("kk", kt, [&](PrimExpr kk) {
          return detail::Intrin(
              builtin::matmul_tiles(),
              {detail::I32(cb_a), detail::I32(cb_b), mi * detail::I32(kt) + kk,
               kk * detail::I32(nt) + ni, mi * detail::I32(nt) + ni});
        });
      });
    });
  }

  std::string func_;
  /*! \brief DST capacity and mode name from tt.compute. */
  int64_t dst_tiles_ = 0;
  std::string dst_mode_;
  std::vector<int64_t> output_cbs_;
  bool inside_launch_ = false;
  /*! \brief (cb_a, cb_b, cb_out) of the kernel's matmul, once one is seen. */
  std::optional<Array<PrimExpr>> init_args_;
};

} // namespace

namespace transform {

Pass TensorizeTT() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return MatmulTensorizer::Apply(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(pass_func, 0,
                                                  "tl.tt.TensorizeTT", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.TensorizeTT",
                                        TensorizeTT);
}

} // namespace transform
} // namespace tilelang_tt
