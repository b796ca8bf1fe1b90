/*!
 * \file ir_builder.h
 * \brief Small constructors for the TT IR the passes emit: intrinsic calls,
 *        role scopes and loops that vanish when their extent is 1.
 */
#ifndef TILELANG_TT_SRC_TRANSFORM_IR_BUILDER_H_
#define TILELANG_TT_SRC_TRANSFORM_IR_BUILDER_H_

#include <tvm/tirx/builtin.h>
#include <tvm/tirx/expr.h>
#include <tvm/tirx/stmt.h>
#include <tvm/tirx/stmt_functor.h>

#include <functional>
#include <string>
#include <vector>

#include "tilelang_tt/attr.h"

namespace tilelang_tt {
namespace detail {

/*! \brief `T.evaluate(op(args...))` of a TT intrinsic. */
inline tvm::tirx::Stmt Intrin(const tvm::Op &op,
                              tvm::ffi::Array<tvm::PrimExpr> args) {
  return tvm::tirx::Evaluate(
      tvm::tirx::Call(tvm::DataType::Int(32), op, std::move(args)));
}

/*! \brief An int32 immediate. */
inline tvm::PrimExpr I32(int64_t v) {
  return tvm::IntImm(tvm::DataType::Int(32), v);
}

/*! \brief `with T.attr(0, "tt.role", role): body` */
inline tvm::tirx::Stmt RoleScope(const char *role, tvm::tirx::Stmt body) {
  return tvm::tirx::AttrStmt(tvm::Integer(0), ir::kRoleAttr,
                             tvm::tirx::StringImm(role), std::move(body));
}

/*!
 * \brief `for var in range(extent): body(var)`, or `body(0)` when the extent
 *        is 1, so unit loops never reach the generated code.
 */
inline tvm::tirx::Stmt
SerialLoop(const std::string &name, int64_t extent,
           const std::function<tvm::tirx::Stmt(tvm::PrimExpr)> &body) {
  if (extent == 1) {
    return body(I32(0));
  }
  tvm::tirx::Var var(name, tvm::DataType::Int(32));
  return tvm::tirx::For(var, I32(0), I32(extent), tvm::tirx::ForKind::kSerial,
                        body(var));
}

/*! \brief SeqStmt of the statements, flattened. */
inline tvm::tirx::Stmt Seq(std::vector<tvm::tirx::Stmt> stmts) {
  return tvm::tirx::SeqStmt::Flatten(stmts);
}

} // namespace detail
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_TRANSFORM_IR_BUILDER_H_
