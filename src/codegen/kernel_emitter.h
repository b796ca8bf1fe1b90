/*!
 * \file kernel_emitter.h
 * \brief Projects the role-tagged TT body onto one RISC-V kernel and prints
 *        it as C++.
 *
 * The TT body interleaves the reader, compute and writer kernels; every TT
 * intrinsic sits in a `tt.role` scope. RoleKernelEmitter keeps, for one role:
 * its role scopes; the loops and ifs that enclose them; and the Binds whose
 * variables those need (runtime arguments, block coordinates). Subclasses map
 * each intrinsic to TT-Metalium calls and comment each role group.
 */
#ifndef TILELANG_TT_SRC_CODEGEN_KERNEL_EMITTER_H_
#define TILELANG_TT_SRC_CODEGEN_KERNEL_EMITTER_H_

#include <tvm/tirx/function.h>
#include <tvm/tirx/stmt.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "program_info.h"

namespace tilelang_tt {
namespace codegen {

class RoleKernelEmitter {
public:
  RoleKernelEmitter(const ProgramInfo &info, std::string role)
      : info_(info), role_(std::move(role)) {}
  virtual ~RoleKernelEmitter() = default;

  /*! \brief The whole kernel source. */
  std::string Emit(const tvm::tirx::PrimFunc &f);
  /*! \brief Positions in tt.runtime_args of the args this role reads. */
  std::set<int64_t> SchemaArgsRead(const tvm::tirx::PrimFunc &f);

protected:
  /*! \brief Lines of one intrinsic call of this role. */
  virtual void EmitIntrinsic(const tvm::tirx::CallNode *call) = 0;
  /*! \brief One-line comment opening a role group, or "". */
  virtual std::string GroupComment(const tvm::tirx::Stmt &body) = 0;
  /*! \brief File header, includes and helpers, before kernel_main. */
  virtual void EmitPreamble() = 0;
  /*! \brief Lines at the top of kernel_main after the runtime args
   *         (CB ids, accessors, constants). */
  virtual void EmitPrologue() = 0;

  /*! \brief C++ operator precedence, loosest first. */
  static constexpr int kPrecLogicalOr = 1, kPrecLogicalAnd = 2, kPrecBitOr = 3,
                       kPrecBitXor = 4, kPrecBitAnd = 5, kPrecEquality = 6,
                       kPrecCompare = 7, kPrecShift = 8, kPrecAdd = 9,
                       kPrecMul = 10, kPrecUnary = 11;
  /*! \brief C++ text of an integer expression TIR can hold; parenthesized
   *         when it binds looser than an operator of precedence `outer`
   *         (kPrec*). */
  std::string Expr(const tvm::PrimExpr &e, int outer = 0);
  /*! \brief The C++ name of a TIR variable: its name (SafeIdent), made
   *         unique when distinct variables share one. */
  std::string VarName(const tvm::tirx::VarNode *var);
  /*! \brief `cb_in0` for CB index expression `e`. */
  std::string CBName(const tvm::PrimExpr &e);
  void Line(const std::string &text);
  void Blank();
  /*! \brief The doc block listing runtime args and CBs. */
  void EmitDocBlock(const std::string &title,
                    const std::vector<std::string> &purpose,
                    const std::vector<const CBInfo *> &cbs);
  /*! \brief TT intrinsic calls of this role, in body order. */
  std::vector<const tvm::tirx::CallNode *> RoleCalls() const;

  const ProgramInfo &info_;
  std::string role_;
  std::ostringstream out_;
  int indent_ = 0;

private:
  void Collect(const tvm::tirx::Stmt &body);
  void EmitStmt(const tvm::tirx::Stmt &stmt);
  bool Needed(const tvm::tirx::Stmt &stmt) const;

  /*! \brief Statements that (transitively) contain a scope of this role. */
  std::set<const tvm::ffi::Object *> has_role_;
  /*! \brief Variables this kernel must declare. */
  std::set<const tvm::tirx::VarNode *> needed_vars_;
  /*! \brief Runtime-arg binds: var -> schema index. */
  std::map<const tvm::tirx::VarNode *, int64_t> runtime_args_;
  std::vector<const tvm::tirx::CallNode *> role_calls_;
  bool in_role_ = false;
  /*! \brief VarName's table. */
  std::map<const tvm::tirx::VarNode *, std::string> var_names_;
  std::set<std::string> taken_names_;
};

/*!
 * \brief Positions in tt.runtime_args of the args the `role` kernel reads
 *        (its role projection, as RoleKernelEmitter::Emit prints it).
 */
std::set<int64_t> SchemaArgsRead(const ProgramInfo &info,
                                 const tvm::tirx::PrimFunc &f,
                                 const std::string &role);

/*! \brief An fp32 constant as a kernel writes its bit pattern:
 *         "0x3F800000u". */
std::string FloatBitsLiteral(uint32_t bits);

} // namespace codegen
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_CODEGEN_KERNEL_EMITTER_H_
