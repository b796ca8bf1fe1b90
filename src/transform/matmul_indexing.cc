/*!
 * \file matmul_indexing.cc
 * \brief Proof that a kernel's T.copy offsets make it compute C = A @ B.
 */

#include "matmul_indexing.h"

#include <tvm/arith/analyzer.h>
#include <tvm/ffi/error.h>
#include <tvm/tirx/builtin.h>
#include <tvm/tirx/expr.h>
#include <tvm/tirx/op.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>

namespace tilelang_tt {
namespace detail {

using tvm::PrimExpr;
using tvm::tirx::CallNode;
using tvm::tirx::ForNode;
using tvm::tirx::VarNode;

namespace {

/*!
 * \brief Evaluates an index expression at one block of the launch grid, the
 *        way the emitted kernels compute it: in uint32_t. A value outside
 *        [0, 2^32) would wrap there (and `/`, `%`, `>>` of a wrapped value
 *        differ from TIR's), so it is a problem, reported in `problem`.
 */
class IndexEvaluator {
public:
  std::unordered_map<const VarNode *, int64_t> env;
  /*! \brief Why the last Eval failed. */
  std::string problem;

  bool Eval(const PrimExpr &e, int64_t *out) {
    std::optional<int64_t> v = Visit(e);
    if (v) {
      *out = *v;
    }
    return v.has_value();
  }

private:
  std::optional<int64_t> Checked(const PrimExpr &e, int64_t v) {
    if (v < 0 || v > int64_t{0xFFFFFFFF}) {
      std::ostringstream os;
      os << "`" << Brief(e) << "` is " << v;
      problem = os.str();
      return std::nullopt;
    }
    return v;
  }

  std::optional<int64_t> Visit(const PrimExpr &e) {
    namespace tb = tvm::tirx::builtin;
    using namespace tvm::tirx;
    auto both = [&](const PrimExpr &a, const PrimExpr &b,
                    auto fn) -> std::optional<int64_t> {
      std::optional<int64_t> x = Visit(a);
      if (!x) {
        return std::nullopt;
      }
      std::optional<int64_t> y = Visit(b);
      if (!y) {
        return std::nullopt;
      }
      return fn(*x, *y);
    };
    // Checked keeps every value non-negative, so TIR's floor and truncating
    // division and modulo agree with uint32_t's.
    auto divide = [&](const PrimExpr &a, const PrimExpr &b,
                      bool mod) -> std::optional<int64_t> {
      return both(a, b, [&](int64_t x, int64_t y) -> std::optional<int64_t> {
        if (y == 0) {
          problem = "`" + Brief(b) + "` is 0 (a division by zero)";
          return std::nullopt;
        }
        return mod ? x % y : x / y;
      });
    };
    std::optional<int64_t> v;
    if (const auto *imm = e.as<tvm::IntImmNode>()) {
      return imm->value;
    } else if (const auto *var = e.as<VarNode>()) {
      auto it = env.find(var);
      if (it == env.end()) {
        problem = "it depends on '" + std::string(var->name_hint) +
                  "', which is not a block index of the launch grid";
        return std::nullopt;
      }
      return it->second;
    } else if (const auto *n = e.as<CastNode>()) {
      return Visit(n->value);
    } else if (const auto *n = e.as<AddNode>()) {
      v = both(n->a, n->b, [](int64_t x, int64_t y) { return x + y; });
    } else if (const auto *n = e.as<SubNode>()) {
      v = both(n->a, n->b, [](int64_t x, int64_t y) { return x - y; });
    } else if (const auto *n = e.as<MulNode>()) {
      v = both(n->a, n->b, [](int64_t x, int64_t y) { return x * y; });
    } else if (const auto *n = e.as<FloorDivNode>()) {
      v = divide(n->a, n->b, false);
    } else if (const auto *n = e.as<DivNode>()) {
      v = divide(n->a, n->b, false);
    } else if (const auto *n = e.as<FloorModNode>()) {
      v = divide(n->a, n->b, true);
    } else if (const auto *n = e.as<ModNode>()) {
      v = divide(n->a, n->b, true);
    } else if (const auto *n = e.as<MinNode>()) {
      v = both(n->a, n->b, [](int64_t x, int64_t y) { return std::min(x, y); });
    } else if (const auto *n = e.as<MaxNode>()) {
      v = both(n->a, n->b, [](int64_t x, int64_t y) { return std::max(x, y); });
    } else if (const auto *n = e.as<LTNode>()) {
      v = both(n->a, n->b,
               [](int64_t x, int64_t y) -> int64_t { return x < y; });
    } else if (const auto *n = e.as<LENode>()) {
      v = both(n->a, n->b,
               [](int64_t x, int64_t y) -> int64_t { return x <= y; });
    } else if (const auto *n = e.as<GTNode>()) {
      v = both(n->a, n->b,
               [](int64_t x, int64_t y) -> int64_t { return x > y; });
    } else if (const auto *n = e.as<GENode>()) {
      v = both(n->a, n->b,
               [](int64_t x, int64_t y) -> int64_t { return x >= y; });
    } else if (const auto *n = e.as<EQNode>()) {
      v = both(n->a, n->b,
               [](int64_t x, int64_t y) -> int64_t { return x == y; });
    } else if (const auto *n = e.as<NENode>()) {
      v = both(n->a, n->b,
               [](int64_t x, int64_t y) -> int64_t { return x != y; });
    } else if (const auto *n = e.as<AndNode>()) {
      v = both(n->a, n->b,
               [](int64_t x, int64_t y) -> int64_t { return x && y; });
    } else if (const auto *n = e.as<OrNode>()) {
      v = both(n->a, n->b,
               [](int64_t x, int64_t y) -> int64_t { return x || y; });
    } else if (const auto *n = e.as<NotNode>()) {
      std::optional<int64_t> x = Visit(n->a);
      return x ? std::optional<int64_t>(!*x) : std::nullopt;
    } else if (const auto *n = e.as<SelectNode>()) {
      std::optional<int64_t> cond = Visit(n->condition);
      if (!cond) {
        return std::nullopt;
      }
      return Visit(*cond ? n->true_value : n->false_value);
    } else if (const auto *call = e.as<CallNode>()) {
      const auto &a = call->args;
      if (call->op.same_as(tb::if_then_else())) {
        std::optional<int64_t> cond = Visit(a[0]);
        if (!cond) {
          return std::nullopt;
        }
        return Visit(*cond ? a[1] : a[2]);
      }
      const bool shift = call->op.same_as(tb::shift_right()) ||
                         call->op.same_as(tb::shift_left());
      if (shift) {
        std::optional<int64_t> count = Visit(a[1]);
        if (count && *count >= 32) {
          problem = "`" + Brief(a[1]) + "` is a shift by 32 bits or more";
          return std::nullopt;
        }
      }
      if (call->op.same_as(tb::shift_right())) {
        v = both(a[0], a[1], [](int64_t x, int64_t y) { return x >> y; });
      } else if (call->op.same_as(tb::shift_left())) {
        v = both(a[0], a[1], [](int64_t x, int64_t y) { return x << y; });
      } else if (call->op.same_as(tb::bitwise_and())) {
        v = both(a[0], a[1], [](int64_t x, int64_t y) { return x & y; });
      } else if (call->op.same_as(tb::bitwise_or())) {
        v = both(a[0], a[1], [](int64_t x, int64_t y) { return x | y; });
      } else if (call->op.same_as(tb::bitwise_xor())) {
        v = both(a[0], a[1], [](int64_t x, int64_t y) { return x ^ y; });
      } else {
        problem = "`" + Brief(e) +
                  "` is not integer arithmetic on the block "
                  "indices";
        return std::nullopt;
      }
    } else {
      problem = "`" + Brief(e) +
                "` is not integer arithmetic on the block "
                "indices";
      return std::nullopt;
    }
    if (!v) {
      return std::nullopt;
    }
    return Checked(e, *v);
  }
};

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::string Shape(const BlockAccess &t) {
  return "'" + t.tensor + "' " + ShapeString(t.shape);
}

} // namespace

void ProveMatmulIndexing(const std::string &func, const LaunchGrid &grid,
                         const std::vector<const ForNode *> &k_loops,
                         const BlockAccess &a, const BlockAccess &b,
                         const BlockAccess &c, bool transpose_b, int64_t tile) {
  const std::string where = "PrimFunc '" + func + "': ";
  // 1. Shapes: A is M x K, B is K x N (N x K transposed), C is M x N.
  const int bk = transpose_b ? 1 : 0, bn = transpose_b ? 0 : 1;
  if (a.shape.size() != 2 || b.shape.size() != 2 || c.shape.size() != 2 ||
      a.shape[0] != c.shape[0] || b.shape[bn] != c.shape[1] ||
      a.shape[1] != b.shape[bk]) {
    TVM_FFI_THROW(ValueError)
        << where << "the T.gemm computes " << c.tensor << " = " << a.tensor
        << " @ " << b.tensor << (transpose_b ? "^T" : "")
        << " but the shapes do not chain: " << Shape(a) << ", " << Shape(b)
        << ", " << Shape(c) << "; expected M x K, "
        << (transpose_b ? "N x K" : "K x N") << " and M x N.";
  }
  const int64_t m_tiles = CeilDiv(c.shape[0], tile);
  const int64_t n_tiles = CeilDiv(c.shape[1], tile);
  const int64_t k_tiles = CeilDiv(a.shape[1], tile);

  tvm::arith::Analyzer analyzer;
  analyzer.Bind(
      grid.x_loop->loop_var,
      tvm::Range::FromMinExtent(grid.x_loop->min, grid.x_loop->extent));
  if (grid.y_loop.defined()) {
    analyzer.Bind(
        grid.y_loop->loop_var,
        tvm::Range::FromMinExtent(grid.y_loop->min, grid.y_loop->extent));
  }

  // 2. The K loop: one loop around the T.gemm, from 0 in steps of 1, whose
  //    blocks of K cover A's K exactly (the last may reach into padding).
  PrimExpr k_block = tvm::IntImm(tvm::DataType::Int(32), 0);
  std::string k_name = "0";
  const int64_t kt = a.cols;
  if (k_loops.size() > 1) {
    std::string names;
    for (const ForNode *loop : k_loops) {
      names += (names.empty() ? "'" : ", '") +
               std::string(loop->loop_var->name_hint) + "'";
    }
    TVM_FFI_THROW(ValueError)
        << where << "the T.gemm is inside the loops over " << names
        << "; one loop over K around the T.gemm is supported.";
  }
  int64_t steps = 1;
  if (k_loops.size() == 1) {
    const ForNode *loop = k_loops.front();
    k_name = loop->loop_var->name_hint;
    const auto *min = loop->min.as<tvm::IntImmNode>();
    const auto *extent = loop->extent.as<tvm::IntImmNode>();
    const auto *step =
        loop->step ? loop->step.value().as<tvm::IntImmNode>() : nullptr;
    if (min == nullptr || min->value != 0 || extent == nullptr ||
        (loop->step && (step == nullptr || step->value != 1))) {
      TVM_FFI_THROW(ValueError)
          << where << "the K loop over '" << k_name << "' runs from "
          << loop->min << " for " << loop->extent << " steps"
          << (loop->step ? " of " + Brief(loop->step.value()) : std::string())
          << "; it must run over every block of K: from 0, in steps of 1, "
             "for a constant T.ceildiv(K, block_K) steps.";
    }
    steps = extent->value;
    analyzer.Bind(loop->loop_var,
                  tvm::Range::FromMinExtent(loop->min, loop->extent));
    k_block = loop->loop_var;
  }
  if (steps * kt < k_tiles || (steps - 1) * kt >= k_tiles) {
    TVM_FFI_THROW(ValueError)
        << where << "the K loop"
        << (k_loops.empty() ? std::string(" (none: one block of K)")
                            : " over '" + k_name + "'")
        << " covers " << steps << " block" << (steps == 1 ? "" : "s")
        << " of block_K = " << kt * tile << " but " << Shape(a)
        << " has K = " << a.shape[1]
        << "; it needs T.ceildiv(K, block_K) = " << CeilDiv(k_tiles, kt) << ".";
  }

  // 3. Operand blocks: A's is (C's block row, k * block_K), B's
  //    (k * block_K, C's block column).
  const PrimExpr k_offset = k_block * tvm::IntImm(k_block.dtype(), kt);
  auto require = [&](const BlockAccess &op, const PrimExpr &got,
                     const PrimExpr &want, const char *axis,
                     const std::string &expected) {
    if (!analyzer.CanProveEqual(got, want)) {
      TVM_FFI_THROW(ValueError)
          << where << op.copy << " reads " << axis << " from tile `"
          << Brief(got) << "` of '" << op.tensor << "', where the T.gemm needs "
          << expected << " (tile `" << Brief(analyzer.Simplify(want))
          << "`); only C = A @ B, block by block, is supported.";
    }
  };
  const std::string bk_elems = std::to_string(kt * tile);
  require(a, a.row, c.row, "rows",
          "the rows of the output block of '" + c.tensor + "'");
  require(a, a.col, k_offset, "columns",
          "the columns of K step '" + k_name + "' (" + k_name + " * " +
              bk_elems + ")");
  const std::string k_rows =
      "K step '" + k_name + "' (" + k_name + " * " + bk_elems + ")";
  const std::string c_cols =
      "the columns of the output block of '" + c.tensor + "'";
  if (transpose_b) {
    require(b, b.row, c.col, "rows", c_cols + " (B is N x K)");
    require(b, b.col, k_offset, "columns", "the columns of " + k_rows);
  } else {
    require(b, b.row, k_offset, "rows", "the rows of " + k_rows);
    require(b, b.col, c.col, "columns", c_cols);
  }

  // 4. Output blocks: evaluated at every block of the launch grid, C's
  //    offsets tile the output exactly once.
  const int64_t gx = grid.grid_x, gy = grid.grid_y;
  IndexEvaluator eval;
  auto block_name = [&](int64_t x, int64_t y) {
    std::ostringstream os;
    os << "(" << grid.x_loop->loop_var->name_hint << "=" << x;
    if (grid.y_loop.defined()) {
      os << ", " << grid.y_loop->loop_var->name_hint << "=" << y;
    }
    os << ")";
    return os.str();
  };
  std::unordered_map<int64_t, std::pair<int64_t, int64_t>> writer_of;
  writer_of.reserve(static_cast<size_t>(gx * gy));
  for (int64_t y = 0; y < gy; ++y) {
    for (int64_t x = 0; x < gx; ++x) {
      eval.env[grid.x_loop->loop_var.get()] = x;
      if (grid.y_loop.defined()) {
        eval.env[grid.y_loop->loop_var.get()] = y;
      }
      // The operands' offsets as the reader computes them (uint32_t), at the
      // first and the last K step.
      for (int64_t kv : {int64_t{0}, steps - 1}) {
        if (!k_loops.empty()) {
          eval.env[k_loops.front()->loop_var.get()] = kv;
        }
        for (const BlockAccess *op : {&a, &b}) {
          for (const PrimExpr &expr : {op->row, op->col}) {
            int64_t unused = 0;
            if (!eval.Eval(expr, &unused)) {
              TVM_FFI_THROW(ValueError)
                  << where << op->copy << ": the offset `" << Brief(expr)
                  << "` * " << tile << " into '" << op->tensor
                  << "' cannot be computed at block " << block_name(x, y)
                  << (k_loops.empty()
                          ? std::string()
                          : ", " + k_name + "=" + std::to_string(kv))
                  << ": " << eval.problem
                  << "; block offsets must be non-negative integer "
                     "arithmetic on the block indices.";
            }
          }
        }
      }
      int64_t r = 0, col = 0;
      for (auto [expr, out] : {std::pair{c.row, &r}, std::pair{c.col, &col}}) {
        if (!eval.Eval(expr, out)) {
          TVM_FFI_THROW(ValueError)
              << where << c.copy << ": the offset `" << Brief(expr) << "` * "
              << tile << " into '" << c.tensor << "' cannot be computed at "
              << "block " << block_name(x, y) << ": " << eval.problem
              << "; block offsets must be non-negative integer arithmetic on "
                 "the block indices.";
        }
      }
      if (r % c.rows != 0 || col % c.cols != 0 || r >= m_tiles ||
          col >= n_tiles) {
        TVM_FFI_THROW(ValueError)
            << where << c.copy << ": block " << block_name(x, y)
            << " writes the " << c.rows * tile << "x" << c.cols * tile
            << " block at element (" << r * tile << ", " << col * tile
            << ") of " << Shape(c)
            << ", which is not one of the output's blocks (offsets must be "
               "multiples of the block size, inside the tensor).";
      }
      const int64_t key =
          (r / c.rows) * CeilDiv(n_tiles, c.cols) + col / c.cols;
      auto [it, fresh] = writer_of.emplace(key, std::pair{x, y});
      if (!fresh) {
        TVM_FFI_THROW(ValueError)
            << where << c.copy << ": blocks "
            << block_name(it->second.first, it->second.second) << " and "
            << block_name(x, y) << " both write the block at element ("
            << r * tile << ", " << col * tile << ") of '" << c.tensor
            << "'; every output block must be written by exactly one block "
               "of the launch grid.";
      }
    }
  }
  const int64_t block_rows = CeilDiv(m_tiles, c.rows);
  const int64_t block_cols = CeilDiv(n_tiles, c.cols);
  if (static_cast<int64_t>(writer_of.size()) != block_rows * block_cols) {
    for (int64_t key = 0; key < block_rows * block_cols; ++key) {
      if (!writer_of.count(key)) {
        TVM_FFI_THROW(ValueError)
            << where << c.copy << ": no block of the " << gx << " x " << gy
            << " launch grid writes the block at element ("
            << key / block_cols * c.rows * tile << ", "
            << key % block_cols * c.cols * tile << ") of " << Shape(c) << " ("
            << block_rows << " x " << block_cols << " blocks of "
            << c.rows * tile << "x" << c.cols * tile << ").";
      }
    }
  }
}

} // namespace detail
} // namespace tilelang_tt
