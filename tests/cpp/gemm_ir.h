/*!
 * \file gemm_ir.h
 * \brief Builds, in C++, the PrimFunc TileLang's parser produces for the
 *        canonical GEMM, so the pass tests need no Python:
 *
 *   for bx in thread_binding(ceil(N/bn), "blockIdx.x"):
 *     for by in thread_binding(ceil(M/bm), "blockIdx.y"):
 *       tx = launch_thread_idx(0); ty = ...(1); tz = ...(2)
 *       with sblock("tilelang_root"):      # A_shared, B_shared: shared.dyn
 *         fill(C_local, 0)                 # C_local: local.fragment, f32
 *         for k in serial(ceil(K/bk), annotations={"num_stages": 2}):
 *           copy(A[by*bm, k*bk], A_shared); copy(B[k*bk, bx*bn], B_shared)
 *           gemm(A_shared, B_shared, C_local)
 *         copy(C_local, C[by*bm, bx*bn])
 */
#ifndef TILELANG_TT_TESTS_CPP_GEMM_IR_H_
#define TILELANG_TT_TESTS_CPP_GEMM_IR_H_

#include <tvm/ir/module.h>
#include <tvm/ir/op.h>
#include <tvm/ir/transform.h>
#include <tvm/target/target.h>
#include <tvm/tirx/buffer.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt.h>

#include <string>
#include <vector>

namespace tilelang_tt {
namespace testing {

using tvm::PrimExpr;
using tvm::tirx::Buffer;
using tvm::tirx::Stmt;
using tvm::tirx::Var;

/*! \brief Shape and options of the GEMM to build. */
struct GemmSpec {
  int64_t M = 64, N = 64, K = 64;
  int64_t bm = 32, bn = 32, bk = 32;
  tvm::DataType dtype = tvm::DataType::BFloat(16);
  bool transpose_b = false;
  /*! \brief Add a blockIdx.z loop of this extent (0: none). */
  int64_t grid_z = 0;
  /*! \brief A stored K x M (T.gemm(..., transpose_A=True)). */
  bool transpose_a = false;
};

inline PrimExpr I32(int64_t v) {
  return tvm::IntImm(tvm::DataType::Int(32), v);
}

inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/*! \brief tl.region(buffer[mins], mask, extents...) */
inline PrimExpr Region(const Buffer &buf, std::vector<PrimExpr> mins, int mask,
                       std::vector<int64_t> extents) {
  tvm::ffi::Array<PrimExpr> args{
      tvm::tirx::BufferLoad(buf, tvm::ffi::Array<PrimExpr>(mins)), I32(mask)};
  for (int64_t e : extents) {
    args.push_back(I32(e));
  }
  return tvm::tirx::Call(tvm::DataType::Handle(), tvm::Op::Get("tl.region"),
                         args);
}

inline Stmt TileOp(const char *name, tvm::ffi::Array<PrimExpr> args) {
  return tvm::tirx::Evaluate(
      tvm::tirx::Call(tvm::DataType::Handle(),
                      tvm::Op::Get(std::string("tl.tileop.") + name), args));
}

inline Stmt LaunchLoop(const Var &var, int64_t extent, const char *tag,
                       Stmt body) {
  tvm::tirx::IterVar iv(
      tvm::Range::FromMinExtent(I32(0), I32(extent)),
      Var(std::string(tag).replace(7, 1, "_"), tvm::DataType::Int(32)),
      tvm::tirx::IterVarType::kThreadIndex, tag);
  return tvm::tirx::For(var, I32(0), I32(extent),
                        tvm::tirx::ForKind::kThreadBinding, body, iv);
}

inline tvm::tirx::PrimFunc MakeGemm(const GemmSpec &s,
                                    const std::string &name = "gemm") {
  const tvm::DataType i32 = tvm::DataType::Int(32);
  auto global = [&](const char *n, int64_t r, int64_t c) {
    return tvm::tirx::decl_buffer({I32(r), I32(c)}, s.dtype, n);
  };
  Buffer A = s.transpose_a ? global("A", s.K, s.M) : global("A", s.M, s.K);
  Buffer B = s.transpose_b ? global("B", s.N, s.K) : global("B", s.K, s.N);
  Buffer C = global("C", s.M, s.N);
  std::vector<int64_t> a_block = s.transpose_a
                                     ? std::vector<int64_t>{s.bk, s.bm}
                                     : std::vector<int64_t>{s.bm, s.bk};
  Buffer A_s = tvm::tirx::decl_buffer({I32(a_block[0]), I32(a_block[1])},
                                      s.dtype, "A_shared", "shared.dyn");
  std::vector<int64_t> b_block = s.transpose_b
                                     ? std::vector<int64_t>{s.bn, s.bk}
                                     : std::vector<int64_t>{s.bk, s.bn};
  Buffer B_s = tvm::tirx::decl_buffer({I32(b_block[0]), I32(b_block[1])},
                                      s.dtype, "B_shared", "shared.dyn");
  Buffer C_l =
      tvm::tirx::decl_buffer({I32(s.bm), I32(s.bn)}, tvm::DataType::Float(32),
                             "C_local", "local.fragment");
  Var bx("bx", i32), by("by", i32), k("k", i32);
  std::vector<PrimExpr> a_mins =
      s.transpose_a ? std::vector<PrimExpr>{k * I32(s.bk), by * I32(s.bm)}
                    : std::vector<PrimExpr>{by * I32(s.bm), k * I32(s.bk)};
  Stmt copy_a = TileOp("copy", {Region(A, a_mins, 1, a_block),
                                Region(A_s, {I32(0), I32(0)}, 2, a_block)});
  std::vector<PrimExpr> b_mins =
      s.transpose_b ? std::vector<PrimExpr>{bx * I32(s.bn), k * I32(s.bk)}
                    : std::vector<PrimExpr>{k * I32(s.bk), bx * I32(s.bn)};
  Stmt copy_b = TileOp("copy", {Region(B, b_mins, 1, b_block),
                                Region(B_s, {I32(0), I32(0)}, 2, b_block)});
  Stmt gemm =
      TileOp("gemm", {Region(A_s, {I32(0), I32(0)}, 1, a_block),
                      Region(B_s, {I32(0), I32(0)}, 1, b_block),
                      Region(C_l, {I32(0), I32(0)}, 3, {s.bm, s.bn}),
                      tvm::Bool(s.transpose_a), tvm::Bool(s.transpose_b),
                      I32(s.bm), I32(s.bn), I32(s.bk), I32(0), tvm::Bool(false),
                      I32(0), I32(0), I32(0)});
  tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> stages;
  stages.Set("num_stages", tvm::Integer(2));
  Stmt k_loop = tvm::tirx::For(
      k, I32(0), I32(CeilDiv(s.K, s.bk)), tvm::tirx::ForKind::kSerial,
      tvm::tirx::SeqStmt({copy_a, copy_b, gemm}), std::nullopt, stages);
  Stmt fill =
      TileOp("fill", {Region(C_l, {I32(0), I32(0)}, 2, {s.bm, s.bn}), I32(0)});
  Stmt copy_c = TileOp(
      "copy", {Region(C_l, {I32(0), I32(0)}, 1, {s.bm, s.bn}),
               Region(C, {by * I32(s.bm), bx * I32(s.bn)}, 2, {s.bm, s.bn})});
  tvm::tirx::SBlock root_block({}, {}, {}, "tilelang_root",
                               tvm::tirx::SeqStmt({fill, k_loop, copy_c}),
                               std::nullopt, {A_s, B_s, C_l});
  Stmt kernel = tvm::tirx::SBlockRealize({}, tvm::Bool(true), root_block);
  std::vector<Stmt> inner;
  for (int axis = 0; axis < 3; ++axis) {
    inner.push_back(tvm::tirx::Bind(
        Var(std::string("t") + "xyz"[axis], i32),
        tvm::tirx::Call(i32, tvm::Op::Get("tl.launch_thread_idx"),
                        {I32(axis)})));
  }
  inner.push_back(kernel);
  Stmt body = tvm::tirx::SeqStmt(inner);
  if (s.grid_z > 0) {
    body = LaunchLoop(Var("bz", i32), s.grid_z, "blockIdx.z", body);
  }
  body = LaunchLoop(by, CeilDiv(s.M, s.bm), "blockIdx.y", body);
  body = LaunchLoop(bx, CeilDiv(s.N, s.bn), "blockIdx.x", body);
  tvm::tirx::SBlock root({}, {}, {}, "root", body);
  body = tvm::tirx::SBlockRealize({}, tvm::Bool(true), root);

  Var a_h("A_handle", tvm::DataType::Handle());
  Var b_h("B_handle", tvm::DataType::Handle());
  Var c_h("C_handle", tvm::DataType::Handle());
  tvm::tirx::PrimFunc f({a_h, b_h, c_h}, body, tvm::VoidType(),
                        {{a_h, A}, {b_h, B}, {c_h, C}});
  return tvm::WithAttr(std::move(f), tvm::attr::kGlobalSymbol,
                       tvm::ffi::String(name));
}

/*! \brief Bind a tenstorrent target (like tirx.BindTarget). */
inline tvm::tirx::PrimFunc
WithTTTarget(tvm::tirx::PrimFunc f,
             tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> options = {}) {
  options.Set("kind", tvm::ffi::String("tenstorrent"));
  return tvm::WithAttr(std::move(f), tvm::attr::kTarget, tvm::Target(options));
}

/*! \brief Run passes in order on a one-function module; return the function. */
inline tvm::tirx::PrimFunc
RunPasses(tvm::tirx::PrimFunc f,
          const std::vector<tvm::transform::Pass> &passes) {
  tvm::IRModule mod({{tvm::GlobalVar("main"), f}});
  for (const auto &pass : passes) {
    mod = pass(mod);
  }
  return tvm::Downcast<tvm::tirx::PrimFunc>(mod->Lookup("main"));
}

/*! \brief TVMScript of the function with its attributes dropped (they are
 *         checked field by field), so the text shows only the body. */
inline std::string BodyScript(tvm::tirx::PrimFunc f) {
  f.CopyOnWrite()->attrs = tvm::DictAttrs();
  return f->Script();
}

} // namespace testing
} // namespace tilelang_tt

#endif // TILELANG_TT_TESTS_CPP_GEMM_IR_H_
