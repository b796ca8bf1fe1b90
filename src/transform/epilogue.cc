/*!
 * \file epilogue.cc
 * \brief Recognizing and lowering epilogues on the accumulator (epilogue.h).
 */
#include "epilogue.h"

#include <tvm/arith/analyzer.h>
#include <tvm/ffi/error.h>
#include <tvm/ffi/extra/structural_equal.h>
#include <tvm/tirx/analysis.h>
#include <tvm/tirx/expr.h>
#include <tvm/tirx/stmt_functor.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>

#include "common.h"
#include "ir_builder.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"

namespace tilelang_tt {
namespace detail {

namespace {

using tvm::PrimExpr;
using tvm::tirx::Buffer;
using tvm::tirx::ForNode;

/*! \brief GELU's erf form as the messages quote it. */
constexpr const char *kGeluForm =
    "x * 0.5 * (1 + T.erf(x * 0.7071067811865476))";

const char *kSupported =
    "supported: T.max(x, c) (ReLU with c = 0), T.min(x, c), x * c, x + c, "
    "x - c and x / c with constants c, T.exp(x), T.exp2(x), T.sigmoid(x), "
    "T.tanh(x), T.rsqrt(x), x * T.sigmoid(x) (SiLU), x * 0.5 * (1 + "
    "T.erf(x * 0.7071067811865476)) (GELU), "
    "and x + / - / * / / a bfloat16 tensor at the element's own "
    "position (Bias[bx * block_N + j], Bias[by * block_M + i] or "
    "D[by * block_M + i, bx * block_N + j]), nested, on the element being "
    "written";

/*!
 * \brief A constant operand as the kernel's fp32 arithmetic uses it: a
 *        float32 (or float64) or integer immediate, or one cast to float32.
 *        Any other cast (through an integer, bf16, ...) changes the value;
 *        it is not a constant here, and the kernel is refused.
 */
std::optional<float> Constant(const PrimExpr &e) {
  if (const auto *f = e.as<tvm::FloatImmNode>()) {
    const float v = static_cast<float>(f->value);
    if (f->dtype == tvm::DataType::BFloat(16)) {
      // A bfloat16 accumulator's constant: the SFPU takes it as this fp32
      // value, which it is exactly only if it is a bf16 value.
      if (FloatBits(v) & 0xffffu) {
        return std::nullopt;
      }
      return v;
    }
    if (f->dtype == tvm::DataType::Float(16)) {
      // A float16 kernel's constant: exact in fp32 when it is a normal fp16
      // value (11 significant bits, from 2^-14 to 65504) or zero.
      const float a = std::fabs(v);
      if ((FloatBits(v) & 0x1fffu) ||
          (a != 0.0f && (a < 0x1p-14f || a > 65504.0f))) {
        return std::nullopt;
      }
      return v;
    }
    if (f->dtype.bits() < 32) {
      return std::nullopt;
    }
    return v;
  }
  if (const auto *i = e.as<tvm::IntImmNode>()) {
    return static_cast<float>(i->value);
  }
  // T.infinity(dtype) (-T.infinity(dtype) is it times -1 below).
  if (const auto *call = e.as<tvm::tirx::CallNode>()) {
    const auto *op = call->op.as<tvm::OpNode>();
    const std::string name = op ? std::string(op->name) : std::string();
    if (name.size() >= 8 && name.compare(name.size() - 8, 8, "infinity") == 0) {
      return std::numeric_limits<float>::infinity();
    }
  }
  if (const auto *c = e.as<tvm::tirx::CastNode>()) {
    if (c->dtype == tvm::DataType::Float(32)) {
      return Constant(c->value);
    }
  }
  // A float32 expression of constants (layernorm.py's inv_D = 1.0 / D):
  // its fp32 value, each op rounded to fp32 as a kernel computes it.
  if (e.dtype() == tvm::DataType::Float(32)) {
    if (const auto *d = e.as<tvm::tirx::DivNode>()) {
      const std::optional<float> a = Constant(d->a), b = Constant(d->b);
      if (a && b && *b != 0.0f) {
        return *a / *b;
      }
    }
    if (const auto *m = e.as<tvm::tirx::MulNode>()) {
      const std::optional<float> a = Constant(m->a), b = Constant(m->b);
      if (a && b) {
        return *a * *b;
      }
    }
  }
  // -T.infinity(dtype) of any float dtype: infinity times -1 is exact.
  if (const auto *m = e.as<tvm::tirx::MulNode>();
      m && (e.dtype().is_float() || e.dtype().is_bfloat16())) {
    const std::optional<float> a = Constant(m->a), b = Constant(m->b);
    if (a && b && (std::isinf(*a) || std::isinf(*b)) &&
        (*a == -1.0f || *b == -1.0f)) {
      return *a * *b;
    }
  }
  return std::nullopt;
}

/*! \brief Parses one element's update expression into a chain of ops. */
class Parser {
public:
  Parser(const Buffer &acc, const std::vector<tvm::tirx::Var> &vars,
         const std::string &where,
         const std::function<bool(const Buffer &)> &is_global)
      : acc_(acc), vars_(vars), where_(where), is_global_(is_global) {}

  std::vector<EpilogueOp> Parse(const PrimExpr &e) {
    std::vector<EpilogueOp> ops;
    Walk(e, &ops);
    return ops;
  }

  /*! \brief Element-wise mode (no accumulator): the chain's first tensor. */
  ElementwiseExpr ParseElementwise(const PrimExpr &e) {
    bool reads = false;
    tvm::tirx::PostOrderVisit(e, [&](const tvm::ffi::ObjectRef &n) {
      reads = reads || n.as<tvm::tirx::BufferLoadNode>() != nullptr;
    });
    if (!reads) {
      Fail(e, "an update that reads no tensor");
    }
    ElementwiseExpr out;
    Walk(e, &out.ops);
    if (!base_) {
      Fail(e, "an update that reads no tensor");
    }
    out.base = *base_;
    return out;
  }

private:
  [[noreturn]] void Fail(const PrimExpr &e, const std::string &why) {
    TVM_FFI_THROW(ValueError)
        << where_ << ": " << why << " in " << Brief(e)
        << " is not supported by the "
        << "Tenstorrent backend yet; " << kSupported << ".";
  }

  /*! \brief `x op c` or `c op x`: the non-constant side, the constant. */
  /*! \brief Whether fp32(1 / c), which x / c multiplies by, is a normal
   *         number (the SFPU takes a denormal constant as zero). */
  static bool NormalReciprocal(float c) {
    const float r = 1.0f / c;
    return std::isfinite(r) && std::fabs(r) >= 1.17549435e-38f;
  }

  bool Split(const PrimExpr &a, const PrimExpr &b, bool commutative,
             PrimExpr *x, float *c) {
    if (auto v = Constant(b)) {
      *x = a, *c = *v;
      return true;
    }
    if (auto v = Constant(a); v && commutative) {
      *x = b, *c = *v;
      return true;
    }
    return false;
  }

  /*! \brief A 16-bit float dtype, which a cast to float32 widens exactly. */
  static bool Widens(tvm::DataType t) {
    return t == tvm::DataType::BFloat(16) || t == tvm::DataType::Float(16);
  }

  /*! \brief `e` as a load of a global tensor (through an exact cast of a
   *         16-bit element to float32), or null. */
  const tvm::tirx::BufferLoadNode *GlobalLoad(const PrimExpr &e) const {
    PrimExpr x = e;
    if (const auto *cast = x.as<tvm::tirx::CastNode>();
        cast && cast->dtype == tvm::DataType::Float(32) &&
        Widens(cast->value.dtype())) {
      x = cast->value;
    }
    const auto *load = x.as<tvm::tirx::BufferLoadNode>();
    return load != nullptr && is_global_(load->buffer) ? load : nullptr;
  }

  bool UsesLoopVar(const PrimExpr &e, size_t axis) const {
    return tvm::tirx::UsesVar(
        e, [&](const tvm::tirx::VarNode *v) { return v == vars_[axis].get(); });
  }

  /*!
   * \brief The operand a global load gives the element (i, j): a vector
   *        indexed by the column (`offset + j`, broadcast over the rows) or
   *        the row (`offset + i`), or a tensor indexed [..., offset_r + i,
   *        offset_c + j]; offsets free of i and j. The offsets are proven
   *        against the output copy's by MemorySpaceLowerTT.
   */
  EpilogueOp Operand(const tvm::tirx::BufferLoadNode *load) {
    const PrimExpr e = tvm::ffi::GetRef<PrimExpr>(load);
    const std::string name = load->buffer->name;
    EpilogueOp op;
    op.op = value::kEpilogueAdd;
    op.operand = name;
    op.buffer = load->buffer;
    tvm::arith::Analyzer analyzer;
    auto offset = [&](const PrimExpr &index, size_t axis) {
      const PrimExpr off = analyzer.Simplify(index - vars_[axis]);
      return UsesLoopVar(off, 0) || UsesLoopVar(off, 1) ? PrimExpr() : off;
    };
    const auto &idx = load->indices;
    if (vars_.size() == 1 && idx.size() == 1) {
      // A 1-D nest (a vector stage): another vector read at the element.
      const PrimExpr off = analyzer.Simplify(idx[0] - vars_[0]);
      if (UsesLoopVar(off, 0)) {
        Fail(e, "the index of the vector '" + name +
                    "' (it must be the element's own, " + name + "[i])");
      }
      op.broadcast = value::kBroadcastNone;
      op.offsets = {off};
      return op;
    }
    if (vars_.size() != 2) {
      Fail(e, "a tensor operand of a " + std::to_string(vars_.size()) +
                  "-D fragment");
    }
    if (idx.size() == 1) {
      const bool by_col = UsesLoopVar(idx[0], 1),
                 by_row = UsesLoopVar(idx[0], 0);
      PrimExpr off;
      if (by_col != by_row) {
        off = offset(idx[0], by_col ? 1 : 0);
      }
      if (!off.defined()) {
        Fail(e, "the index of the vector '" + name +
                    "' (it must be the output element's column, "
                    "Bias[bx * block_N + j], or its row, Bias[by * block_M + "
                    "i])");
      }
      op.broadcast = by_col ? value::kBroadcastRow : value::kBroadcastCol;
      op.offsets = {off};
      return op;
    }
    // The element's row along one axis (the second-last, or of a batched
    // tensor stored in another order any but the last: D[bz, i, by, j]),
    // its column along the last, the other axes its matrix; the offsets in
    // the tensor's own axis order (MemorySpaceLowerTT orders them as stored).
    const size_t n = idx.size();
    size_t row_axis = n - 2;
    for (size_t a = 0; a + 2 < n; ++a) {
      if (UsesLoopVar(idx[a], 1) ||
          (UsesLoopVar(idx[a], 0) && UsesLoopVar(idx[n - 2], 0))) {
        Fail(e, "the batch index of '" + name + "'");
      }
      if (UsesLoopVar(idx[a], 0)) {
        row_axis = a;
      }
    }
    for (size_t a = 0; a < n; ++a) {
      const PrimExpr off = a == row_axis ? offset(idx[a], 0)
                           : a == n - 1  ? offset(idx[a], 1)
                                         : idx[a];
      if (!off.defined() || (a != row_axis && a != n - 1 &&
                             (UsesLoopVar(off, 0) || UsesLoopVar(off, 1)))) {
        Fail(e, "the index of '" + name +
                    "' (it must be the output element's own position, D[by * "
                    "block_M + i, bx * block_N + j])");
      }
      op.offsets.push_back(off);
    }
    op.broadcast = value::kBroadcastNone;
    return op;
  }

  void Walk(const PrimExpr &e, std::vector<EpilogueOp> *ops) {
    using namespace tvm::tirx;
    // x + / * a tensor element (either side; a vector rather than a tensor
    // of the output's shape when both are, so the chain starts from the
    // one), or x - a tensor element.
    auto with_tensor = [&](const PrimExpr &a, const PrimExpr &b,
                           const char *name, bool commutative) {
      if (Constant(a) || Constant(b)) {
        return false;
      }
      const BufferLoadNode *la = commutative ? GlobalLoad(a) : nullptr;
      const BufferLoadNode *lb = GlobalLoad(b);
      if (la == nullptr && lb == nullptr) {
        return false;
      }
      const bool take_a =
          lb == nullptr ||
          (la != nullptr && la->indices.size() < lb->indices.size());
      EpilogueOp op = Operand(take_a ? la : lb);
      op.op = name;
      Walk(take_a ? b : a, ops);
      ops->push_back(op);
      return true;
    };
    if (const auto *n = e.as<AddNode>();
        n && with_tensor(n->a, n->b, value::kEpilogueAdd, true)) {
      return;
    }
    if (const auto *n = e.as<MulNode>();
        n && Function(e).empty() &&
        with_tensor(n->a, n->b, value::kEpilogueMul, true)) {
      return;
    }
    if (const auto *n = e.as<SubNode>();
        n && with_tensor(n->a, n->b, value::kEpilogueSub, false)) {
      return;
    }
    // T.max / T.min of the chain and a tensor element or a stage's value
    // (an online softmax's running maximum, max(m[i], t[i])).
    if (const auto *n = e.as<MaxNode>();
        n && with_tensor(n->a, n->b, value::kEpilogueMax, true)) {
      return;
    }
    if (const auto *n = e.as<MinNode>();
        n && with_tensor(n->a, n->b, value::kEpilogueMin, true)) {
      return;
    }
    if (const auto *n = e.as<DivNode>();
        n && with_tensor(n->a, n->b, value::kEpilogueDiv, false)) {
      return;
    }
    // A bfloat16 accumulator's element read as float32 (TileLang computes a
    // bf16 fragment's epilogue in float32), or a 16-bit tensor's in an
    // element-wise kernel: the element itself.
    if (const auto *cast = e.as<CastNode>();
        cast && cast->dtype == tvm::DataType::Float(32) &&
        cast->value.as<BufferLoadNode>() && Widens(cast->value.dtype()) &&
        (!acc_.defined() || acc_->dtype == cast->value.dtype())) {
      Walk(cast->value, ops);
      return;
    }
    // A bfloat16 value computed from the element, widened to float32
    // (TileLang types T.rsqrt of a bf16 fragment's element bf16): the SFPU
    // computes the chain in fp32, with bf16's range (a float16 one would
    // overflow at 65504, which fp32 does not: refused below).
    if (const auto *cast = e.as<CastNode>();
        cast && cast->dtype == tvm::DataType::Float(32) &&
        !cast->value.as<BufferLoadNode>() &&
        cast->value.dtype() == tvm::DataType::BFloat(16)) {
      Walk(cast->value, ops);
      return;
    }
    if (const auto *load = e.as<BufferLoadNode>(); load && !acc_.defined()) {
      // Element-wise mode: the chain starts from this tensor's element.
      if (!is_global_(load->buffer)) {
        Fail(e, "reading '" + std::string(load->buffer->name) +
                    "' (element-wise kernels read global tensors)");
      }
      EpilogueOp base = Operand(load);
      if (base.broadcast != value::kBroadcastNone) {
        Fail(e, "an update made of vectors only ('" +
                    std::string(load->buffer->name) +
                    "' is a vector; a tensor of the output's shape must be "
                    "read too)");
      }
      base_ = base;
      return;
    }
    if (const auto *load = e.as<BufferLoadNode>()) {
      if (!load->buffer.same_as(acc_)) {
        Fail(e, "reading '" + std::string(load->buffer->name) + "'");
      }
      bool same = load->indices.size() == vars_.size();
      for (size_t i = 0; same && i < vars_.size(); ++i) {
        const auto *v = load->indices[i].as<VarNode>();
        same = v != nullptr && v == vars_[i].get();
      }
      if (!same) {
        Fail(e, "reading another element of '" + std::string(acc_->name) +
                    "' than the one written");
      }
      return;
    }
    // A transcendental function of the chain so far (SFPU routines of the
    // release, vector_unit.hpp): T.exp(x), T.exp2(x), T.sigmoid(x), T.tanh(x),
    // x * T.sigmoid(x).
    if (const std::string fn = Function(e); !fn.empty()) {
      Walk(Argument(e), ops);
      ops->push_back({fn, 0.0f});
      return;
    }
    PrimExpr x;
    float c = 0.0f;
    std::string op;
    if (const auto *n = e.as<MaxNode>(); n && Split(n->a, n->b, true, &x, &c)) {
      op = c == 0.0f ? value::kEpilogueRelu : value::kEpilogueMax;
    } else if (const auto *n = e.as<MinNode>();
               n && Split(n->a, n->b, true, &x, &c)) {
      op = value::kEpilogueMin;
    } else if (const auto *n = e.as<MulNode>();
               n && Split(n->a, n->b, true, &x, &c)) {
      op = value::kEpilogueMul;
    } else if (const auto *n = e.as<AddNode>();
               n && Split(n->a, n->b, true, &x, &c)) {
      op = value::kEpilogueAdd;
    } else if (const auto *n = e.as<SubNode>();
               n && Split(n->a, n->b, false, &x, &c)) {
      op = value::kEpilogueAdd;
      c = -c; // x - c == x + (-c) exactly in IEEE arithmetic
    } else if (const auto *n = e.as<CastNode>();
               n && n->value.dtype() == tvm::DataType::Float(16)) {
      Fail(e, "a float16 value computed from the element, cast to " +
                  tvm::ffi::DLDataTypeToString(n->dtype) +
                  " (float16 fragments computed element by element are not "
                  "supported yet: compute in float32 fragments)");
    } else if (const auto *n = e.as<CastNode>()) {
      Fail(e, "a cast to " + tvm::ffi::DLDataTypeToString(n->dtype) +
                  " (write constants as float32)");
    } else if (const auto *n = e.as<DivNode>();
               n && Constant(n->b) && NormalReciprocal(*Constant(n->b))) {
      // x / c: the SFPU multiplies by c's fp32 reciprocal (LowerEpilogue).
      x = n->a;
      c = *Constant(n->b);
      op = value::kEpilogueDiv;
    } else if (e.as<DivNode>() || e.as<FloorDivNode>()) {
      Fail(e, "a division other than by a tensor or a constant whose fp32 "
              "reciprocal is a normal number");
    } else if (const auto *n = e.as<SubNode>(); n && Constant(n->a)) {
      Fail(e, "a constant minus the element");
    } else if (const auto *n = e.as<SubNode>(); n && GlobalLoad(n->a)) {
      Fail(e, "a tensor minus the element (x - D[...] is supported, D[...] - "
              "x is not)");
    } else if (HasGlobalOperand(e)) {
      Fail(e, "an op with a tensor other than adding, subtracting, "
              "dividing by or "
              "multiplying by it (x + D[...], x - D[...], x * D[...])");
    } else if (e.as<MulNode>() && ErfCall(e) != nullptr) {
      Fail(e, std::string("T.erf in a product that is not GELU's ") +
                  kGeluForm + " (with float32 literals for its constants)");
    } else if (e.as<MaxNode>() || e.as<MinNode>() || e.as<MulNode>() ||
               e.as<AddNode>() || e.as<SubNode>()) {
      Fail(e, "an operand that is neither the element being written nor a "
              "float32 constant");
    } else if (const auto *n = e.as<CallNode>()) {
      const auto *op = n->op.as<tvm::OpNode>();
      Fail(e, "a call to " + (op ? std::string(op->name) : Brief(n->op)) +
                  (op && op->name == "tirx.erf"
                       ? std::string(" (T.erf is supported inside GELU, ") +
                             kGeluForm + ")"
                       : std::string()));
    } else {
      Fail(e, "the expression " + std::string(e->GetTypeKey()));
    }
    if (!std::isfinite(c)) {
      Fail(e, "a constant that is not a finite fp32 value");
    }
    if ((op == value::kEpilogueAdd || op == value::kEpilogueMul) &&
        std::fpclassify(c) == FP_SUBNORMAL) {
      Fail(e, "a denormal constant (the SFPU's multiply-add counts it as "
              "zero)");
    }
    Walk(x, ops);
    ops->push_back({op, c});
  }

  /*! \brief The calls of T.* functions the SFPU computes, by TIR op. */
  static std::string CallOp(const PrimExpr &e) {
    const auto *call = e.as<tvm::tirx::CallNode>();
    const auto *op = call ? call->op.as<tvm::OpNode>() : nullptr;
    // |x| is exact in any float dtype (SFPABS clears the sign bit).
    if (op != nullptr && call->args.size() == 1 &&
        (call->dtype.is_float() || call->dtype.is_bfloat16()) &&
        std::string(op->name) == "tirx.fabs") {
      return value::kEpilogueAbs;
    }
    if (op == nullptr || call->args.size() != 1 ||
        (call->dtype != tvm::DataType::Float(32) && !Widens(call->dtype))) {
      return "";
    }
    const std::string name = op->name;
    return name == "tirx.exp"       ? value::kEpilogueExp
           : name == "tirx.exp2"    ? value::kEpilogueExp2
           : name == "tirx.sigmoid" ? value::kEpilogueSigmoid
           : name == "tirx.tanh"    ? value::kEpilogueTanh
           : name == "tirx.rsqrt"   ? value::kEpilogueRsqrt
                                    : "";
  }

  /*! \brief The value SiLU is applied to if `e` is `x * T.sigmoid(x)` (either
   *         order), else undefined. */
  static PrimExpr SiluArgument(const PrimExpr &e) {
    if (const auto *n = e.as<tvm::tirx::MulNode>()) {
      for (const auto &[x, y] :
           {std::pair(n->a, n->b), std::pair(n->b, n->a)}) {
        if (CallOp(y) == value::kEpilogueSigmoid &&
            tvm::ffi::StructuralEqual()(x,
                                        y.as<tvm::tirx::CallNode>()->args[0])) {
          return x;
        }
      }
    }
    return PrimExpr();
  }

  /*! \brief The T.erf call in `e`, if it has exactly one. */
  static const tvm::tirx::CallNode *ErfCall(const PrimExpr &e) {
    const tvm::tirx::CallNode *found = nullptr;
    int count = 0;
    tvm::tirx::PostOrderVisit(e, [&](const tvm::ffi::ObjectRef &n) {
      const auto *call = n.as<tvm::tirx::CallNode>();
      const auto *op = call ? call->op.as<tvm::OpNode>() : nullptr;
      if (op != nullptr && op->name == "tirx.erf" && call->args.size() == 1) {
        found = call;
        ++count;
      }
    });
    return count == 1 ? found : nullptr;
  }

  /*! \brief The value of a float32 constant, if `e` is one. */
  static std::optional<double> FloatConst(const PrimExpr &e) {
    const auto *imm = e.as<tvm::tirx::FloatImmNode>();
    if (imm == nullptr || imm->dtype != tvm::DataType::Float(32)) {
      return std::nullopt;
    }
    return imm->value;
  }

  /*! \brief `e`'s factors when its products are multiplied out, `x` (if
   *         defined) taken as one factor, the float32 constants among them
   *         multiplied into `constant`. */
  static void Factors(const PrimExpr &e, const PrimExpr &x,
                      std::vector<PrimExpr> *factors, double *constant) {
    const auto *mul = e.as<tvm::tirx::MulNode>();
    if (mul != nullptr && !(x.defined() && tvm::ffi::StructuralEqual()(e, x))) {
      Factors(mul->a, x, factors, constant);
      Factors(mul->b, x, factors, constant);
    } else if (std::optional<double> c = FloatConst(e)) {
      *constant *= *c;
    } else {
      factors->push_back(e);
    }
  }

  /*! \brief The value GELU is applied to if `e` is its erf form, written as
   *         TileLang kernels do: x * 0.5 * (1 + T.erf(x * 0.70710678)), its
   *         factors in any order and grouping, (1 + erf) or (0.5 + 0.5 *
   *         erf) either way round, the argument x * (1 / sqrt 2) or x /
   *         sqrt 2 (each constant to float32 precision); else undefined. */
  static PrimExpr GeluArgument(const PrimExpr &e) {
    using namespace tvm::tirx;
    const CallNode *erf = e.as<MulNode>() ? ErfCall(e) : nullptr;
    if (erf == nullptr) {
      return PrimExpr();
    }
    // The argument: x * c with c = 1 / sqrt 2, or x / c with c = sqrt 2.
    const PrimExpr &arg = erf->args[0];
    const double rsqrt2 = 0.70710678118654752, tol = 1e-7;
    PrimExpr x;
    if (const auto *m = arg.as<MulNode>()) {
      for (const auto &[v, c] :
           {std::pair(m->a, m->b), std::pair(m->b, m->a)}) {
        if (std::optional<double> k = FloatConst(c);
            k && std::fabs(*k - rsqrt2) < tol) {
          x = v;
        }
      }
    } else if (const auto *d = arg.as<DivNode>()) {
      if (std::optional<double> k = FloatConst(d->b);
          k && std::fabs(*k - 1.0 / rsqrt2) < 2 * tol) {
        x = d->a;
      }
    }
    if (!x.defined()) {
      return PrimExpr();
    }
    // e = constant * x * (c0 + c1 * erf) with constant * c0 = constant * c1
    // = 0.5.
    std::vector<PrimExpr> factors;
    double constant = 1.0;
    Factors(e, x, &factors, &constant);
    if (factors.size() != 2) {
      return PrimExpr();
    }
    for (int which = 0; which < 2; ++which) {
      const PrimExpr &sum = factors[which], &other = factors[1 - which];
      const auto *add = sum.as<AddNode>();
      if (add == nullptr || !tvm::ffi::StructuralEqual()(other, x)) {
        continue;
      }
      for (const auto &[c, t] :
           {std::pair(add->a, add->b), std::pair(add->b, add->a)}) {
        const std::optional<double> c0 = FloatConst(c);
        std::vector<PrimExpr> erf_factors;
        double c1 = 1.0;
        Factors(t, PrimExpr(), &erf_factors, &c1);
        if (c0 && erf_factors.size() == 1 &&
            erf_factors[0].as<CallNode>() == erf && constant * *c0 == 0.5 &&
            constant * c1 == 0.5) {
          return x;
        }
      }
    }
    return PrimExpr();
  }

  /*! \brief `e` as an epilogue op that is a function of one value: exp,
   *         sigmoid, tanh, silu (`x * T.sigmoid(x)`) or gelu (its erf
   *         form); "" if not. */
  static std::string Function(const PrimExpr &e) {
    if (e.as<tvm::tirx::MulNode>()) {
      return SiluArgument(e).defined()   ? value::kEpilogueSilu
             : GeluArgument(e).defined() ? value::kEpilogueGelu
                                         : "";
    }
    return CallOp(e);
  }

  /*! \brief The value `Function(e)` applies its function to. */
  static PrimExpr Argument(const PrimExpr &e) {
    if (e.as<tvm::tirx::MulNode>()) {
      const PrimExpr silu = SiluArgument(e);
      return silu.defined() ? silu : GeluArgument(e);
    }
    return e.as<tvm::tirx::CallNode>()->args[0];
  }

  /*! \brief A binary op with a global tensor element as one side. */
  bool HasGlobalOperand(const PrimExpr &e) const {
    using namespace tvm::tirx;
    auto sides = [&](const PrimExpr &a, const PrimExpr &b) {
      return GlobalLoad(a) != nullptr || GlobalLoad(b) != nullptr;
    };
    if (const auto *n = e.as<MulNode>())
      return sides(n->a, n->b);
    if (const auto *n = e.as<SubNode>())
      return sides(n->a, n->b);
    if (const auto *n = e.as<MaxNode>())
      return sides(n->a, n->b);
    if (const auto *n = e.as<MinNode>())
      return sides(n->a, n->b);
    if (const auto *n = e.as<DivNode>())
      return sides(n->a, n->b);
    return false;
  }

  /*! \brief The accumulator (undefined in element-wise mode). */
  Buffer acc_;
  const std::vector<tvm::tirx::Var> &vars_;
  std::string where_;
  const std::function<bool(const Buffer &)> &is_global_;
  std::optional<EpilogueOp> base_;
};

} // namespace

std::string FloatText(float v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", static_cast<double>(v));
  return text;
}

uint32_t FloatBits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits;
}

std::vector<EpilogueOp>
MatchEpilogue(const ForNode *loop, const Buffer &accumulator,
              const std::string &where,
              const std::function<bool(const Buffer &)> &is_global) {
  // The nest: one T.Parallel loop per axis of the accumulator, from 0.
  std::vector<tvm::tirx::Var> vars;
  const std::vector<int64_t> shape = StaticShape(accumulator, where);
  tvm::tirx::Stmt body = tvm::ffi::GetRef<tvm::tirx::Stmt>(loop);
  while (const auto *f = body.as<ForNode>()) {
    const auto *min = f->min.as<tvm::IntImmNode>();
    const auto *extent = f->extent.as<tvm::IntImmNode>();
    const size_t axis = vars.size();
    if (f->kind != tvm::tirx::ForKind::kParallel || min == nullptr ||
        min->value != 0 || extent == nullptr || axis >= shape.size() ||
        extent->value != shape[axis]) {
      TVM_FFI_THROW(ValueError)
          << where << ": the loops must be one T.Parallel per axis of '"
          << accumulator->name << "', over all of it " << ShapeString(shape)
          << "; got a loop over '" << f->loop_var->name_hint << "' of "
          << Brief(f->extent)
          << " (only whole-fragment epilogues are supported).";
    }
    vars.push_back(f->loop_var);
    body = f->body;
  }
  const auto *store = body.as<tvm::tirx::BufferStoreNode>();
  if (store == nullptr || !store->buffer.same_as(accumulator) ||
      vars.size() != shape.size()) {
    TVM_FFI_THROW(ValueError)
        << where << ": the body must be one store 'C_local[i, j] = f(C_local"
        << "[i, j])' over every axis of '" << accumulator->name << "'; got "
        << Brief(body) << ".";
  }
  for (size_t i = 0; i < vars.size(); ++i) {
    const auto *v = store->indices[i].as<tvm::tirx::VarNode>();
    if (v == nullptr || v != vars[i].get()) {
      TVM_FFI_THROW(ValueError)
          << where << ": the store must write '" << accumulator->name
          << "' at the loop indices in order; got " << Brief(body) << ".";
    }
  }
  // A bfloat16 accumulator's epilogue is computed in float32 and stored
  // back: the SFPU does the same, each op's result stored to 16-bit DST.
  PrimExpr value = store->value;
  if (const auto *cast = value.as<tvm::tirx::CastNode>();
      cast && cast->dtype == accumulator->dtype &&
      accumulator->dtype == tvm::DataType::BFloat(16)) {
    value = cast->value;
  }
  return Parser(accumulator, vars, where, is_global).Parse(value);
}

ElementwiseExpr
MatchElementwise(const PrimExpr &value, const std::vector<tvm::tirx::Var> &vars,
                 const std::string &where,
                 const std::function<bool(const Buffer &)> &is_global) {
  return Parser(Buffer(), vars, where, is_global).ParseElementwise(value);
}

bool HasOperands(const std::vector<EpilogueOp> &ops) {
  return std::any_of(ops.begin(), ops.end(),
                     [](const EpilogueOp &op) { return !op.operand.empty(); });
}

tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>
EpilogueAttr(const std::vector<EpilogueOp> &ops) {
  tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>> out;
  for (const EpilogueOp &op : ops) {
    tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> m;
    m.Set(field::kFieldOp, tvm::ffi::String(op.op));
    if (op.operand.empty()) {
      m.Set(field::kFieldValue, static_cast<double>(op.value));
    } else {
      m.Set(field::kFieldOperand, tvm::ffi::String(op.operand));
      m.Set(field::kFieldBroadcast, tvm::ffi::String(op.broadcast));
      m.Set(field::kFieldCB, op.cb);
    }
    out.push_back(m);
  }
  return out;
}

std::vector<EpilogueOp> EpilogueFromAttr(
    const tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> &compute) {
  std::vector<EpilogueOp> ops;
  auto it = compute.find(field::kFieldEpilogue);
  if (it == compute.end()) {
    return ops;
  }
  for (const auto &item :
       (*it).second.cast<tvm::ffi::Array<tvm::ffi::Map<String, Any>>>()) {
    EpilogueOp op;
    op.op = StrField(item, field::kFieldOp);
    if (item.count(field::kFieldOperand)) {
      op.operand = StrField(item, field::kFieldOperand);
      op.broadcast = StrField(item, field::kFieldBroadcast);
      op.cb = IntField(item, field::kFieldCB);
    } else {
      op.value = static_cast<float>(item.at(field::kFieldValue).cast<double>());
    }
    ops.push_back(op);
  }
  return ops;
}

tvm::tirx::Stmt LowerEpilogue(const std::vector<EpilogueOp> &ops,
                              const EpilogueBlock &block) {
  using tvm::tirx::StringImm;
  const int64_t sh = block.sub_h, sw = block.sub_w;
  const PrimExpr scratch = I32(block.scratch);
  auto dst = [&](const PrimExpr &r, const PrimExpr &c) {
    return r * I32(sw) + c;
  };
  std::vector<tvm::tirx::Stmt> body;
  for (const EpilogueOp &op : ops) {
    const bool by_constant = op.op == value::kEpilogueDiv && op.operand.empty();
    const StringImm name(by_constant ? value::kEpilogueMul : op.op);
    if (op.operand.empty()) {
      const PrimExpr bits =
          tvm::IntImm(tvm::DataType::UInt(32),
                      FloatBits(by_constant ? 1.0f / op.value : op.value));
      body.push_back(Intrin(builtin::sfpu_init(), {name}));
      body.push_back(SerialLoop("t", sh * sw, [&](PrimExpr t) {
        return Intrin(builtin::sfpu_tile(), {name, t, bits});
      }));
      continue;
    }
    // The operand's tile goes into the scratch tile (an FPU copy), then the
    // SFPU adds it to each DST tile it covers; each unit needs its init.
    const PrimExpr cb = I32(op.cb);
    const StringImm bcast(op.broadcast);
    // A division multiplies by the divisor's reciprocal (recip_tile on the
    // scratch tile, once per load of it).
    const bool div = op.op == value::kEpilogueDiv;
    const StringImm binary(div ? value::kEpilogueMul : op.op);
    const StringImm recip(value::kSfpuRecip);
    auto add = [&](const PrimExpr &t) {
      return Intrin(builtin::sfpu_binary_tile(), {binary, t, scratch, t});
    };
    auto divisor = [&]() -> tvm::tirx::Stmt {
      if (!div) {
        return tvm::tirx::Evaluate(0);
      }
      return Seq(
          {Intrin(builtin::sfpu_init(), {recip}),
           Intrin(builtin::sfpu_tile(),
                  {recip, scratch, tvm::IntImm(tvm::DataType::UInt(32), 0)})});
    };
    if (op.broadcast == value::kBroadcastRow) {
      // One tile of the row vector per tile column of the block.
      body.push_back(SerialLoop("c", sw, [&](PrimExpr c) {
        return Seq(
            {Intrin(builtin::bcast_init(), {cb, bcast}),
             Intrin(builtin::bcast_tile(),
                    {cb, block.col0 + c, scratch, bcast}),
             divisor(), Intrin(builtin::sfpu_binary_init(), {binary}),
             SerialLoop("r", sh, [&](PrimExpr r) { return add(dst(r, c)); })});
      }));
    } else if (op.broadcast == value::kBroadcastCol) {
      body.push_back(SerialLoop("r", sh, [&](PrimExpr r) {
        return Seq(
            {Intrin(builtin::bcast_init(), {cb, bcast}),
             Intrin(builtin::bcast_tile(),
                    {cb, block.row0 + r, scratch, bcast}),
             divisor(), Intrin(builtin::sfpu_binary_init(), {binary}),
             SerialLoop("c", sw, [&](PrimExpr c) { return add(dst(r, c)); })});
      }));
    } else {
      // The operand's block is row-major in its CB, like the output's.
      body.push_back(SerialLoop("r", sh, [&](PrimExpr r) {
        return SerialLoop("c", sw, [&](PrimExpr c) {
          const PrimExpr slot =
              (block.row0 + r) * I32(block.nt) + block.col0 + c;
          return Seq({Intrin(builtin::copy_init(), {cb}),
                      Intrin(builtin::copy_tile(), {cb, slot, scratch}),
                      divisor(), Intrin(builtin::sfpu_binary_init(), {binary}),
                      add(dst(r, c))});
        });
      }));
    }
  }
  return Seq(body);
}

std::optional<float> ConstantValue(const PrimExpr &e) { return Constant(e); }

} // namespace detail
} // namespace tilelang_tt
