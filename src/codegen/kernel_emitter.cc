/*!
 * \file kernel_emitter.cc
 * \brief Role projection of the TT body and the C++ printer of kernels.
 */

#include "kernel_emitter.h"

#include <cctype>
#include <cstdio>

#include <tvm/ffi/error.h>
#include <tvm/ffi/extra/structural_equal.h>
#include <tvm/tirx/builtin.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>

#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"

namespace tilelang_tt {
namespace codegen {

using tvm::PrimExpr;
using tvm::tirx::AttrStmtNode;
using tvm::tirx::BindNode;
using tvm::tirx::CallNode;
using tvm::tirx::ForNode;
using tvm::tirx::IfThenElseNode;
using tvm::tirx::SBlockRealizeNode;
using tvm::tirx::SeqStmtNode;
using tvm::tirx::Stmt;

namespace {

/*!
 * \brief `text` as comment lines of at most 80 columns: the first after
 *        `first`, the rest after `rest`, broken at spaces (clang-format
 *        would otherwise reflow a long line into the next one).
 */
std::vector<std::string> CommentLines(const std::string &first,
                                      const std::string &text,
                                      const std::string &rest) {
  constexpr size_t kColumns = 80;
  std::vector<std::string> lines;
  std::string prefix = first, left = text;
  while (prefix.size() + left.size() > kColumns) {
    const size_t room = kColumns - prefix.size();
    const size_t cut = left.rfind(' ', room);
    if (cut == std::string::npos || cut == 0) {
      break; // one word longer than the line: leave it whole
    }
    lines.push_back(prefix + left.substr(0, cut));
    left = left.substr(cut + 1);
    prefix = rest;
  }
  lines.push_back(prefix + left);
  return lines;
}

bool IsRoleScope(const AttrStmtNode *op, std::string *role) {
  if (op->attr_key != ir::kRoleAttr) {
    return false;
  }
  *role = tvm::Downcast<tvm::tirx::StringImm>(op->value)->value;
  return true;
}

/*! \brief Adds every variable an expression reads to `vars`. */
void AddVars(const PrimExpr &e, std::set<const tvm::tirx::VarNode *> *vars) {
  tvm::tirx::PostOrderVisit(e, [&](const tvm::ffi::ObjectRef &n) {
    if (const auto *v = n.as<tvm::tirx::VarNode>()) {
      vars->insert(v);
    }
  });
}

/*!
 * \brief Puts bound names back into expressions.
 *
 * TileLang's device-codegen preparation (Simplify) substitutes the values of
 * `block_id`, `by`, `bx` into their uses while keeping the Binds. For
 * readable kernels, every later occurrence of a bound (compound) value is
 * replaced by its variable again; the result computes the same values.
 */
class BoundValueNamer : public tvm::tirx::StmtExprMutator {
public:
  PrimExpr VisitExpr(const PrimExpr &e) final {
    // Bottom-up, so `(start_id + i) / grid_x` first becomes
    // `block_id / grid_x` and then matches the bound value of `by`.
    PrimExpr out = StmtExprMutator::VisitExpr(e);
    if (!out->IsInstance<tvm::tirx::VarNode>() &&
        !out->IsInstance<tvm::IntImmNode>()) {
      for (auto it = bound_.rbegin(); it != bound_.rend(); ++it) {
        if (tvm::ffi::StructuralEqual()(out, it->first)) {
          return it->second;
        }
      }
    }
    return out;
  }

private:
  Stmt VisitStmt_(const BindNode *op) final {
    PrimExpr value = VisitExpr(op->value);
    const bool compound = !value->IsInstance<tvm::tirx::VarNode>() &&
                          !value->IsInstance<tvm::IntImmNode>() &&
                          !value->IsInstance<CallNode>();
    if (compound) {
      bound_.push_back({value, op->var});
    }
    return tvm::tirx::Bind(op->var, value);
  }

  std::vector<std::pair<PrimExpr, tvm::tirx::Var>> bound_;
};

} // namespace

void RoleKernelEmitter::Collect(const Stmt &body) {
  // Step 1: which statements contain a scope of this role, and which
  // variables the role's own statements read.
  std::vector<const tvm::ffi::Object *> stack;
  std::function<bool(const Stmt &)> visit = [&](const Stmt &s) -> bool {
    bool found = false;
    std::string role;
    if (const auto *attr = s.as<AttrStmtNode>();
        attr && IsRoleScope(attr, &role)) {
      if (role != role_) {
        return false;
      }
      tvm::tirx::PostOrderVisit(attr->body, [&](const tvm::ffi::ObjectRef &n) {
        if (const auto *call = n.as<CallNode>()) {
          for (const PrimExpr &arg : call->args) {
            AddVars(arg, &needed_vars_);
          }
          if (call->op->IsInstance<tvm::OpNode>() &&
              std::string(tvm::Downcast<tvm::Op>(call->op)->name)
                      .rfind("tl.tt.", 0) == 0) {
            role_calls_.push_back(call);
          }
        } else if (const auto *loop = n.as<ForNode>()) {
          AddVars(loop->extent, &needed_vars_);
        } else if (const auto *branch = n.as<IfThenElseNode>()) {
          AddVars(branch->condition, &needed_vars_);
        }
      });
      found = true;
    } else if (const auto *seq = s.as<SeqStmtNode>()) {
      for (const Stmt &child : seq->seq) {
        found = visit(child) || found;
      }
    } else if (const auto *loop = s.as<ForNode>()) {
      found = visit(loop->body);
      if (found) {
        AddVars(loop->extent, &needed_vars_);
      }
    } else if (const auto *branch = s.as<IfThenElseNode>()) {
      found = visit(branch->then_case);
      if (branch->else_case) {
        found = visit(branch->else_case.value()) || found;
      }
      if (found) {
        AddVars(branch->condition, &needed_vars_);
      }
    } else if (const auto *realize = s.as<SBlockRealizeNode>()) {
      found = visit(realize->block->body);
    } else if (const auto *attr2 = s.as<AttrStmtNode>()) {
      found = visit(attr2->body);
    }
    if (found) {
      has_role_.insert(s.get());
    }
    return found;
  };
  visit(body);
  // Step 2: close the needed variables over the Binds that define them.
  std::vector<const BindNode *> binds;
  tvm::tirx::PostOrderVisit(body, [&](const tvm::ffi::ObjectRef &n) {
    if (const auto *bind = n.as<BindNode>()) {
      binds.push_back(bind);
      if (const auto *call = bind->value.as<CallNode>();
          call && call->op.same_as(builtin::runtime_arg())) {
        runtime_args_[bind->var.get()] =
            tvm::Downcast<tvm::IntImm>(call->args[0])->value;
      }
    }
  });
  for (bool changed = true; changed;) {
    changed = false;
    for (const BindNode *bind : binds) {
      if (needed_vars_.count(bind->var.get())) {
        size_t before = needed_vars_.size();
        AddVars(bind->value, &needed_vars_);
        changed = changed || needed_vars_.size() != before;
      }
    }
  }
}

bool RoleKernelEmitter::Needed(const Stmt &stmt) const {
  return has_role_.count(stmt.get()) > 0;
}

std::vector<const CallNode *> RoleKernelEmitter::RoleCalls() const {
  return role_calls_;
}

void RoleKernelEmitter::Line(const std::string &text) {
  out_ << std::string(2 * indent_, ' ') << text << "\n";
}

void RoleKernelEmitter::Blank() { out_ << "\n"; }

std::string RoleKernelEmitter::CBName(const PrimExpr &e) {
  const auto *imm = e.as<tvm::IntImmNode>();
  TVM_FFI_ICHECK(imm) << "CB index must be constant: " << e;
  return info_.CB(imm->value).name;
}

std::string RoleKernelEmitter::Expr(const PrimExpr &e, int outer_prec) {
  // Precedence-aware printing of the integer arithmetic TIR can hold, with
  // C++'s operator precedence (kPrec* in kernel_emitter.h).
  namespace tb = tvm::tirx::builtin;
  std::function<std::string(const PrimExpr &, int)> print =
      [&](const PrimExpr &x, int outer) -> std::string {
    auto bin = [&](const PrimExpr &a, const PrimExpr &b, const char *op,
                   int prec) {
      std::string s = print(a, prec) + " " + op + " " + print(b, prec + 1);
      return prec < outer ? "(" + s + ")" : s;
    };
    if (const auto *imm = x.as<tvm::IntImmNode>()) {
      return std::to_string(imm->value);
    }
    if (const auto *v = x.as<tvm::tirx::VarNode>()) {
      return VarName(v);
    }
    if (const auto *n = x.as<tvm::tirx::CastNode>()) {
      return print(n->value, outer);
    }
    if (const auto *n = x.as<tvm::tirx::AddNode>())
      return bin(n->a, n->b, "+", kPrecAdd);
    if (const auto *n = x.as<tvm::tirx::SubNode>())
      return bin(n->a, n->b, "-", kPrecAdd);
    if (const auto *n = x.as<tvm::tirx::MulNode>())
      return bin(n->a, n->b, "*", kPrecMul);
    if (const auto *n = x.as<tvm::tirx::FloorDivNode>())
      return bin(n->a, n->b, "/", kPrecMul);
    if (const auto *n = x.as<tvm::tirx::FloorModNode>())
      return bin(n->a, n->b, "%", kPrecMul);
    if (const auto *n = x.as<tvm::tirx::DivNode>())
      return bin(n->a, n->b, "/", kPrecMul);
    if (const auto *n = x.as<tvm::tirx::ModNode>())
      return bin(n->a, n->b, "%", kPrecMul);
    if (const auto *n = x.as<tvm::tirx::LTNode>())
      return bin(n->a, n->b, "<", kPrecCompare);
    if (const auto *n = x.as<tvm::tirx::LENode>())
      return bin(n->a, n->b, "<=", kPrecCompare);
    if (const auto *n = x.as<tvm::tirx::GTNode>())
      return bin(n->a, n->b, ">", kPrecCompare);
    if (const auto *n = x.as<tvm::tirx::GENode>())
      return bin(n->a, n->b, ">=", kPrecCompare);
    if (const auto *n = x.as<tvm::tirx::EQNode>())
      return bin(n->a, n->b, "==", kPrecEquality);
    if (const auto *n = x.as<tvm::tirx::NENode>())
      return bin(n->a, n->b, "!=", kPrecEquality);
    if (const auto *n = x.as<tvm::tirx::AndNode>())
      return bin(n->a, n->b, "&&", kPrecLogicalAnd);
    if (const auto *n = x.as<tvm::tirx::OrNode>())
      return bin(n->a, n->b, "||", kPrecLogicalOr);
    if (const auto *n = x.as<tvm::tirx::NotNode>())
      return "!" + print(n->a, kPrecUnary);
    if (const auto *n = x.as<tvm::tirx::MinNode>()) {
      const std::string a = print(n->a, kPrecCompare + 1);
      const std::string b = print(n->b, kPrecCompare + 1);
      return "(" + a + " < " + b + " ? " + a + " : " + b + ")";
    }
    if (const auto *n = x.as<tvm::tirx::MaxNode>()) {
      const std::string a = print(n->a, kPrecCompare + 1);
      const std::string b = print(n->b, kPrecCompare + 1);
      return "(" + a + " > " + b + " ? " + a + " : " + b + ")";
    }
    if (const auto *n = x.as<tvm::tirx::SelectNode>()) {
      std::string s = print(n->condition, kPrecLogicalOr) + " ? " +
                      print(n->true_value, 0) + " : " +
                      print(n->false_value, 0);
      return outer > 0 ? "(" + s + ")" : s;
    }
    if (const auto *call = x.as<CallNode>()) {
      // TileLang's simplifier turns // and % by powers of two into these.
      const auto &a = call->args;
      // (A sum shifted is parenthesised, as -Wparentheses asks.)
      auto shift = [&](const char *op) {
        std::string s =
            print(a[0], kPrecMul) + " " + op + " " + print(a[1], kPrecMul);
        return kPrecShift < outer ? "(" + s + ")" : s;
      };
      if (call->op.same_as(tb::shift_right()))
        return shift(">>");
      if (call->op.same_as(tb::shift_left()))
        return shift("<<");
      if (call->op.same_as(tb::bitwise_and()))
        return bin(a[0], a[1], "&", kPrecBitAnd);
      if (call->op.same_as(tb::bitwise_xor()))
        return bin(a[0], a[1], "^", kPrecBitXor);
      if (call->op.same_as(tb::bitwise_or()))
        return bin(a[0], a[1], "|", kPrecBitOr);
      if (call->op.same_as(tb::bitwise_not()))
        return "~" + print(a[0], kPrecUnary);
      if (call->op.same_as(tb::if_then_else())) {
        std::string s = print(a[0], kPrecLogicalOr) + " ? " + print(a[1], 0) +
                        " : " + print(a[2], 0);
        return outer > 0 ? "(" + s + ")" : s;
      }
    }
    TVM_FFI_THROW(ValueError) << "TT codegen: cannot print expression " << x
                              << " in the " << role_ << " kernel.";
    TVM_FFI_UNREACHABLE();
  };
  return print(e, outer_prec);
}

void RoleKernelEmitter::EmitStmt(const Stmt &stmt) {
  std::string role;
  if (const auto *seq = stmt.as<SeqStmtNode>()) {
    for (const Stmt &s : seq->seq) {
      EmitStmt(s);
    }
  } else if (const auto *bind = stmt.as<BindNode>()) {
    const auto *var = bind->var.get();
    if (!needed_vars_.count(var) || runtime_args_.count(var)) {
      return; // runtime args are read in the prologue
    }
    Line("uint32_t " + VarName(var) + " = " + Expr(bind->value) + ";");
  } else if (const auto *loop = stmt.as<ForNode>()) {
    if (!Needed(stmt) && !in_role_) {
      return;
    }
    const std::string v = VarName(loop->loop_var.get());
    static const std::map<std::string, std::string> kLoopComments = {
        {"r", "each tile row of the block"},
        {"c", "each tile column of the block"},
        {"t", "each tile of the output block"},
        {"mi", "each tile row of the output block"},
        {"ni", "each tile column of the output block"},
        {"kk", "each K tile of this step"},
        {"ks", "each of the kernel's K steps this step carries"},
        {"sm", "each row of DST sub-blocks of the output block"},
        {"sn", "each sub-block of that row"},
        {"g", "each group of the block's tiles that DST holds"},
        {"gt", "each tile of the group"}};
    if (loop->annotations.count(ir::kPersistentLoop)) {
      Line("// For each output block assigned to this core.");
    } else if (auto it = kLoopComments.find(loop->loop_var->name_hint);
               in_role_ && it != kLoopComments.end()) {
      Line("// For " + it->second + ".");
    } else if (auto group = loop->annotations.find(ir::kKGroupLoop);
               group != loop->annotations.end()) {
      Line("// The kernel's loop over " + v + ", " +
           std::to_string((*group).second.cast<tvm::Integer>()->value) +
           " of its steps at a time (" + Expr(loop->extent) +
           (tvm::tirx::is_one(loop->extent) ? " step)." : " steps)."));
    } else {
      Line("// The kernel's loop over " + v + " (" + Expr(loop->extent) +
           " steps).");
    }
    Line("for (uint32_t " + v + " = " + Expr(loop->min) + "; " + v + " < " +
         Expr(loop->min + loop->extent) + "; ++" + v + ") {");
    ++indent_;
    EmitStmt(loop->body);
    --indent_;
    Line("}");
  } else if (const auto *branch = stmt.as<IfThenElseNode>()) {
    if (!Needed(stmt) && !in_role_) {
      return;
    }
    Line("if (" + Expr(branch->condition) + ") {");
    ++indent_;
    EmitStmt(branch->then_case);
    --indent_;
    if (branch->else_case) {
      Line("} else {");
      ++indent_;
      EmitStmt(branch->else_case.value());
      --indent_;
    }
    Line("}");
  } else if (const auto *attr = stmt.as<AttrStmtNode>()) {
    if (IsRoleScope(attr, &role)) {
      if (role != role_) {
        return;
      }
      std::string comment = GroupComment(attr->body);
      if (!comment.empty()) {
        Line("// " + comment);
      }
      Line("{");
      ++indent_;
      in_role_ = true;
      EmitStmt(attr->body);
      in_role_ = false;
      --indent_;
      Line("}");
    } else if (Needed(stmt)) {
      EmitStmt(attr->body);
    }
  } else if (const auto *realize = stmt.as<SBlockRealizeNode>()) {
    if (Needed(stmt)) {
      EmitStmt(realize->block->body);
    }
  } else if (const auto *eval = stmt.as<tvm::tirx::EvaluateNode>()) {
    if (!in_role_) {
      return;
    }
    if (const auto *call = eval->value.as<CallNode>()) {
      EmitIntrinsic(call);
    }
  }
}

void RoleKernelEmitter::EmitDocBlock(const std::string &title,
                                     const std::vector<std::string> &purpose,
                                     const std::vector<const CBInfo *> &cbs) {
  Line("// Generated by tilelang-tt from the TileLang kernel '" +
       info_.kernel_name + "' for TT-Metalium " + kTTMetaliumVersion +
       "; do not edit.");
  Line("//");
  Line("// " + title);
  for (const std::string &p : purpose) {
    // A numbered step continues under its text, an indented line under it;
    // other lines are one paragraph (clang-format reflows them).
    const size_t indent = p.find_first_not_of(' ');
    const bool step =
        p.size() > 2 && std::isdigit(p[0]) &&
        p.compare(p.find_first_not_of("0123456789"), 2, ". ") == 0;
    if (!step && indent == 0) {
      Line("// " + p);
      continue;
    }
    const std::string rest =
        "// " + std::string(step ? p.find(". ") + 2 : indent, ' ');
    for (const std::string &line : CommentLines("// ", p, rest)) {
      Line(line);
    }
  }
  Line("//");
  Line("// Runtime arguments:");
  std::vector<RuntimeArg> args = info_.KernelArgs(role_);
  for (size_t i = 0; i < args.size(); ++i) {
    Line("//   " + std::to_string(i) + "  " + args[i].name + ": " +
         args[i].comment);
  }
  Line("// Circular buffers:");
  for (const CBInfo *cb : cbs) {
    const std::string what =
        cb->role == value::kCBRoleScaler ? "the reduce scaler, written once"
        : cb->role == value::kCBRoleMask
            ? "the mask " + cb->buffer + ", " +
                  std::to_string(cb->block_tiles) +
                  " tile(s) per step, written by the reader"
        : cb->role == value::kCBRoleIntermediate
            ? cb->buffer + " between stages, " +
                  std::to_string(cb->block_tiles) + " tile(s)"
            : std::to_string(cb->block_tiles) + " tile(s) of " + cb->tensor +
                  " per block";
    for (const std::string &line : CommentLines(
             "//   ",
             cb->name + " (c_" + std::to_string(cb->index) + "): " + what +
                 ", " + std::to_string(cb->num_pages) + " pages of " +
                 std::to_string(cb->page_bytes) + " bytes",
             "//     ")) {
      Line(line);
    }
  }
}

std::string RoleKernelEmitter::VarName(const tvm::tirx::VarNode *var) {
  auto it = var_names_.find(var);
  if (it != var_names_.end()) {
    return it->second;
  }
  // Distinct TIR variables may share a name (a user's `bx` and the launch
  // index TileLang also calls `bx`): later ones get a numeric suffix.
  const std::string base = SafeIdent(var->name_hint);
  std::string name = base;
  for (int i = 1; taken_names_.count(name); ++i) {
    name = base + "_" + std::to_string(i);
  }
  taken_names_.insert(name);
  var_names_[var] = name;
  return name;
}

std::set<int64_t>
RoleKernelEmitter::SchemaArgsRead(const tvm::tirx::PrimFunc &f) {
  Collect(BoundValueNamer()(f->body));
  std::set<int64_t> read;
  for (const auto &[var, index] : runtime_args_) {
    if (needed_vars_.count(var)) {
      read.insert(index);
    }
  }
  return read;
}

std::string RoleKernelEmitter::Emit(const tvm::tirx::PrimFunc &f) {
  const Stmt body = BoundValueNamer()(f->body);
  Collect(body);
  EmitPreamble();
  Line("void kernel_main() {");
  ++indent_;
  // Runtime arguments, one per line, in index order: the host passes a
  // kernel exactly the args it reads (ProgramInfo::KernelArgs).
  std::vector<RuntimeArg> args = info_.KernelArgs(role_);
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].schema_index >= 0) {
      bool bound = false;
      for (const auto &[var, index] : runtime_args_) {
        bound =
            bound || (index == args[i].schema_index &&
                      needed_vars_.count(var) && VarName(var) == args[i].name);
      }
      TVM_FFI_ICHECK(bound)
          << "TT codegen: the " << role_ << " kernel is passed runtime arg '"
          << args[i].name << "' but does not read it.";
    }
    Line("uint32_t " + args[i].name + " = get_arg_val<uint32_t>(" +
         std::to_string(i) + ");  // " + args[i].comment);
  }
  EmitPrologue();
  Blank();
  EmitStmt(body);
  --indent_;
  Line("}");
  return out_.str();
}

namespace {
/*! \brief A role projection that prints nothing: only Collect is used. */
class ArgScanner final : public RoleKernelEmitter {
public:
  using RoleKernelEmitter::RoleKernelEmitter;

private:
  void EmitIntrinsic(const CallNode *) final {}
  std::string GroupComment(const Stmt &) final { return ""; }
  void EmitPreamble() final {}
  void EmitPrologue() final {}
};
} // namespace

std::set<int64_t> SchemaArgsRead(const ProgramInfo &info,
                                 const tvm::tirx::PrimFunc &f,
                                 const std::string &role) {
  return ArgScanner(info, role).SchemaArgsRead(f);
}

std::string FloatBitsLiteral(uint32_t bits) {
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%08Xu", bits);
  return hex;
}

} // namespace codegen
} // namespace tilelang_tt
