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
#include <functional>
#include <numeric>
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
 * \brief Evaluates an index expression (or a guard) at one point of the
 *        block nest, as TileLang's program computes it. Only non-negative
 *        values that fit the expression's type are evaluated (there TIR's
 *        floor and truncating division agree, and nothing wraps); anything
 *        else -- a negative or overflowing value, a cast to a narrower or
 *        unsigned type -- is a problem, reported in `problem`, and the
 *        kernel is refused rather than guessed at.
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
    const tvm::DataType t = e.dtype();
    const int bits = t.is_bool() ? 1 : t.bits();
    const int64_t max = t.is_bool() ? 1
                        : t.is_int()
                            ? (int64_t{1} << std::min(bits - 1, 62)) - 1
                            : (int64_t{1} << std::min(bits, 62)) - 1;
    if (v < 0 || v > max) {
      std::ostringstream os;
      os << "`" << Brief(e) << "` is " << v
         << (v > max
                 ? " (more than its type " +
                       std::string(tvm::ffi::DLDataTypeToString(t)) + " holds)"
                 : std::string());
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
      // A cast to a signed type of at least 32 bits keeps the value (Checked
      // bounds it); a narrowing or unsigned cast would wrap: not evaluated.
      if (!(n->dtype.is_int() && n->dtype.bits() >= 32) &&
          !(n->dtype.is_int() && n->value.dtype().is_bool())) {
        problem = "`" + Brief(e) + "` casts to " +
                  std::string(tvm::ffi::DLDataTypeToString(n->dtype)) +
                  ", which is not evaluated";
        return std::nullopt;
      }
      v = Visit(n->value);
    } else if (const auto *n = e.as<AddNode>()) {
      v = both(n->a, n->b, [](int64_t x, int64_t y) { return x + y; });
    } else if (const auto *n = e.as<SubNode>()) {
      v = both(n->a, n->b, [](int64_t x, int64_t y) { return x - y; });
    } else if (const auto *n = e.as<MulNode>()) {
      v = both(n->a, n->b, [&](int64_t x, int64_t y) -> std::optional<int64_t> {
        int64_t product = 0;
        if (__builtin_mul_overflow(x, y, &product)) {
          problem = "`" + Brief(e) + "` overflows 64 bits";
          return std::nullopt;
        }
        return product;
      });
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
        if (count && (*count < 0 || *count >= 32)) {
          problem = "`" + Brief(a[1]) + "` is a shift by " +
                    std::to_string(*count) + " bits (not 0 to 31)";
          return std::nullopt;
        }
      }
      if (call->op.same_as(tb::shift_right())) {
        v = both(a[0], a[1], [](int64_t x, int64_t y) { return x >> y; });
      } else if (call->op.same_as(tb::shift_left())) {
        v = both(a[0], a[1],
                 [&](int64_t x, int64_t y) -> std::optional<int64_t> {
                   int64_t shifted = 0;
                   if (__builtin_mul_overflow(x, int64_t{1} << y, &shifted)) {
                     problem = "`" + Brief(e) + "` overflows 64 bits";
                     return std::nullopt;
                   }
                   return shifted;
                 });
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

} // namespace

std::string Shape(const BlockAccess &t) {
  std::vector<int64_t> stored = t.batch_shape;
  stored.insert(stored.end(), t.shape.begin(), t.shape.end());
  const std::vector<int64_t> &declared =
      t.declared.empty() ? stored : t.declared;
  std::string text = "'" + t.tensor + "' " + ShapeString(declared);
  if (declared != stored && declared.size() >= 3) {
    text += " (stored as " + ShapeString(stored) + ")";
  }
  return text;
}

namespace {

/*! \brief "(1, 64, 0, 32)": the element at (row, col) of matrix `batch` of
 *         the tensor, in its declared axes (a 2-D tensor: (row, col)). */
std::string ElementAt(const BlockAccess &t, int64_t batch, int64_t row,
                      int64_t col) {
  std::vector<int64_t> stored(t.batch_shape.size());
  for (size_t i = stored.size(); i-- > 0;) {
    stored[i] = batch % t.batch_shape[i];
    batch /= t.batch_shape[i];
  }
  stored.push_back(row);
  stored.push_back(col);
  std::vector<int64_t> at = stored;
  for (size_t i = 0; i < t.axes.size() && t.axes.size() == stored.size(); ++i) {
    at[t.axes[i]] = stored[i];
  }
  std::ostringstream os;
  for (size_t i = 0; i < at.size(); ++i) {
    os << (i ? ", " : "(") << at[i];
  }
  os << ")";
  return os.str();
}

/*! \brief Step 4 of the proofs: evaluated at every point of the nest whose
 *         guards hold, C's block offsets tile the output exactly once;
 *         `inputs` checks the inputs' offsets at each point. */
OutputBlocks ProveCoverage(
    const std::string &func, const BlockNest &nest, const BlockAccess &c,
    int64_t tile,
    const std::function<
        void(IndexEvaluator &,
             const std::function<void(const BlockAccess &, const PrimExpr &,
                                      const std::string &)> &)> &inputs) {
  const std::string where = "PrimFunc '" + func + "': ";
  const std::vector<int64_t> cm = c.shape;
  const int64_t m_tiles = CeilDiv(cm[0], tile);
  const int64_t n_tiles = CeilDiv(cm[1], tile);
  // 4. Output blocks: evaluated at every point of the nest whose guards
  //    hold, C's offsets tile the output exactly once.
  OutputBlocks blocks;
  blocks.batch = std::accumulate(c.batch_shape.begin(), c.batch_shape.end(),
                                 int64_t{1}, std::multiplies<int64_t>());
  blocks.block_rows = CeilDiv(m_tiles, c.rows);
  blocks.block_cols = CeilDiv(n_tiles, c.cols);
  int64_t points = 1;
  for (const NestDim &dim : nest.dims) {
    points *= std::max<int64_t>(dim.extent, 0);
    if (points > (int64_t{1} << 24)) {
      TVM_FFI_THROW(ValueError)
          << where << "the launch grid and the loops around the output block "
          << "have more than 2^24 points; the Tenstorrent backend checks every "
             "block at lowering time and supports at most that many.";
    }
  }
  IndexEvaluator eval;
  std::vector<int64_t> at(nest.dims.size(), 0);
  auto point_name = [&](const std::vector<int64_t> &p) {
    std::ostringstream os;
    os << "(";
    for (size_t i = 0; i < nest.dims.size(); ++i) {
      os << (i ? ", " : "") << nest.dims[i].var->name_hint << "=" << p[i];
    }
    os << ")";
    return os.str();
  };
  std::function<void(const BlockAccess &, const PrimExpr &,
                     const std::string &)>
      cannot = [&](const BlockAccess &op, const PrimExpr &expr,
                   const std::string &kv) {
        TVM_FFI_THROW(ValueError)
            << where << op.copy << ": the offset `" << Brief(expr) << "`"
            << (expr.same_as(op.batch) ? std::string(" (batch)")
                                       : " * " + std::to_string(tile))
            << " into '" << op.tensor << "' cannot be computed at block "
            << point_name(at) << kv << ": " << eval.problem
            << "; block offsets must be non-negative integer arithmetic on the "
               "block indices.";
      };
  std::unordered_map<int64_t, std::vector<int64_t>> writer_of;
  for (int64_t p = 0; p < points; ++p) {
    int64_t rest = p;
    for (size_t i = 0; i < nest.dims.size(); ++i) {
      at[i] = nest.dims[i].min + rest % nest.dims[i].extent;
      rest /= nest.dims[i].extent;
      eval.env[nest.dims[i].var.get()] = at[i];
    }
    bool active = true;
    for (const PrimExpr &guard : nest.guards) {
      int64_t holds = 0;
      if (!eval.Eval(guard, &holds)) {
        TVM_FFI_THROW(ValueError)
            << where << "the condition `" << Brief(guard)
            << "` around the output block cannot be evaluated at block "
            << point_name(at) << ": " << eval.problem
            << "; an `if` around a whole output block may only test the "
               "block indices.";
      }
      active = active && holds != 0;
    }
    if (!active) {
      continue;
    }
    // The inputs' offsets must be computable here too.
    inputs(eval, cannot);
    int64_t r = 0, col = 0, batch = 0;
    for (auto [expr, out] : {std::pair{c.row, &r}, std::pair{c.col, &col},
                             std::pair{c.batch, &batch}}) {
      if (expr.defined() && !eval.Eval(expr, out)) {
        cannot(c, expr, "");
      }
    }
    if (r % c.rows != 0 || col % c.cols != 0 || r >= m_tiles ||
        col >= n_tiles || batch >= blocks.batch) {
      TVM_FFI_THROW(ValueError)
          << where << c.copy << ": block " << point_name(at) << " writes the "
          << c.rows * tile << "x" << c.cols * tile << " block at element "
          << ElementAt(c, batch, r * tile, col * tile) << " of " << Shape(c)
          << ", which is not one of the output's blocks (offsets must be "
             "multiples of the block size, inside the tensor).";
    }
    const int64_t key =
        (batch * blocks.block_rows + r / c.rows) * blocks.block_cols +
        col / c.cols;
    auto [it, fresh] = writer_of.emplace(key, at);
    if (!fresh) {
      TVM_FFI_THROW(ValueError)
          << where << c.copy << ": blocks " << point_name(it->second) << " and "
          << point_name(at) << " both write the block at element "
          << ElementAt(c, batch, r * tile, col * tile) << " of '" << c.tensor
          << "'; every output block must be written by exactly one block "
             "of the launch grid.";
    }
  }
  const int64_t total = blocks.batch * blocks.block_rows * blocks.block_cols;
  if (static_cast<int64_t>(writer_of.size()) != total) {
    const int64_t per_batch = blocks.block_rows * blocks.block_cols;
    for (int64_t key = 0; key < total; ++key) {
      if (!writer_of.count(key)) {
        const int64_t in = key % per_batch;
        std::ostringstream grid;
        for (size_t i = 0; i < nest.dims.size(); ++i) {
          grid << (i ? " x " : "") << nest.dims[i].extent;
        }
        TVM_FFI_THROW(ValueError)
            << where << c.copy << ": no block of the " << grid.str()
            << (nest.dims.size() > 2 || !nest.guards.empty()
                    ? " launch grid and loops"
                    : " launch grid")
            << " writes the block at element "
            << ElementAt(c, key / per_batch,
                         in / blocks.block_cols * c.rows * tile,
                         in % blocks.block_cols * c.cols * tile)
            << " of " << Shape(c) << " (" << blocks.block_rows << " x "
            << blocks.block_cols << " blocks of " << c.rows * tile << "x"
            << c.cols * tile << ").";
      }
    }
  }
  return blocks;
}

} // namespace

OutputBlocks ProveBlockCoverage(const std::string &func, const BlockNest &nest,
                                const BlockAccess &c, int64_t tile) {
  return ProveCoverage(func, nest, c, tile,
                       [](IndexEvaluator &, const auto &) {});
}

OutputBlocks ProveReduction(const std::string &func, const BlockNest &nest,
                            const BlockAccess &a, const BlockAccess &c,
                            bool rows, int64_t tile, const ForNode *loop) {
  const std::string where = "PrimFunc '" + func + "': ";
  // c is the column vector (M, 1) of a's M rows, or the row vector (1, N)
  // of its N columns.
  const size_t kept = rows ? 0 : 1, along = rows ? 1 : 0;
  const std::string unit = rows ? "rows" : "columns",
                    other = rows ? "columns" : "rows";
  // (A batched a: the matrix of c's, checked at every block below.)
  if (a.shape.size() != 2 || c.shape.size() != 2 || c.shape[along] != 1 ||
      c.shape[kept] != a.shape[kept] ||
      (!a.batch_shape.empty() && a.batch_shape != c.batch_shape)) {
    TVM_FFI_THROW(ValueError)
        << where << "the reduction computes '" << c.tensor << "' from the "
        << unit << " of " << Shape(a) << "; expected a 2-D (M, N) tensor and "
        << (rows ? "an (M,)" : "an (N,)") << " result, got '" << c.tensor
        << "' with " << c.shape[0] * c.shape[1] << " values.";
  }
  const int64_t whole = CeilDiv(a.shape[along], tile);
  const int64_t a_along = rows ? a.cols : a.rows,
                a_kept = rows ? a.rows : a.cols;
  const int64_t c_kept = rows ? c.rows : c.cols;
  int64_t steps = 1;
  if (loop != nullptr) {
    const auto *min = loop->min.as<tvm::IntImmNode>();
    const auto *extent = loop->extent.as<tvm::IntImmNode>();
    if (min == nullptr || extent == nullptr || min->value != 0) {
      TVM_FFI_THROW(ValueError)
          << where << "the loop over '" << loop->loop_var->name_hint
          << "' around " << a.copy << " runs from " << loop->min << " for "
          << loop->extent
          << " steps; a loop of stages runs from 0 for a constant count.";
    }
    steps = extent->value;
  }
  if (loop != nullptr && (a_along * steps != whole || a_kept != c_kept)) {
    TVM_FFI_THROW(ValueError)
        << where << a.copy << ": " << steps << " blocks of " << a.rows * tile
        << "x" << a.cols * tile << " of " << Shape(a) << " (the loop over '"
        << loop->loop_var->name_hint << "') for " << c_kept * tile
        << " values of '" << c.tensor << "'; a reduction along " << unit
        << " of blocks summed over a loop reads whole " << unit
        << ": the loop's blocks of the output's " << c_kept * tile << " "
        << unit << " must cover all " << a.shape[along] << " " << other
        << " (padded to " << whole * tile << "), each once.";
  }
  if (loop == nullptr && (a_along != whole || a_kept != c_kept)) {
    TVM_FFI_THROW(ValueError)
        << where << a.copy << ": a block of " << a.rows * tile << "x"
        << a.cols * tile << " of " << Shape(a) << " for " << c_kept * tile
        << " values of '" << c.tensor << "'; a reduction along " << unit
        << " reads whole " << unit << ": a block of the output's "
        << c_kept * tile << " " << unit << " and all " << a.shape[along] << " "
        << other << " (padded to " << whole * tile << ").";
  }
  return ProveCoverage(
      func, nest, c, tile, [&](IndexEvaluator &eval, const auto &cannot) {
        const PrimExpr &c_off = rows ? c.row : c.col;
        int64_t c_at = 0;
        if (!eval.Eval(c_off, &c_at)) {
          cannot(c, c_off, "");
        }
        int64_t a_batch = 0, c_batch = 0;
        if (a.batch.defined() && !eval.Eval(a.batch, &a_batch)) {
          cannot(a, a.batch, "");
        }
        if (a.batch.defined() && !eval.Eval(c.batch, &c_batch)) {
          cannot(c, c.batch, "");
        }
        if (a_batch != c_batch) {
          TVM_FFI_THROW(ValueError)
              << where << a.copy << " reads matrix " << a_batch << " of "
              << Shape(a) << " for matrix " << c_batch << " of '" << c.tensor
              << "'; a reduction reads the matrix of its own output block.";
        }
        std::vector<int64_t> starts; // along the reduced axis, per step
        for (int64_t k = 0; k < steps; ++k) {
          std::string kv;
          if (loop != nullptr) {
            eval.env[loop->loop_var.get()] = k;
            kv = ", " + std::string(loop->loop_var->name_hint) + "=" +
                 std::to_string(k);
          }
          int64_t a_row = 0, a_col = 0;
          if (!eval.Eval(a.row, &a_row)) {
            cannot(a, a.row, kv);
          }
          if (!eval.Eval(a.col, &a_col)) {
            cannot(a, a.col, kv);
          }
          if ((rows ? a_row : a_col) != c_at) {
            TVM_FFI_THROW(ValueError)
                << where << a.copy << " reads the block at element ("
                << a_row * tile << ", " << a_col * tile << ") of '" << a.tensor
                << "'" << kv << " for the values " << c_at * tile << ".. of '"
                << c.tensor << "'; a reduction along " << unit
                << " must read the " << unit << " of its own output block"
                << (loop ? std::string(".")
                         : std::string(", from ") + (rows ? "column" : "row") +
                               " 0.");
          }
          starts.push_back(rows ? a_col : a_row);
        }
        if (loop != nullptr) {
          eval.env.erase(loop->loop_var.get());
          std::sort(starts.begin(), starts.end());
          for (int64_t k = 0; k < steps; ++k) {
            if (starts[k] != k * a_along) {
              TVM_FFI_THROW(ValueError)
                  << where << a.copy << " in the loop over '"
                  << loop->loop_var->name_hint << "' reads the " << other
                  << " of '" << a.tensor << "' from " << (starts[k] * tile)
                  << " where the blocks of the loop "
                  << "must be each of its " << steps << " blocks of " << other
                  << " once, for the values " << c_at * tile << ".. of '"
                  << c.tensor << "'.";
            }
          }
          return;
        }
        const int64_t a_row = rows ? c_at : starts[0],
                      a_col = rows ? starts[0] : c_at;
        if (starts[0] != 0) {
          TVM_FFI_THROW(ValueError)
              << where << a.copy << " reads the block at element ("
              << a_row * tile << ", " << a_col * tile << ") of '" << a.tensor
              << "' for the values " << c_at * tile << ".. of '" << c.tensor
              << "'; a reduction along " << unit << " must read the " << unit
              << " of its own output block, from " << (rows ? "column" : "row")
              << " 0.";
        }
      });
}

OutputBlocks ProveMatmulIndexing(const std::string &func, const BlockNest &nest,
                                 const std::vector<const ForNode *> &k_loops,
                                 const BlockAccess &a, const BlockAccess &b,
                                 const BlockAccess &c, bool transpose_a,
                                 bool transpose_b, int64_t tile) {
  const std::string where = "PrimFunc '" + func + "': ";
  // 1. Shapes: A is M x K, B is K x N (N x K transposed), C is M x N, each
  //    with the batch axis in front when it has one.
  const int bk = transpose_b ? 1 : 0, bn = transpose_b ? 0 : 1;
  const int am_ = transpose_a ? 1 : 0, ak = transpose_a ? 0 : 1;
  const std::vector<int64_t> &am = a.shape, &bm = b.shape, &cm = c.shape;
  const bool batched = !c.batch_shape.empty();
  auto batch_ok = [&](const BlockAccess &t) {
    return t.batch_shape.empty() || (batched && t.batch_shape == c.batch_shape);
  };
  if (am.size() != 2 || bm.size() != 2 || cm.size() != 2 || am[am_] != cm[0] ||
      bm[bn] != cm[1] || am[ak] != bm[bk] || !batch_ok(a) || !batch_ok(b)) {
    TVM_FFI_THROW(ValueError)
        << where << "the T.gemm computes " << c.tensor << " = " << a.tensor
        << (transpose_a ? "^T" : "") << " @ " << b.tensor
        << (transpose_b ? "^T" : "")
        << " but the shapes do not chain: " << Shape(a) << ", " << Shape(b)
        << ", " << Shape(c) << "; expected "
        << (transpose_a ? "K x M, " : "M x K, ")
        << (transpose_b ? "N x K" : "K x N")
        << " and M x N (batched: the same batch in front of C and of A and/or "
           "B).";
  }
  const int64_t k_tiles = CeilDiv(am[ak], tile);

  tvm::arith::Analyzer analyzer;
  for (const NestDim &dim : nest.dims) {
    analyzer.Bind(dim.var, tvm::Range::FromMinExtent(
                               tvm::IntImm(dim.var.dtype(), dim.min),
                               tvm::IntImm(dim.var.dtype(), dim.extent)));
  }

  // 2. The K loop: one loop around the T.gemm, from 0 in steps of 1, whose
  //    blocks of K cover A's K exactly (the last may reach into padding).
  PrimExpr k_block = tvm::IntImm(tvm::DataType::Int(32), 0);
  std::string k_name = "0";
  const int64_t kt = transpose_a ? a.rows : a.cols;
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
        << " has K = " << am[ak]
        << "; it needs T.ceildiv(K, block_K) = " << CeilDiv(k_tiles, kt) << ".";
  }

  // 3. Operand blocks: A's is (C's block row, k * block_K), B's
  //    (k * block_K, C's block column), in C's batch.
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
  const std::string c_rows =
      "the rows of the output block of '" + c.tensor + "'";
  const std::string k_cols = "the columns of K step '" + k_name + "' (" +
                             k_name + " * " + bk_elems + ")";
  if (transpose_a) {
    require(a, a.row, k_offset, "rows",
            "the rows of K step '" + k_name + "' (" + k_name + " * " +
                bk_elems + ", A is K x M)");
    require(a, a.col, c.row, "columns", c_rows);
  } else {
    require(a, a.row, c.row, "rows", c_rows);
    require(a, a.col, k_offset, "columns", k_cols);
  }
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
  for (const BlockAccess *op : {&a, &b}) {
    if (op->batch.defined() && !analyzer.CanProveEqual(op->batch, c.batch)) {
      TVM_FFI_THROW(ValueError)
          << where << op->copy << " reads batch `" << Brief(op->batch)
          << "` of '" << op->tensor << "', where the T.gemm needs the batch "
          << "of the output block of '" << c.tensor << "' (`" << Brief(c.batch)
          << "`); only C[b] = A[b] @ B[b] is supported.";
    }
  }

  // 4. Output blocks: evaluated at every point of the nest whose guards
  //    hold, C's offsets tile the output exactly once; the operands' offsets
  //    are computable at the first and the last K step.
  return ProveCoverage(
      func, nest, c, tile,
      [&](IndexEvaluator &eval,
          const std::function<void(const BlockAccess &, const PrimExpr &,
                                   const std::string &)> &cannot) {
        for (int64_t kv : {int64_t{0}, steps - 1}) {
          if (!k_loops.empty()) {
            eval.env[k_loops.front()->loop_var.get()] = kv;
          }
          const std::string kname =
              k_loops.empty() ? std::string()
                              : ", " + k_name + "=" + std::to_string(kv);
          for (const BlockAccess *op : {&a, &b}) {
            for (const PrimExpr &expr : {op->row, op->col, op->batch}) {
              int64_t unused = 0;
              if (expr.defined() && !eval.Eval(expr, &unused)) {
                cannot(*op, expr, kname);
              }
            }
          }
        }
      });
}

} // namespace detail
} // namespace tilelang_tt
