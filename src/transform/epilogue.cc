/*!
 * \file epilogue.cc
 * \brief Recognizing and lowering epilogues on the accumulator (epilogue.h).
 */
#include "epilogue.h"

#include <tvm/ffi/error.h>
#include <tvm/tirx/expr.h>

#include <cmath>
#include <cstdio>
#include <cstring>
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

const char *kSupported =
    "supported: T.max(x, c) (ReLU with c = 0), T.min(x, c), x * c, x + c and "
    "x - c with constants c, nested, on the element being written";

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
    if (f->dtype.bits() < 32) {
      return std::nullopt;
    }
    return v;
  }
  if (const auto *i = e.as<tvm::IntImmNode>()) {
    return static_cast<float>(i->value);
  }
  if (const auto *c = e.as<tvm::tirx::CastNode>()) {
    if (c->dtype == tvm::DataType::Float(32)) {
      return Constant(c->value);
    }
  }
  return std::nullopt;
}

/*! \brief Parses one element's update expression into a chain of ops. */
class Parser {
public:
  Parser(const Buffer &acc, const std::vector<tvm::tirx::Var> &vars,
         const std::string &where)
      : acc_(acc), vars_(vars), where_(where) {}

  std::vector<EpilogueOp> Parse(const PrimExpr &e) {
    std::vector<EpilogueOp> ops;
    Walk(e, &ops);
    return ops;
  }

private:
  [[noreturn]] void Fail(const PrimExpr &e, const std::string &why) {
    TVM_FFI_THROW(ValueError)
        << where_ << ": " << why << " in " << Brief(e)
        << " is not supported by the "
        << "Tenstorrent backend yet; " << kSupported << ".";
  }

  /*! \brief `x op c` or `c op x`: the non-constant side, the constant. */
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

  void Walk(const PrimExpr &e, std::vector<EpilogueOp> *ops) {
    using namespace tvm::tirx;
    // A bfloat16 accumulator's element read as float32 (TileLang computes a
    // bf16 fragment's epilogue in float32): the element itself.
    if (const auto *cast = e.as<CastNode>();
        cast && cast->dtype == tvm::DataType::Float(32) &&
        cast->value.as<BufferLoadNode>() &&
        acc_->dtype == tvm::DataType::BFloat(16)) {
      Walk(cast->value, ops);
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
    } else if (const auto *n = e.as<CastNode>()) {
      Fail(e, "a cast to " + tvm::ffi::DLDataTypeToString(n->dtype) +
                  " (write constants as float32)");
    } else if (e.as<DivNode>() || e.as<FloorDivNode>()) {
      Fail(e, "a division (multiply by the reciprocal instead)");
    } else if (const auto *n = e.as<SubNode>(); n && Constant(n->a)) {
      Fail(e, "a constant minus the element");
    } else if (e.as<MaxNode>() || e.as<MinNode>() || e.as<MulNode>() ||
               e.as<AddNode>() || e.as<SubNode>()) {
      Fail(e, "an operand that is neither the element being written nor a "
              "float32 constant");
    } else if (const auto *n = e.as<CallNode>()) {
      const auto *op = n->op.as<tvm::OpNode>();
      Fail(e, "a call to " + (op ? std::string(op->name) : Brief(n->op)));
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

  const Buffer &acc_;
  const std::vector<tvm::tirx::Var> &vars_;
  std::string where_;
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

std::vector<EpilogueOp> MatchEpilogue(const ForNode *loop,
                                      const Buffer &accumulator,
                                      const std::string &where) {
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
  return Parser(accumulator, vars, where).Parse(value);
}

tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>
EpilogueAttr(const std::vector<EpilogueOp> &ops) {
  tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>> out;
  for (const EpilogueOp &op : ops) {
    tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> m;
    m.Set(field::kFieldOp, tvm::ffi::String(op.op));
    m.Set(field::kFieldValue, static_cast<double>(op.value));
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
    ops.push_back(
        {StrField(item, field::kFieldOp),
         static_cast<float>(item.at(field::kFieldValue).cast<double>())});
  }
  return ops;
}

tvm::tirx::Stmt LowerEpilogue(const std::vector<EpilogueOp> &ops, int64_t n) {
  std::vector<tvm::tirx::Stmt> body;
  for (const EpilogueOp &op : ops) {
    const tvm::tirx::StringImm name(op.op);
    const PrimExpr bits =
        tvm::IntImm(tvm::DataType::UInt(32), FloatBits(op.value));
    body.push_back(Intrin(builtin::sfpu_init(), {name}));
    body.push_back(SerialLoop("t", n, [&](PrimExpr t) {
      return Intrin(builtin::sfpu_tile(), {name, t, bits});
    }));
  }
  return Seq(body);
}

} // namespace detail
} // namespace tilelang_tt
