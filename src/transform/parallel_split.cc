/*!
 * \file parallel_split.cc
 * \brief SplitParallel (parallel_split.h).
 */
#include "parallel_split.h"

#include <tvm/ffi/extra/structural_equal.h>
#include <tvm/tirx/analysis.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>

#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace tilelang_tt {
namespace detail {

namespace {

using tvm::PrimExpr;
using tvm::tirx::Buffer;
using tvm::tirx::BufferLoad;
using tvm::tirx::BufferStore;
using tvm::tirx::For;
using tvm::tirx::ForNode;
using tvm::tirx::Stmt;
using tvm::tirx::Var;

bool ReadsBuffer(const PrimExpr &e) {
  bool found = false;
  tvm::tirx::PostOrderVisit(e, [&](const tvm::ffi::ObjectRef &n) {
    found = found || n.as<tvm::tirx::BufferLoadNode>() != nullptr;
  });
  return found;
}

bool CallsErf(const PrimExpr &e) {
  bool found = false;
  tvm::tirx::PostOrderVisit(e, [&](const tvm::ffi::ObjectRef &n) {
    const auto *call = n.as<tvm::tirx::CallNode>();
    const auto *op = call ? call->op.as<tvm::OpNode>() : nullptr;
    found = found || (op && op->name == "tirx.erf");
  });
  return found;
}

/*! \brief Whether `e` is `x * T.sigmoid(x)` (SiLU, one op of a chain). */
bool Silu(const PrimExpr &e) {
  const auto *mul = e.as<tvm::tirx::MulNode>();
  if (mul == nullptr) {
    return false;
  }
  for (const auto &[x, y] :
       {std::pair(mul->a, mul->b), std::pair(mul->b, mul->a)}) {
    const auto *call = y.as<tvm::tirx::CallNode>();
    const auto *op = call ? call->op.as<tvm::OpNode>() : nullptr;
    if (op && op->name == "tirx.sigmoid" && call->args.size() == 1 &&
        tvm::ffi::StructuralEqual()(x, call->args[0])) {
      return true;
    }
  }
  return false;
}

/*! \brief The buffers `e` reads. */
std::vector<const tvm::tirx::BufferNode *> BuffersRead(const PrimExpr &e) {
  std::vector<const tvm::tirx::BufferNode *> out;
  tvm::tirx::PostOrderVisit(e, [&](const tvm::ffi::ObjectRef &n) {
    if (const auto *load = n.as<tvm::tirx::BufferLoadNode>()) {
      out.push_back(load->buffer.get());
    }
  });
  return out;
}

/*! \brief A tensor element, maybe widened to float32: a chain's operand. */
bool Element(const PrimExpr &e) {
  if (const auto *cast = e.as<tvm::tirx::CastNode>()) {
    return cast->value.as<tvm::tirx::BufferLoadNode>() != nullptr;
  }
  return e.as<tvm::tirx::BufferLoadNode>() != nullptr;
}

class Splitter {
public:
  Splitter(std::vector<Var> vars, std::vector<PrimExpr> extents,
           std::string base, size_t first)
      : vars_(std::move(vars)), extents_(std::move(extents)),
        base_(std::move(base)), first_(first) {}

  /*! \brief `e` with each operand that is an expression of tensors replaced
   *         by a fragment computed before (appended to `stores`). */
  PrimExpr Flatten(const PrimExpr &e) {
    using namespace tvm::tirx;
    if (const auto *n = e.as<AddNode>()) {
      return Binary<Add>(n->a, n->b);
    }
    if (const auto *n = e.as<SubNode>()) {
      return Binary<Sub>(n->a, n->b);
    }
    if (const auto *n = e.as<MulNode>()) {
      return Binary<Mul>(n->a, n->b);
    }
    if (const auto *n = e.as<DivNode>()) {
      return Binary<Div>(n->a, n->b);
    }
    if (const auto *n = e.as<MaxNode>()) {
      return Binary<Max>(n->a, n->b);
    }
    if (const auto *n = e.as<MinNode>()) {
      return Binary<Min>(n->a, n->b);
    }
    if (const auto *n = e.as<CastNode>()) {
      return Cast(n->dtype, Flatten(n->value));
    }
    if (const auto *n = e.as<CallNode>()) {
      tvm::ffi::Array<PrimExpr> args;
      for (const PrimExpr &arg : n->args) {
        args.push_back(Flatten(arg));
      }
      return Call(n->dtype, n->op, args);
    }
    return e;
  }

  std::vector<Stmt> stores;
  std::vector<Buffer> temps;

private:
  template <typename Node>
  PrimExpr Binary(const PrimExpr &a0, const PrimExpr &b0) {
    const PrimExpr a = Flatten(a0);
    PrimExpr b = Flatten(b0);
    if (Silu(Node(a, b))) {
      return Node(a, b); // SiLU is one op of a chain
    }
    // A chain's op takes a tensor element as its operand (either side of a
    // sum or a product, the right of a difference or a quotient): another
    // expression of tensors there is computed first.
    const bool commutative = std::is_same_v<Node, tvm::tirx::Add> ||
                             std::is_same_v<Node, tvm::tirx::Mul>;
    if (ReadsBuffer(a) && ReadsBuffer(b) && !Element(b) &&
        !(commutative && Element(a))) {
      b = Temp(b);
    }
    return Node(a, b);
  }

public:
  /*! \brief A fragment holding `e` at the element, read back there. A
   *         widening cast around `e` stays outside: the fragment has the
   *         narrow type TileLang computes `e` in. */
  PrimExpr Temp(const PrimExpr &e) {
    PrimExpr value = e;
    std::optional<tvm::DataType> wide;
    if (const auto *cast = e.as<tvm::tirx::CastNode>();
        cast && cast->dtype.is_float() &&
        cast->dtype.bits() > cast->value.dtype().bits()) {
      value = cast->value;
      wide = cast->dtype;
    }
    tvm::ffi::Array<PrimExpr> shape(extents_.begin(), extents_.end());
    tvm::ffi::Array<PrimExpr> indices(vars_.begin(), vars_.end());
    // An expression of vectors read at one loop's index (`m[i] * m[i]` in a
    // block's update) is a vector of that loop's extent.
    if (const std::optional<size_t> axis = VectorAxis(value)) {
      shape = {extents_[*axis]};
      indices = {vars_[*axis]};
    }
    const Buffer temp = tvm::tirx::decl_buffer(
        shape, value.dtype(),
        base_ + "_t" + std::to_string(first_ + temps.size()), "local.fragment");
    temps.push_back(temp);
    stores.push_back(BufferStore(temp, value, indices));
    const PrimExpr load = BufferLoad(temp, indices);
    return wide ? tvm::tirx::Cast(*wide, load) : load;
  }

private:
  /*! \brief The loop whose variable alone indexes every load of `e`, each
   *         load a vector's; none otherwise (or in a 1-D nest). */
  std::optional<size_t> VectorAxis(const PrimExpr &e) const {
    std::optional<size_t> axis;
    bool vectors = vars_.size() > 1;
    tvm::tirx::PostOrderVisit(e, [&](const tvm::ffi::ObjectRef &n) {
      const auto *load = n.as<tvm::tirx::BufferLoadNode>();
      if (load == nullptr || !vectors) {
        return;
      }
      const auto *var = load->indices.size() == 1
                            ? load->indices[0].as<tvm::tirx::VarNode>()
                            : nullptr;
      std::optional<size_t> at;
      for (size_t a = 0; var != nullptr && a < vars_.size(); ++a) {
        if (vars_[a].get() == var) {
          at = a;
        }
      }
      vectors = at && (!axis || *axis == *at);
      axis = at;
    });
    return vectors ? axis : std::nullopt;
  }

  std::vector<Var> vars_;
  std::vector<PrimExpr> extents_;
  std::string base_;
  size_t first_; // the number of fragments made before, for their names
};

} // namespace

SplitNests SplitParallel(const For &loop) {
  std::vector<const ForNode *> nest;
  Stmt body = loop;
  while (const auto *f = body.as<ForNode>()) {
    if (f->kind != tvm::tirx::ForKind::kParallel) {
      return {};
    }
    nest.push_back(f);
    body = f->body;
  }
  std::vector<Stmt> stmts;
  if (const auto *seq = body.as<tvm::tirx::SeqStmtNode>()) {
    stmts.assign(seq->seq.begin(), seq->seq.end());
  } else {
    stmts.push_back(body);
  }
  std::vector<Var> vars;
  std::vector<PrimExpr> extents;
  for (const ForNode *f : nest) {
    vars.push_back(f->loop_var);
    extents.push_back(f->extent);
  }
  tvm::ffi::Map<Var, PrimExpr> local;
  std::vector<Stmt> stores;
  SplitNests out;
  // The Binds whose values read buffers, which a later store may overwrite.
  std::vector<Var> reading;
  for (const Stmt &stmt : stmts) {
    if (const auto *bind = stmt.as<tvm::tirx::BindNode>()) {
      local.Set(bind->var, tvm::tirx::Substitute(bind->value, local));
      if (ReadsBuffer(bind->value)) {
        reading.push_back(bind->var);
      }
      continue;
    }
    const auto *store = stmt.as<tvm::tirx::BufferStoreNode>();
    if (store == nullptr) {
      return {};
    }
    // A Bind is its value at the Bind: one that reads the buffer this store
    // writes is computed into a fragment first (`t = s[i]; s[i] = ...`).
    for (const Var &var : reading) {
      const PrimExpr value = local.at(var);
      const std::vector<const tvm::tirx::BufferNode *> read =
          BuffersRead(value);
      if (std::find(read.begin(), read.end(), store->buffer.get()) ==
          read.end()) {
        continue;
      }
      Splitter held(vars, extents, std::string(var->name_hint),
                    out.temps.size());
      local.Set(var, held.Temp(value));
      stores.insert(stores.end(), held.stores.begin(), held.stores.end());
      out.temps.insert(out.temps.end(), held.temps.begin(), held.temps.end());
    }
    const PrimExpr value = tvm::tirx::Substitute(store->value, local);
    tvm::ffi::Array<PrimExpr> indices;
    for (const PrimExpr &index : store->indices) {
      indices.push_back(tvm::tirx::Substitute(index, local));
    }
    Splitter splitter(vars, extents, std::string(store->buffer->name),
                      out.temps.size());
    const PrimExpr flat = CallsErf(value) ? value : splitter.Flatten(value);
    stores.insert(stores.end(), splitter.stores.begin(), splitter.stores.end());
    out.temps.insert(out.temps.end(), splitter.temps.begin(),
                     splitter.temps.end());
    stores.push_back(BufferStore(store->buffer, flat, indices));
  }
  if (stores.size() <= 1) {
    return {}; // one chain already (its Binds are the caller's)
  }
  for (const Stmt &store : stores) {
    Stmt nested = store;
    for (auto it = nest.rbegin(); it != nest.rend(); ++it) {
      // (A loop the store does not use is left out: a vector's update in a
      // block's nest runs over the vector.)
      if (!tvm::tirx::UsesVar(store, [&](const tvm::tirx::VarNode *v) {
            return v == (*it)->loop_var.get();
          })) {
        continue;
      }
      nested = For((*it)->loop_var, (*it)->min, (*it)->extent,
                   tvm::tirx::ForKind::kParallel, nested);
    }
    out.nests.push_back(tvm::Downcast<For>(nested));
  }
  return out;
}

} // namespace detail
} // namespace tilelang_tt
