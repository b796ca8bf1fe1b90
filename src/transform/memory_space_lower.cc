/*!
 * \file memory_space_lower.cc
 * \brief Turn shared / fragment buffers into circular buffers and DST, and
 *        TileLang's tile copies into the CB producer/consumer protocol.
 */

#include <tvm/arith/analyzer.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/analysis.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>
#include <tvm/tirx/transform.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common.h"
#include "epilogue.h"
#include "ir_builder.h"
#include "matmul_indexing.h"
#include "parallel_split.h"
#include "stages.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"
#include "tilelang_tt/data_format.h"
#include "tilelang_tt/target.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::Integer;
using tvm::PrimExpr;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::Buffer;
using tvm::tirx::CallNode;
using tvm::tirx::EvaluateNode;
using tvm::tirx::For;
using tvm::tirx::ForNode;
using tvm::tirx::PrimFunc;
using tvm::tirx::SBlockRealizeNode;
using tvm::tirx::Stmt;

namespace {

constexpr const char *kPassName = "MemorySpaceLowerTT";
/*! \brief First output CB index (tt-metal convention: inputs c_0.., outputs
 *         c_16..). */
constexpr int64_t kFirstOutputCB = 16;
constexpr int64_t kMaxInputCBs = 16;
/*! \brief The partials CB (tt-metal convention: intermediates c_24..). */
constexpr int64_t kPartialsCB = 24;
/*! \brief The transpose of A's block (transpose_A), an intermediate too. */
constexpr int64_t kTransposedCB = 25;
/*! \brief The first CB of a value between compute stages (stages.h). */
constexpr int64_t kFirstIntermediateCB = 26;
/*! \brief The last CB index a core has (NUM_CIRCULAR_BUFFERS = 32). */
constexpr int64_t kLastCB = 31;

/*! \brief One circular buffer of the plan. */
struct CBInfo {
  int64_t index = 0;
  std::string name;
  /*! \brief TileLang buffer the CB replaces (A_shared) or drains (C_local). */
  std::string buffer;
  /*! \brief Global buffer read into it / written from it. */
  std::string tensor;
  std::string role;
  int64_t rows_tiles = 0, cols_tiles = 0;
  int64_t block_tiles() const { return rows_tiles * cols_tiles; }
  /*! \brief The format of its tiles: the tensor's, or for compute's own
   *         CBs the accumulator's (partials) or A's (its transpose). */
  TileFormat format = TileFormat::kBfloat16;
  /*! \brief Blocks the CB holds: kCBDepth (double buffering), or 1. */
  int64_t depth = kCBDepth;
  /*! \brief The kernel loops around the T.copy that fills / drains it. */
  std::vector<For> loops;
  /*! \brief Where in the global tensor the block lies (tile units). */
  detail::BlockAccess access;
  /*! \brief Output CBs: the buffer the accumulator was copied into (the
   *         tensor, or the shared buffer it is staged through). */
  std::string staged;
  /*! \brief Input CBs: the region of the shared buffer the T.copy fills
   *         (all of it, a slice A_shared[b, :, :] of a (batch, M, K) buffer,
   *         or a block A_shared[:, 32:64]); the T.gemm must read that. */
  detail::RegionOperand region;
  /*! \brief An epilogue operand's CB (attr.h kBroadcast*: a bias vector or
   *         a residual), read once per output block; empty for a T.copy's.
   *         `offsets`: its index minus the element's (EpilogueOp), proven
   *         against the output copy's offsets (ProveOperands). */
  std::string broadcast;
  std::vector<PrimExpr> offsets;
  std::string where;
  /*! \brief Stand-ins for the block's first tile (row, col) and batch in
   *         the read_tile / write_tile calls; Canonicalize replaces them by
   *         the output block grid's offsets once the indexing is proven. */
  tvm::tirx::Var row0, col0, batch;
  /*! \brief An intermediate CB holding a vector, one value per row
   *         (kReduceDimRow) or per column (kReduceDimCol); empty for a block.
   */
  std::string vector_dim;
};

/*! \brief The `if`s around the visit; `in_else` for their else branches. */
struct Guard {
  const tvm::tirx::IfThenElseNode *node = nullptr;
  PrimExpr condition; // Bind variables substituted
  bool in_else = false;
};

/*!
 * \brief Rewrites the tile ops of one TileLang kernel into the TT CB
 *        protocol (see transform.h for the contract).
 */
class MemorySpaceLowerer : public tvm::tirx::StmtExprMutator {
public:
  static PrimFunc Apply(PrimFunc f) {
    detail::FindLaunchGrid(f); // one T.Kernel with static extents
    MemorySpaceLowerer lowerer(f);
    auto *n = f.CopyOnWrite();
    n->body = lowerer(n->body);
    if (lowerer.cbs_.empty()) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << lowerer.func_
          << "' moves no tile between DRAM and the cores (no T.copy into a "
             "T.alloc_shared buffer or out of a T.alloc_fragment); nothing to "
             "lower for Tenstorrent.";
    }
    if (!lowerer.column_sum_16bit_.empty() && lowerer.stages_.empty()) {
      TVM_FFI_THROW(ValueError) << lowerer.column_sum_16bit_;
    }
    lowerer.RequireFillsConsumed(nullptr);
    lowerer.RequireBfloat16Stages();
    lowerer.RejectInPlace();
    lowerer.RequireStageValuesRead();
    n->body = lowerer.CopyFloat32ReadBothWays(n->body);
    lowerer.RequireVersionsRead();
    lowerer.CheckProgramFormats();
    lowerer.RequireOperandsInTheGemmsLoop();
    lowerer.RequireMatmulOperandsReadOneWay();
    lowerer.RequireClearedSharedAreOperands();
    lowerer.RequireOneTileSizeRead();
    if (std::optional<detail::OutputBlocks> blocks = lowerer.ProveIndexing()) {
      lowerer.ProveBatches();
      lowerer.LoopSlices();
      lowerer.ProveMasks();
      lowerer.ProveLoopBounds();
      lowerer.FillShapes();
      lowerer.ProveOperands();
      lowerer.ProveMatmulStages();
      n->body = lowerer.Canonicalize(n->body, *blocks);
      lowerer.batch_ = blocks->batch;
    }
    f = lowerer.ColumnVectors(std::move(f));
    f = tvm::WithAttr(std::move(f), attr::kCBs, lowerer.CBAttr());
    if (lowerer.compute_) {
      f = tvm::WithAttr(std::move(f), attr::kCompute, lowerer.ComputeAttr());
    }
    return f;
  }

private:
  explicit MemorySpaceLowerer(const PrimFunc &f)
      : func_(detail::FuncName(f)),
        target_(detail::RequireTTTarget(f, kPassName)) {
    auto descs = f->GetAttr<Map<String, Any>>(attr::kBuffers);
    for (const auto &kv : f->buffer_map) {
      globals_.insert(kv.second.get());
      buffers_.insert(kv.second->name);
      global_dtypes_[kv.second->name] = detail::DtypeString(kv.second);
      // A batched tensor stored with its axes reordered (InferDefaultTTShard).
      if (descs && descs.value().count(kv.second->name)) {
        auto desc = descs.value().at(kv.second->name).cast<Map<String, Any>>();
        if (desc.count(field::kFieldAxes)) {
          stored_axes_[kv.second.get()] =
              detail::IntArrayField(desc, field::kFieldAxes);
        }
      }
    }
    // A fragment updated in place by a T.Parallel inside a serial loop: a
    // value that loop carries, if it is filled before it (LowerFill).
    struct Carried : public tvm::tirx::StmtVisitor {
      std::vector<const ForNode *> serial;
      std::map<const tvm::tirx::BufferNode *, const ForNode *> *out;
      void VisitStmt_(const ForNode *op) final {
        const bool own = op->kind == tvm::tirx::ForKind::kSerial;
        if (own) {
          serial.push_back(op);
        }
        StmtVisitor::VisitStmt_(op);
        if (own) {
          serial.pop_back();
        }
      }
      // T.reduce_*(x, m, clear=False) combines with what m held: in a
      // serial loop, a running value (an online softmax's maximum).
      void VisitStmt_(const EvaluateNode *op) final {
        const auto *call = op->value.as<CallNode>();
        const auto *dst = CombinedReduceDst(call);
        // (T.gemm adds into its accumulator: in a serial loop, a value it
        // carries unless cleared there: flash attention's acc_o.)
        if (call && detail::IsTileOp(call, "gemm") && call->args.size() > 2) {
          dst = RegionBuffer(call->args[2]);
        }
        if (dst != nullptr && !serial.empty() && !out->count(dst)) {
          (*out)[dst] = serial.back();
        }
        StmtVisitor::VisitStmt_(op);
      }
      void VisitStmt_(const tvm::tirx::BufferStoreNode *op) final {
        bool reads_itself = false;
        tvm::tirx::PostOrderVisit(op->value, [&](const tvm::ffi::ObjectRef &n) {
          const auto *load = n.as<tvm::tirx::BufferLoadNode>();
          reads_itself =
              reads_itself || (load && load->buffer.same_as(op->buffer));
        });
        if (reads_itself && !serial.empty() && !out->count(op->buffer.get())) {
          (*out)[op->buffer.get()] = serial.back();
        }
        StmtVisitor::VisitStmt_(op);
      }
    } carried;
    carried.out = &carried_;
    carried(f->body);
    // A transposed A needs DST in each K step (for its transpose) before the
    // T.clear that would otherwise take DST for the whole block is lowered.
    bool has_reduce = false;
    tvm::tirx::PostOrderVisit(f->body, [&](const tvm::ffi::ObjectRef &n) {
      // Every buffer's name, which a value the backend names must avoid.
      if (const auto *block = n.as<tvm::tirx::SBlockNode>()) {
        for (const Buffer &b : block->alloc_buffers) {
          buffers_.insert(b->name);
        }
      }
      const auto *call = n.as<CallNode>();
      if (call && detail::IsTileOp(call, "gemm") && call->args.size() > 3) {
        const auto *flag = call->args[3].as<tvm::IntImmNode>();
        transpose_a_ = transpose_a_ || flag == nullptr || flag->value != 0;
      }
      has_gemm_ = has_gemm_ || (call && detail::IsTileOp(call, "gemm"));
      if (call && detail::IsTileOp(call, "gemm") && call->args.size() > 2) {
        if (const auto *c = RegionBuffer(call->args[2])) {
          gemm_accs_.insert(c);
        }
        for (int i : {0, 1}) {
          if (const auto *op = RegionBuffer(call->args[i])) {
            gemm_operands_.insert(op);
          }
        }
      }
      has_reduce = has_reduce || (call && detail::IsTileOp(call, "reduce"));
      // A reduction with clear=False combines with what its result holds:
      // the T.fill before it is its starting value (LowerFill).
      if (const auto *dst = CombinedReduceDst(call)) {
        combined_reduce_dsts_.insert(dst);
      }
      // A fragment a T.reduce reads may be filled straight from DRAM.
      if (call && detail::IsTileOp(call, "reduce") && !call->args.empty()) {
        if (const auto *src = RegionBuffer(call->args[0])) {
          reduce_srcs_.insert(src);
        }
      }
      // An epilogue that reads a tensor loads its tiles into a DST tile the
      // accumulator leaves free; known before T.clear plans DST.
      const auto *loop = n.as<ForNode>();
      if (loop && loop->kind == tvm::tirx::ForKind::kParallel) {
        tvm::tirx::PostOrderVisit(
            loop->body, [&](const tvm::ffi::ObjectRef &m) {
              const auto *load = m.as<tvm::tirx::BufferLoadNode>();
              if (load && globals_.count(load->buffer.get())) {
                dst_scratch_ = 1;
              }
            });
      }
    });
    // A T.gemm in a kernel that reduces its product (attention's scores,
    // softmaxed row by row) is a stage of the program: the value it makes
    // is reduced and updated like any other (LowerGemmStage).
    if (has_gemm_ && has_reduce) {
      has_gemm_ = false;
      gemm_stages_ = true;
    }
    // A kernel that reduces is a program of stages, whose values pass
    // through Float32 CBs read into the source registers; beside a Float16
    // CB the JIT would unpack those as FP16 (src/sim/README.md), so its
    // float16 tensors move through Float32 CBs instead: the reader widens
    // each tile (exact), the writer narrows each to fp16 (to nearest even).
    for (const auto &kv : f->buffer_map) {
      widen_float16_ = widen_float16_ ||
                       (has_reduce &&
                        TileFormatOf(kv.second->dtype) == TileFormat::kFloat16);
    }
  }

  /*! \brief Bind loop ranges so tile offsets can be proven aligned; track
   *         the kernel's own (non-launch) loops around each tile op. */
  Stmt VisitStmt_(const ForNode *op) final {
    analyzer_.Bind(op->loop_var,
                   tvm::Range::FromMinExtent(op->min, op->extent));
    if (IsBlockLaunch(op)) {
      // The launch grid is part of the block nest; Canonicalize replaces it.
      launch_loops_.push_back(tvm::ffi::GetRef<For>(op));
      return VisitStmt(op->body);
    }
    if (op->kind == tvm::tirx::ForKind::kParallel) {
      return LowerParallel(op);
    }
    const bool own = op->kind != tvm::tirx::ForKind::kThreadBinding;
    if (own) {
      loops_.push_back(tvm::ffi::GetRef<For>(op));
    }
    if (op->kind == tvm::tirx::ForKind::kSerial && !has_gemm_ &&
        CarriedBy(op) == nullptr && ReadsValueMadeBefore(op)) {
      reading_loops_.insert(op); // a loop of stages (StageLoopHere)
    }
    Stmt stmt = StmtExprMutator::VisitStmt_(op);
    if (own) {
      loops_.pop_back();
      RequireFillsConsumed(op);
    }
    // A loop around the whole output block (T.clear .. the output T.copy) is
    // part of the block nest (a batch loop, a persistent kernel's waves).
    for (const For &loop : block_.loops) {
      if (loop->loop_var.same_as(op->loop_var)) {
        return tvm::Downcast<For>(stmt)->body;
      }
    }
    // The CBs' double buffering replaces TileLang's software pipelining.
    if (op->annotations.count("num_stages")) {
      For loop = tvm::Downcast<For>(stmt);
      auto *n = loop.CopyOnWrite();
      n->annotations.erase("num_stages");
      return loop;
    }
    return stmt;
  }

  /*!
   * \brief The kernel's root block: classify its buffers, lower its body and
   *        drop the allocations the CBs and DST replace.
   */
  Stmt VisitStmt_(const SBlockRealizeNode *op) final {
    const auto &block = op->block;
    bool is_kernel_root = false;
    for (const Buffer &buf : block->alloc_buffers) {
      const std::string scope = buf.scope();
      if (scope == "shared.dyn" || scope == "shared") {
        shared_.insert(buf.get());
        is_kernel_root = true;
      } else if (scope == "local.fragment") {
        fragments_.insert(buf.get());
        is_kernel_root = true;
      }
    }
    if (!is_kernel_root) {
      return StmtExprMutator::VisitStmt_(op);
    }
    Stmt body = VisitStmt(block->body);
    Array<Buffer> remaining;
    for (const Buffer &buf : block->alloc_buffers) {
      if (!shared_.count(buf.get()) && !fragments_.count(buf.get())) {
        remaining.push_back(buf);
      }
    }
    if (remaining.empty()) {
      return body;
    }
    auto realize = tvm::ffi::GetRef<tvm::tirx::SBlockRealize>(op);
    auto *n = realize.CopyOnWrite();
    auto new_block = n->block;
    new_block.CopyOnWrite()->alloc_buffers = remaining;
    new_block.CopyOnWrite()->body = body;
    n->block = new_block;
    return realize;
  }

  /*! \brief `by = bx // 4`: tile offsets are recorded with it substituted,
   *         so that they can be evaluated at every block. */
  Stmt VisitStmt_(const tvm::tirx::BindNode *op) final {
    binds_.Set(op->var, tvm::tirx::Substitute(op->value, binds_));
    return StmtExprMutator::VisitStmt_(op);
  }

  /*! \brief Tile ops run unconditionally: each T.copy and T.gemm is one
   *         side of a CB handshake that the other kernel performs always.
   *         An `if` around a whole output block is part of the block nest
   *         (a persistent kernel's "is this block inside the output"). */
  Stmt VisitStmt_(const tvm::tirx::IfThenElseNode *op) final {
    Guard guard{op, tvm::tirx::Substitute(op->condition, binds_), false};
    guards_.push_back(guard);
    Stmt then_case = VisitStmt(op->then_case);
    std::optional<Stmt> else_case;
    if (op->else_case) {
      guards_.back().in_else = true;
      else_case = VisitStmt(op->else_case.value());
    }
    guards_.pop_back();
    for (const Guard &g : block_.guards) {
      if (g.node == op) {
        return then_case;
      }
    }
    return tvm::tirx::IfThenElse(op->condition, then_case, else_case);
  }

  /*! \brief Dispatch on the TileLang tile op. */
  Stmt VisitStmt_(const EvaluateNode *op) final {
    const auto *call = op->value.as<CallNode>();
    if (call == nullptr) {
      return StmtExprMutator::VisitStmt_(op);
    }
    if (const auto *opnode = call->op.as<tvm::OpNode>();
        opnode && std::string(opnode->name).rfind("tl.tileop.", 0) == 0 &&
        !detail::IsTileOp(call, "fill")) {
      RequireBlockGuards(
          "T." +
          std::string(opnode->name).substr(std::string("tl.tileop.").size()));
    }
    if (detail::IsTileOp(call, "fill")) {
      return LowerFill(call);
    }
    if (detail::IsTileOp(call, "copy")) {
      return LowerCopy(call);
    }
    if (detail::IsTileOp(call, "gemm")) {
      return LowerGemm(call);
    }
    if (detail::IsTileOp(call, "reduce")) {
      return LowerReduce(call);
    }
    if (const auto *opnode = call->op.as<tvm::OpNode>()) {
      const std::string name = opnode->name;
      if (name.rfind("tl.tileop.", 0) == 0) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': T."
            << name.substr(std::string("tl.tileop.").size())
            << " is not supported by the Tenstorrent backend yet; supported "
               "tile ops: T.copy (DRAM <-> shared/fragment), T.clear / "
               "T.fill(0) of the accumulator, T.gemm, T.reduce_sum / "
               "T.reduce_max along rows.";
      }
    }
    return StmtExprMutator::VisitStmt_(op);
  }

  /*!
   * \brief A T.Parallel nest: an epilogue on the T.gemm accumulator between
   *        the K loop and its output T.copy (epilogue.h) joins tt.compute and
   *        leaves the IR (the compute kernel applies it in DST before the
   *        pack); element-wise work anywhere else is refused, naming it.
   */
  Stmt LowerParallel(const ForNode *op0) {
    tvm::tirx::PostOrderVisit(op0->body, [&](const tvm::ffi::ObjectRef &n) {
      if (const auto *load = n.as<tvm::tirx::BufferLoadNode>()) {
        RequireNoPendingFill(load->buffer.get(), "T.Parallel", "reads");
      }
      if (const auto *store = n.as<tvm::tirx::BufferStoreNode>()) {
        RequireNoPendingFill(store->buffer.get(), "T.Parallel", "writes");
      }
    });
    For loop = ReadVectorCopies(tvm::ffi::GetRef<For>(op0));
    const ForNode *op = loop.get();
    if (std::optional<Stmt> mask = LowerMask(op)) {
      return *mask;
    }
    if (!reduce_srcs_.empty()) {
      // Several updates in one nest, or one whose operand is an expression
      // of tensors: a nest each, in order (parallel_split.h).
      detail::SplitNests split = detail::SplitParallel(loop);
      if (!split.nests.empty()) {
        for (const Buffer &temp : split.temps) {
          fragments_.insert(temp.get());
          temps_.push_back(temp);
        }
        std::vector<Stmt> lowered;
        for (const For &nest : split.nests) {
          lowered.push_back(LowerParallel(nest.get()));
        }
        return detail::Seq(lowered);
      }
      if (std::optional<Stmt> copy = LowerParallelCopy(op)) {
        return *copy;
      }
    }
    if (const ForNode *stage_loop = StageLoopHere();
        stage_loop != nullptr && !reading_loops_.count(stage_loop)) {
      return LowerInStageLoop(op, stage_loop);
    } else if (stage_loop != nullptr) {
      RequireNoValueUpdated(op, stage_loop);
    }
    const tvm::tirx::BufferStoreNode *store = nullptr;
    tvm::tirx::PostOrderVisit(op->body, [&](const tvm::ffi::ObjectRef &n) {
      if (store == nullptr) {
        store = n.as<tvm::tirx::BufferStoreNode>();
      }
    });
    if (!reduce_srcs_.empty()) {
      const auto *inner = op->body.as<ForNode>();
      const bool block_nest =
          inner != nullptr && inner->kind == tvm::tirx::ForKind::kParallel;
      if (reduce_out_ != nullptr && compute_ && compute_->packed &&
          Reads(op, reduce_out_)) {
        TVM_FFI_THROW(ValueError)
            << Where("T.Parallel") << " reads '" << reduce_out_->name
            << "' after a T.copy wrote it out; writing a reduction's result "
               "out and reading it back is not supported yet (one output per "
               "kernel).";
      }
      // (An update reading earlier stages' values but not the reduction
      // just made: that reduction is a stage too, which RequireStageValuesRead
      // then finds unread.)
      if (reduce_out_ != nullptr && compute_ && !compute_->packed &&
          block_nest && (Reads(op, reduce_out_) || ReadsStageValue(op))) {
        return LowerBroadcast(op);
      }
      if (store != nullptr && block_nest && !compute_ &&
          reduce_srcs_.count(store->buffer.get()) &&
          fragments_.count(store->buffer.get())) {
        // An update whose value a reduction reads (a norm's x * x).
        return LowerElementwise(op);
      }
      if (!block_nest && store != nullptr &&
          globals_.count(store->buffer.get())) {
        TVM_FFI_THROW(ValueError)
            << Where("T.Parallel writing '" + std::string(store->buffer->name) +
                     "'")
            << ": storing a vector into the tensor '" << store->buffer->name
            << "' element by element is not supported; a kernel with a "
               "reduction writes one output, with T.copy (a block, or a "
               "reduction's result: T.copy(sum_row, Out[bx * blk_m]) in a "
               "kernel of its own).";
      }
      if (!block_nest && store != nullptr &&
          fragments_.count(store->buffer.get()) && ReadsVectorsOnly(op)) {
        return LowerVectorStage(op);
      }
      if (!compute_ && block_nest && ReadsStageValue(op)) {
        return LowerElementwise(op); // an update of an earlier stage's value
      }
      if (reduce_out_ != nullptr && !block_nest && Reads(op, reduce_out_)) {
        TVM_FFI_THROW(ValueError)
            << Where("T.Parallel") << " over the result '" << reduce_out_->name
            << "' of a reduction alone"
            << (store ? ", writing '" + std::string(store->buffer->name) + "'"
                      : std::string())
            << ", is not supported; supported: an update of the result in "
               "place ("
            << reduce_out_->name << "[i] = " << reduce_out_->name
            << "[i] * c, with the element-wise kernels' constants and "
               "functions), or of the block at the element's own row (x[i, j] "
               "- "
            << reduce_out_->name << "[i]).";
      }
      if (!stages_.empty()) {
        TVM_FFI_THROW(ValueError)
            << Where("T.Parallel")
            << (store ? " writing '" + std::string(store->buffer->name) + "'"
                      : std::string())
            << ": a second element-wise update after the step that makes '"
            << stages_.back().out
            << "'; one update after a reduction is supported (fold the ops "
               "into it).";
      }
      TVM_FFI_THROW(ValueError)
          << Where("T.Parallel")
          << (store ? " writing '" + std::string(store->buffer->name) + "'"
                    : std::string())
          << ": element-wise work in a kernel with a T.reduce_sum / "
             "T.reduce_max is supported as the program's stages: an update "
             "whose value the next reduction reads (p = x * x), or one after a "
             "reduction that reads its result at the element's own row (x - "
             "max[i], x / sum[i]); this one is neither (a second update before "
             "a reduction is not supported yet: fold it into the first).";
    }
    if (store != nullptr && !has_gemm_ &&
        (globals_.count(store->buffer.get()) ||
         fragments_.count(store->buffer.get()) ||
         shared_.count(store->buffer.get()))) {
      // An element-wise kernel: C[y, x] = f(A[y, x], ...).
      return LowerElementwise(op);
    }
    if (store == nullptr || !fragments_.count(store->buffer.get())) {
      // Not on a fragment: element-wise work on shared or global buffers.
      return StmtExprMutator::VisitStmt_(op);
    }
    const std::string name = store->buffer->name;
    const std::string what = Where("T.Parallel over '" + name + "'");
    if (!compute_ || compute_->accumulator != name || compute_->packed) {
      TVM_FFI_THROW(ValueError)
          << what << ": element-wise ops are supported only as an epilogue on "
          << "the T.gemm accumulator, between the K loop and the T.copy that "
          << "writes it out"
          << (compute_ && compute_->packed && compute_->accumulator == name
                  ? " (this one comes after that T.copy)"
                  : "")
          << ".";
    }
    RequireOncePerBlock(what, "apply the epilogue once, after the K loop");
    if (compute_->acc_format == TileFormat::kFloat16) {
      TVM_FFI_THROW(ValueError)
          << what << ": an epilogue on the float16 accumulator '" << name
          << "' is not supported yet (the SFPU's ops are modelled on fp32 and "
             "bf16 DST); accumulate in float32.";
    }
    std::vector<Stmt> reads;
    for (detail::EpilogueOp &e :
         detail::MatchEpilogue(op, store->buffer, what, [&](const Buffer &b) {
           return globals_.count(b.get()) > 0;
         })) {
      if (!e.operand.empty()) {
        reads.push_back(LowerOperand(&e, what));
      }
      if (((e.op == value::kEpilogueDiv && !e.operand.empty()) ||
           e.op == value::kEpilogueRsqrt) &&
          !compute_->fp32) {
        TVM_FFI_THROW(ValueError)
            << what << ": "
            << (e.op == value::kEpilogueRsqrt ? std::string("T.rsqrt")
                                              : "a division")
            << " on the bfloat16 accumulator '" << name
            << "' is not supported yet (the release's 16-bit routines, "
               "rounded to bf16, are not modelled by the simulator); "
               "accumulate in float32.";
      }
      if ((e.op == value::kEpilogueMax || e.op == value::kEpilogueMin) &&
          !e.operand.empty() && !compute_->fp32) {
        TVM_FFI_THROW(ValueError)
            << what << ": T." << e.op << " with the tensor '" << e.operand
            << "' on the bfloat16 accumulator '" << name
            << "' is not supported yet (binary_" << e.op
            << "_tile on 16-bit DST is not modelled by the simulator); "
               "accumulate in float32.";
      }
      if (e.op == value::kEpilogueGelu && !compute_->fp32) {
        TVM_FFI_THROW(ValueError)
            << what << ": GELU on the bfloat16 accumulator '" << name
            << "' is not supported yet (the release's 16-bit GELU, a "
               "piecewise approximation, is not modelled by the simulator); "
               "accumulate in float32.";
      }
      compute_->epilogue.push_back(e);
    }
    return detail::Seq(reads);
  }

  /*! \brief A T.Parallel nest in a loop of stages that reads a value made
   *         before it writes blocks of this iteration only: updating a value
   *         made before the loop in place would carry it across iterations
   *         (refused: such a loop carries nothing). */
  void RequireNoValueUpdated(const ForNode *op, const ForNode *loop) const {
    tvm::tirx::PostOrderVisit(op->body, [&](const tvm::ffi::ObjectRef &n) {
      const auto *store = n.as<tvm::tirx::BufferStoreNode>();
      if (store != nullptr && (stage_values_.count(store->buffer.get()) ||
                               store->buffer.get() == reduce_out_)) {
        TVM_FFI_THROW(ValueError)
            << Where("T.Parallel writing '" + std::string(store->buffer->name) +
                     "'")
            << " in the loop over '" << loop->loop_var->name_hint << "': '"
            << store->buffer->name
            << "' is a value made before the loop, updated in it; a loop "
               "that reads values made before it writes blocks of its own "
               "iteration only (a value carried across its iterations is not "
               "supported there).";
      }
    });
  }

  /*!
   * \brief A T.Parallel nest inside a loop of stages (a loop that carries a
   *        value, filled before it: LowerCarriedFill): an update of the
   *        carried value in place (A_local[i, j] = A_local[i, j] + t[i, j]),
   *        or of a fragment it reads next (SplitParallel's t = x * x). Each
   *        becomes a stage of the loop; the update before it, if pending,
   *        first (it is read here).
   */
  Stmt LowerInStageLoop(const ForNode *op, const ForNode *stage_loop) {
    const tvm::tirx::BufferStoreNode *store = nullptr;
    tvm::tirx::PostOrderVisit(op->body, [&](const tvm::ffi::ObjectRef &n) {
      if (store == nullptr) {
        store = n.as<tvm::tirx::BufferStoreNode>();
      }
    });
    const std::string what =
        Where("T.Parallel" +
              (store ? " writing '" + std::string(store->buffer->name) + "'"
                     : std::string()) +
              " in the loop over '" + stage_loop->loop_var->name_hint + "'");
    // The value this loop carries, and the loops its fill is in: the
    // updates run in those and the loop of stages, nothing else (a loop
    // between would repeat the updates, one inside would too).
    const tvm::tirx::BufferNode *value = CarriedBy(stage_loop);
    const std::vector<For> &fill_loops = cbs_[stage_values_.at(value)].loops;
    std::vector<For> want = fill_loops;
    want.push_back(tvm::ffi::GetRef<For>(stage_loop));
    if (!SameLoops(RepeatingLoops(loops_), RepeatingLoops(want))) {
      std::string loops;
      for (size_t i = fill_loops.size(); i < loops_.size(); ++i) {
        loops += std::string(loops.empty() ? "'" : ", '") +
                 loops_[i]->loop_var->name_hint + "'";
      }
      TVM_FFI_THROW(ValueError)
          << what << ": the update of '" << value->name
          << "' is inside the loops over " << loops << " after its T.fill; "
          << "a value a loop carries is updated in that one loop, directly "
             "inside the loops its T.fill is in.";
    }
    StageLoopOf(stage_loop, what); // (its bounds checked here)
    // (The update before it, if read here or by a reduction later: a stage.)
    if (compute_ && compute_->elementwise && !compute_->packed &&
        eltwise_out_ != nullptr && compute_->stage_loop == stage_loop &&
        (Reads(op, eltwise_out_) || reduce_srcs_.count(eltwise_out_) ||
         gemm_operands_.count(eltwise_out_))) {
      PushEltwiseStage(what, tvm::ffi::GetRef<Buffer>(eltwise_out_));
    }
    const bool temp =
        store &&
        std::any_of(temps_.begin(), temps_.end(), [&](const Buffer &b) {
          return b.get() == store->buffer.get();
        });
    auto carried = store ? carried_.find(store->buffer.get()) : carried_.end();
    const bool update = carried != carried_.end() &&
                        carried->second == stage_loop &&
                        carried_filled_.count(store->buffer.get()) &&
                        stage_values_.count(store->buffer.get());
    // (Or a block a reduction or a T.gemm in the loop reads next, an online
    // softmax's exponentials, made again from its value earlier in the
    // iteration included, flash attention's acc_s_cast; or a vector of
    // this iteration's, its scale factor.)
    const bool vector_nest = op->body.as<ForNode>() == nullptr;
    const bool made_here =
        store && fragments_.count(store->buffer.get()) &&
        !carried_filled_.count(store->buffer.get()) &&
        (vector_nest || reduce_srcs_.count(store->buffer.get()) ||
         gemm_operands_.count(store->buffer.get()));
    const bool pending_reduce = compute_ && !compute_->reduce.empty() &&
                                !compute_->packed && reduce_out_ != nullptr;
    // A value made before the loop (by a reduction or an update, not a
    // T.fill) and updated in it would be carried without a start the stages
    // know: each iteration would read the version made before the loop.
    if (store && !update && !temp) {
      const int64_t id = StageLoopOf(stage_loop, what).id;
      bool before = pending_reduce && reduce_out_ == store->buffer.get() &&
                    compute_->stage_loop != stage_loop;
      if (auto v = stage_values_.find(store->buffer.get());
          v != stage_values_.end()) {
        for (size_t s = stages_.size(); s-- > 0;) {
          if (stages_[s].cb_out == cbs_[v->second].index) {
            before = !stages_[s].loop.defined() || stages_[s].loop.id != id;
            break;
          }
        }
      }
      if (before && Reads(op, store->buffer.get())) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << store->buffer->name
            << "' is made before the loop (not by a T.fill) and updated in "
               "it from its own value; a value a loop carries starts from a "
               "T.fill before the loop (supported: T.fill('"
            << store->buffer->name
            << "', c) before it, or the value made again in each iteration).";
      }
    }
    if (store && !update && !temp && carried != carried_.end() &&
        carried->second == stage_loop &&
        !carried_filled_.count(store->buffer.get()) &&
        !stage_values_.count(store->buffer.get()) &&
        gemm_accs_.count(store->buffer.get()) &&
        store->buffer.get() != eltwise_out_ && Reads(op, store->buffer.get())) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << store->buffer->name
          << "' is updated in place in the loop, but no T.fill before the "
             "loop starts it; a value a loop carries starts from a T.fill (or "
             "T.clear) before the loop (flash attention's T.fill(acc_o, 0)).";
    }
    if ((compute_ && !pending_reduce) || store == nullptr ||
        !(temp || update || made_here)) {
      TVM_FFI_THROW(ValueError)
          << what << ": in the loop that carries '" << value->name
          << "', supported: updates of the values it carries in place ("
          << value->name << "[i, j] = " << value->name
          << "[i, j] + f(blocks read in the loop) and the like), of a block "
             "a reduction in the loop reads next, and of vectors; this "
             "T.Parallel writes something else.";
    }
    if (vector_nest) {
      return LowerVectorStage(op); // (its loop: StageLoopHere)
    }
    if (pending_reduce && !Reads(op, reduce_out_)) {
      TVM_FFI_THROW(ValueError)
          << what << ": the result '" << reduce_out_->name
          << "' of the reduction before it is not read by it; in a loop of "
             "stages, a reduction's result is read by the update after it.";
    }
    Stmt lowered = pending_reduce ? LowerBroadcast(op) : LowerElementwise(op);
    compute_->stage_loop = stage_loop;
    return lowered;
  }

  /*!
   * \brief `loop` with each read of a shared vector a rank-1 T.copy filled
   *        (`G_smem[j]` after `T.copy(gamma, G_smem)`) reading the tensor
   *        itself (`gamma[j]`): an operand vector is streamed by the reader
   *        from DRAM for the update that reads it (LowerOperand), so the
   *        staging copy moves nothing of its own.
   */
  For ReadVectorCopies(const For &loop) {
    if (vector_copies_.empty()) {
      return loop;
    }
    class Reads : public tvm::tirx::StmtExprMutator {
    public:
      Reads(const MemorySpaceLowerer *self) : self_(self) {}
      PrimExpr VisitExpr_(const tvm::tirx::BufferLoadNode *op) final {
        auto it = self_->vector_copies_.find(op->buffer.get());
        if (it == self_->vector_copies_.end() || op->indices.size() != 1) {
          return StmtExprMutator::VisitExpr_(op);
        }
        const PrimExpr index = VisitExpr(op->indices[0]);
        return tvm::tirx::BufferLoad(it->second.first,
                                     {it->second.second + index});
      }
      Stmt VisitStmt_(const tvm::tirx::BufferStoreNode *op) final {
        auto it = self_->vector_copies_.find(op->buffer.get());
        if (it != self_->vector_copies_.end()) {
          TVM_FFI_THROW(ValueError)
              << self_->Where("T.Parallel") << " writes '" << op->buffer->name
              << "', which a T.copy filled from '" << it->second.first->name
              << "'; a shared vector copied from a tensor is supported as an "
                 "operand read by updates only.";
        }
        return StmtExprMutator::VisitStmt_(op);
      }

    private:
      const MemorySpaceLowerer *self_;
    };
    return tvm::Downcast<For>(Reads(this)(loop));
  }

  /*!
   * \brief A T.Parallel nest that only copies a shared block a T.copy
   *        filled into a fragment of its shape, `X_local[i, j] =
   *        X_smem[i, j]` (layernorm.py's form of T.copy(X_smem, X_local)):
   *        lowered as that T.copy (LowerOperandCopy), in a kernel with a
   *        reduction; nothing when `op` is something else.
   */
  std::optional<Stmt> LowerParallelCopy(const ForNode *op) {
    std::vector<const tvm::tirx::VarNode *> vars;
    Stmt body = tvm::ffi::GetRef<Stmt>(op);
    while (const auto *f = body.as<ForNode>()) {
      vars.push_back(f->loop_var.get());
      body = f->body;
    }
    const auto *store = body.as<tvm::tirx::BufferStoreNode>();
    PrimExpr value = store ? store->value : PrimExpr();
    // (Widened from bfloat16 to float32, or a cast to its own type: the same
    // values; from float16 too where float16 moves as float32.)
    if (const auto *cast = value.as<tvm::tirx::CastNode>();
        cast &&
        (cast->value.dtype() == tvm::DataType::BFloat(16) ||
         (widen_float16_ && cast->value.dtype() == tvm::DataType::Float(16))) &&
        (cast->dtype == tvm::DataType::Float(32) ||
         cast->dtype == cast->value.dtype())) {
      value = cast->value;
    }
    const auto *load = value.as<tvm::tirx::BufferLoadNode>();
    if (load == nullptr || !fragments_.count(store->buffer.get()) ||
        !shared_.count(load->buffer.get()) ||
        (store->buffer->dtype != load->buffer->dtype &&
         store->buffer->dtype != tvm::DataType::Float(32))) {
      return std::nullopt;
    }
    auto at_element = [&](const Array<PrimExpr> &indices) {
      if (indices.size() != vars.size()) {
        return false;
      }
      for (size_t a = 0; a < vars.size(); ++a) {
        if (indices[a].get() != vars[a]) {
          return false;
        }
      }
      return true;
    };
    if (!at_element(store->indices) || !at_element(load->indices)) {
      return std::nullopt;
    }
    auto whole = [&](const Buffer &buffer) {
      detail::RegionOperand region;
      region.buffer = buffer;
      region.extents = detail::StaticShape(buffer, func_);
      for (size_t a = 0; a < region.extents.size(); ++a) {
        region.mins.push_back(detail::I32(0));
      }
      return region;
    };
    // The loops must cover the buffers (LowerOperandCopy checks the shapes).
    Stmt nest = tvm::ffi::GetRef<Stmt>(op);
    for (size_t a = 0; a < vars.size(); ++a) {
      const auto *f = nest.as<ForNode>();
      const auto *extent = f->extent.as<tvm::IntImmNode>();
      const std::vector<int64_t> shape =
          detail::StaticShape(store->buffer, func_);
      if (!tvm::tirx::is_zero(f->min) || extent == nullptr ||
          extent->value != shape.at(a)) {
        return std::nullopt;
      }
      nest = f->body;
    }
    return LowerOperandCopy(whole(load->buffer), whole(store->buffer));
  }

  /*! \brief Whether the T.Parallel nest `op` reads vectors only: a
   *         reduction's result (pending, or a stage's value) or the value of
   *         a vector stage. */
  bool ReadsVectorsOnly(const ForNode *op) const {
    bool any = false, only = true;
    tvm::tirx::PostOrderVisit(op->body, [&](const tvm::ffi::ObjectRef &n) {
      const auto *load = n.as<tvm::tirx::BufferLoadNode>();
      if (load == nullptr) {
        return;
      }
      any = true;
      auto v = stage_values_.find(load->buffer.get());
      only =
          only &&
          (load->buffer.get() == reduce_out_ ||
           (v != stage_values_.end() && !cbs_[v->second].vector_dim.empty()));
    });
    return any && only;
  }

  /*! \brief Whether the T.Parallel nest `op` reads a stage's value. */
  bool ReadsStageValue(const ForNode *op) const {
    return std::any_of(stage_values_.begin(), stage_values_.end(),
                       [&](const auto &kv) { return Reads(op, kv.first); });
  }

  /*! \brief Whether the T.Parallel nest `op` reads `buffer`. */
  static bool Reads(const ForNode *op, const tvm::tirx::BufferNode *buffer) {
    bool found = false;
    tvm::tirx::PostOrderVisit(op->body, [&](const tvm::ffi::ObjectRef &n) {
      const auto *load = n.as<tvm::tirx::BufferLoadNode>();
      found = found || (load && load->buffer.get() == buffer);
    });
    return found;
  }

  /*!
   * \brief An element-wise update that reads the result of the reduction
   *        before it (`B_local[i, j] = A_local[i, j] - A_max[i]`), as a
   *        softmax or a norm does: the program becomes two stages
   *        (stages.h). The reduction packs its result into an intermediate
   *        CB instead of an output CB; the update is lowered as an
   *        element-wise kernel's, the result one of its operands, broadcast
   *        over the block from that CB (unary_bcast, as a bias vector).
   */
  Stmt LowerBroadcast(const ForNode *op) {
    const ComputeInfo reduce = *compute_;
    const std::string what =
        Where("T.Parallel reading the result '" + reduce.accumulator +
              "' of T.reduce_" + reduce.reduce);
    PushReduceStage(what);
    Stmt lowered = LowerElementwise(op);
    if (compute_->mt != reduce.mt || compute_->nt != reduce.nt) {
      TVM_FFI_THROW(ValueError)
          << what << ": the update covers " << compute_->mt << "x"
          << compute_->nt << " tiles, the reduced block " << reduce.mt << "x"
          << reduce.nt << "; they must be the same block.";
    }
    return lowered;
  }

  /*!
   * \brief An update of vectors alone, as the norms write their statistics
   *        (`S[i] = S[i] * c`, `mean[i] = sum[i] * (1 / N)`, `rstd[i] =
   *        T.rsqrt(sq[i] * c - msq[i] + eps)`): a stage on the vectors' tiles
   *        (one column of tiles; a row of them along columns), the chain of
   *        the element-wise ops applied to every datum (only column 0, row 0
   *        along columns, carries values), another vector an operand read at
   *        the element (copy_tile of its tile). What it reads is a
   *        reduction's result (the one pending becomes a stage) or an
   *        earlier vector stage's value; its value is the fragment written,
   *        in place or another.
   */
  Stmt LowerVectorStage(const ForNode *op) {
    const auto *min = op->min.as<tvm::IntImmNode>();
    const auto *extent = op->extent.as<tvm::IntImmNode>();
    // Binds (`a = s[i] * c`), then the one store (SplitParallel made it so).
    Map<tvm::tirx::Var, PrimExpr> local = binds_; // (inv_D = 1 / D above)
    std::vector<Stmt> stmts{op->body};
    if (const auto *seq = op->body.as<tvm::tirx::SeqStmtNode>()) {
      stmts.assign(seq->seq.begin(), seq->seq.end());
    }
    for (size_t i = 0; i + 1 < stmts.size(); ++i) {
      const auto *bind = stmts[i].as<tvm::tirx::BindNode>();
      if (bind == nullptr) {
        TVM_FFI_THROW(ValueError)
            << Where("T.Parallel") << ": " << detail::Brief(stmts[i])
            << " in an update of vectors; supported: assignments, then one "
               "store.";
      }
      local.Set(bind->var, tvm::tirx::Substitute(bind->value, local));
    }
    const auto *store = stmts.back().as<tvm::tirx::BufferStoreNode>();
    if (store == nullptr) {
      TVM_FFI_THROW(ValueError)
          << Where("T.Parallel") << ": an update of vectors ends in "
          << detail::Brief(stmts.back()) << "; supported: one store.";
    }
    const Buffer vector = store->buffer;
    const std::string name = vector->name;
    const std::string what = Where("T.Parallel writing '" + name + "'");
    if (compute_ && compute_->elementwise && !compute_->packed) {
      TVM_FFI_THROW(ValueError)
          << what << ": an update of vectors after the update of the block '"
          << compute_->accumulator
          << "'; a kernel of several stages updates its vectors before the "
             "block update that reads them (move this T.Parallel up).";
    }
    const std::vector<int64_t> shape = detail::StaticShape(vector, func_);
    if (min == nullptr || min->value != 0 || extent == nullptr ||
        shape.size() != 1 || extent->value != shape[0] ||
        store->indices.size() != 1 ||
        store->indices[0].get() != op->loop_var.get()) {
      TVM_FFI_THROW(ValueError)
          << what << ": an update of vectors must write all of '" << name
          << "' " << detail::ShapeString(shape) << " at the loop's index, "
          << name << "[i], the loop running over it from 0.";
    }
    if (reduce_out_ != nullptr && compute_ && !compute_->packed &&
        !compute_->reduce.empty()) {
      PushReduceStage(what);
    }
    PrimExpr value = tvm::tirx::Substitute(store->value, local);
    if (const auto *cast = value.as<tvm::tirx::CastNode>();
        cast && cast->dtype == vector->dtype) {
      value = cast->value; // computed in float32, stored as the vector's type
    }
    detail::ElementwiseExpr expr = detail::MatchElementwise(
        value, {op->loop_var}, what,
        [&](const Buffer &b) { return stage_values_.count(b.get()) > 0; });
    // Every vector read is a stage's value of one shape, read at the element.
    const CBInfo *in = nullptr;
    auto input = [&](detail::EpilogueOp *e) {
      const CBInfo &cb = cbs_[stage_values_.at(e->buffer.get())];
      if (e->offsets.size() != 1 || !tvm::tirx::is_zero(e->offsets[0])) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << cb.buffer << "' must be read at the element, "
            << cb.buffer << "[i].";
      }
      if (in != nullptr &&
          (cb.vector_dim != in->vector_dim || cb.rows_tiles != in->rows_tiles ||
           cb.cols_tiles != in->cols_tiles)) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << cb.buffer << "' and '" << in->buffer
            << "' are vectors of different reductions' shapes; an update of "
               "vectors reads vectors of one shape.";
      }
      e->cb = cb.index;
      e->operand = cb.buffer;
      return &cb;
    };
    in = input(&expr.base);
    for (detail::EpilogueOp &e : expr.ops) {
      if (!e.operand.empty()) {
        input(&e);
      }
    }
    RequireStageFormat(what, vector);
    detail::ComputeStage stage;
    stage.op = value::kOpEltwise;
    stage.in = in->buffer;
    stage.cb_in = in->index;
    stage.epilogue = expr.ops;
    // In a loop of stages, a stage of each iteration.
    const ForNode *loop = StageLoopHere();
    if (loop != nullptr) {
      stage.loop = StageLoopOf(loop, what);
    }
    CBInfo cb = *in; // the vector's tiles, in the vector's format
    const int64_t cb_in = in->index, rows = in->rows_tiles,
                  cols = in->cols_tiles;
    // (A vector the loop carries, a running sum, keeps its CB: AddStage.)
    AddStage(what, vector.get(), "cb_" + name, stage, cb);
    return detail::RoleScope(
        ir::kRoleCompute, detail::Intrin(builtin::eltwise_block(),
                                         {detail::I32(cb_in), detail::I32(rows),
                                          detail::I32(cols)}));
  }

  /*!
   * \brief The reduction lowered last (compute_) becomes a stage whose
   *        result, a vector, a later stage reads: packed into an
   *        intermediate CB of the vector's tiles, whose position in cbs_ it
   *        returns. The next update shares the reduction's block nest and
   *        block.
   */
  size_t PushReduceStage(const std::string &what) {
    const ComputeInfo reduce = *compute_;
    const std::string name = reduce.accumulator;
    const bool rows = reduce.reduce_dim == value::kReduceDimRow;
    RequireStageFormat(what, tvm::ffi::GetRef<Buffer>(reduce_out_));
    CBInfo *in = nullptr;
    for (CBInfo &cb : cbs_) {
      if (cb.index == reduce.cb_a) {
        in = &cb;
      }
    }
    // The reduction covers whole rows (columns) only if the block holds
    // exactly their tiles (ProveReduction's rule: a wider block would read
    // the zeros past the tensor into a maximum). A value a loop of stages
    // carried holds its blocks over the loop's iterations: ProveIndexing
    // proves those cover the rows (ProveReduction with the loop).
    const size_t axis = rows ? 1 : 0;
    const int64_t tiles = rows ? in->cols_tiles : in->rows_tiles;
    if (in->access.shape.size() <= axis) {
      TVM_FFI_THROW(ValueError)
          << what << ": the " << reduce.reduce << " of '" << in->buffer
          << "', a value not made from a block of a tensor; a reduction read "
             "back reduces a value made from the blocks of a tensor.";
    }
    const int64_t extent = in->access.shape.at(axis);
    const int64_t want = (extent + target_.tile_rows - 1) / target_.tile_rows;
    // (A block read in a loop of stages: the loop's blocks, proven to hold
    // the rows whole, are reduced one an iteration.)
    const ForNode *loop = reduce.stage_loop;
    if (tiles != want && !CarriedCB(*in) && loop == nullptr) {
      TVM_FFI_THROW(ValueError)
          << what << ": the block of '"
          << (in->tensor.empty() ? in->buffer : in->tensor) << "' is "
          << tiles * target_.tile_rows << " " << (rows ? "columns" : "rows")
          << " wide, the tensor has " << extent << "; a reduction read back "
          << "must read whole " << (rows ? "rows" : "columns") << ", in "
          << want << " tiles.";
    }
    // The reduced block is read at the output block's own offsets, as the
    // update's inputs are (ProveOperands), so each row reduces its own row.
    if (in->broadcast.empty() && in->role == value::kCBRoleInput) {
      const PrimExpr tile = detail::I32(target_.tile_rows);
      in->broadcast = value::kBroadcastNone;
      in->where = what;
      in->offsets.clear();
      if (in->access.batch.defined()) {
        in->offsets.push_back(in->access.batch);
      }
      in->offsets.push_back(in->access.row * tile);
      in->offsets.push_back(in->access.col * tile);
    }
    CBInfo cb;
    cb.rows_tiles = rows ? reduce.mt : 1;
    cb.cols_tiles = rows ? 1 : reduce.nt;
    cb.format = reduce.acc_format;
    cb.vector_dim = reduce.reduce_dim;
    cb.loops = loops_;
    detail::ComputeStage stage;
    stage.op = value::kOpReduce;
    stage.in = reduce.a;
    stage.cb_in = reduce.cb_a;
    stage.reduce = reduce.reduce;
    stage.reduce_dim = reduce.reduce_dim;
    stage.epilogue = reduce.epilogue; // clear=False's combine, if any
    if (loop != nullptr) {
      stage.loop = StageLoopOf(loop, what);
    }
    const size_t pos =
        AddStage(what, reduce_out_, "cb_" + reduce.reduce, stage, cb);
    reduce_out_ = nullptr;
    return pos;
  }

  /*!
   * \brief Records `stage`, whose value is the fragment `value`: its
   *        intermediate CB `cb` (tiles, format, loops, place given) gets the
   *        next index and a name from `name`; later stages read the value
   *        from it. The next stage starts afresh (compute_, block_.set).
   *        Returns the CB's position in cbs_. A value the stage's loop
   *        carries keeps its one CB: each iteration pushes its new version
   *        behind the one before (stages.h WaitsAndPops), two blocks deep.
   */
  size_t AddStage(const std::string &what, const tvm::tirx::BufferNode *value,
                  const std::string &name, detail::ComputeStage stage,
                  CBInfo cb) {
    if (auto carried = carried_.find(value);
        stage.loop.defined() && carried != carried_.end() &&
        carried_filled_.count(value) &&
        stage_loops_.at(stage.loop.id) == carried->second) {
      const size_t pos = stage_values_.at(value);
      CBInfo &own = cbs_[pos];
      if (own.rows_tiles != cb.rows_tiles || own.cols_tiles != cb.cols_tiles ||
          own.vector_dim != cb.vector_dim || own.format != cb.format) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << value->name << "', which the loop over '"
            << carried->second->loop_var->name_hint
            << "' carries, is made there as another shape or format than its "
               "T.fill's; a value a loop carries keeps one.";
      }
      own.depth = 2;
      stage.out = value->name;
      stage.cb_out = own.index;
      stages_.push_back(stage);
      compute_.reset();
      block_.set = false;
      return pos;
    }
    cb.index = IntermediateCB(what);
    cb.name = UniqueCBName(name);
    cb.role = value::kCBRoleIntermediate;
    cb.buffer = value->name;
    cb.depth = 1;
    stage.out = value->name;
    stage.cb_out = cb.index;
    stages_.push_back(stage);
    stage_values_[value] = cbs_.size();
    cbs_.push_back(cb);
    RequireBfloat16Stages();
    compute_.reset();
    block_.set = false;
    return cbs_.size() - 1;
  }

  /*! \brief Every stage's value is read by a later stage (its CB is popped
   *         by the last stage that reads it: an unread one would fill and
   *         stop the next block). */
  void RequireStageValuesRead() const {
    // (Only a later stage can read a stage's CB: each has a new index.)
    const std::vector<detail::ComputeStage> stages = ProgramStages();
    for (const detail::ComputeStage &s : stages_) {
      const detail::StageReadsOf reads = detail::ReadsOf(stages, s.cb_out);
      if (!reads.reduced && !reads.moved) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': '" << s.out << "' ("
            << (s.op == value::kOpReduce
                    ? "T.reduce_" + s.reduce + " of '" + s.in + "'"
                : s.op == value::kOpFill ? std::string("its T.fill / T.clear")
                : s.op == value::kOpMask
                    ? std::string("its mask, T.if_then_else")
                    : "an update of '" + s.in + "'")
            << ") is not read by a later update; every reduction and update "
               "in a kernel with several must feed the output (drop it).";
      }
    }
  }

  /*! \brief Each version of every value between stages is read before the
   *         next replaces it, by the same stages in every iteration of a
   *         loop (stages.h WaitsAndPops: the CB protocol has a rule for the
   *         program). */
  void RequireVersionsRead() const {
    const std::vector<detail::ComputeStage> stages = ProgramStages();
    for (size_t s = 0; s < stages.size(); ++s) {
      const detail::StageCBUse use = detail::WaitsAndPops(stages, s);
      if (use.fault.empty()) {
        continue;
      }
      const auto cb =
          std::find_if(cbs_.begin(), cbs_.end(), [&](const CBInfo &c) {
            return c.index == use.fault_cb;
          });
      const std::string value =
          cb == cbs_.end() ? std::to_string(use.fault_cb) : ValueName(*cb);
      const std::string loop =
          stages[s].loop.defined()
              ? " in the loop over '" +
                    std::string(stage_loops_.at(stages[s].loop.id)
                                    ->loop_var->name_hint) +
                    "'"
              : std::string();
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': '" << value << "' (read or made by "
          << "the step making '" << stages[s].out << "'" << loop
          << "): " << use.fault
          << "; supported: each value made in a loop read there (or after "
             "it, its last one) before it is made again, and a value made "
             "before a loop read before the loop makes it again.";
    }
  }

  /*! \brief The reader moves its tensors with one tile size (its accessors
   *         share `tile_bytes`): a float16 tensor and a float32 one cannot
   *         both be read, not even where float16 moves through a Float32 CB.
   */
  void RequireOneTileSizeRead() const {
    const CBInfo *first = nullptr;
    for (const CBInfo &cb : cbs_) {
      if (cb.role != value::kCBRoleInput || cb.tensor.empty()) {
        continue;
      }
      const std::string dtype = global_dtypes_.at(cb.tensor);
      const int64_t bytes = target_.TileBytes(*TileFormatOf(dtype));
      if (first == nullptr) {
        first = &cb;
      } else if (const std::string d0 = global_dtypes_.at(first->tensor);
                 target_.TileBytes(*TileFormatOf(d0)) != bytes) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': the kernel reads '" << first->tensor
            << "' (" << d0 << ") and '" << cb.tensor << "' (" << dtype
            << "), whose tiles differ in size; the tensors a kernel reads "
               "share one tile size (bfloat16 and float16, or float32 alone): "
               "use one dtype for them.";
      }
    }
  }

  /*! \brief A staged program reads bfloat16 or float32 tensors: a Float16
   *         CB would make every Float32 CB's unpack format Float16 (the
   *         JIT's rule, src/sim/README.md), and float16 tiles cannot be moved
   *         into fp32 DST, which the stages share. */
  void RequireBfloat16Stages() const {
    if (stages_.empty()) {
      return;
    }
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleInput &&
          cb.format != TileFormat::kBfloat16 &&
          cb.format != TileFormat::kFloat32) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': '" << cb.tensor << "' is "
            << SpecOf(cb.format).dtype
            << "; a kernel of several stages (a reduction with element-wise "
               "updates around it) reads bfloat16 or float32 tensors (beside "
               "a float16 CB TT-Metalium's JIT would unpack its float32 "
               "values as float16); use bfloat16 for '"
            << cb.tensor << "' (flash attention's dtype included).";
      }
    }
  }

  /*! \brief The format of a value between stages, `value`'s: bfloat16, or
   *         float32 (the examples' accum_dtype), which its CB holds exactly. */
  std::optional<TileFormat> RequireStageFormat(const std::string &what,
                                               const Buffer &value) const {
    // (A float16 value of a kernel whose float16 tensors are widened is held
    // as float32 too: no fp16 rounding between the stages.)
    const std::optional<TileFormat> format = HeldFormat(value->dtype);
    if (format != TileFormat::kBfloat16 && format != TileFormat::kFloat32) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << value->name << "' is " << value->dtype
          << "; a value between stages is bfloat16 or float32.";
    }
    return format;
  }

  /*!
   * \brief A float32 tensor or value between stages is read one way: by
   *        reductions (through the source registers, as TF32) or by updates
   *        (copy_tile / unary_bcast straight into DST, exactly); its CB is
   *        configured for one of the two (stages.h ReadsOf). One read both
   *        ways (a float32 softmax's exponentials, summed and divided) gets
   *        a copy: a stage before the first reduction that reads it moves
   *        it through DST into a CB of its own (exact: Float32 in, Float32
   *        out), and the reductions read that copy. Returns `body` with the
   *        copy stages' blocks inserted and the reductions' inputs renamed.
   */
  Stmt CopyFloat32ReadBothWays(Stmt body) {
    const std::vector<detail::ComputeStage> program = ProgramStages();
    std::map<int64_t, size_t> copies; // CB read both ways -> its copy's cbs_
    std::map<size_t, detail::ComputeStage> before; // IR block -> copy stage
    std::map<size_t, int64_t> renamed; // IR block -> the copy it reduces
    // (The program's last step too: a reduction whose result is the
    // output, of a value a loop updated.)
    for (size_t s = 0; s < program.size(); ++s) {
      const int64_t cb_in = program[s].cb_in;
      auto source =
          std::find_if(cbs_.begin(), cbs_.end(),
                       [&](const CBInfo &c) { return c.index == cb_in; });
      if (program[s].op != value::kOpReduce || cb_in < 0 ||
          source->format != TileFormat::kFloat32 ||
          !detail::ReadsOf(program, cb_in).moved) {
        continue;
      }
      if (!copies.count(cb_in)) {
        const std::string name = ValueName(*source);
        CBInfo cb;
        cb.rows_tiles = source->rows_tiles;
        cb.cols_tiles = source->cols_tiles;
        cb.format = source->format;
        cb.loops = source->loops;
        cb.access = source->access;
        cb.vector_dim = source->vector_dim;
        cb.index = IntermediateCB("PrimFunc '" + func_ +
                                  "': the copy of the float32 '" + name +
                                  "' that its reduction reads");
        cb.name = UniqueCBName(source->name + "_copy");
        cb.role = value::kCBRoleIntermediate;
        cb.buffer = UniqueValueName(name + "_copy");
        cb.depth = 1;
        detail::ComputeStage copy;
        copy.op = value::kOpEltwise;
        copy.in = name;
        copy.cb_in = cb_in;
        copy.out = cb.buffer;
        copy.cb_out = cb.index;
        copy.loop = program[s].loop; // (in the reduction's loop, if any)
        copies[cb_in] = cbs_.size();
        cbs_.push_back(cb);
        before[s] = copy;
      }
      if (s < stages_.size()) {
        stages_[s].in = cbs_[copies.at(cb_in)].buffer;
        stages_[s].cb_in = cbs_[copies.at(cb_in)].index;
      } else {
        compute_->a = cbs_[copies.at(cb_in)].buffer;
        compute_->cb_a = cbs_[copies.at(cb_in)].index;
      }
      renamed[s] = cbs_[copies.at(cb_in)].index;
    }
    if (copies.empty()) {
      return body;
    }
    // stages_ in order with the copies, and the IR's stage blocks (in
    // stages_' order) likewise, the reductions reading the copies.
    std::vector<detail::ComputeStage> stages;
    for (size_t s = 0; s <= stages_.size(); ++s) {
      if (before.count(s)) {
        stages.push_back(before.at(s));
      }
      if (s < stages_.size()) {
        stages.push_back(stages_[s]);
      }
    }
    // The IR's stage blocks, in stages_' order.
    struct Inserter : public tvm::tirx::StmtMutator {
      std::function<std::optional<Stmt>(const CallNode *)> at;
      Stmt VisitStmt_(const tvm::tirx::AttrStmtNode *op) final {
        const auto *eval = op->body.as<EvaluateNode>();
        const auto *call = eval ? eval->value.as<CallNode>() : nullptr;
        if (call && (call->op.same_as(builtin::reduce_block()) ||
                     call->op.same_as(builtin::eltwise_block()) ||
                     call->op.same_as(builtin::gemm_block()))) {
          if (std::optional<Stmt> s = at(call)) {
            return *s;
          }
          return tvm::ffi::GetRef<Stmt>(op);
        }
        return StmtMutator::VisitStmt_(op);
      }
    } inserter;
    size_t next = 0;
    inserter.at = [&](const CallNode *call) -> std::optional<Stmt> {
      // (A mask stage has no block in the IR: the reader writes it.)
      while (next < stages_.size() && stages_[next].op == value::kOpMask) {
        ++next;
      }
      const size_t index = next++;
      if (!renamed.count(index)) {
        return std::nullopt;
      }
      Array<PrimExpr> args = call->args;
      args.Set(0, detail::I32(renamed.at(index)));
      Stmt reduce = detail::RoleScope(
          ir::kRoleCompute,
          detail::Intrin(tvm::Downcast<tvm::Op>(call->op), args));
      if (!before.count(index)) {
        return reduce;
      }
      const detail::ComputeStage &copy = before.at(index);
      const CBInfo &cb = cbs_[copies.at(copy.cb_in)];
      return detail::Seq(
          {detail::RoleScope(ir::kRoleCompute,
                             detail::Intrin(builtin::eltwise_block(),
                                            {detail::I32(copy.cb_in),
                                             detail::I32(cb.rows_tiles),
                                             detail::I32(cb.cols_tiles)})),
           reduce});
    };
    body = inserter(std::move(body));
    stages_ = std::move(stages);
    return body;
  }

  /*! \brief `base`, or `base` and a number when a value or a buffer of the
   *         kernel already has that name. */
  std::string UniqueValueName(const std::string &base) const {
    auto taken = [&](const std::string &name) {
      return std::any_of(stages_.begin(), stages_.end(),
                         [&](const detail::ComputeStage &s) {
                           return s.in == name || s.out == name;
                         }) ||
             std::any_of(cbs_.begin(), cbs_.end(),
                         [&](const CBInfo &cb) {
                           return cb.buffer == name || cb.tensor == name;
                         }) ||
             std::any_of(buffers_.begin(), buffers_.end(),
                         [&](const std::string &b) { return b == name; });
    };
    std::string name = base;
    for (int i = 1; taken(name); ++i) {
      name = base + std::to_string(i);
    }
    return name;
  }

  /*! \brief The next intermediate CB's index, one a stage: c_26 .. c_31
   *         (tt-metal's intermediates), then c_23 down to c_17, which a
   *         program of stages (one output, c_16, no partials) leaves free. */
  int64_t IntermediateCB(const std::string &what) const {
    // (One a stage's value, and one a copy CopyFloat32ReadBothWays makes.)
    const int64_t n =
        std::count_if(cbs_.begin(), cbs_.end(), [](const CBInfo &cb) {
          return cb.role == value::kCBRoleIntermediate;
        });
    const int64_t high = kLastCB - kFirstIntermediateCB + 1;
    const int64_t low = kPartialsCB - 1 - kFirstOutputCB; // c_23 .. c_17
    if (n >= high + low || has_gemm_ || num_outputs_ > 1) {
      if (n < high) {
        return kFirstIntermediateCB + n;
      }
      TVM_FFI_THROW(ValueError)
          << what << ": more than " << (has_gemm_ ? high : high + low)
          << " values between stages (each has a CB of its own: c_"
          << kFirstIntermediateCB << " to c_" << kLastCB
          << (has_gemm_ ? "" : ", then c_23 down to c_17")
          << "); use fewer reductions and updates in one kernel.";
    }
    return n < high ? kFirstIntermediateCB + n : kPartialsCB - 1 - (n - high);
  }

  /*! \brief `base`, or `base` and a number when a CB already has it. */
  std::string UniqueCBName(const std::string &base) const {
    auto taken = [&](const std::string &name) {
      return std::any_of(cbs_.begin(), cbs_.end(),
                         [&](const CBInfo &cb) { return cb.name == name; });
    };
    std::string name = base;
    for (int i = 1; taken(name); ++i) {
      name = base + std::to_string(i);
    }
    return name;
  }

  /*!
   * \brief The element-wise update lowered last (compute_) becomes a stage
   *        whose value, the fragment `value`, a later stage reads (a
   *        reduction of exp(x - max), of x * x): it is packed into an
   *        intermediate CB of the block's tiles, in the fragment's format.
   */
  void PushEltwiseStage(const std::string &what, const Buffer &value) {
    const ComputeInfo e = *compute_;
    const std::optional<TileFormat> format = RequireStageFormat(what, value);
    const CBInfo *base = nullptr;
    for (const CBInfo &cb : cbs_) {
      if (cb.index == e.cb_a) {
        base = &cb;
      }
    }
    CBInfo cb;
    cb.rows_tiles = e.mt;
    cb.cols_tiles = e.nt;
    cb.format = *format;
    cb.loops = base->loops;
    cb.access = base->access; // the block's place in the tensors
    detail::ComputeStage stage;
    stage.op = value::kOpEltwise;
    stage.in = e.a;
    stage.cb_in = e.cb_a;
    stage.epilogue = e.epilogue;
    if (e.stage_loop != nullptr) {
      stage.loop = StageLoopOf(e.stage_loop, what);
    }
    auto carried = carried_.find(value.get());
    if (e.stage_loop != nullptr && carried != carried_.end() &&
        carried->second == e.stage_loop && carried_filled_.count(value.get()) &&
        stage_values_.count(value.get())) {
      // The update of a carried value, in place: it reads the version
      // before its own (stages.h WaitsAndPops) and packs into the value's
      // CB (AddStage).
      CBInfo &own = cbs_[stage_values_.at(value.get())];
      const std::vector<int64_t> reads = detail::StageReads(stage);
      if (!std::count(reads.begin(), reads.end(), own.index) ||
          own.rows_tiles != e.mt || own.cols_tiles != e.nt) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << value->name << "' is updated in the loop over '"
            << e.stage_loop->loop_var->name_hint
            << "' from parts computed apart (its own value inside a "
               "sub-expression), or as a block of another shape; supported: "
            << value->name << "[i, j] = f(blocks read in the loop) op "
            << value->name
            << "[i, j], its own value one operand of the "
               "outermost op.";
      }
      if (own.access.shape.empty()) {
        // The block's place in the tensors: the first block of a tensor the
        // update reads (its base may be the value itself).
        for (int64_t index : reads) {
          for (const CBInfo &cb : cbs_) {
            if (cb.index == index && cb.role == value::kCBRoleInput &&
                own.access.shape.empty()) {
              own.access = cb.access;
            }
          }
        }
      }
    }
    AddStage(what, value.get(), "cb_" + std::string(value->name), stage, cb);
    eltwise_out_ = nullptr;
  }

  /*!
   * \brief An element-wise kernel, as TileLang's examples/elementwise and
   *        testing write it: a T.Parallel nest over one block whose body
   *        (after Binds such as `y = by * block_M + i`) stores into a global
   *        tensor at the element's position, `C[y, x] = A[y, x] + B[y, x]`;
   *        or, staged, `C_local[i, j] = A_shared[i, j] + B_shared[i, j]`
   *        between T.copy's of whole blocks in and out. The value is a tensor
   *        and a chain of epilogue ops on it (epilogue.h). Lowered to the
   *        GEMM's three kernels without the K loop: the reader streams each
   *        input's block into a CB of its own (the staged form's T.copy's
   *        already do), compute (eltwise_block, expanded by TensorizeTT)
   *        takes each tile of the first through DST, applies the ops on the
   *        SFPU and packs it, the writer writes the output block.
   */
  Stmt LowerElementwise(const ForNode *op) {
    std::vector<tvm::tirx::Var> vars;
    std::vector<int64_t> extents;
    Stmt body = tvm::ffi::GetRef<Stmt>(op);
    while (const auto *f = body.as<ForNode>()) {
      const auto *min = f->min.as<tvm::IntImmNode>();
      const auto *extent = f->extent.as<tvm::IntImmNode>();
      if (f->kind != tvm::tirx::ForKind::kParallel || min == nullptr ||
          min->value != 0 || extent == nullptr) {
        TVM_FFI_THROW(ValueError)
            << Where("T.Parallel") << ": an element-wise kernel's loops must "
            << "be T.Parallel from 0 with constant extents; got the loop over '"
            << f->loop_var->name_hint << "' of " << detail::Brief(f->extent)
            << ".";
      }
      vars.push_back(f->loop_var);
      extents.push_back(extent->value);
      analyzer_.Bind(f->loop_var, tvm::Range::FromMinExtent(f->min, f->extent));
      body = f->body;
    }
    // Binds inside the nest (`y = start_y + local_y`), then one store.
    Map<tvm::tirx::Var, PrimExpr> local = binds_;
    std::vector<Stmt> stmts;
    if (const auto *seq = body.as<tvm::tirx::SeqStmtNode>()) {
      stmts.assign(seq->seq.begin(), seq->seq.end());
    } else {
      stmts.push_back(body);
    }
    const tvm::tirx::BufferStoreNode *store = nullptr;
    for (size_t i = 0; i < stmts.size(); ++i) {
      if (const auto *bind = stmts[i].as<tvm::tirx::BindNode>();
          bind && i + 1 < stmts.size()) {
        local.Set(bind->var, tvm::tirx::Substitute(bind->value, local));
        continue;
      }
      store = i + 1 == stmts.size() ? stmts[i].as<tvm::tirx::BufferStoreNode>()
                                    : nullptr;
    }
    if (store == nullptr || vars.size() != 2) {
      TVM_FFI_THROW(ValueError)
          << Where("T.Parallel") << ": an element-wise kernel is one "
          << "T.Parallel nest over the rows and columns of a block whose body "
          << "is one store 'C[y, x] = f(A[y, x], ...)' (after assignments "
          << "such as y = by * block_M + i); got " << vars.size()
          << " loop(s) and " << detail::Brief(body) << ".";
    }
    const Buffer out = store->buffer;
    const bool staged = !globals_.count(out.get());
    const std::string what =
        Where("T.Parallel writing '" + std::string(out->name) + "'");
    if (block_.set) {
      TVM_FFI_THROW(ValueError)
          << what << ": a second element-wise update (after one into '"
          << block_.accumulator << "'); one T.Parallel nest per kernel is "
          << "supported.";
    }
    RequireBlockGuards("T.Parallel");
    Array<PrimExpr> indices;
    for (const PrimExpr &index : store->indices) {
      indices.push_back(
          analyzer_.Simplify(tvm::tirx::Substitute(index, local)));
    }
    PrimExpr value = tvm::tirx::Substitute(store->value, local);
    if (const auto *cast = value.as<tvm::tirx::CastNode>();
        cast && cast->dtype == out->dtype) {
      value = cast->value; // computed in float32, stored as the output's type
    }
    // The value: a tensor and the ops on it; the staged form reads the
    // shared buffers its T.copy's filled.
    detail::ElementwiseExpr expr =
        detail::MatchElementwise(value, vars, what, [&](const Buffer &b) {
          return globals_.count(b.get()) > 0 || cb_of_.count(b.get()) > 0 ||
                 stage_values_.count(b.get()) > 0 ||
                 (!reduce_srcs_.empty() && operand_of_.count(b.get()) > 0);
        });
    for (size_t a = 0; a < 2; ++a) {
      if (extents[a] % target_.tile_rows != 0) {
        TVM_FFI_THROW(ValueError)
            << what << ": the block " << detail::ShapeString(extents)
            << " is not a multiple of the " << target_.tile_rows << "x"
            << target_.tile_cols << " tile; block sizes must be multiples of "
            << "32.";
      }
    }
    block_.set = true;
    block_.accumulator = out->name;
    block_.loops = NestLoopsHere();
    block_.guards = guards_;
    ComputeInfo info;
    info.elementwise = true;
    info.accumulator = out->name;
    info.mt = extents[0] / target_.tile_rows;
    info.nt = extents[1] / target_.tile_cols;
    info.fp32 = true; // the SFPU computes in fp32; fp32 DST keeps it
    info.sub_h = 1;
    info.sub_w = 1;
    compute_ = info;
    if (staged) {
      // C_local[i, j] = ...: the whole fragment, written out by a T.copy.
      const std::vector<int64_t> shape = detail::StaticShape(out, func_);
      bool whole = shape == extents;
      for (size_t a = 0; whole && a < 2; ++a) {
        whole = tvm::tirx::is_zero(analyzer_.Simplify(indices[a] - vars[a]));
      }
      if (!whole) {
        TVM_FFI_THROW(ValueError)
            << what << ": a staged element-wise update must write all of '"
            << out->name << "' " << detail::ShapeString(shape)
            << " at the loop indices, " << out->name << "[i, j]; got "
            << out->name << detail::Brief(indices) << " over "
            << detail::ShapeString(extents) << ".";
      }
      eltwise_out_ = out.get();
    }
    // Inputs: the base tensor, then each operand, each in a CB of its own.
    std::vector<Stmt> lowered;
    std::vector<int64_t> read_here; // the CBs of the blocks read so far
    auto input = [&](detail::EpilogueOp *e) {
      if (auto v = stage_values_.find(e->buffer.get());
          v != stage_values_.end()) {
        // An earlier stage's value: a vector over the block's rows (one
        // value per row, broadcast along the columns) or its columns.
        const CBInfo &cb = cbs_[v->second];
        const bool per_row = cb.vector_dim == value::kReduceDimRow;
        const bool block = cb.vector_dim.empty();
        if (block) {
          // An earlier update's block, read at the element's own position.
          bool own =
              e->broadcast == value::kBroadcastNone && e->offsets.size() == 2;
          for (const PrimExpr &off : e->offsets) {
            own = own && tvm::tirx::is_zero(off);
          }
          if (!own) {
            TVM_FFI_THROW(ValueError)
                << what << ": '" << cb.buffer << "' must be read at the "
                << "element's own position, " << cb.buffer << "[i, j].";
          }
          e->cb = cb.index;
          e->operand = cb.buffer;
          return;
        }
        const std::string want =
            per_row ? value::kBroadcastCol : value::kBroadcastRow;
        if (e->broadcast != want || e->offsets.size() != 1 ||
            !tvm::tirx::is_zero(e->offsets[0])) {
          TVM_FFI_THROW(ValueError)
              << what << ": '" << cb.buffer << "' must be read at the "
              << "element's own " << (per_row ? "row" : "column") << ", "
              << cb.buffer << (per_row ? "[i]" : "[j]") << ".";
        }
        e->cb = cb.index;
        e->operand = cb.buffer;
        return;
      }
      // (In a kernel with a reduction, also a fragment copied from the
      // shared block a stage read.)
      const std::optional<size_t> filled =
          InputCBOf(e->buffer.get(), !reduce_srcs_.empty());
      if (!filled) {
        lowered.push_back(LowerOperand(e, what));
        return;
      }
      // A shared block its T.copy filled: read at the output's offsets.
      CBInfo &cb = cbs_[*filled];
      if (std::count(read_here.begin(), read_here.end(), cb.index) &&
          e->broadcast == value::kBroadcastNone &&
          std::all_of(
              e->offsets.begin(), e->offsets.end(),
              [](const PrimExpr &o) { return tvm::tirx::is_zero(o); })) {
        // Read a second time at the element's own position (x * x).
        e->cb = cb.index;
        e->operand = cb.tensor;
        return;
      }
      read_here.push_back(cb.index);
      if (!SameLoops(cb.loops, loops_) && cb.loops.size() < loops_.size()) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << e->buffer->name
            << "' is filled outside the loop over '"
            << loops_.back()->loop_var->name_hint
            << "' the update is in; copy each input block in the loops of "
               "the update that reads it (in a loop of stages, each "
               "iteration's block in the loop).";
      }
      if (!SameLoops(cb.loops, loops_)) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << e->buffer->name << "' is filled inside a loop "
            << "the update is not in; copy each input block once per output "
            << "block, next to the update.";
      }
      // (A block an earlier stage reduced is read as it is, once more.)
      const bool reduced = std::any_of(
          stages_.begin(), stages_.end(),
          [&](const detail::ComputeStage &s) { return s.cb_in == cb.index; });
      if (cb.rows_tiles != info.mt || cb.cols_tiles != info.nt ||
          (!cb.broadcast.empty() && !reduced)) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << e->operand << "' holds a "
            << cb.rows_tiles * target_.tile_rows << "x"
            << cb.cols_tiles * target_.tile_cols
            << " block; a staged element-wise update reads each shared "
            << "buffer once, as a block of the update's "
            << detail::ShapeString(extents) << ".";
      }
      const PrimExpr tile = detail::I32(target_.tile_rows);
      cb.broadcast = value::kBroadcastNone;
      cb.where = what;
      cb.offsets.clear();
      if (cb.access.batch.defined()) {
        cb.offsets.push_back(cb.access.batch);
      }
      cb.offsets.push_back(cb.access.row * tile);
      cb.offsets.push_back(cb.access.col * tile);
      e->cb = cb.index;
      e->operand = cb.tensor;
    };
    input(&expr.base);
    compute_->a = expr.base.operand;
    for (detail::EpilogueOp &e : expr.ops) {
      if (!e.operand.empty()) {
        input(&e);
      }
      compute_->epilogue.push_back(e);
    }
    compute_->cb_a = expr.base.cb;
    // copy_tile takes a float32 input straight into DST and a 16-bit one
    // through SrcA, configured once: the inputs share one format.
    // (The first input CB's: a fill stage's value may come before it.)
    const CBInfo &first =
        *std::find_if(cbs_.begin(), cbs_.end(), [](const CBInfo &cb) {
          return cb.role == value::kCBRoleInput;
        });
    const TileFormat in = first.format;
    for (const CBInfo &cb : cbs_) {
      if (in != TileFormat::kBfloat16 &&
          (cb.broadcast == value::kBroadcastRow ||
           cb.broadcast == value::kBroadcastCol)) {
        TVM_FFI_THROW(ValueError)
            << what << ": a " << SpecOf(in).dtype
            << " element-wise kernel adds the vector '" << cb.tensor
            << "'; vectors are supported with bfloat16 inputs only "
               "(unary_bcast of float32 or float16 tiles into DST is not "
               "modelled yet).";
      }
      if (cb.role == value::kCBRoleInput && cb.format != in) {
        // (As declared: a float16 tensor moves through a Float32 CB in a
        // kernel that reduces.)
        const std::string x = global_dtypes_.at(first.tensor),
                          y = global_dtypes_.at(cb.tensor);
        TVM_FFI_THROW(ValueError)
            << what << ": the kernel's input tensors mix " << std::min(x, y)
            << " and " << std::max(x, y) << " ('" << first.tensor << "' is "
            << x << ", '" << cb.tensor << "' " << y
            << "); the tensors an element-wise kernel or a kernel of stages "
               "reads share one dtype (copy_tile sets the unpacker up once "
               "for all of them).";
      }
    }
    if (in == TileFormat::kFloat16) {
      // float16 tiles move into 16-bit DST, which then holds FP16, unchanged
      // (through fp32 DST the packer would round the result to bf16); each
      // SFPU op's result is stored back to FP16 (SFPSTORE truncates).
      compute_->fp32 = false;
      compute_->acc_format = TileFormat::kFloat16;
      for (const detail::EpilogueOp &e : compute_->epilogue) {
        const bool product =
            (e.op == value::kEpilogueMul || e.op == value::kEpilogueDiv ||
             e.op == value::kEpilogueMax || e.op == value::kEpilogueMin) &&
            !e.operand.empty();
        if (product || e.op == value::kEpilogueExp ||
            e.op == value::kEpilogueExp2 || e.op == value::kEpilogueSigmoid ||
            e.op == value::kEpilogueTanh || e.op == value::kEpilogueSilu ||
            e.op == value::kEpilogueGelu || e.op == value::kEpilogueRsqrt ||
            e.op == value::kEpilogueDiv) {
          TVM_FFI_THROW(ValueError)
              << what << ": "
              << (product ? std::string(e.op == value::kEpilogueDiv
                                            ? "a division by"
                                        : e.op == value::kEpilogueMul
                                            ? "a product with"
                                            : "T." + e.op + " with") +
                                " the tensor '" + e.operand + "'"
                          : "T." + e.op)
              << " in a float16 element-wise kernel is not supported yet "
                 "(float16 runs in 16-bit DST, where the release rounds "
                 "that op's result to bf16); supported there: constants, "
                 "ReLU / max / min, adding and subtracting float16 tensors.";
        }
      }
    }
    if (const ForNode *loop = StageLoopHere();
        loop != nullptr && reading_loops_.count(loop)) {
      // A stage of a loop that reads a value made before it.
      compute_->stage_loop = loop;
      StageLoopOf(loop, what);
    }
    // Compute: each tile of the block through DST (TensorizeTT).
    lowered.push_back(detail::RoleScope(
        ir::kRoleCompute,
        detail::Intrin(builtin::eltwise_block(),
                       {detail::I32(expr.base.cb), detail::I32(info.mt),
                        detail::I32(info.nt)})));
    if (staged) {
      return detail::Seq(lowered); // the output T.copy writes it out
    }
    // The output element: C[(batch,) row0 + i, col0 + j].
    auto uses_element = [&](const PrimExpr &e) {
      return tvm::tirx::UsesVar(e, [&](const tvm::tirx::VarNode *v) {
        return v == vars[0].get() || v == vars[1].get();
      });
    };
    const size_t rank = indices.size();
    PrimExpr row, col;
    detail::RegionOperand region;
    region.buffer = out;
    if (rank == 2 || rank == 3) {
      row = analyzer_.Simplify(indices[rank - 2] - vars[0]);
      col = analyzer_.Simplify(indices[rank - 1] - vars[1]);
      if (rank == 3) {
        region.mins.push_back(indices[0]);
        region.extents.push_back(1);
      }
    }
    if (!row.defined() || uses_element(row) || uses_element(col) ||
        (rank == 3 && uses_element(indices[0]))) {
      TVM_FFI_THROW(ValueError)
          << what << ": the store " << out->name << detail::Brief(indices)
          << " must write the element (i, j) of the loops at a block offset "
          << "(C[by * block_M + i, bx * block_N + j], with a batch index in "
          << "front for a batched C).";
    }
    region.mins.push_back(row);
    region.mins.push_back(col);
    region.extents.push_back(extents[0]);
    region.extents.push_back(extents[1]);
    const int64_t index = kFirstOutputCB + num_outputs_;
    CBInfo cb;
    cb.index = index;
    cb.name = "cb_out" + std::to_string(num_outputs_++);
    cb.buffer = out->name;
    cb.role = value::kCBRoleOutput;
    cb.rows_tiles = info.mt;
    cb.cols_tiles = info.nt;
    cb.staged = out->name;
    cbs_.push_back(cb);
    compute_->packed = true;
    lowered.push_back(WriterSide(cbs_.size() - 1, region, what));
    return detail::Seq(lowered);
  }

  /*!
   * \brief An epilogue operand (epilogue.h): the reader streams its block
   *        into a CB of its own once per output block, after the block's K
   *        steps: the row vector's tiles over the block's columns, the
   *        column vector's over its rows, or the residual's block. Records
   *        the CB in `e`; returns the reader's statements.
   */
  Stmt LowerOperand(detail::EpilogueOp *e, const std::string &what) {
    for (const CBInfo &cb : cbs_) {
      if (!cb.broadcast.empty() && cb.tensor == e->operand) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << e->operand << "' is "
            << (e->op == value::kEpilogueAdd ? "added" : "used")
            << " a second time; each tensor may be used once.";
      }
    }
    const bool elementwise = compute_->elementwise;
    const TileFormat format =
        TensorFormat(e->buffer, what, [&](TileFormat f) -> std::string {
          if (f == TileFormat::kBfloat16) {
            return "";
          }
          if (!elementwise) {
            return "a tensor an epilogue reads must be bfloat16 (epilogue "
                   "tensors are supported with bfloat16 T.gemm operands)";
          }
          if (e->broadcast != value::kBroadcastNone) {
            return "a vector an element-wise update adds must be bfloat16, "
                   "with bfloat16 inputs";
          }
          return "";
        });
    CBInfo cb = NewInputCB(what);
    cb.buffer = e->operand;
    cb.tensor = e->operand;
    cb.rows_tiles = e->broadcast == value::kBroadcastRow ? 1 : compute_->mt;
    cb.cols_tiles = e->broadcast == value::kBroadcastCol ? 1 : compute_->nt;
    cb.loops = loops_;
    cb.broadcast = e->broadcast;
    cb.where = what;
    cb.format = format;
    for (const PrimExpr &off : e->offsets) {
      cb.offsets.push_back(tvm::tirx::Substitute(off, binds_));
    }
    if (const size_t rank = cb.offsets.size(); rank >= 3) {
      // A batched residual: (its matrix's index in the stored order, row,
      // column), as a block copy's (TileGeometry).
      const std::vector<int64_t> axes = StoredAxes(e->buffer);
      const std::vector<int64_t> shape = detail::StaticShape(e->buffer, func_);
      PrimExpr index = detail::I32(0);
      for (size_t i = 0; i + 2 < rank; ++i) {
        index = index * detail::I32(shape[axes[i]]) +
                tvm::cast(tvm::DataType::Int(32), cb.offsets[axes[i]]);
      }
      cb.offsets = {analyzer_.Simplify(index), cb.offsets[axes[rank - 2]],
                    cb.offsets[rank - 1]};
    }
    cb.access.tensor = e->operand;
    SetShape(&cb.access, e->buffer);
    Placeholders(&cb);
    cbs_.push_back(cb);
    e->cb = cb.index;
    return ReaderBlock(cb, e->buffer->data);
  }

  /*!
   * \brief Each epilogue operand is read at the output element's own
   *        position: its offsets (index minus the element's) are the output
   *        block's, its length the output's columns (a row vector) or rows
   *        (a column vector), a residual the output's shape. Proven
   *        symbolically over the block nest's variables.
   */
  void ProveOperands() {
    const CBInfo *out = nullptr;
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleOutput) {
        out = &cb;
      }
    }
    if (!compute_->reduce.empty()) {
      // A reduction's result is the output (one value per row or column):
      // the blocks it is made from are proven by ProveReduction; an operand
      // vector along the reduced axis has no output element to match.
      for (const CBInfo &cb : cbs_) {
        if (cb.broadcast == value::kBroadcastRow ||
            cb.broadcast == value::kBroadcastCol) {
          TVM_FFI_THROW(ValueError)
              << cb.where << ": '" << cb.tensor
              << "' is read as a vector by an update whose value a "
                 "reduction turns into the output; supported before a final "
                 "reduction: updates of the block and of earlier reductions' "
                 "results.";
        }
      }
      return;
    }
    const std::vector<int64_t> &shape = out->access.shape;
    const int64_t rows = shape[shape.size() - 2], cols = shape.back();
    const PrimExpr tile = detail::I32(target_.tile_rows);
    const PrimExpr row = out->access.row * tile, col = out->access.col * tile;
    auto require = [&](const CBInfo &cb, const PrimExpr &got,
                       const PrimExpr &want, const char *axis) {
      if (!analyzer_.CanProveEqual(tvm::cast(tvm::DataType::Int(64), got),
                                   tvm::cast(tvm::DataType::Int(64), want))) {
        TVM_FFI_THROW(ValueError)
            << cb.where << ": '" << cb.tensor << "' is read at " << axis
            << " offset " << analyzer_.Simplify(got)
            << " but the output block '" << out->tensor << "' starts at "
            << analyzer_.Simplify(want) << "; "
            << (compute_->elementwise ? "an element-wise input"
                                      : "an epilogue operand")
            << " must be read "
            << "at the output element's own position.";
      }
    };
    for (const CBInfo &cb : cbs_) {
      // (A loop that carries a value reads the output's rows, over its
      // iterations all of their columns: ProveReduction.)
      const ForNode *loop = StageLoopOf(cb);
      if (cb.broadcast.empty() ||
          (loop != nullptr && !reading_loops_.count(loop))) {
        continue;
      }
      const std::vector<int64_t> &got = cb.access.shape;
      const bool row_vec = cb.broadcast == value::kBroadcastRow;
      const bool col_vec = cb.broadcast == value::kBroadcastCol;
      const bool fits = row_vec   ? got == std::vector<int64_t>{cols}
                        : col_vec ? got == std::vector<int64_t>{rows}
                                  : got == shape && cb.access.batch_shape ==
                                                        out->access.batch_shape;
      if (!fits) {
        // (Shapes as declared: a batched tensor's stored order as well
        // where it differs, detail::Shape.)
        std::string has = detail::Shape(cb.access);
        has.replace(has.find("' ") + 2, 0, "has shape ");
        TVM_FFI_THROW(ValueError)
            << cb.where << ": " << has << "; added to the output "
            << detail::Shape(out->access) << " it must "
            << (row_vec   ? "have one value per column (" +
                                detail::ShapeString(std::vector{cols}) + ")"
                : col_vec ? "have one value per row (" +
                                detail::ShapeString(std::vector{rows}) + ")"
                          : std::string("have the output's shape"))
            << ".";
      }
      if (row_vec) {
        require(cb, cb.offsets[0], col, "column");
      } else if (col_vec) {
        require(cb, cb.offsets[0], row, "row");
      } else {
        const size_t n = cb.offsets.size();
        require(cb, cb.offsets[n - 2], row, "row");
        require(cb, cb.offsets[n - 1], col, "column");
        if (n == 3) {
          require(cb, cb.offsets[0], out->access.batch, "batch");
        }
      }
    }
  }

  /*! \brief Element-wise access to a CB-backed buffer cannot be lowered. */
  PrimExpr VisitExpr_(const tvm::tirx::BufferLoadNode *op) final {
    RejectElementAccess(op->buffer);
    return StmtExprMutator::VisitExpr_(op);
  }
  Stmt VisitStmt_(const tvm::tirx::BufferStoreNode *op) final {
    RejectElementAccess(op->buffer);
    return StmtExprMutator::VisitStmt_(op);
  }

  void RejectElementAccess(const Buffer &buf) {
    if (shared_.count(buf.get()) || fragments_.count(buf.get())) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': element-wise access to '" << buf->name
          << "' (e.g. T.Parallel loops) is not supported by the Tenstorrent "
             "backend yet; only whole-block T.copy / T.clear / T.gemm, and an "
             "epilogue on the T.gemm accumulator (a T.Parallel over the whole "
             "fragment before its output T.copy).";
    }
  }

  /*! \brief T.clear(C_local) / T.fill(C_local, 0): DST acquired (zeroed). */
  Stmt LowerFill(const CallNode *call) {
    detail::RegionOperand dst =
        detail::DecodeRegion(call->args[0], Where("T.fill"));
    const auto *value = call->args[1].as<tvm::IntImmNode>();
    const auto *fvalue = call->args[1].as<tvm::FloatImmNode>();
    const bool zero =
        (value && value->value == 0) || (fvalue && fvalue->value == 0.0);
    // (Before a loop that updates it, a reduction with clear=False
    // included: the value that loop carries; unless the loop writes it out,
    // a running value of the waves of blocks, refused in LowerReduce.)
    if (auto c = carried_.find(dst.buffer.get());
        c != carried_.end() && !has_gemm_ &&
        fragments_.count(dst.buffer.get()) &&
        std::none_of(loops_.begin(), loops_.end(),
                     [&](const For &l) { return l.get() == c->second; }) &&
        !CopiedOut(c->second, dst.buffer.get())) {
      return LowerCarriedFill(call, dst);
    }
    if (gemm_stages_ && gemm_accs_.count(dst.buffer.get()) &&
        fragments_.count(dst.buffer.get())) {
      // The zeros a T.gemm stage starts from (LowerGemmStage).
      if (!zero) {
        TVM_FFI_THROW(ValueError)
            << Where("T.fill") << " of '" << dst.buffer->name << "' with "
            << call->args[1]
            << ": in a kernel of stages a T.gemm's product starts from zero; "
               "supported: T.clear('"
            << dst.buffer->name << "') right before the T.gemm.";
      }
      RequireBlockGuards("T.clear");
      gemm_clears_[dst.buffer.get()] = loops_;
      return tvm::tirx::Evaluate(0);
    }
    if (combined_reduce_dsts_.count(dst.buffer.get())) {
      // The starting value of a reduction with clear=False (TileLang's
      // test_reduce_clear: T.fill(dst, 1) then dst = 1 + sum): LowerReduce
      // combines the result with it.
      const std::optional<float> start = detail::ConstantValue(call->args[1]);
      if (!start) {
        TVM_FFI_THROW(ValueError)
            << Where("T.fill") << " of '" << dst.buffer->name << "' with "
            << call->args[1]
            << ": a reduction with clear=False starts from a constant; this "
               "is not one (supported: a number, or -T.infinity / "
               "T.infinity).";
      }
      reduce_starts_[dst.buffer.get()] = {*start, loops_, Branches()};
      return tvm::tirx::Evaluate(0);
    }
    if (shared_.count(dst.buffer.get()) && !cb_of_.count(dst.buffer.get())) {
      // T.clear(A_shared) before the T.copy that fills it: the T.gemm reads
      // only the region each K step's T.copy overwrites (LowerGemm checks),
      // so nothing reads the zeros; the CB needs no clearing. Checked once
      // the whole kernel is seen (RequireClearedSharedAreOperands).
      if (zero) {
        RequireBlockGuards("T.clear");
        cleared_shared_.push_back(dst.buffer);
        return tvm::tirx::Evaluate(0);
      }
    }
    if (gemm_stages_ && fragments_.count(dst.buffer.get())) {
      // (No accumulator: the T.gemm's are stages, each cleared or adding
      // into a carried value; see LowerGemmStage.)
      TVM_FFI_THROW(ValueError)
          << Where("T.fill") << " of '" << dst.buffer->name << "' with "
          << call->args[1]
          << ": in a kernel of stages with a T.gemm, a fill is the start of "
             "a value a loop then updates (before that loop), of a "
             "reduction with clear=False (right before it), or a T.gemm's "
             "zeros (T.clear right before it); this one is none of those.";
    }
    if (!fragments_.count(dst.buffer.get())) {
      TVM_FFI_THROW(ValueError)
          << Where("T.fill") << " of '" << dst.buffer->name << "' (scope "
          << dst.buffer.scope()
          << ") is not supported; only T.clear of the T.alloc_fragment "
             "accumulator is (and of a T.gemm operand's shared buffer before "
             "the T.copy that fills it).";
    }
    if (!zero) {
      TVM_FFI_THROW(ValueError)
          << Where("T.fill") << " of '" << dst.buffer->name << "' with "
          << call->args[1]
          << " is not supported; the accumulator can only start at zero "
             "(T.clear).";
    }
    if (block_.set) {
      TVM_FFI_THROW(ValueError)
          << Where("T.clear('" + std::string(dst.buffer->name) + "')")
          << ": the kernel clears an accumulator a second time (first '"
          << block_.accumulator
          << "'); one accumulator, cleared once per output block, is "
             "supported.";
    }
    for (const Guard &g : guards_) {
      if (g.in_else) {
        RequireBlockGuards("T.clear");
      }
    }
    // The loops and `if`s around T.clear enclose the whole output block:
    // they, with the launch grid, are the block nest.
    block_.set = true;
    block_.accumulator = dst.buffer->name;
    block_.loops = loops_;
    block_.guards = guards_;
    cleared_.insert(dst.buffer.get());
    // A block larger than DST starts each sub-block at zero in the first K
    // step instead (TensorizeTT), so there is nothing to do here.
    if (PlanFor(dst.buffer).subblocked) {
      return tvm::tirx::Evaluate(0);
    }
    return detail::RoleScope(ir::kRoleCompute,
                             detail::Intrin(builtin::tile_regs_acquire(), {}));
  }

  /*! \brief The reduction or update lowered last (compute_), if no stage
   *         has taken it yet, becomes one: a later step starts afresh. */
  void PushPending(const std::string &what) {
    if (compute_ && !compute_->packed && reduce_out_ != nullptr &&
        !compute_->reduce.empty()) {
      PushReduceStage(what);
    } else if (compute_ && compute_->elementwise && !compute_->packed &&
               eltwise_out_ != nullptr) {
      PushEltwiseStage(what, tvm::ffi::GetRef<Buffer>(eltwise_out_));
    }
  }

  /*!
   * \brief T.clear / T.fill of a fragment that a loop then updates in place
   *        (rms_norm_splitk's T.clear(A_local) before `for k: A_local[i, j]
   *        += ...`): a fill stage, every datum the constant (fill_tile),
   *        packed into the value's CB, which the loop's update then reads
   *        and writes in place, iteration after iteration (PushEltwiseStage).
   */
  Stmt LowerCarriedFill(const CallNode *call,
                        const detail::RegionOperand &dst) {
    const std::string name = dst.buffer->name;
    const std::string what = Where("T.fill of '" + name + "'");
    // (A reduction or update still pending is a stage of its own first: the
    // fill stage starts afresh.)
    PushPending(what);
    const std::optional<float> c = detail::ConstantValue(call->args[1]);
    if (!c) {
      TVM_FFI_THROW(ValueError)
          << what << " with " << call->args[1]
          << ": a value a loop updates starts from a constant (T.clear, or "
             "T.fill with a number).";
    }
    const std::vector<int64_t> shape = detail::StaticShape(dst.buffer, func_);
    const bool vector = shape.size() == 1;
    if ((shape.size() != 2 && !vector) || dst.extents != shape ||
        shape[0] % target_.tile_rows != 0 ||
        (!vector && shape[1] % target_.tile_cols != 0)) {
      TVM_FFI_THROW(ValueError)
          << what << ": " << detail::ShapeString(dst.extents) << " of "
          << detail::ShapeString(shape)
          << "; a value a loop updates is a whole 2-D fragment, or a whole "
             "vector of one value per row, whose sides are multiples of 32.";
    }
    RequireBlockGuards("T.fill");
    const std::optional<TileFormat> format =
        RequireStageFormat(what, dst.buffer);
    CBInfo cb;
    // A vector a loop carries holds one value per row of the blocks it
    // reads (a running row maximum or sum): a column of tiles, its values
    // in column 0 as a reduction along rows leaves them.
    cb.rows_tiles = shape[0] / target_.tile_rows;
    cb.cols_tiles = vector ? 1 : shape[1] / target_.tile_cols;
    if (vector) {
      cb.vector_dim = value::kReduceDimRow;
    }
    cb.format = *format;
    cb.loops = loops_;
    detail::ComputeStage stage;
    stage.op = value::kOpFill;
    stage.value = *c;
    stage.shape = shape;
    const int64_t rows = cb.rows_tiles, cols = cb.cols_tiles;
    AddStage(what, dst.buffer.get(), "cb_" + name, stage, cb);
    carried_filled_.insert(dst.buffer.get());
    return detail::RoleScope(ir::kRoleCompute,
                             detail::Intrin(builtin::eltwise_block(),
                                            {detail::I32(-1), detail::I32(rows),
                                             detail::I32(cols)}));
  }

  /*!
   * \brief `for i, j in T.Parallel(M, N): s[i, j] = T.if_then_else(R >= C,
   *        a, b)` with constants a and b, R the query row (the output
   *        block's row + i + a constant) and C the key column of the loop's
   *        iteration (col_step * k + col_start + j): flash attention's causal
   *        mask, which its T.gemm then adds Q @ K^T onto. A `mask` stage
   *        (stages.h): the reader writes the block each iteration into a
   *        Float32 CB of its own (ttnn's SDPA builds its mask in a
   *        data-movement kernel too), tile by tile from the block's first
   *        row and column. The comparison may be >, <= or < too, either
   *        side first (normalised to r + row_offset >= c, the two values
   *        swapped for < and <=). Returns nullopt for any other nest.
   */
  std::optional<Stmt> LowerMask(const ForNode *op) {
    const auto *inner = op->body.as<ForNode>();
    if (inner == nullptr || inner->kind != tvm::tirx::ForKind::kParallel) {
      return std::nullopt;
    }
    const auto *store = inner->body.as<tvm::tirx::BufferStoreNode>();
    const auto *call = store ? store->value.as<tvm::tirx::CallNode>() : nullptr;
    if (call == nullptr ||
        !call->op.same_as(tvm::tirx::builtin::if_then_else()) ||
        !detail::ConstantValue(call->args[1]) ||
        !detail::ConstantValue(call->args[2])) {
      return std::nullopt;
    }
    const std::string name = store->buffer->name;
    const std::string what =
        Where("T.Parallel writing '" + name + "' with T.if_then_else (a mask)");
    const tvm::tirx::Var i = op->loop_var, j = inner->loop_var;
    auto uses = [](const PrimExpr &e, const tvm::tirx::Var &v) {
      return tvm::tirx::UsesVar(
          e, [&](const tvm::tirx::VarNode *u) { return u == v.get(); });
    };
    const std::string supported =
        "; supported: s[i, j] = T.if_then_else(row + i >= col + j, a, b) "
        "(or >, <=, <) with constants a and b, row the output block's first "
        "row plus a constant and col linear in the loop of stages' index "
        "(flash attention's causal mask: bx * block_M + i >= k * block_N + "
        "j), written whole in that loop and read by the T.gemm that adds "
        "into it.";
    const std::vector<int64_t> shape =
        detail::StaticShape(store->buffer, func_);
    const auto *m = op->extent.as<tvm::IntImmNode>();
    const auto *n = inner->extent.as<tvm::IntImmNode>();
    if (!fragments_.count(store->buffer.get()) || shape.size() != 2 ||
        store->indices.size() != 2 || !store->indices[0].same_as(i) ||
        !store->indices[1].same_as(j) || m == nullptr || n == nullptr ||
        m->value != shape[0] || n->value != shape[1] ||
        shape[0] % target_.tile_rows != 0 ||
        shape[1] % target_.tile_cols != 0) {
      TVM_FFI_THROW(ValueError)
          << what << ": the mask is written at [" << store->indices
          << "] of the " << detail::ShapeString(shape) << " '" << name
          << "'; a mask is a whole 2-D fragment whose sides are multiples "
             "of 32, written at [i, j] of the T.Parallel nest over it"
          << supported;
    }
    const ForNode *loop = StageLoopHere();
    if (loop == nullptr) {
      TVM_FFI_THROW(ValueError)
          << what << ": "
          << (loops_.empty()
                  ? std::string("outside any loop")
                  : "in the loop over '" +
                        std::string(loops_.back()->loop_var->name_hint) +
                        "', which is not a loop of stages (one that carries a "
                        "value filled before it, as flash attention's acc_o, "
                        "in a kernel that reduces)")
          << supported;
    }
    // The comparison, as r_side OP c_side with i only in r_side and j
    // only in c_side.
    PrimExpr lhs, rhs;
    int relation = -1; // 0 >=, 1 >, 2 <=, 3 <
    const PrimExpr cond = call->args[0];
    if (const auto *x = cond.as<tvm::tirx::GENode>()) {
      lhs = x->a, rhs = x->b, relation = 0;
    } else if (const auto *x = cond.as<tvm::tirx::GTNode>()) {
      lhs = x->a, rhs = x->b, relation = 1;
    } else if (const auto *x = cond.as<tvm::tirx::LENode>()) {
      lhs = x->a, rhs = x->b, relation = 2;
    } else if (const auto *x = cond.as<tvm::tirx::LTNode>()) {
      lhs = x->a, rhs = x->b, relation = 3;
    }
    if (relation >= 0 && uses(lhs, j) && uses(rhs, i)) {
      std::swap(lhs, rhs);
      relation = relation ^ 2; // a >= b is b <= a
    }
    if (relation < 0 || !uses(lhs, i) || uses(lhs, j) || !uses(rhs, j) ||
        uses(rhs, i)) {
      TVM_FFI_THROW(ValueError)
          << what << ": the condition " << cond
          << " is not a comparison (>=, >, <= or <) of a row term in '"
          << i->name_hint << "' with a column term in '" << j->name_hint << "'"
          << supported;
    }
    const PrimExpr rows = analyzer_.Simplify(lhs - i);
    const PrimExpr cols = analyzer_.Simplify(rhs - j);
    int64_t col_start = 0, col_step = 0;
    const detail::StageLoop stage_loop = StageLoopOf(loop, what);
    if (uses(rows, i) || uses(cols, j) ||
        !LinearInLoop(cols, loop, std::max<int64_t>(2, stage_loop.extent), 1,
                      &col_start, &col_step)) {
      TVM_FFI_THROW(ValueError)
          << what << ": the row term `" << detail::Brief(lhs)
          << "` or the column term `" << detail::Brief(rhs)
          << "` is not the index plus a term without it, or the column term "
             "is not linear in '"
          << loop->loop_var->name_hint << "' alone" << supported;
    }
    // r + delta >= c keeps `a`: >= 0, > 1; <= and < are the negations of
    // > and >=, which keep `b`.
    const bool swap = relation >= 2;
    const int64_t delta = relation == 1 || relation == 2 ? -1 : 0;
    const float keep = *detail::ConstantValue(call->args[swap ? 2 : 1]);
    const float masked = *detail::ConstantValue(call->args[swap ? 1 : 2]);
    const std::optional<TileFormat> format =
        RequireStageFormat(what, store->buffer);
    if (*format != TileFormat::kFloat32) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << name << "' is " << store->buffer->dtype
          << "; a mask is a float32 fragment (accum_dtype: the reader "
             "writes its tiles as Float32)"
          << supported;
    }
    for (const detail::ComputeStage &s : stages_) {
      if (s.op == value::kOpMask &&
          (s.value != keep || s.otherwise != masked)) {
        TVM_FFI_THROW(ValueError)
            << what << ": a second mask with other values than '" << s.out
            << "''s (" << s.value << " and " << s.otherwise
            << "); the reader writes one kind of mask per kernel.";
      }
    }
    RequireNoPendingFill(store->buffer.get(), "T.Parallel", "writes");
    RejectStageValueOverwrite(store->buffer, "T.Parallel");
    RequireBlockGuards("T.Parallel");
    PushPending(what);
    CBInfo cb = NewInputCB(what);
    cb.name = UniqueCBName("cb_mask");
    cb.role = value::kCBRoleMask;
    cb.buffer = name;
    cb.rows_tiles = shape[0] / target_.tile_rows;
    cb.cols_tiles = shape[1] / target_.tile_cols;
    cb.format = *format;
    cb.loops = loops_;
    Placeholders(&cb);
    detail::ComputeStage stage;
    stage.op = value::kOpMask;
    stage.value = keep;
    stage.otherwise = masked;
    stage.shape = shape;
    stage.col_step = col_step;
    stage.col_start = col_start;
    stage.row_offset = delta; // + the row term's constant (ProveMasks)
    stage.loop = stage_loop;
    stage.out = name;
    stage.cb_out = cb.index;
    mask_rows_.push_back({cb.index, rows, what});
    stages_.push_back(stage);
    stage_values_[store->buffer.get()] = cbs_.size();
    cbs_.push_back(cb);
    compute_.reset();
    block_.set = false;
    // The reader: each tile (r, c) from its first element's query row,
    // (the block's first tile row + r) * 32 + the row offset (col0 stands
    // for it until Canonicalize), and key column cols + c * 32.
    const PrimExpr id = detail::I32(cb.index);
    const PrimExpr tiles = detail::I32(cb.block_tiles());
    const PrimExpr tile = detail::I32(target_.tile_rows);
    Stmt fills = detail::SerialLoop("r", cb.rows_tiles, [&](PrimExpr r) {
      return detail::SerialLoop("c", cb.cols_tiles, [&](PrimExpr c) {
        return detail::Intrin(
            builtin::fill_mask_tile(),
            {id, r * detail::I32(cb.cols_tiles) + c,
             (cb.row0 + r) * tile + cb.col0,
             tvm::cast(tvm::DataType::Int(32), cols) + c * tile});
      });
    });
    return detail::RoleScope(
        ir::kRoleReader,
        detail::Seq({detail::Intrin(builtin::cb_reserve_back(), {id, tiles}),
                     fills,
                     detail::Intrin(builtin::cb_push_back(), {id, tiles})}));
  }

  /*!
   * \brief Each mask's row term is the output block's first row plus a
   *        constant (the plan states a mask over the output's rows), and the
   *        mask as tall as the output block; the constant joins the stage's
   *        row_offset and the reader's row (Canonicalize).
   */
  void ProveMasks() {
    const CBInfo *out = OutputCB();
    for (const MaskRows &m : mask_rows_) {
      // (Found by its CB: copies inserted since (CopyFloat32ReadBothWays)
      // move the stages after them.)
      detail::ComputeStage &stage = *std::find_if(
          stages_.begin(), stages_.end(), [&](const detail::ComputeStage &s) {
            return s.op == value::kOpMask && s.cb_out == m.cb;
          });
      if (out == nullptr) {
        TVM_FFI_THROW(ValueError)
            << m.what
            << ": the kernel writes no output block the mask's "
               "rows could be rows of.";
      }
      const std::optional<int64_t> c = PastOutputRow(m.rows, *out);
      const int64_t rows = stage.shape.at(0);
      if (!c || rows != out->rows_tiles * target_.tile_rows) {
        TVM_FFI_THROW(ValueError)
            << m.what << ": its rows are `"
            << (tvm::tirx::is_zero(m.rows) ? std::string()
                                           : detail::Brief(m.rows) + " + ")
            << "i` over " << rows << " rows; the output '" << out->tensor
            << "' is written from row `" << detail::Brief(OutputRow(*out))
            << "` in blocks of " << out->rows_tiles * target_.tile_rows
            << "; a mask's rows are the output block's own (its first row "
               "plus a constant, as tall).";
      }
      stage.row_offset += *c;
    }
  }

  /*! \brief The output CB whose block the kernel writes (its access known),
   *         or nullptr. */
  const CBInfo *OutputCB() const {
    const auto out =
        std::find_if(cbs_.begin(), cbs_.end(), [](const CBInfo &cb) {
          return cb.role == value::kCBRoleOutput;
        });
    return out == cbs_.end() || out->access.shape.empty() ? nullptr : &*out;
  }

  /*! \brief The first row (in elements) of `out`'s block, in the kernel's
   *         block indices. */
  PrimExpr OutputRow(const CBInfo &out) {
    return analyzer_.Simplify(out.access.row * detail::I32(target_.tile_rows));
  }

  /*! \brief `rows` less the first row of `out`'s block, if that is the same
   *         constant at every block (a mask's row term, a loop bound's). */
  std::optional<int64_t> PastOutputRow(const PrimExpr &rows,
                                       const CBInfo &out) {
    const PrimExpr offset =
        analyzer_.Simplify(tvm::cast(tvm::DataType::Int(64), rows) -
                           tvm::cast(tvm::DataType::Int(64), OutputRow(out)));
    if (const auto *c = offset.as<tvm::IntImmNode>()) {
      return c->value;
    }
    return std::nullopt;
  }

  /*! \brief The loop of stages around the visit (the first of loops_ a
   *         value is carried across), or nullptr. */
  const ForNode *StageLoopHere() const {
    for (const For &loop : loops_) {
      if (CarriedBy(loop.get()) != nullptr ||
          reading_loops_.count(loop.get())) {
        return loop.get();
      }
    }
    return nullptr;
  }

  /*! \brief Whether the serial loop `op` reads a value of the stages made
   *         before it (rms_norm_splitk's second loop, x * rstd[i] per column
   *         block): its iterations are stages of the output block, not
   *         blocks of their own (a loop over waves makes all it reads; a
   *         value a loop in it carries is that loop's). */
  bool ReadsValueMadeBefore(const ForNode *op) const {
    bool found = false;
    tvm::tirx::PostOrderVisit(op->body, [&](const tvm::ffi::ObjectRef &n) {
      const auto *load = n.as<tvm::tirx::BufferLoadNode>();
      if (load == nullptr) {
        return;
      }
      auto carried = carried_.find(load->buffer.get());
      const bool own = carried != carried_.end() &&
                       (carried->second == op || Contains(op, carried->second));
      found = found || (!own && (stage_values_.count(load->buffer.get()) ||
                                 load->buffer.get() == reduce_out_));
    });
    return found;
  }

  /*! \brief A ValueError when `buffer` is read or written while its T.fill
   * waits for the reduction with clear=False that starts from it (the fill
   *         becomes that reduction's combine, not a value of its own). */
  void RequireNoPendingFill(const tvm::tirx::BufferNode *buffer,
                            const std::string &op,
                            const std::string &verb) const {
    if (reduce_starts_.count(buffer)) {
      TVM_FFI_THROW(ValueError)
          << Where(op) << " " << verb << " '" << buffer->name
          << "' between its T.fill and the reduction with clear=False that "
             "starts from that fill; the fill is the reduction's starting "
             "value only (supported: the T.fill right before the "
             "reduction, nothing reading or writing the value in between).";
    }
  }

  /*! \brief A ValueError when the T.fill of `buffer` (or any, with nullptr)
   *         that a reduction with clear=False was to start from is left
   *         without one at the end of the loop `loop` (nullptr: of the
   *         kernel). */
  void RequireFillsConsumed(const ForNode *loop) const {
    for (const auto &[buffer, start] : reduce_starts_) {
      const bool inside =
          loop == nullptr ||
          std::any_of(start.loops.begin(), start.loops.end(),
                      [&](const For &l) { return l.get() == loop; });
      if (inside) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': the T.fill of '" << buffer->name
            << "'"
            << (loop ? " in the loop over '" +
                           std::string(loop->loop_var->name_hint) + "'"
                     : std::string())
            << " is followed by no T.reduce_*(..., '" << buffer->name
            << "', clear=False) that starts from it; supported: a T.fill "
               "right before such a reduction, or before a loop that "
               "updates the value.";
      }
    }
  }

  /*! \brief The buffer a tile op's region argument (tl.region) names, or
   *         nullptr. */
  static const tvm::tirx::BufferNode *RegionBuffer(const PrimExpr &region) {
    const auto *r = region.as<CallNode>();
    const auto *load = r && !r->args.empty()
                           ? r->args[0].as<tvm::tirx::BufferLoadNode>()
                           : nullptr;
    return load ? load->buffer.get() : nullptr;
  }

  /*! \brief The result of a T.reduce_* with clear=False (which combines
   *         with what it held); nullptr for any other call. */
  static const tvm::tirx::BufferNode *CombinedReduceDst(const CallNode *call) {
    if (call == nullptr || !detail::IsTileOp(call, "reduce") ||
        call->args.size() <= 4) {
      return nullptr;
    }
    const auto *clear = call->args[4].as<tvm::IntImmNode>();
    return clear && clear->value == 0 ? RegionBuffer(call->args[1]) : nullptr;
  }

  /*! \brief Whether a T.copy in `op`'s body writes `buffer` to a tensor. */
  bool CopiedOut(const ForNode *op, const tvm::tirx::BufferNode *buffer) const {
    bool found = false;
    tvm::tirx::PostOrderVisit(op->body, [&](const tvm::ffi::ObjectRef &n) {
      const auto *call = n.as<CallNode>();
      if (call == nullptr || !detail::IsTileOp(call, "copy") ||
          call->args.size() < 2) {
        return;
      }
      const tvm::tirx::BufferNode *dst = RegionBuffer(call->args[1]);
      found = found || (RegionBuffer(call->args[0]) == buffer && dst &&
                        globals_.count(dst));
    });
    return found;
  }

  /*! \brief Whether `loop` is nested in `op`. */
  static bool Contains(const ForNode *op, const ForNode *loop) {
    bool found = false;
    tvm::tirx::PostOrderVisit(op->body, [&](const tvm::ffi::ObjectRef &n) {
      found = found || n.get() == loop;
    });
    return found;
  }

  /*! \brief The value `loop` carries (filled before it: LowerCarriedFill),
   *         or nullptr. */
  const tvm::tirx::BufferNode *CarriedBy(const ForNode *loop) const {
    for (const auto &kv : carried_) {
      if (kv.second == loop && carried_filled_.count(kv.first)) {
        return kv.first;
      }
    }
    return nullptr;
  }

  /*! \brief What a stage calls the block `cb` holds: its value's fragment
   *         (an intermediate CB), else its tensor. */
  static std::string ValueName(const CBInfo &cb) {
    return cb.role == value::kCBRoleIntermediate ? cb.buffer : cb.tensor;
  }

  /*! \brief Whether `cb` holds a value a loop of stages carries. */
  bool CarriedCB(const CBInfo &cb) const {
    for (const auto &kv : carried_) {
      auto v = stage_values_.find(kv.first);
      if (carried_filled_.count(kv.first) && v != stage_values_.end() &&
          cbs_[v->second].index == cb.index) {
        return true;
      }
    }
    return false;
  }

  /*! \brief The loops of the block nest around the visit: loops_ up to a
   *         loop of stages. */
  std::vector<For> NestLoopsHere() const {
    std::vector<For> out;
    for (const For &loop : loops_) {
      if (loop.get() == StageLoopHere()) {
        break;
      }
      out.push_back(loop);
    }
    return out;
  }

  /*!
   * \brief Each loop stage's slices (stages.h LoopSlice): the block of each
   *        tensor it reads in its loop, at iteration k. The block lies at
   *        the output block's rows (ProveReduction) and at column block
   *        `step * k + start`, the same at every block of the nest (the
   *        harness evaluates the loop on whole columns of the tensor, and
   *        sums in another order would round otherwise).
   */
  void LoopSlices() {
    // The value a loop carries is read by a reduction along rows: the
    // loop's blocks together are the rows (ProveIndexing).
    const std::vector<detail::ComputeStage> stages = ProgramStages();
    for (const CBInfo &cb : cbs_) {
      // (A vector a loop carries holds a value per row already: a running
      // row sum or maximum; a T.gemm's accumulator, the output block's
      // columns: ProveMatmulStages.)
      if (!CarriedCB(cb) || cb.vector_dim == value::kReduceDimRow ||
          MatmulAccumulates(cb.index)) {
        continue;
      }
      // (Or a copy of it: CopyFloat32ReadBothWays.)
      std::set<int64_t> value{cb.index};
      for (const detail::ComputeStage &s : stages) {
        if (s.op == value::kOpEltwise && s.epilogue.empty() &&
            value.count(s.cb_in)) {
          value.insert(s.cb_out);
        }
      }
      const bool reduced =
          std::any_of(stages.begin(), stages.end(), [&](const auto &s) {
            return s.op == value::kOpReduce && value.count(s.cb_in) &&
                   s.reduce_dim == value::kReduceDimRow;
          });
      if (!reduced) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': a loop that carries '" << cb.buffer
            << "' is supported before a reduction along rows (dim=1) that "
               "reads it (rms_norm_splitk's sum of squares) for now.";
      }
    }
    for (detail::ComputeStage &stage : stages_) {
      if (stage.loop.defined()) {
        stage.loop.slices = Slices(stage);
      }
    }
    if (OutputLoop() != nullptr) {
      last_slices_ = Slices(ProgramStages().back());
    }
  }

  /*! \brief Each fill stage's shape as the plan states values, over the
   *         whole output (every block of it): the output's rows, and a
   *         block's columns (the fragment's; the blocks a loop reads are as
   *         wide). */
  void FillShapes() {
    const auto out =
        std::find_if(cbs_.begin(), cbs_.end(), [](const CBInfo &cb) {
          return cb.role == value::kCBRoleOutput;
        });
    for (detail::ComputeStage &stage : stages_) {
      if ((stage.op == value::kOpFill || stage.op == value::kOpMask) &&
          !stage.shape.empty() && out != cbs_.end() &&
          !out->access.shape.empty()) {
        stage.shape[0] = out->access.shape.at(0);
      }
    }
  }

  /*! \brief The slices of the tensors `stage` reads in its loop, and of the
   *         output it writes there (LoopSlices). */
  std::vector<detail::LoopSlice> Slices(const detail::ComputeStage &stage) {
    const ForNode *loop = stage_loops_.at(stage.loop.id);
    std::vector<detail::LoopSlice> slices;
    std::vector<int64_t> blocks = detail::StageReads(stage);
    blocks.push_back(stage.cb_out);
    std::set<std::string> fixed_names, sliced_names;
    for (int64_t index : blocks) {
      const CBInfo &cb =
          *std::find_if(cbs_.begin(), cbs_.end(),
                        [&](const CBInfo &c) { return c.index == index; });
      if (cb.role != value::kCBRoleInput && cb.role != value::kCBRoleOutput) {
        continue;
      }
      const bool out = cb.role == value::kCBRoleOutput;
      // (A T.gemm's operand copied before the loop, the same block in every
      // iteration: flash attention's Q. Not a slice: all of it.)
      const bool matmul = !out && MatmulReading(index) != nullptr;
      // (The plan names a stage's blocks by tensor: one tensor read by a
      // step as two blocks, one of them fixed or both sliced, has no name.)
      const bool fixed = matmul && StageLoopOf(cb) == nullptr;
      if (!(fixed ? fixed_names : sliced_names).insert(cb.tensor).second ||
          (fixed_names.count(cb.tensor) && sliced_names.count(cb.tensor))) {
        TVM_FFI_THROW(ValueError)
            << Where("T.gemm") << ": '" << cb.tensor
            << "' is read by one step as two blocks (in the loop over '"
            << loop->loop_var->name_hint
            << "': one copied before it and one an iteration, or two an "
               "iteration); each block a step of a loop reads comes from a "
               "tensor of its own (pass the tensor twice).";
      }
      if (fixed) {
        continue;
      }
      const std::string what =
          Where("T.copy " + std::string(out ? "out of '" : "into '") +
                cb.buffer + "' in the loop over '" +
                std::string(loop->loop_var->name_hint) + "'");
      if (!out && cb.access.shape.size() == 1) {
        TVM_FFI_THROW(ValueError)
            << Where("T.Parallel") << ": '" << cb.tensor
            << "' is read as a vector in the loop of stages over '"
            << loop->loop_var->name_hint
            << "'; a loop of stages reads blocks of 2-D tensors copied in the "
               "loop itself (a vector such as a norm's weight is not "
               "supported there yet).";
      }
      if ((!out && StageLoopOf(cb) != loop) || cb.access.shape.size() != 2) {
        TVM_FFI_THROW(ValueError)
            << what
            << ": a loop of stages reads blocks of 2-D tensors "
               "copied in the loop itself"
            << (out ? " and writes blocks of a 2-D tensor." : ".");
      }
      // A T.gemm's operand may move along its rows (flash attention's K and
      // V blocks, k * block_N); every other block along its columns.
      const bool rows =
          matmul &&
          tvm::tirx::UsesVar(cb.access.row, [&](const tvm::tirx::VarNode *v) {
            return v == loop->loop_var.get();
          });
      const PrimExpr offset = rows ? cb.access.row : cb.access.col;
      const int64_t tiles = rows ? cb.rows_tiles : cb.cols_tiles;
      int64_t start = 0, step = 0;
      if (!LinearInLoop(offset, loop, stage.loop.extent, tiles, &start,
                        &step)) {
        const std::string axis = rows ? "row" : "column";
        TVM_FFI_THROW(ValueError)
            << what << ": the block's " << axis << " offset `"
            << detail::Brief(offset) << "` * 32 is not "
            << "(a * " << loop->loop_var->name_hint << " + b) * block " << axis
            << "s with constants a and b; a loop of stages reads the same "
            << axis
            << " block at every output block in an iteration "
               "(T.copy(A[bx * blk_m, k * blk_k], ...)).";
      }
      // Every iteration's block within the tensor's tiles: a block past
      // them would read pages the tensor does not have (a sequence that is
      // not a multiple of block_N: the zeros would enter the softmax).
      const int64_t extent = stage.loop.extent;
      const int64_t first = std::min(start, step * (extent - 1) + start);
      const int64_t last = std::max(start, step * (extent - 1) + start);
      const int64_t length = cb.access.shape.at(rows ? 0 : 1);
      const int64_t have = (length + target_.tile_rows - 1) / target_.tile_rows;
      if (first < 0 || (last + 1) * tiles > have) {
        TVM_FFI_THROW(ValueError)
            << what << ": iteration blocks " << first << " to " << last
            << " of " << tiles * target_.tile_rows << " "
            << (rows ? "rows" : "columns") << " reach past the " << length
            << " " << (rows ? "rows" : "columns") << " of '" << cb.tensor
            << "' (" << have
            << " tiles); a loop of stages reads blocks within a tensor's "
               "tiles: its length along the loop, rounded up to 32, must be a "
               "multiple of the block ("
            << tiles * target_.tile_rows << ").";
      }
      detail::LoopSlice slice;
      slice.tensor = cb.tensor;
      slice.axis = rows ? 0 : 1;
      slice.size = tiles * target_.tile_cols;
      slice.step = step;
      slice.start = start;
      slices.push_back(slice);
    }
    return slices;
  }

  /*! \brief Whether `offset` (tiles) is (step * k + start) * `tiles` at each
   *         iteration k of `loop` (`extent` of them), with constants. */
  bool LinearInLoop(const PrimExpr &offset, const ForNode *loop, int64_t extent,
                    int64_t tiles, int64_t *start, int64_t *step) {
    auto at = [&](int64_t k) {
      Map<tvm::tirx::Var, PrimExpr> vmap;
      vmap.Set(loop->loop_var, detail::I32(k));
      return analyzer_.Simplify(tvm::tirx::Substitute(offset, vmap));
    };
    const PrimExpr x0 = at(0), x1 = at(1);
    const auto *first = x0.as<tvm::IntImmNode>();
    const auto *second = x1.as<tvm::IntImmNode>();
    bool linear = first && second;
    for (int64_t k = 0; linear && k < extent; ++k) {
      const PrimExpr xk = at(k);
      const auto *v = xk.as<tvm::IntImmNode>();
      linear =
          v && v->value == first->value + k * (second->value - first->value);
    }
    if (!linear || first->value % tiles != 0 ||
        (second->value - first->value) % tiles != 0) {
      return false;
    }
    *start = first->value / tiles;
    *step = (second->value - first->value) / tiles;
    return true;
  }

  /*! \brief The loop of stages `cb`'s T.copy is in, or nullptr. */
  const ForNode *StageLoopOf(const CBInfo &cb) const {
    for (const For &loop : cb.loops) {
      if (std::count(stage_loops_.begin(), stage_loops_.end(), loop.get())) {
        return loop.get();
      }
    }
    return nullptr;
  }

  /*! \brief `loop` as a stage's (stages.h StageLoop); its slices are filled
   *         in once the indexing is proven (LoopSlices). */
  detail::StageLoop StageLoopOf(const ForNode *loop, const std::string &what) {
    const auto *min = loop->min.as<tvm::IntImmNode>();
    const auto *extent = loop->extent.as<tvm::IntImmNode>();
    const auto *step =
        loop->step ? loop->step.value().as<tvm::IntImmNode>() : nullptr;
    // A count bounded per output block: T.min(n, T.ceildiv(y, d)) with y in
    // the block indices (ProveLoopBounds).
    std::optional<LoopBound> bound;
    if (extent == nullptr) {
      bound = MatchLoopBound(loop);
    }
    if (min == nullptr || (extent == nullptr && !bound) || min->value != 0 ||
        (loop->step && (step == nullptr || step->value != 1))) {
      TVM_FFI_THROW(ValueError)
          << what << ": the loop over '" << loop->loop_var->name_hint
          << "' runs from " << loop->min << " for " << loop->extent << " ("
          << tvm::tirx::Substitute(loop->extent, binds_)
          << ") steps; a loop of stages runs from 0 for a constant count, "
             "step 1, or for T.min(n, T.ceildiv(row + a, d)) steps, n and d "
             "constants and row the output block's first row (flash "
             "attention's causal loop: T.min(T.ceildiv(seq_len, block_N), "
             "T.ceildiv((bx + 1) * block_M, block_N))).";
    }
    auto it = std::find(stage_loops_.begin(), stage_loops_.end(), loop);
    detail::StageLoop out;
    out.id = it - stage_loops_.begin();
    if (it == stage_loops_.end()) {
      stage_loops_.push_back(loop);
    }
    if (bound) {
      bound->what = what;
      loop_bounds_.emplace(loop, *bound);
      out.extent = bound->extent;
      out.bound_div = bound->div; // (the rest: ProveLoopBounds)
    } else {
      out.extent = extent->value;
    }
    return out;
  }

  /*! \brief A loop count T.min(n, T.ceildiv(y, d)): n, d and y. */
  struct LoopBound {
    int64_t extent = 0, div = 0;
    PrimExpr y;
    std::string what;
  };

  /*! \brief `loop`'s count as T.min(n, T.ceildiv(y, d)) (either order; the
   *         count a Bind names substituted), or nullopt. */
  std::optional<LoopBound> MatchLoopBound(const ForNode *loop) const {
    const PrimExpr count = tvm::tirx::Substitute(loop->extent, binds_);
    const auto *m = count.as<tvm::tirx::MinNode>();
    if (m == nullptr) {
      return std::nullopt;
    }
    for (const auto &[n, rest] : {std::pair{m->a, m->b}, {m->b, m->a}}) {
      const auto *e = n.as<tvm::IntImmNode>();
      const auto *f = rest.as<tvm::tirx::FloorDivNode>();
      const auto *d = f ? f->b.as<tvm::IntImmNode>() : nullptr;
      if (e != nullptr && e->value > 0 && d != nullptr && d->value > 0) {
        LoopBound b;
        b.extent = e->value;
        b.div = d->value;
        b.y = f->a - detail::I32(d->value - 1); // ceildiv(y, d)'s y
        return b;
      }
    }
    return std::nullopt;
  }

  /*!
   * \brief Each loop whose count is bounded per output block (MatchLoopBound)
   *        counts from the output block's first row: T.ceildiv(y, d) with y
   *        that row plus a constant a, so the block at row r0 runs
   *        min(n, ceil((r0 + a) / d)) iterations, at least one (the plan's
   *        loop `bound`, which the harness applies to the block's rows).
   *        Its stages do not write the output (a loop that does writes
   *        every block of it).
   */
  void ProveLoopBounds() {
    const CBInfo *out = OutputCB();
    for (auto &[loop, bound] : loop_bounds_) {
      if (out == nullptr || OutputLoop() == loop) {
        TVM_FFI_THROW(ValueError)
            << bound.what << ": the loop over '" << loop->loop_var->name_hint
            << "' runs a count that depends on the block and writes the "
               "output; a loop bounded per output block (T.min(n, "
               "T.ceildiv(...))) makes values the stages after it write out.";
      }
      const std::optional<int64_t> a = PastOutputRow(bound.y, *out);
      if (!a || *a < 1) {
        TVM_FFI_THROW(ValueError)
            << bound.what << ": the loop over '" << loop->loop_var->name_hint
            << "' runs T.min(" << bound.extent << ", T.ceildiv(`"
            << detail::Brief(analyzer_.Simplify(bound.y)) << "`, " << bound.div
            << ")) steps; the output '" << out->tensor
            << "' is written from row `" << detail::Brief(OutputRow(*out))
            << "`: a loop bounded per output block counts from the block's "
               "first row plus a positive constant (T.ceildiv((bx + 1) * "
               "block_M, block_N)), so that every block runs at least once.";
      }
      bound.add = *a;
      for (const detail::ComputeStage &stage : stages_) {
        if (stage.loop.defined() && stage_loops_.at(stage.loop.id) == loop &&
            stage.op == value::kOpReduce &&
            stage.reduce_dim == value::kReduceDimCol) {
          TVM_FFI_THROW(ValueError)
              << bound.what << ": the loop over '" << loop->loop_var->name_hint
              << "' runs a count per output block and reduces '" << stage.in
              << "' along its columns; a loop bounded per output block "
                 "reduces along rows only (each block's rows their own).";
        }
      }
      for (detail::ComputeStage &stage : stages_) {
        if (stage.loop.defined() && stage_loops_.at(stage.loop.id) == loop) {
          stage.loop.bound_rows = out->rows_tiles * target_.tile_rows;
          stage.loop.bound_add = *a;
          stage.loop.bound_div = bound.div;
        }
      }
    }
  }

  /*! \brief T.copy: DRAM -> shared (reader) or fragment -> DRAM (output). */
  Stmt LowerCopy(const CallNode *call) {
    detail::RegionOperand src =
        detail::DecodeRegion(call->args[0], Where("T.copy"));
    detail::RegionOperand dst =
        detail::DecodeRegion(call->args[1], Where("T.copy"));
    RequireNoPendingFill(src.buffer.get(), "T.copy", "reads");
    RequireNoPendingFill(dst.buffer.get(), "T.copy", "writes");
    const bool src_global = globals_.count(src.buffer.get());
    const bool dst_global = globals_.count(dst.buffer.get());
    if (src_global && shared_.count(dst.buffer.get()) &&
        detail::StaticShape(dst.buffer, func_).size() == 1) {
      return LowerVectorCopy(src, dst);
    }
    // (In a kernel with a reduction, a fragment may hold a block of a tensor
    // an update or the reduction reads.)
    if (src_global &&
        (shared_.count(dst.buffer.get()) ||
         reduce_srcs_.count(dst.buffer.get()) ||
         (!reduce_srcs_.empty() && fragments_.count(dst.buffer.get())))) {
      return LowerInputCopy(src, dst);
    }
    if (fragments_.count(src.buffer.get()) && dst_global) {
      return LowerOutputCopy(src, dst);
    }
    if (auto v = vector_copies_.find(src.buffer.get());
        v != vector_copies_.end() && fragments_.count(dst.buffer.get())) {
      // A shared vector copied on into a fragment: its reads read the tensor
      // too (the whole buffer into one of its shape and dtype).
      const std::vector<int64_t> shape = detail::StaticShape(src.buffer, func_);
      if (src.extents != shape || dst.extents != shape ||
          detail::StaticShape(dst.buffer, func_) != shape ||
          src.buffer->dtype != dst.buffer->dtype) {
        TVM_FFI_THROW(ValueError)
            << Where("T.copy into '" + std::string(dst.buffer->name) + "'")
            << ": the shared vector '" << src.buffer->name
            << "' is copied into a fragment whole, into one of its shape and "
               "dtype.";
      }
      vector_copies_[dst.buffer.get()] = v->second;
      return tvm::tirx::Evaluate(0);
    }
    if (fragments_.count(src.buffer.get()) &&
        fragments_.count(dst.buffer.get()) && !reduce_srcs_.empty()) {
      return LowerFragmentCopy(src, dst);
    }
    if (fragments_.count(src.buffer.get()) && shared_.count(dst.buffer.get())) {
      return LowerStageOut(src, dst);
    }
    if (shared_.count(src.buffer.get()) && dst_global) {
      return LowerStagedWrite(src, dst);
    }
    if (shared_.count(src.buffer.get()) && fragments_.count(dst.buffer.get())) {
      return LowerOperandCopy(src, dst);
    }
    TVM_FFI_THROW(ValueError)
        << Where("T.copy") << " from '" << src.buffer->name << "' (scope "
        << src.buffer.scope() << ") to '" << dst.buffer->name << "' (scope "
        << dst.buffer.scope()
        << ") is not supported; supported: a global tensor into a "
           "T.alloc_shared buffer, and a T.alloc_fragment accumulator into a "
           "global tensor.";
  }

  /*!
   * \brief T.copy(m, m_prev) between whole fragments of one shape, in a
   *        kernel of stages (an online softmax keeps the running maximum
   *        before this iteration's): the T.Parallel copy m_prev[i] = m[i]
   *        (m_prev[i, j] = m[i, j]), lowered as any update (a stage whose
   *        value is the copy).
   */
  Stmt LowerFragmentCopy(const detail::RegionOperand &src,
                         const detail::RegionOperand &dst) {
    const std::vector<int64_t> shape = detail::StaticShape(src.buffer, func_);
    if (src.extents != shape || dst.extents != shape ||
        detail::StaticShape(dst.buffer, func_) != shape || shape.empty() ||
        shape.size() > 2) {
      TVM_FFI_THROW(ValueError)
          << Where("T.copy into '" + std::string(dst.buffer->name) + "'")
          << ": a copy between fragments copies all of '" << src.buffer->name
          << "' " << detail::ShapeString(shape)
          << " into a fragment of its shape; got "
          << detail::ShapeString(src.extents) << " into "
          << detail::ShapeString(dst.extents) << ".";
    }
    std::vector<tvm::tirx::Var> vars;
    Array<PrimExpr> index;
    for (size_t a = 0; a < shape.size(); ++a) {
      vars.emplace_back(a == 0 ? "i" : "j");
      index.push_back(vars.back());
    }
    PrimExpr value = tvm::tirx::BufferLoad(src.buffer, index);
    if (value.dtype() != dst.buffer->dtype) {
      value = tvm::cast(dst.buffer->dtype, value);
    }
    Stmt body = tvm::tirx::BufferStore(dst.buffer, value, index);
    for (size_t a = shape.size(); a-- > 0;) {
      body = For(vars[a], detail::I32(0), detail::I32(shape[a]),
                 tvm::tirx::ForKind::kParallel, body);
    }
    return LowerParallel(body.as<ForNode>());
  }

  /*!
   * \brief T.copy(gamma, G_smem): a rank-1 tensor's values into a shared
   *        vector, which updates then read as `G_smem[j]` (layernorm.py's
   *        weight and bias). The reads become reads of the tensor
   *        (ReadVectorCopies), streamed by the reader as operand vectors.
   */
  Stmt LowerVectorCopy(const detail::RegionOperand &src,
                       const detail::RegionOperand &dst) {
    const std::string what =
        Where("T.copy into '" + std::string(dst.buffer->name) + "'");
    const std::vector<int64_t> shape = detail::StaticShape(dst.buffer, func_);
    if (src.extents.size() != 1 || dst.extents != shape ||
        src.extents != shape || !tvm::tirx::is_zero(dst.mins[0])) {
      TVM_FFI_THROW(ValueError)
          << what << ": a shared vector " << detail::ShapeString(shape)
          << " is filled from a rank-1 tensor's region of its own length; got "
          << detail::ShapeString(src.extents) << " of '" << src.buffer->name
          << "' into " << detail::ShapeString(dst.extents) << ".";
    }
    if (vector_copies_.count(dst.buffer.get())) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << dst.buffer->name
          << "' is filled by more than one T.copy; one producer per shared "
             "buffer is supported.";
    }
    if (src.buffer->dtype != dst.buffer->dtype) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << src.buffer->name << "' is " << src.buffer->dtype
          << ", the shared vector '" << dst.buffer->name << "' "
          << dst.buffer->dtype
          << "; a shared vector an update reads is copied without a "
             "conversion (the same dtype).";
    }
    vector_copies_[dst.buffer.get()] = {src.buffer, src.mins[0]};
    return tvm::tirx::Evaluate(0);
  }

  /*! \brief A global tensor's axes in their stored order
   *         (InferDefaultTTShard): its batch axes, then the axis of its
   *         matrices' rows, then its last axis. */
  std::vector<int64_t> StoredAxes(const Buffer &buffer) const {
    if (auto it = stored_axes_.find(buffer.get()); it != stored_axes_.end()) {
      return it->second;
    }
    std::vector<int64_t> axes(buffer->shape.size());
    std::iota(axes.begin(), axes.end(), 0);
    return axes;
  }

  /*! \brief A global tensor's shape in its stored order. */
  std::vector<int64_t> StoredShape(const Buffer &buffer) const {
    const std::vector<int64_t> shape = detail::StaticShape(buffer, func_);
    std::vector<int64_t> stored;
    for (int64_t axis : StoredAxes(buffer)) {
      stored.push_back(shape[axis]);
    }
    return stored;
  }

  /*! \brief A block access's tensor shape: a batched tensor's matrix and
   *         leading axes, in their stored order. */
  void SetShape(detail::BlockAccess *access, const Buffer &buffer) const {
    access->declared = detail::StaticShape(buffer, func_);
    if (stored_axes_.count(buffer.get())) {
      access->axes = StoredAxes(buffer);
    }
    std::vector<int64_t> shape = StoredShape(buffer);
    const size_t lead = shape.size() >= 3 ? shape.size() - 2 : 0;
    access->batch_shape.assign(shape.begin(), shape.begin() + lead);
    access->shape.assign(shape.begin() + lead, shape.end());
  }

  /*! \brief A global region's extents along its tensor's matrix axes
   *         ({rows, cols}) when it is one element along every other axis
   *         (a block of one matrix of a batched tensor), else its extents. */
  std::vector<int64_t> BlockExtents(const detail::RegionOperand &global) const {
    const size_t rank = global.extents.size();
    if (rank < 3) {
      return global.extents;
    }
    const std::vector<int64_t> axes = StoredAxes(global.buffer);
    for (size_t i = 0; i + 2 < rank; ++i) {
      if (global.extents[axes[i]] != 1) {
        return global.extents;
      }
    }
    return {global.extents[axes[rank - 2]], global.extents[rank - 1]};
  }

  /*! \brief Tile coordinates (row0, col0) and tile counts of a global
   *         region, and the batch index of a batched tensor's region (its
   *         matrix's position in the stored order: the batch axes' indices,
   *         the first the slowest); checks alignment and whole tiles. */
  void TileGeometry(const detail::RegionOperand &global,
                    const std::string &what, PrimExpr *row0, PrimExpr *col0,
                    int64_t *rows, int64_t *cols, PrimExpr *batch) {
    const size_t rank = global.extents.size();
    const std::vector<int64_t> axes = StoredAxes(global.buffer);
    if (rank < 2 || BlockExtents(global).size() != 2) {
      TVM_FFI_THROW(ValueError)
          << what << ": the region " << detail::ShapeString(global.extents)
          << " of '" << global.buffer->name
          << "' is not one matrix block; supported: a block of a 2-D tensor, "
             "or of one matrix of a batched tensor (one element along each "
             "axis but the rows' axis "
          << axes[rank - 2] << " and the last).";
    }
    *batch = PrimExpr();
    if (rank >= 3) {
      const std::vector<int64_t> shape =
          detail::StaticShape(global.buffer, func_);
      PrimExpr index = detail::I32(0);
      for (size_t i = 0; i + 2 < rank; ++i) {
        index = index * detail::I32(shape[axes[i]]) +
                tvm::cast(tvm::DataType::Int(32), global.mins[axes[i]]);
      }
      *batch = analyzer_.Simplify(index);
    }
    const int64_t tile[2] = {target_.tile_rows, target_.tile_cols};
    const size_t matrix_axes[2] = {static_cast<size_t>(axes[rank - 2]),
                                   rank - 1};
    const int64_t ext[2] = {global.extents[matrix_axes[0]],
                            global.extents[matrix_axes[1]]};
    PrimExpr start[2];
    for (int axis = 0; axis < 2; ++axis) {
      if (ext[axis] % tile[axis] != 0) {
        TVM_FFI_THROW(ValueError)
            << what << ": block " << ext[0] << "x" << ext[1] << " of '"
            << global.buffer->name << "' is not a multiple of the " << tile[0]
            << "x" << tile[1] << " tile; block sizes must be multiples of 32.";
      }
      start[axis] = TileStart(global, matrix_axes[axis], tile[axis], what);
    }
    *row0 = start[0];
    *col0 = start[1];
    *rows = ext[0] / tile[0];
    *cols = ext[1] / tile[1];
  }

  /*! \brief The first tile along `axis` of the region `global` (its offset
   *         there over `tile`), which must provably start a tile. */
  PrimExpr TileStart(const detail::RegionOperand &global, size_t axis,
                     int64_t tile, const std::string &what) {
    // (`row = bx * blk_m` before the copy: proven in the launch indices.)
    const PrimExpr min = tvm::tirx::Substitute(global.mins[axis], binds_);
    if (!analyzer_.CanProve(
            tvm::floormod(min, tvm::IntImm(min.dtype(), tile)) == 0)) {
      TVM_FFI_THROW(ValueError)
          << what << ": offset " << min << " into axis " << axis << " of '"
          << global.buffer->name
          << "' is not provably a multiple of 32; blocks must start on "
             "tile boundaries.";
    }
    return analyzer_.Simplify(
        tvm::cast(tvm::DataType::Int(32),
                  tvm::floordiv(min, tvm::IntImm(min.dtype(), tile))));
  }

  /*! \brief TileGeometry of a region of a 1-D tensor a reduction writes:
   *         a column vector (`column`: its values in column 0 of one column
   *         of tiles) or a row vector (row 0 of one row of tiles). */
  void VectorGeometry(const detail::RegionOperand &global,
                      const std::string &what, bool column, PrimExpr *row0,
                      PrimExpr *col0, int64_t *rows, int64_t *cols) {
    const int64_t tile = target_.tile_rows;
    if (global.extents[0] % tile != 0) {
      TVM_FFI_THROW(ValueError)
          << what << ": " << global.extents[0] << " values of '"
          << global.buffer->name << "' is not a multiple of " << tile
          << "; the reduced block's " << (column ? "rows" : "columns")
          << " must be a multiple of 32.";
    }
    const PrimExpr start = TileStart(global, 0, tile, what);
    *row0 = column ? start : detail::I32(0);
    *col0 = column ? detail::I32(0) : start;
    *rows = column ? global.extents[0] / tile : 1;
    *cols = column ? 1 : global.extents[0] / tile;
  }

  /*! \brief The block a copy moves, for ProveIndexing: its offsets with the
   *         Bind variables around it substituted. */
  detail::BlockAccess Access(const std::string &what,
                             const detail::RegionOperand &global,
                             const PrimExpr &row0, const PrimExpr &col0,
                             int64_t rows, int64_t cols,
                             const PrimExpr &batch) const {
    detail::BlockAccess access;
    access.copy = what.substr(what.find(": ") + 2);
    access.tensor = global.buffer->name;
    SetShape(&access, global.buffer);
    access.row = tvm::tirx::Substitute(row0, binds_);
    access.col = tvm::tirx::Substitute(col0, binds_);
    if (batch.defined()) {
      access.batch = tvm::tirx::Substitute(batch, binds_);
    }
    access.rows = rows;
    access.cols = cols;
    return access;
  }

  /*!
   * \brief A[...] -> A_shared becomes, on the reader:
   *        reserve; read each tile into its slot; barrier; push.
   */
  Stmt LowerInputCopy(const detail::RegionOperand &src,
                      const detail::RegionOperand &dst) {
    RejectStageValueOverwrite(dst.buffer);
    const std::string what =
        Where("T.copy into '" + std::string(dst.buffer->name) + "'");
    const std::vector<int64_t> shape = detail::StaticShape(dst.buffer, func_);
    // The region fills the shared buffer, or one (rows, cols) slice of a
    // buffer with leading axes (A_shared[b, :, :]); it is one block of the
    // tensor, of one matrix of a batched tensor.
    const std::vector<int64_t> block = detail::MatrixShape(dst.extents);
    if (block.size() != 2 || !IsBlockRegion(dst, shape) ||
        BlockExtents(src) != block) {
      TVM_FFI_THROW(ValueError)
          << what << ": the copied region " << detail::ShapeString(src.extents)
          << " must be one (rows, cols) block of the shared buffer "
          << detail::ShapeString(shape) << " of the same shape, got the region "
          << detail::ShapeString(dst.extents) << ".";
    }
    if (auto it = cb_of_.find(dst.buffer.get()); it != cb_of_.end()) {
      // Refilled after a loop of stages that read it (rms_norm_splitk's
      // second loop reads A again): a CB of its own, read from here on.
      const ForNode *before = StageLoopOf(cbs_[it->second]);
      const bool after =
          before != nullptr &&
          std::none_of(loops_.begin(), loops_.end(),
                       [&](const For &l) { return l.get() == before; }) &&
          !(compute_ && compute_->cb_a == cbs_[it->second].index);
      if (!after) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << dst.buffer->name
            << "' is filled by more than one T.copy; one producer per shared "
               "buffer is supported (or one in each loop of stages).";
      }
    }
    const TileFormat format = TensorFormat(src.buffer, what);
    PrimExpr row0, col0, batch;
    int64_t rows, cols;
    TileGeometry(src, what, &row0, &col0, &rows, &cols, &batch);
    CBInfo cb = NewInputCB(what);
    cb.buffer = dst.buffer->name;
    cb.tensor = src.buffer->name;
    cb.rows_tiles = rows;
    cb.cols_tiles = cols;
    cb.loops = loops_;
    cb.access = Access(what, src, row0, col0, rows, cols, batch);
    cb.region = dst;
    cb.format = format;
    Placeholders(&cb);
    cb_of_[dst.buffer.get()] = cbs_.size();
    cbs_.push_back(cb);
    return ReaderBlock(cb, src.buffer->data);
  }

  /*!
   * \brief C_local -> C becomes a compute side (commit DST, pack each tile
   *        into the output CB, release DST) and a writer side (wait, write
   *        each tile, barrier, pop).
   */
  Stmt LowerOutputCopy(const detail::RegionOperand &src,
                       const detail::RegionOperand &dst) {
    const std::string what =
        Where("T.copy into '" + std::string(dst.buffer->name) + "'");
    if (src.buffer.get() == reduce_out_ && dst.extents.size() >= 3) {
      TVM_FFI_THROW(ValueError)
          << what << ": the reduction's result '" << src.buffer->name
          << "' is written into the batched tensor '" << dst.buffer->name
          << "' " << detail::ShapeString(detail::StaticShape(dst.buffer, func_))
          << "; a reduction's result is written into a 1-D tensor (a batched "
             "one is not supported yet).";
    }
    const size_t pos =
        PackSide(src, what, BlockExtents(dst), std::string(dst.buffer->name));
    Stmt pack = pack_stmt_;
    return detail::Seq({pack, WriterSide(pos, dst, what)});
  }

  /*! \brief The position in cbs_ of the input CB a T.copy filled `buffer`
   *         with, or (`through_copies`) the shared buffer a fragment was
   *         copied from; none if neither. */
  std::optional<size_t> InputCBOf(const tvm::tirx::BufferNode *buffer,
                                  bool through_copies) const {
    if (auto it = cb_of_.find(buffer); it != cb_of_.end()) {
      return it->second;
    }
    if (auto op = operand_of_.find(buffer);
        through_copies && op != operand_of_.end()) {
      if (auto it = cb_of_.find(op->second.get()); it != cb_of_.end()) {
        return it->second;
      }
    }
    return std::nullopt;
  }

  /*! \brief A ValueError when a copy overwrites a fragment holding a
   *         stage's value (the stages read values by fragment, not by
   *         program order). */
  void RejectStageValueOverwrite(const Buffer &dst,
                                 const std::string &op = "T.copy") const {
    if (stage_values_.count(dst.get()) || dst.get() == eltwise_out_) {
      TVM_FFI_THROW(ValueError)
          << Where(op + " into '" + std::string(dst->name) + "'")
          << " overwrites the value an earlier step (an update, a T.gemm) "
             "made there; writing a fragment again after such a step in a "
             "kernel with a reduction is not supported (use another "
             "fragment).";
    }
  }

  /*!
   * \brief T.copy(A_shared, A_local): a T.gemm operand moved into a fragment
   *        first. The matrix engine reads operands from CBs, so nothing
   *        moves: the T.gemm reads A_shared's CB. The copy must be the whole
   *        buffer, in the same loop as the T.copy that fills A_shared.
   */
  Stmt LowerOperandCopy(const detail::RegionOperand &src,
                        const detail::RegionOperand &dst) {
    RejectStageValueOverwrite(dst.buffer);
    const std::string what =
        Where("T.copy into '" + std::string(dst.buffer->name) + "'");
    auto filled = cb_of_.find(src.buffer.get());
    if (filled == cb_of_.end()) {
      TVM_FFI_THROW(ValueError)
          << what << " from '" << src.buffer->name
          << "', which no T.copy from a global tensor filled before; only a "
             "T.gemm operand read from DRAM into shared memory can be copied "
             "into a fragment.";
    }
    const std::vector<int64_t> from = detail::StaticShape(src.buffer, func_);
    const std::vector<int64_t> to = detail::StaticShape(dst.buffer, func_);
    if (from != to || src.extents != from || dst.extents != to) {
      TVM_FFI_THROW(ValueError)
          << what << ": an operand copied into a fragment must be the whole "
          << detail::ShapeString(from) << " buffer into a fragment of the "
          << "same shape; got " << detail::ShapeString(src.extents) << " -> "
          << detail::ShapeString(to) << ".";
    }
    if (!SameLoops(cbs_[filled->second].loops, loops_)) {
      TVM_FFI_THROW(ValueError)
          << what << " is not in the loop that fills '" << src.buffer->name
          << "'; copy the operand into the fragment right after filling it.";
    }
    if (operand_of_.count(dst.buffer.get())) {
      TVM_FFI_THROW(ValueError) << what << ": '" << dst.buffer->name
                                << "' is filled by more than one T.copy.";
    }
    operand_of_[dst.buffer.get()] = src.buffer;
    return tvm::tirx::Evaluate(0);
  }

  /*!
   * \brief T.copy(C_local, C_shared): the accumulator staged through shared
   *        memory (TileLang's persistent / autotuned GEMMs). On Tenstorrent
   *        the output CB is that staging buffer: compute packs into it here,
   *        and the T.copy(C_shared, C[...]) that follows is the writer.
   */
  Stmt LowerStageOut(const detail::RegionOperand &src,
                     const detail::RegionOperand &dst) {
    const std::string what =
        Where("T.copy into '" + std::string(dst.buffer->name) + "'");
    const std::vector<int64_t> shape = detail::StaticShape(dst.buffer, func_);
    if (shape != dst.extents || src.extents != dst.extents) {
      TVM_FFI_THROW(ValueError)
          << what << ": staging copies the whole accumulator "
          << detail::ShapeString(src.extents) << " into the whole buffer "
          << detail::ShapeString(shape) << "; regions "
          << detail::ShapeString(src.extents) << " -> "
          << detail::ShapeString(dst.extents) << " are not supported.";
    }
    if (staged_.count(dst.buffer.get()) || cb_of_.count(dst.buffer.get())) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << dst.buffer->name
          << "' is filled by more than one T.copy; one producer per shared "
             "buffer is supported.";
    }
    staged_[dst.buffer.get()] =
        PackSide(src, what, src.extents, std::string(dst.buffer->name));
    return pack_stmt_;
  }

  /*! \brief T.copy(C_shared, C[...]) after T.copy(C_local, C_shared). */
  Stmt LowerStagedWrite(const detail::RegionOperand &src,
                        const detail::RegionOperand &dst) {
    const std::string what =
        Where("T.copy into '" + std::string(dst.buffer->name) + "'");
    if (src.buffer.get() == eltwise_out_ && !staged_.count(src.buffer.get())) {
      // An element-wise update written straight into a shared buffer.
      staged_[src.buffer.get()] =
          PackSide(src, what, src.extents, std::string(dst.buffer->name));
    }
    auto it = staged_.find(src.buffer.get());
    if (it == staged_.end()) {
      TVM_FFI_THROW(ValueError)
          << what << " from the shared buffer '" << src.buffer->name
          << "', which no T.copy from the accumulator fills; only an "
             "accumulator staged through shared memory (T.copy(C_local, "
             "C_shared) then T.copy(C_shared, C[...])) can be written out.";
    }
    if (!cbs_[it->second].tensor.empty()) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << src.buffer->name
          << "' is written out a second time (first into '"
          << cbs_[it->second].tensor << "'); one output copy is supported.";
    }
    const std::vector<int64_t> shape = detail::StaticShape(src.buffer, func_);
    if (shape != src.extents) {
      TVM_FFI_THROW(ValueError)
          << what << ": the region " << detail::ShapeString(src.extents)
          << " of '" << src.buffer->name << "' must be the whole buffer "
          << detail::ShapeString(shape) << ".";
    }
    return WriterSide(it->second, dst, what);
  }

  /*!
   * \brief The compute side of copying the accumulator out: commit DST and
   *        pack each tile into a new output CB (nothing for a block larger
   *        than DST: TensorizeTT packs its sub-blocks). Sets pack_stmt_;
   *        returns the CB's position in cbs_ (its tensor is set by
   *        WriterSide).
   */
  size_t PackSide(const detail::RegionOperand &src, const std::string &what,
                  const std::vector<int64_t> &extents,
                  const std::string &dest) {
    const bool elementwise = src.buffer.get() == eltwise_out_;
    const bool reduced = src.buffer.get() == reduce_out_;
    if (stage_values_.count(src.buffer.get()) && !elementwise) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << src.buffer->name
          << "' is a value between stages (a reduction's or an update's that "
             "later stages read); writing it out is not supported yet: a "
             "kernel of several stages writes one output, the block its last "
             "update makes.";
    }
    if (!accumulated_.count(src.buffer.get()) && !elementwise && !reduced) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << src.buffer->name
          << "' is copied out but no T.gemm accumulates into it"
          << (has_gemm_ ? "" : " and no element-wise update writes it") << ".";
    }
    for (const CBInfo &out : cbs_) {
      if (out.role == value::kCBRoleOutput && out.buffer == src.buffer->name) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << src.buffer->name
            << "' is copied out a second time (first into '"
            << (out.tensor.empty() ? out.staged : out.tensor)
            << "'); one output copy per accumulator is supported.";
      }
    }
    RequireOncePerBlock(
        what + " from '" + std::string(src.buffer->name) + "'",
        has_gemm_ ? "the accumulator leaves DST once per output block: copy "
                    "it out after the K loop"
                  : "a block is written once per output block, or once an "
                    "iteration of a loop of stages: copy it out next to the "
                    "update that makes it");
    if (const ForNode *loop = OutputLoop();
        loop != nullptr && (loops_.empty() || loops_.back().get() != loop)) {
      TVM_FFI_THROW(ValueError)
          << what << " from '" << src.buffer->name << "' after the loop over '"
          << loop->loop_var->name_hint
          << "' whose update makes it; the block of each iteration is "
             "written in the loop (T.copy next to the update).";
    }
    // (A region of a batched tensor: its extents along the matrix axes.)
    std::vector<int64_t> frag = detail::StaticShape(src.buffer, func_);
    if (frag != extents) {
      TVM_FFI_THROW(ValueError)
          << what << ": the region " << detail::ShapeString(extents)
          << " must cover the whole "
          << (reduced
                  ? "result " + detail::ShapeString(frag) + " of the reduction"
                  : "accumulator " + detail::ShapeString(frag))
          << ".";
    }
    const int64_t index = kFirstOutputCB + num_outputs_;
    CBInfo cb;
    cb.index = index;
    cb.name = "cb_out" + std::to_string(num_outputs_++);
    cb.buffer = src.buffer->name;
    cb.role = value::kCBRoleOutput;
    if (reduced) {
      // A column vector's values in column 0, a row vector's in row 0.
      frag = compute_->reduce_dim == value::kReduceDimRow
                 ? std::vector<int64_t>{frag[0], target_.tile_cols}
                 : std::vector<int64_t>{target_.tile_rows, frag[0]};
    }
    cb.rows_tiles = frag[0] / target_.tile_rows;
    cb.cols_tiles = frag[1] / target_.tile_cols;
    cb.staged = dest;
    cbs_.push_back(cb);
    const PrimExpr cb_id = detail::I32(index);
    const PrimExpr n = detail::I32(cb.block_tiles());
    compute_->packed = true;
    if (compute_->subblocked || elementwise || reduced) {
      // TensorizeTT packs the sub-blocks / the element-wise tiles.
      pack_stmt_ = tvm::tirx::Evaluate(0);
      return cbs_.size() - 1;
    }
    Stmt packs = detail::SerialLoop("t", cb.block_tiles(), [&](PrimExpr t) {
      return detail::Intrin(builtin::pack_tile(), {t, cb_id, t});
    });
    std::vector<Stmt> math;
    if (!compute_->epilogue.empty()) {
      // TensorizeTT applies tt.compute's epilogue to the block in DST.
      math.push_back(detail::Intrin(builtin::epilogue_block(), {n}));
    }
    pack_stmt_ = detail::RoleScope(
        ir::kRoleCompute,
        detail::Seq({detail::Seq(math),
                     detail::Intrin(builtin::tile_regs_commit(), {}),
                     detail::Intrin(builtin::tile_regs_wait(), {}),
                     detail::Intrin(builtin::cb_reserve_back(), {cb_id, n}),
                     packs, detail::Intrin(builtin::cb_push_back(), {cb_id, n}),
                     detail::Intrin(builtin::tile_regs_release(), {})}));
    return cbs_.size() - 1;
  }

  /*! \brief The writer side: wait for the block in the output CB at `pos`,
   *         write each tile to the global region `dst`, barrier, pop. */
  Stmt WriterSide(size_t pos, const detail::RegionOperand &dst,
                  const std::string &what) {
    cbs_[pos].format = TensorFormat(dst.buffer, what);
    RequireOncePerBlock(what, "the output block is written once per output "
                              "block: copy it out after the K loop");
    PrimExpr row0, col0, batch;
    int64_t rows, cols;
    if (reduce_out_ != nullptr && dst.extents.size() == 1) {
      VectorGeometry(dst, what, compute_->reduce_dim == value::kReduceDimRow,
                     &row0, &col0, &rows, &cols);
    } else {
      TileGeometry(dst, what, &row0, &col0, &rows, &cols, &batch);
    }
    CBInfo &cb = cbs_[pos];
    if (rows != cb.rows_tiles || cols != cb.cols_tiles) {
      TVM_FFI_THROW(ValueError)
          << what << ": the region " << detail::ShapeString(dst.extents)
          << " must cover the whole accumulator '" << cb.buffer << "' ("
          << cb.rows_tiles * target_.tile_rows << ", "
          << cb.cols_tiles * target_.tile_cols << ").";
    }
    cb.tensor = dst.buffer->name;
    cb.access = Access(what, dst, row0, col0, rows, cols, batch);
    if (dst.extents.size() == 1) {
      // The (M, 1) column vector of a reduction along rows, the (1, N) row
      // vector of one along columns.
      cb.access.shape.insert(compute_->reduce_dim == value::kReduceDimRow
                                 ? cb.access.shape.end()
                                 : cb.access.shape.begin(),
                             1);
    }
    Placeholders(&cb);
    const PrimExpr cb_id = detail::I32(cb.index);
    const tvm::tirx::Var data = dst.buffer->data;
    if (compute_ && compute_->subblocked) {
      // TensorizeTT packs each sub-block in the last K step; the writer
      // drains them in that order.
      return SubblockWriter(*compute_, data, cb, cb_id);
    }
    const PrimExpr n = detail::I32(cb.block_tiles());
    Stmt writes = detail::SerialLoop("r", rows, [&](PrimExpr r) {
      return detail::SerialLoop("c", cols, [&](PrimExpr c) {
        return detail::Intrin(builtin::write_tile(),
                              {data, cb.row0 + r, cb.col0 + c, cb_id,
                               r * detail::I32(cols) + c, cb.batch});
      });
    });
    return detail::RoleScope(
        ir::kRoleWriter,
        detail::Seq({detail::Intrin(builtin::cb_wait_front(), {cb_id, n}),
                     writes,
                     detail::Intrin(builtin::noc_async_write_barrier(), {}),
                     detail::Intrin(builtin::cb_pop_front(), {cb_id, n})}));
  }

  /*!
   * \brief T.reduce_sum / T.reduce_max(A_local, S, dim=1): one value per row
   *        of a block of whole rows (issue #19). A_local is a block a T.copy
   *        read from DRAM (into A_local itself, or into a shared buffer
   *        copied into it, as TileLang's frontend does for a shared source):
   *        its CB feeds compute, which reduces each row of tiles into column
   *        0 of one tile (reduce_tile along rows, TensorizeTT) and packs it
   *        for the output T.copy of S. The reader writes the scaler tile
   *        reduce_tile needs once (Canonicalize). tt.compute records c[i] =
   *        sum or max of a[i, :], which ProveReduction proves. dim=0 is the
   *        same along columns: a block of whole columns, reduce_tile along
   *        columns, the (N,) result stored as the row vector (1, N).
   */
  Stmt LowerReduce(const CallNode *call) {
    const std::string what0 = Where("T.reduce");
    if (call->args.size() < 5) {
      TVM_FFI_THROW(ValueError) << what0 << " has " << call->args.size()
                                << " arguments; expected (src, dst, type, "
                                   "dim, clear).";
    }
    const detail::RegionOperand src =
        detail::DecodeRegion(call->args[0], what0);
    const detail::RegionOperand dst =
        detail::DecodeRegion(call->args[1], what0);
    const auto *type_node = call->args[2].as<tvm::tirx::StringImmNode>();
    const auto *dim_node = call->args[3].as<tvm::IntImmNode>();
    const auto *clear_node = call->args[4].as<tvm::IntImmNode>();
    const std::string type = type_node ? std::string(type_node->value) : "?";
    const std::string what =
        Where("T.reduce_" + type + "('" + std::string(src.buffer->name) +
              "' -> '" + std::string(dst.buffer->name) + "')");
    // clear=False into a value a loop carries (filled before it): a running
    // reduction, of any kind. (A running value copied out in its loop, each
    // wave's sum of the rows so far, is refused below: the fill is not in that
    // loop.)
    if (clear_node != nullptr && clear_node->value == 0 &&
        carried_filled_.count(dst.buffer.get()) &&
        !reduce_starts_.count(dst.buffer.get()) &&
        !CopiedOut(carried_.at(dst.buffer.get()), dst.buffer.get())) {
      return LowerRunningReduce(call, dst, type, what);
    }
    if (type == "min" || type == "abssum" || type == "absmax") {
      return LowerComposedReduce(call, src, dst, type, what);
    }
    if (type != value::kReduceSum && type != value::kReduceMax) {
      TVM_FFI_THROW(ValueError)
          << what << " is not supported; supported reductions: T.reduce_sum, "
          << "T.reduce_max, T.reduce_min, T.reduce_abssum and "
             "T.reduce_absmax along dim=1 or dim=0 (the Tenstorrent reduce "
             "along rows or columns).";
    }
    const std::vector<int64_t> src_shape =
        detail::StaticShape(src.buffer, func_);
    const std::vector<int64_t> dst_shape =
        detail::StaticShape(dst.buffer, func_);
    if (dim_node == nullptr || src_shape.size() != 2 ||
        (dim_node->value != 0 && dim_node->value != 1)) {
      TVM_FFI_THROW(ValueError)
          << what
          << ": dim=" << (dim_node ? std::to_string(dim_node->value) : "?")
          << " of a " << src_shape.size()
          << "-D fragment is not supported; supported: dim=1 (one value per "
             "row, the Tenstorrent reduce along rows) or dim=0 (one value per "
             "column) of a 2-D fragment.";
    }
    // dim=1 keeps axis 0 (a value per row, REDUCE_ROW), dim=0 axis 1.
    const bool rows = dim_node->value == 1;
    const int64_t kept = src_shape[rows ? 0 : 1];
    if (src.extents != src_shape || dst_shape.size() != 1 ||
        dst.extents != dst_shape || dst_shape[0] != kept) {
      TVM_FFI_THROW(ValueError)
          << what << ": reduces " << detail::ShapeString(src.extents) << " of "
          << detail::ShapeString(src_shape) << " into "
          << detail::ShapeString(dst.extents) << " of "
          << detail::ShapeString(dst_shape)
          << "; supported: a whole 2-D (rows, cols) fragment into a whole "
          << (rows ? "(rows,)" : "(cols,)") << " fragment.";
    }
    // clear=False combines the result with the value a T.fill gave `dst`
    // before: c + sum, or max(c, max), an op on the result in DST.
    std::vector<detail::EpilogueOp> combine;
    // (A T.fill right before, in the loop, starts it afresh instead:
    // flash attention's T.fill(scores_max, -inf) each iteration.)
    if (clear_node != nullptr && clear_node->value != 0) {
      reduce_starts_.erase(dst.buffer.get()); // overwritten, not combined
    } else {
      auto start = reduce_starts_.find(dst.buffer.get());
      if (start == reduce_starts_.end()) {
        TVM_FFI_THROW(ValueError)
            << what << ": clear=False combines with what '" << dst.buffer->name
            << "' held, and nothing the backend can see set it; supported: "
               "T.fill('"
            << dst.buffer->name
            << "', c) with a constant c right before (c + sum, max(c, "
               "max)), or clear=True.";
      }
      // (A loop of one iteration adds nothing up.)
      if (!SameLoops(RepeatingLoops(start->second.loops),
                     RepeatingLoops(loops_)) ||
          start->second.branches != Branches()) {
        TVM_FFI_THROW(ValueError)
            << what << ": the T.fill of '" << dst.buffer->name
            << "' is not in the loops and `if`s the reduction with "
               "clear=False is in; "
               "TileLang then adds each iteration's reduction into the last "
               "one's result, a running value the backend does not carry "
               "between blocks yet. Fill it in the same loop, right before.";
      }
      const float c = start->second.value;
      reduce_starts_.erase(start);
      const bool identity =
          type == value::kReduceSum ? c == 0.0f : std::isinf(c) && c < 0.0f;
      if (!identity) {
        detail::EpilogueOp op;
        op.op = type == value::kReduceSum ? value::kEpilogueAdd
                                          : value::kEpilogueMax;
        op.value = c;
        combine.push_back(op);
      }
    }
    if (has_gemm_) {
      TVM_FFI_THROW(ValueError)
          << what
          << ": a reduction in a kernel with a T.gemm is not supported "
             "yet; a kernel either multiplies, maps element-wise or reduces.";
    }
    if (compute_ && compute_->elementwise && !compute_->packed &&
        eltwise_out_ != nullptr && reduce_srcs_.count(eltwise_out_)) {
      // A reduction reads the update before it (this one or a later one):
      // that update becomes a stage, its value a block in an intermediate CB.
      PushEltwiseStage(what, tvm::ffi::GetRef<Buffer>(eltwise_out_));
    } else if (compute_ && !compute_->reduce.empty() && !compute_->packed &&
               reduce_out_ != nullptr) {
      // Two reductions before the updates that read them (a norm's sum and
      // sum of squares): the first becomes a stage.
      PushReduceStage(what);
    }
    if (block_.set && block_.accumulator == std::string(dst.buffer->name)) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << dst.buffer->name << "' is filled (T.fill / "
          << "T.clear) before a reduction with clear=True, which starts from "
          << "the reduction's identity; drop the fill (filling the result is "
          << "supported only as that of a T.gemm accumulator).";
    }
    if (block_.set) {
      TVM_FFI_THROW(ValueError)
          << what << ": a second reduction or element-wise update (after one "
          << "into '" << block_.accumulator << "'); one per kernel is "
          << "supported.";
    }
    RequireBlockGuards("T.reduce_" + type);
    // The block: read from DRAM into the fragment itself, or into a shared
    // buffer the fragment is a copy of.
    // (Or the value of the update before it, a stage's.)
    std::optional<size_t> filled;
    if (auto v = stage_values_.find(src.buffer.get());
        v != stage_values_.end()) {
      filled = v->second;
    } else {
      filled = InputCBOf(src.buffer.get(), true);
    }
    if (!filled) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << src.buffer->name
          << "' holds no block read from a global tensor; supported: "
             "T.copy(A[...], A_local) or T.copy(A[...], A_shared) then "
             "T.copy(A_shared, A_local), reduced after the copy.";
    }
    const CBInfo in = cbs_[*filled];
    const bool value_in = in.role == value::kCBRoleIntermediate;
    if (value_in && in.access.shape.size() == 2 &&
        in.access.shape[rows ? 1 : 0] % target_.tile_rows != 0) {
      TVM_FFI_THROW(ValueError)
          << what << ": the tensor under '" << src.buffer->name << "' has "
          << in.access.shape[rows ? 1 : 0] << " " << (rows ? "columns" : "rows")
          << ", not a multiple of " << target_.tile_rows
          << "; the update made the zeros padding its last tile into values "
             "(f(0)) that the reduction would take in. Supported: a "
             "reduction of an update over a length that is a multiple of 32.";
    }
    // The tensor's last tile column (row) is padded with zeros in DRAM:
    // they add nothing to a sum, but would take part in a maximum.
    const size_t axis = rows ? 1 : 0;
    if (type == value::kReduceMax && in.access.shape.size() == 2 &&
        in.access.shape[axis] % target_.tile_rows != 0) {
      const std::string unit = rows ? "columns" : "rows";
      TVM_FFI_THROW(ValueError)
          << what << ": '" << in.tensor << "' has " << in.access.shape[axis]
          << " " << unit << ", not a multiple of " << target_.tile_rows
          << "; the zeros padding its last tile would take part in the "
             "maximum (negative values would give 0). Supported: "
             "T.reduce_max over a length that is a multiple of 32 "
             "(T.reduce_sum of any length).";
    }
    if (!SameLoops(in.loops, loops_)) {
      TVM_FFI_THROW(ValueError)
          << what << " is not in the loop that fills '" << in.buffer
          << "'; reduce each block right after reading it (a reduction "
             "over blocks read in a loop is not supported yet).";
    }
    // (A float32 tensor or value is reduced as TF32, as the matrix unit
    // reads it.)
    if (in.format != TileFormat::kBfloat16 &&
        in.format != TileFormat::kFloat32) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << in.tensor << "' is " << SpecOf(in.format).dtype
          << "; reductions of bfloat16 or float32 tensors and values are "
             "supported (reduce_tile on a float16 tensor's tiles is not "
             "yet: its scaler tile would have to be float16 too).";
    }
    const std::optional<TileFormat> acc = HeldFormat(dst.buffer->dtype);
    if (!acc || *acc == TileFormat::kFloat16) {
      TVM_FFI_THROW(ValueError)
          << what << ": the result '" << dst.buffer->name << "' has dtype "
          << dst.buffer->dtype
          << "; supported: float32 (fp32 DST) or bfloat16 (16-bit DST).";
    }
    // A maximum is exact in any DST; a column sum on 16-bit DST rounds face
    // by face, an order the harness's 16-bit reference does not follow.
    // (A staged program runs in fp32 DST: checked once the kernel is seen.)
    // fp32 DST for a float32 result, for TF32 data (the matrix unit writes
    // them only there) and for the SFPU's combine with a starting value
    // (modelled on fp32 DST); a bfloat16 result is then packed from it.
    const bool fp32_dst = *acc == TileFormat::kFloat32 ||
                          in.format == TileFormat::kFloat32 || !combine.empty();
    if (!rows && type == value::kReduceSum && !fp32_dst) {
      std::ostringstream os;
      os << what << ": a sum along columns (dim=0) into the "
         << dst.buffer->dtype << " '" << dst.buffer->name
         << "' (16-bit DST) is not supported yet (the simulator's reference "
            "does not model its rounding order, face by face); reduce into a "
            "float32 fragment.";
      column_sum_16bit_ = os.str();
    }
    block_.set = true;
    block_.accumulator = dst.buffer->name;
    block_.loops = NestLoopsHere(); // (not a loop of stages it is in)
    block_.guards = guards_;
    ComputeInfo info;
    info.reduce = type;
    info.reduce_dim = rows ? value::kReduceDimRow : value::kReduceDimCol;
    info.loops = loops_; // the block nest's: no K loop
    info.accumulator = dst.buffer->name;
    info.a = value_in ? in.buffer : in.tensor;
    info.cb_a = in.index;
    info.mt = in.rows_tiles;
    info.nt = in.cols_tiles;
    info.fp32 = fp32_dst;
    info.acc_format = *acc;
    info.sub_h = 1;
    info.sub_w = 1;
    info.epilogue = combine;
    info.stage_loop = StageLoopHere(); // (a reduction of each iteration's)
    compute_ = info;
    reduce_out_ = dst.buffer.get();
    // The scaler tile reduce_tile multiplies (SUM) or scales (MAX) by: 1.0
    // in the first row of each face, bf16 like the data (the matrix unit
    // needs one source format). One serves every reduction of the kernel.
    const auto scaler =
        std::find_if(cbs_.begin(), cbs_.end(), [](const CBInfo &cb) {
          return cb.role == value::kCBRoleScaler;
        });
    int64_t scaler_index = scaler == cbs_.end() ? -1 : scaler->index;
    if (scaler == cbs_.end()) {
      CBInfo cb = NewInputCB(what);
      cb.name = "cb_scaler";
      cb.role = value::kCBRoleScaler;
      cb.rows_tiles = 1;
      cb.cols_tiles = 1;
      cb.depth = 1;
      cb.format = TileFormat::kBfloat16;
      scaler_index = cb.index;
      cbs_.push_back(cb);
    }
    return detail::RoleScope(
        ir::kRoleCompute,
        detail::Intrin(builtin::reduce_block(),
                       {detail::I32(in.index), detail::I32(scaler_index),
                        detail::I32(info.mt), detail::I32(info.nt)}));
  }

  /*!
   * \brief T.reduce_sum / T.reduce_max(x, m, clear=False) in a loop that
   *        carries m (filled before it: LowerCarriedFill), an online
   *        softmax's running maximum: this iteration's reduction (any
   *        kind, clear=True) into a vector of its own, t, then the update of
   *        m in place, m[i] = m[i] + t[i] (a sum's), min(m[i], t[i]) (a
   *        minimum's) or max(m[i], t[i]), each a stage of the loop.
   */
  Stmt LowerRunningReduce(const CallNode *call,
                          const detail::RegionOperand &dst,
                          const std::string &type, const std::string &what) {
    const std::vector<int64_t> shape = detail::StaticShape(dst.buffer, func_);
    if (shape.size() != 1 || dst.extents != shape) {
      TVM_FFI_THROW(ValueError)
          << what << ": the running " << type << " '" << dst.buffer->name
          << "' " << detail::ShapeString(shape)
          << " is a whole vector, one value per row.";
    }
    const Buffer t = tvm::tirx::decl_buffer(
        {detail::I32(shape[0])}, dst.buffer->dtype,
        UniqueValueName(std::string(dst.buffer->name) + "_" + type),
        "local.fragment");
    fragments_.insert(t.get());
    temps_.push_back(t);
    const auto *region = call->args[1].as<CallNode>();
    Array<PrimExpr> region_args = region->args;
    region_args.Set(0, tvm::tirx::BufferLoad(t, {detail::I32(0)}));
    Array<PrimExpr> args = call->args;
    args.Set(1, tvm::tirx::Call(region->dtype, region->op, region_args));
    args.Set(4, tvm::IntImm(call->args[4].dtype(), 1));
    const tvm::tirx::Call inner(call->dtype, call->op, args);
    Stmt reduce = LowerReduce(inner.get());
    const tvm::tirx::Var i("i");
    const PrimExpr m = tvm::tirx::BufferLoad(dst.buffer, {i});
    const PrimExpr part = tvm::tirx::BufferLoad(t, {i});
    // (TileLang's combine: a sum adds, a minimum keeps the smaller, the
    // others the larger.)
    const PrimExpr value = type == value::kReduceSum || type == "abssum"
                               ? m + part
                           : type == "min" ? tvm::min(m, part)
                                           : tvm::max(m, part);
    const For nest(i, detail::I32(0), detail::I32(shape[0]),
                   tvm::tirx::ForKind::kParallel,
                   tvm::tirx::BufferStore(dst.buffer, value, {i}));
    Stmt update = LowerParallel(nest.get());
    return detail::Seq({reduce, update});
  }

  /*!
   * \brief T.reduce_abssum / T.reduce_absmax / T.reduce_min of `src` as the
   *        reductions the chip has (reduce_tile: a sum or a maximum): an
   *        update first makes t = |src| (abs_tile) or t = src * -1 (exact)
   *        in a fragment of src's shape and dtype, a stage as any update a
   *        reduction reads; then t is summed or maximised, and a minimum's
   *        maximum multiplied by -1 on the SFPU before the pack (min(x) =
   *        -max(-x); a starting value c of clear=False becomes -c).
   */
  Stmt LowerComposedReduce(const CallNode *call,
                           const detail::RegionOperand &src,
                           const detail::RegionOperand &dst,
                           const std::string &type, const std::string &what) {
    const std::vector<int64_t> shape = detail::StaticShape(src.buffer, func_);
    if (shape.size() != 2 || src.extents != shape) {
      TVM_FFI_THROW(ValueError)
          << what << ": reduces " << detail::ShapeString(src.extents) << " of "
          << detail::ShapeString(shape)
          << "; supported: a whole 2-D (rows, cols) fragment.";
    }
    const bool negate = type == "min";
    const Buffer t = tvm::tirx::decl_buffer(
        {detail::I32(shape[0]), detail::I32(shape[1])}, src.buffer->dtype,
        UniqueValueName(std::string(src.buffer->name) +
                        (negate ? "_neg" : "_abs")),
        "local.fragment");
    fragments_.insert(t.get());
    temps_.push_back(t);
    reduce_srcs_.insert(t.get());
    const tvm::tirx::Var i("i"), j("j");
    const PrimExpr x = tvm::tirx::BufferLoad(src.buffer, {i, j});
    const PrimExpr value =
        negate ? x * tvm::tirx::make_const(x.dtype(), -1.0) : tvm::abs(x);
    const For nest(i, detail::I32(0), detail::I32(shape[0]),
                   tvm::tirx::ForKind::kParallel,
                   For(j, detail::I32(0), detail::I32(shape[1]),
                       tvm::tirx::ForKind::kParallel,
                       tvm::tirx::BufferStore(t, value, {i, j})));
    Stmt update = LowerParallel(nest.get());
    // TileLang (0.1.15, reduce.h MakeUpdate) combines a starting value c
    // as min(c, min x) = -max(-c, max(-x)), absmax's as max(c, max |x|).
    if (auto start = reduce_starts_.find(dst.buffer.get());
        negate && start != reduce_starts_.end()) {
      start->second.value = -start->second.value;
    }
    // The reduction the chip has, of t.
    const auto *region = call->args[0].as<CallNode>();
    Array<PrimExpr> region_args = region->args;
    region_args.Set(0,
                    tvm::tirx::BufferLoad(t, {detail::I32(0), detail::I32(0)}));
    Array<PrimExpr> args = call->args;
    args.Set(0, tvm::tirx::Call(region->dtype, region->op, region_args));
    args.Set(2, tvm::tirx::StringImm(negate || type == "absmax"
                                         ? value::kReduceMax
                                         : value::kReduceSum));
    const tvm::tirx::Call inner(call->dtype, call->op, args);
    Stmt reduce = LowerReduce(inner.get());
    if (negate) {
      detail::EpilogueOp op;
      op.op = value::kEpilogueMul;
      op.value = -1.0f;
      compute_->epilogue.push_back(op);
    }
    return detail::Seq({update, reduce});
  }

  /*! \brief A T.gemm's operands and flags (its tl.tileop.gemm form). */
  struct GemmCall {
    detail::RegionOperand a, b, c;
    bool transpose_a = false, transpose_b = false, clear_accum = false;
  };

  /*! \brief The T.gemm `call`'s regions and flags; an operand copied from
   *         shared memory into a fragment (TileLang's matmul_rs / matmul_sr
   *         forms) is read from the shared buffer's CB, so it names that. */
  GemmCall DecodeGemm(const CallNode *call, const std::string &what) const {
    if (call->args.size() < 10) {
      TVM_FFI_THROW(ValueError)
          << what << ": unexpected T.gemm form "
          << detail::Brief(tvm::ffi::GetRef<PrimExpr>(call));
    }
    GemmCall gemm;
    gemm.a = detail::DecodeRegion(call->args[0], what + " operand A");
    gemm.b = detail::DecodeRegion(call->args[1], what + " operand B");
    gemm.c = detail::DecodeRegion(call->args[2], what + " operand C");
    for (detail::RegionOperand *op : {&gemm.a, &gemm.b}) {
      if (auto it = operand_of_.find(op->buffer.get());
          it != operand_of_.end()) {
        op->buffer = it->second;
      }
    }
    auto flag = [&](int i) {
      const auto *imm = call->args[i].as<tvm::IntImmNode>();
      return imm == nullptr || imm->value != 0;
    };
    gemm.transpose_a = flag(3);
    gemm.transpose_b = flag(4);
    gemm.clear_accum = flag(9);
    return gemm;
  }

  /*!
   * \brief T.gemm(A_shared, B_shared, C_local) becomes, on compute:
   *        wait A and B; gemm_block on the CB fronts; pop A and B.
   */
  Stmt LowerGemm(const CallNode *call) {
    const std::string what = Where("T.gemm");
    GemmCall gemm = DecodeGemm(call, what);
    if (gemm_stages_) {
      return LowerGemmStage(gemm, what);
    }
    detail::RegionOperand &a = gemm.a, &b = gemm.b, &c = gemm.c;
    // The tile engine multiplies whole CB blocks: each operand region must be
    // the region of its shared buffer the T.copy filled (the whole buffer, a
    // slice A_s[b, :, :] or a block A_s[:, 32:64]); the accumulator whole.
    for (const auto &[op, name] :
         {std::pair{&a, "A"}, std::pair{&b, "B"}, std::pair{&c, "C"}}) {
      const std::vector<int64_t> shape = detail::StaticShape(op->buffer, func_);
      bool whole = IsMatrixRegion(*op, shape);
      auto filled = cb_of_.find(op->buffer.get());
      const bool operand = op != &c && filled != cb_of_.end();
      if (operand) {
        const detail::RegionOperand &copied = cbs_[filled->second].region;
        whole = copied.extents == op->extents &&
                copied.mins.size() == op->mins.size();
        for (size_t i = 0; whole && i < op->mins.size(); ++i) {
          whole = analyzer_.CanProveEqual(op->mins[i], copied.mins[i]);
        }
      }
      if (!whole) {
        TVM_FFI_THROW(ValueError)
            << what << ": operand " << name << " is a region "
            << detail::ShapeString(op->extents) << " of '" << op->buffer->name
            << "' " << detail::ShapeString(shape)
            << "; T.gemm on part of a buffer is supported only on the region "
               "the T.copy before it filled ("
            << (operand ? RegionString(cbs_[filled->second].region)
                        : "here all of '" + std::string(op->buffer->name) + "'")
            << ").";
      }
    }
    // transpose_A: A_shared holds a K x M block. The matrix engine has no
    // transpose for in0, so compute transposes the block (transpose_tile,
    // through DST) into cb_transposed each K step and multiplies that.
    const bool transpose_a = gemm.transpose_a;
    // transpose_B: B_shared holds an N x K block; the unpacker transposes
    // each of its tiles into SrcA (matmul_init's transpose).
    const bool transpose_b = gemm.transpose_b;
    if (gemm.clear_accum) {
      TVM_FFI_THROW(ValueError)
          << what
          << " with clear_accum=True is not supported; clear the accumulator "
             "with T.clear before the K loop.";
    }
    auto cb_index = [&](const detail::RegionOperand &op, const char *name) {
      auto it = cb_of_.find(op.buffer.get());
      if (it == cb_of_.end()) {
        TVM_FFI_THROW(ValueError)
            << what << ": operand " << name << " '" << op.buffer->name
            << "' must be a T.alloc_shared buffer filled by T.copy before "
               "the T.gemm.";
      }
      return it->second;
    };
    // Copies: RecordCompute may add the partials CB to cbs_.
    const CBInfo cb_a = cbs_[cb_index(a, "A")];
    const CBInfo cb_b = cbs_[cb_index(b, "B")];
    if (!fragments_.count(c.buffer.get())) {
      TVM_FFI_THROW(ValueError) << what << ": operand C '" << c.buffer->name
                                << "' must be a T.alloc_fragment accumulator.";
    }
    if (!cleared_.count(c.buffer.get())) {
      TVM_FFI_THROW(ValueError)
          << what << ": accumulator '" << c.buffer->name
          << "' must be cleared with T.clear before T.gemm accumulates.";
    }
    if (CommonLoops(block_.loops, loops_) < block_.loops.size()) {
      TVM_FFI_THROW(ValueError)
          << what << " is not inside the loops T.clear('" << block_.accumulator
          << "') is in; clear the accumulator once per output block, before "
             "the K loop around the T.gemm.";
    }
    CheckGemmFormats(what, cb_a, cb_b, c.buffer);
    const int64_t mt = transpose_a ? cb_a.cols_tiles : cb_a.rows_tiles;
    const int64_t kt = transpose_a ? cb_a.rows_tiles : cb_a.cols_tiles;
    const int64_t nt = transpose_b ? cb_b.rows_tiles : cb_b.cols_tiles;
    const int64_t b_kt = transpose_b ? cb_b.cols_tiles : cb_b.rows_tiles;
    const int64_t tile = target_.tile_rows;
    if (b_kt != kt || c.extents.size() != 2 || c.extents[0] != mt * tile ||
        c.extents[1] != nt * tile) {
      TVM_FFI_THROW(ValueError)
          << what << ": shapes do not chain: A " << mt * tile << "x"
          << kt * tile << (transpose_a ? " (transposed)" : "") << ", B "
          << cb_b.rows_tiles * tile << "x" << cb_b.cols_tiles * tile
          << (transpose_b ? " (transposed)" : "") << ", C "
          << detail::ShapeString(c.extents) << ".";
    }
    accumulated_.insert(c.buffer.get());
    RecordCompute(what, cb_a, cb_b, c.buffer, mt, nt);
    compute_->transpose_a = transpose_a;
    compute_->transpose_b = transpose_b;
    PrimExpr ia = detail::I32(cb_a.index);
    const PrimExpr ib = detail::I32(cb_b.index);
    const PrimExpr na = detail::I32(cb_a.block_tiles());
    const PrimExpr nb = detail::I32(cb_b.block_tiles());
    std::vector<Stmt> stmts;
    Stmt transpose_stage = tvm::tirx::Evaluate(0);
    if (transpose_a) {
      CBInfo cb;
      cb.index = kTransposedCB;
      cb.name = "cb_transposed";
      cb.buffer = cb_a.buffer;
      cb.tensor = cb_a.tensor;
      cb.role = value::kCBRoleTransposed;
      cb.format = cb_a.format;
      cb.rows_tiles = mt;
      cb.cols_tiles = kt;
      cb.depth = 1; // filled and drained by compute within one K step
      cbs_.push_back(cb);
      const PrimExpr it = detail::I32(kTransposedCB);
      transpose_stage = detail::RoleScope(
          ir::kRoleCompute,
          detail::Seq(
              {detail::Intrin(builtin::cb_wait_front(), {ia, na}),
               detail::Intrin(builtin::transpose_block(),
                              {ia, it, detail::I32(kt), detail::I32(mt)}),
               detail::Intrin(builtin::cb_pop_front(), {ia, na})}));
      ia = it;
    }
    stmts.push_back(detail::Intrin(builtin::cb_wait_front(), {ia, na}));
    stmts.push_back(detail::Intrin(builtin::cb_wait_front(), {ib, nb}));
    stmts.push_back(
        detail::Intrin(builtin::gemm_block(),
                       {ia, ib, detail::I32(mt), detail::I32(nt),
                        detail::I32(kt), detail::I32(transpose_b ? 1 : 0)}));
    stmts.push_back(detail::Intrin(builtin::cb_pop_front(), {ia, na}));
    stmts.push_back(detail::Intrin(builtin::cb_pop_front(), {ib, nb}));
    if (!transpose_a) {
      return detail::RoleScope(ir::kRoleCompute, detail::Seq(stmts));
    }
    return detail::Seq(
        {transpose_stage,
         detail::RoleScope(ir::kRoleCompute, detail::Seq(stmts))});
  }

  /*!
   * \brief T.gemm(A, B, C[, transpose_B]) in a kernel of stages (one that
   *        reduces too: attention's scores Q @ K^T, then a softmax of their
   *        rows): a matmul stage, C = A @ B (A @ B^T), after T.clear(C).
   *        Its operands are whole blocks a T.copy read from a tensor, or
   *        earlier stages' values, each read whole: the matrix unit
   *        multiplies their tiles into DST, tile by tile of C (TensorizeTT),
   *        and C's tiles are packed into an intermediate CB later stages
   *        read. The operands' place in their tensors is proven against the
   *        output's once the kernel is seen (ProveMatmulStages).
   */
  Stmt LowerGemmStage(const GemmCall &gemm, const std::string &what) {
    const detail::RegionOperand &a = gemm.a, &b = gemm.b, &c = gemm.c;
    const bool transpose_b = gemm.transpose_b;
    if (gemm.transpose_a) {
      TVM_FFI_THROW(ValueError)
          << what << " with transpose_A in a kernel of stages (one that "
          << "reduces too) is not supported; supported there: C = A @ B and "
             "C = A @ B^T (transpose_B).";
    }
    if (gemm.clear_accum) {
      TVM_FFI_THROW(ValueError)
          << what << " with clear_accum=True is not supported; T.clear('"
          << c.buffer->name << "') before the T.gemm.";
    }
    const ForNode *loop = StageLoopHere();
    // (The T.Parallel or reduction before it, if pending, is a stage of
    // its own first: the T.gemm may read its value.)
    PushPending(what);
    auto operand = [&](const detail::RegionOperand &op,
                       const char *name) -> const CBInfo & {
      const std::vector<int64_t> shape = detail::StaticShape(op.buffer, func_);
      if (shape.size() != 2 || op.extents != shape) {
        TVM_FFI_THROW(ValueError)
            << what << ": operand " << name << " is the region "
            << detail::ShapeString(op.extents) << " of '" << op.buffer->name
            << "' " << detail::ShapeString(shape)
            << "; in a kernel of stages a T.gemm multiplies whole 2-D "
               "buffers.";
      }
      if (auto v = stage_values_.find(op.buffer.get());
          v != stage_values_.end()) {
        return cbs_[v->second];
      }
      if (auto in = InputCBOf(op.buffer.get(), false)) {
        return cbs_[*in];
      }
      TVM_FFI_THROW(ValueError)
          << what << ": operand " << name << " '" << op.buffer->name
          << "' holds neither a block a T.copy read from a global tensor nor "
             "the value of an earlier step (a T.Parallel update, a "
             "reduction, a T.gemm).";
      TVM_FFI_UNREACHABLE();
    };
    const CBInfo cb_a = operand(a, "A");
    const CBInfo cb_b = operand(b, "B");
    if (!fragments_.count(c.buffer.get()) ||
        c.extents != detail::StaticShape(c.buffer, func_)) {
      TVM_FFI_THROW(ValueError) << what << ": operand C '" << c.buffer->name
                                << "' must be a whole T.alloc_fragment.";
    }
    // After T.clear, the product; in a loop that carries C (filled before
    // it), the product added to C's value before (acc_o += P @ V).
    auto cleared = gemm_clears_.find(c.buffer.get());
    auto carried = carried_.find(c.buffer.get());
    const bool carried_sum = cleared == gemm_clears_.end() && loop != nullptr &&
                             carried != carried_.end() &&
                             carried->second == loop &&
                             carried_filled_.count(c.buffer.get()) &&
                             stage_values_.count(c.buffer.get());
    // Or onto a mask written in the same loops (flash attention's causal
    // acc_s = mask + Q @ K^T).
    auto before = stage_values_.find(c.buffer.get());
    const bool onto_mask = cleared == gemm_clears_.end() &&
                           before != stage_values_.end() &&
                           cbs_[before->second].role == value::kCBRoleMask &&
                           SameLoops(cbs_[before->second].loops, loops_);
    const bool accumulate = carried_sum || onto_mask;
    if (!accumulate && (cleared == gemm_clears_.end() ||
                        !SameLoops(cleared->second, loops_))) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << c.buffer->name
          << "' is not cleared right before it, nor a value the loop around "
             "it carries (filled before the loop); in a kernel of stages a "
             "T.gemm's product starts from zero (T.clear('"
          << c.buffer->name
          << "') in the same loops, before the T.gemm) or adds into a "
             "carried value (T.fill before the loop, as flash attention's "
             "acc_o).";
    }
    const int64_t cb_acc =
        accumulate ? cbs_[stage_values_.at(c.buffer.get())].index : -1;
    if (!accumulate) {
      gemm_clears_.erase(cleared);
      RejectStageValueOverwrite(c.buffer, "T.gemm");
    }
    if (cb_a.format != cb_b.format || (cb_a.format != TileFormat::kBfloat16 &&
                                       cb_a.format != TileFormat::kFloat32)) {
      TVM_FFI_THROW(ValueError)
          << what << ": the operands '" << a.buffer->name << "' ("
          << SpecOf(cb_a.format).dtype << ") and '" << b.buffer->name << "' ("
          << SpecOf(cb_b.format).dtype
          << ") must both be bfloat16 or both float32 (TF32 in the matrix "
             "unit) in a kernel of stages.";
    }
    const std::optional<TileFormat> format = RequireStageFormat(what, c.buffer);
    const int64_t mt = cb_a.rows_tiles, kt = cb_a.cols_tiles;
    const int64_t nt = transpose_b ? cb_b.rows_tiles : cb_b.cols_tiles;
    const int64_t b_kt = transpose_b ? cb_b.cols_tiles : cb_b.rows_tiles;
    const int64_t tile = target_.tile_rows;
    if (b_kt != kt || c.extents.size() != 2 || c.extents[0] != mt * tile ||
        c.extents[1] != nt * tile) {
      TVM_FFI_THROW(ValueError)
          << what << ": shapes do not chain: A " << mt * tile << "x"
          << kt * tile << ", B " << cb_b.rows_tiles * tile << "x"
          << cb_b.cols_tiles * tile << (transpose_b ? " (transposed)" : "")
          << ", C " << detail::ShapeString(c.extents) << ".";
    }
    if (cb_a.access.shape.size() != 2 || cb_b.access.shape.size() != 2) {
      TVM_FFI_THROW(ValueError)
          << what << ": '" << a.buffer->name << "' and '" << b.buffer->name
          << "' must be blocks of 2-D tensors (or values made from them) in "
             "a kernel of stages.";
    }
    // The value's place in the tensors: A's rows, B's columns (its rows,
    // transposed), which ProveMatmulStages matches with the output's.
    CBInfo cb;
    cb.rows_tiles = mt;
    cb.cols_tiles = nt;
    cb.format = *format;
    cb.loops = loops_;
    cb.access.copy = what;
    cb.access.shape = {cb_a.access.shape[0],
                       cb_b.access.shape[transpose_b ? 0 : 1]};
    cb.access.row = cb_a.access.row;
    cb.access.col = transpose_b ? cb_b.access.row : cb_b.access.col;
    cb.access.rows = mt;
    cb.access.cols = nt;
    detail::ComputeStage stage;
    stage.op = value::kOpMatmul;
    stage.in = ValueName(cb_a);
    stage.cb_in = cb_a.index;
    stage.b = ValueName(cb_b);
    stage.cb_b = cb_b.index;
    stage.transpose_b = transpose_b;
    stage.accumulate = accumulate;
    stage.cb_acc = cb_acc;
    if (loop != nullptr) {
      stage.loop = StageLoopOf(loop, what);
    }
    if (carried_sum) {
      // The carried value's CB (its T.fill's) takes the product's place.
      CBInfo &own = cbs_[stage_values_.at(c.buffer.get())];
      if (own.access.shape.empty()) {
        own.access = cb.access;
      }
    }
    AddStage(what, c.buffer.get(), "cb_" + std::string(c.buffer->name), stage,
             cb);
    return detail::RoleScope(
        ir::kRoleCompute,
        detail::Intrin(builtin::gemm_block(),
                       {detail::I32(cb_a.index), detail::I32(cb_b.index),
                        detail::I32(mt), detail::I32(nt), detail::I32(kt),
                        detail::I32(transpose_b ? 1 : 0)}));
  }

  /*!
   * \brief Each block the program reads of a batched tensor is of its output
   *        block's matrix: the plan's computation runs on each matrix of the
   *        batched tensors (a tensor that is not batched is read alike by
   *        every matrix), so a block of another matrix, or of a batched
   *        tensor for an output that is not batched, is refused. (A GEMM's
   *        operands: ProveMatmulIndexing.)
   */
  void ProveBatches() {
    const CBInfo *out = nullptr;
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleOutput && !cb.tensor.empty()) {
        out = &cb;
      }
    }
    if (out == nullptr) {
      return;
    }
    for (const CBInfo &cb : cbs_) {
      if (cb.role != value::kCBRoleInput || !cb.access.batch.defined()) {
        continue;
      }
      if (!out->access.batch.defined()) {
        TVM_FFI_THROW(ValueError)
            << Where(cb.access.copy) << ": '" << cb.tensor
            << "' is batched, its leading axes "
            << detail::ShapeString(cb.access.batch_shape)
            << ", but the output '" << out->tensor
            << "' is not; a kernel that reads a batched tensor writes each of "
               "its matrices' results into a batched output of the same "
               "leading axes.";
      }
      if (cb.access.batch_shape != out->access.batch_shape ||
          !analyzer_.CanProveEqual(cb.access.batch, out->access.batch)) {
        TVM_FFI_THROW(ValueError)
            << Where(cb.access.copy) << " reads matrix `"
            << detail::Brief(analyzer_.Simplify(cb.access.batch)) << "` of '"
            << cb.tensor << "' (leading axes "
            << detail::ShapeString(cb.access.batch_shape)
            << ") for the output block in matrix `"
            << detail::Brief(analyzer_.Simplify(out->access.batch)) << "` of '"
            << out->tensor << "' (leading axes "
            << detail::ShapeString(out->access.batch_shape)
            << "); each block of a batched tensor is read for its own "
               "matrix's output block.";
      }
    }
  }

  /*!
   * \brief Each matmul stage computes what the plan says, in @ b over the
   *        whole tensors (over the slices its loop's iteration reads), at
   *        the output block: its rows are the output block's (A's block
   *        starts at the output's block row, as tall); its columns (B's N
   *        side) are all of them, or in a loop a block of them an
   *        iteration, each once over the loop (flash attention's acc_s = Q
   *        @ K_k^T, reduced and multiplied by V_k in the iteration), and
   *        the output is written in whole rows (the plan states values
   *        over the output's rows and a block's columns); along K each operand
   *        spans all of it (from 0, the tensor or value whole), or, in a
   *        loop whose product is added into a carried value, both operands
   *        take the same block of K an iteration, each once over the loop
   *        (acc_o += P_k @ V_k). Proven in the block nest's indices and the
   *        loop's, so at every output block; the placement of each operand
   *        block is recorded for Canonicalize (matmul_place_).
   */
  void ProveMatmulStages() {
    const auto out =
        std::find_if(cbs_.begin(), cbs_.end(), [](const CBInfo &cb) {
          return cb.role == value::kCBRoleOutput;
        });
    auto cb_at = [&](int64_t index) -> const CBInfo & {
      return *std::find_if(cbs_.begin(), cbs_.end(),
                           [&](const CBInfo &cb) { return cb.index == index; });
    };
    auto equal = [&](const PrimExpr &x, const PrimExpr &y) {
      return analyzer_.CanProveEqual(tvm::cast(tvm::DataType::Int(64), x),
                                     tvm::cast(tvm::DataType::Int(64), y));
    };
    const int64_t tile = target_.tile_rows;
    auto start_of = [](const CBInfo &cb, size_t axis) {
      return axis == 1 ? cb.access.col : cb.access.row;
    };
    auto tiles_of = [](const CBInfo &cb, size_t axis) {
      return axis == 1 ? cb.cols_tiles : cb.rows_tiles;
    };
    // Whether `cb`'s block spans all of `axis` of what it holds, from 0.
    auto whole = [&](const CBInfo &cb, size_t axis) {
      return tvm::tirx::is_zero(analyzer_.Simplify(start_of(cb, axis))) &&
             tiles_of(cb, axis) == (cb.access.shape.at(axis) + tile - 1) / tile;
    };
    // Whether `cb`'s block moves along `axis` with `loop`, block by block,
    // covering all of it once over the iterations (its start and step).
    auto sliced = [&](const CBInfo &cb, size_t axis, const ForNode *loop,
                      int64_t extent, int64_t *start, int64_t *step) {
      if (loop == nullptr || !LinearInLoop(start_of(cb, axis), loop, extent,
                                           tiles_of(cb, axis), start, step)) {
        return false;
      }
      const int64_t blocks =
          (cb.access.shape.at(axis) + tiles_of(cb, axis) * tile - 1) /
          (tiles_of(cb, axis) * tile);
      std::vector<int64_t> seen;
      for (int64_t k = 0; k < extent; ++k) {
        seen.push_back(*step * k + *start);
      }
      std::sort(seen.begin(), seen.end());
      for (int64_t i = 0; i < static_cast<int64_t>(seen.size()); ++i) {
        if (seen[i] != i) {
          return false;
        }
      }
      return static_cast<int64_t>(seen.size()) == blocks;
    };
    for (const detail::ComputeStage &stage : stages_) {
      if (stage.op != value::kOpMatmul) {
        continue;
      }
      const ForNode *loop =
          stage.loop.defined() ? stage_loops_.at(stage.loop.id) : nullptr;
      const int64_t extent = stage.loop.extent;
      const CBInfo &value = cb_at(stage.cb_out);
      const CBInfo &a = cb_at(stage.cb_in), &b = cb_at(stage.cb_b);
      const std::string what =
          value.access.copy + " into '" + std::string(value.buffer) + "'";
      for (const CBInfo *op : {&a, &b}) {
        if (op->role == value::kCBRoleInput &&
            (!op->broadcast.empty() || a.index == b.index ||
             (StageLoopOf(*op) != nullptr && StageLoopOf(*op) != loop))) {
          TVM_FFI_THROW(ValueError)
              << what << ": the block of '" << op->tensor
              << "' it multiplies is read by another step too (an update, a "
                 "reduction, or the T.gemm's other operand), or copied in "
                 "another loop; a T.gemm stage's operand blocks are its own, "
                 "copied in its loop or before it.";
        }
      }
      // Along K: both whole, or both the same block of it an iteration.
      const size_t b_k = stage.transpose_b ? 1 : 0, b_n = 1 - b_k;
      int64_t a_start = 0, a_step = 0, b_start = 0, b_step = 0;
      const bool k_whole = whole(a, 1) && whole(b, b_k);
      const bool k_sliced = !k_whole && stage.accumulate &&
                            a.access.shape.at(1) == b.access.shape.at(b_k) &&
                            sliced(a, 1, loop, extent, &a_start, &a_step) &&
                            sliced(b, b_k, loop, extent, &b_start, &b_step) &&
                            a_start == b_start && a_step == b_step;
      if (!k_whole && !k_sliced && stage.accumulate &&
          sliced(a, 1, loop, extent, &a_start, &a_step) &&
          sliced(b, b_k, loop, extent, &b_start, &b_step)) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << ValueName(a) << "' and '" << ValueName(b)
            << "' take different blocks of K in an iteration (blocks " << a_step
            << " * " << loop->loop_var->name_hint << " + " << a_start << " and "
            << b_step << " * " << loop->loop_var->name_hint << " + " << b_start
            << "); a T.gemm adding into a value its loop carries multiplies "
               "the same block of K of both operands an iteration.";
      }
      if (!k_whole && !k_sliced) {
        const CBInfo &part = whole(a, 1) ? b : a;
        const size_t axis = &part == &a ? 1 : b_k;
        TVM_FFI_THROW(ValueError)
            << what << ": '" << ValueName(part) << "' "
            << detail::ShapeString(part.access.shape) << " is read "
            << tiles_of(part, axis) * tile << " wide along K from `"
            << detail::Brief(start_of(part, axis))
            << "` * 32; a T.gemm stage multiplies all of K at once (its "
               "operands span their "
            << part.access.shape.at(axis)
            << " along K, from 0), or, adding into a value its loop carries, "
               "the same block of K of both operands an iteration, each "
               "block once.";
      }
      if (out == cbs_.end() || out->access.shape.empty()) {
        continue;
      }
      const CBInfo &o = *out;
      const bool rows = equal(value.access.row, o.access.row) &&
                        value.access.shape[0] == o.access.shape[0] &&
                        value.rows_tiles == o.rows_tiles;
      // (The plan states a value over all of the output's rows and a
      // block's columns: a product over part of the output's columns, one
      // of several block columns, would be another block than the
      // harness's; refused.)
      int64_t n_start = 0, n_step = 0;
      const bool all = whole(value, 1);
      const bool in_loop = !all && OutputLoop() == nullptr &&
                           sliced(value, 1, loop, extent, &n_start, &n_step);
      const bool linear =
          loop != nullptr && LinearInLoop(value.access.col, loop, extent,
                                          value.cols_tiles, &n_start, &n_step);
      if (!rows) {
        TVM_FFI_THROW(ValueError)
            << what << ": its product's rows start at block row `"
            << detail::Brief(value.access.row) << "` (" << value.rows_tiles
            << " tiles of " << value.access.shape[0] << "), the output '"
            << o.tensor << "' " << detail::ShapeString(o.access.shape)
            << " is written at `" << detail::Brief(o.access.row) << "` ("
            << o.rows_tiles
            << " tiles); a T.gemm stage makes the output block's own rows "
               "(A's block at the output's rows).";
      }
      if (o.access.shape.size() == 2 && !whole(o, 1)) {
        TVM_FFI_THROW(ValueError)
            << what << ": the output '" << o.tensor << "' "
            << detail::ShapeString(o.access.shape) << " is written "
            << o.cols_tiles * tile << " columns at a time from `"
            << detail::Brief(o.access.col)
            << "` * 32; a kernel with a T.gemm stage writes whole rows of the "
               "output (one block of all its columns per block of rows).";
      }
      if (!all && !in_loop) {
        std::ostringstream cols;
        if (linear) {
          cols << "blocks " << n_step << " * " << loop->loop_var->name_hint
               << " + " << n_start << " of " << value.cols_tiles * tile
               << " over the loop's " << extent
               << " iterations, not each of the "
               << (value.access.shape[1] + value.cols_tiles * tile - 1) /
                      (value.cols_tiles * tile)
               << " blocks once";
        } else {
          cols << value.cols_tiles * tile << " of them from `"
               << detail::Brief(value.access.col) << "` * 32";
        }
        TVM_FFI_THROW(ValueError)
            << what << ": its product's " << value.access.shape[1]
            << " columns (B's " << (stage.transpose_b ? "rows" : "columns")
            << ") are made " << cols.str()
            << "; a T.gemm stage makes all of them, or in a loop a block of "
               "them an iteration, each block once (flash attention's keys), "
               "and writes whole rows of the output.";
      }
      // Where Canonicalize puts each operand's block: all of the axis, the
      // output block's row (column), or the loop's block.
      auto place = [&](const CBInfo &op, size_t axis, int how) {
        if (op.role == value::kCBRoleInput) {
          matmul_place_[op.index][axis] = how;
        }
      };
      const int k_how = k_whole ? kPlaceZero : kPlaceLoop;
      const int n_how = all ? kPlaceZero : kPlaceLoop;
      place(a, 0, kPlaceOutRow);
      place(a, 1, k_how);
      place(b, b_k, k_how);
      place(b, b_n, n_how);
    }
  }

  /*! \brief Whether CB `index` holds a value a matmul stage adds into. */
  bool MatmulAccumulates(int64_t index) const {
    return std::any_of(stages_.begin(), stages_.end(),
                       [&](const detail::ComputeStage &s) {
                         return s.accumulate && s.cb_out == index;
                       });
  }

  /*! \brief The matmul stage that reads the tensor block in CB `index`, or
   *         nullptr. */
  const detail::ComputeStage *MatmulReading(int64_t index) const {
    for (const detail::ComputeStage &s : stages_) {
      if (s.op == value::kOpMatmul && (s.cb_in == index || s.cb_b == index)) {
        return &s;
      }
    }
    return nullptr;
  }

  /*!
   * \brief The dtypes a T.gemm supports, checked once its operands' CBs and
   *        accumulator are known: A and B share one dtype (bfloat16, float16,
   *        or float32, which the unpacker narrows to TF32), and the
   *        accumulator is float32 (fp32 DST) or that 16-bit dtype (DST holds
   *        it: SrcASrcB.md allows Dst BF16 += BF16 @ BF16 and Dst FP16 +=
   *        FP16 @ FP16, nothing mixed; TF32 sources need fp32 DST).
   */
  void CheckGemmFormats(const std::string &what, const CBInfo &cb_a,
                        const CBInfo &cb_b, const Buffer &acc) {
    if (cb_a.format != cb_b.format) {
      TVM_FFI_THROW(ValueError)
          << what << ": the operands '" << cb_a.tensor << "' ("
          << SpecOf(cb_a.format).dtype << ") and '" << cb_b.tensor << "' ("
          << SpecOf(cb_b.format).dtype
          << ") must have one dtype: the matrix engine multiplies bfloat16 "
             "by bfloat16, float16 by float16 or TF32 by TF32.";
    }
    const std::optional<TileFormat> format = TileFormatOf(acc->dtype);
    if (!format ||
        (*format != TileFormat::kFloat32 && *format != cb_a.format)) {
      TVM_FFI_THROW(ValueError)
          << what << ": accumulator '" << acc->name << "' has dtype "
          << detail::DtypeString(acc) << "; supported: float32"
          << (cb_a.format == TileFormat::kFloat32
                  ? std::string(" (float32 operands enter the matrix engine as "
                                "TF32, which needs fp32 DST)")
                  : std::string(", or the operands' dtype (") +
                        SpecOf(cb_a.format).dtype + ")")
          << ".";
    }
    if (cb_a.format == TileFormat::kFloat16 && transpose_a_) {
      TVM_FFI_THROW(ValueError)
          << what
          << ": transpose_A with float16 operands is not supported yet ("
          << (*format == TileFormat::kFloat32
                  ? "compute would pack the transposed block from fp32 DST "
                    "into a Float16 CB, which the release's packer does "
                    "through bf16"
                  : "transpose_tile of float16 tiles is not modelled by the "
                    "simulator")
          << ").";
    }
    if (cb_a.format == TileFormat::kFloat32 && transpose_a_) {
      TVM_FFI_THROW(ValueError)
          << what
          << ": transpose_A with float32 operands is not supported "
             "yet (transpose_tile of a 32-bit tile takes the release's "
             "unpack-to-DST path, which the simulator does not model).";
    }
  }

  /*!
   * \brief What the kernel computes, and the DST mode its accumulator needs:
   *        a float32 accumulator keeps DST in fp32 (fp32_dest_acc_en), a
   *        bfloat16 one in 16 bits. Half-sync DST when the output block fits
   *        (packing overlaps the next block's math), else full-sync; a block
   *        that fits neither is a ValueError naming the mode.
   */
  void RecordCompute(const std::string &what, const CBInfo &cb_a,
                     const CBInfo &cb_b, const Buffer &acc, int64_t mt,
                     int64_t nt) {
    ComputeInfo info;
    info.a = cb_a.tensor;
    info.b = cb_b.tensor;
    info.cb_a = cb_a.index;
    info.cb_b = cb_b.index;
    info.loops = loops_;
    // The loops around T.clear are the block nest's; the one after them, if
    // any, is the K loop.
    info.k_loops.assign(loops_.begin() + block_.loops.size(), loops_.end());
    info.mt = mt;
    info.nt = nt;
    info.accumulator = acc->name;
    info.acc_format = *TileFormatOf(acc->dtype); // CheckGemmFormats
    info.fp32 = info.acc_format == TileFormat::kFloat32;
    const DstPlan plan = PlanDst(mt, nt, info.fp32, transpose_a_, dst_scratch_);
    info.full_sync = plan.full_sync;
    info.subblocked = plan.subblocked;
    info.sub_h = plan.sub_h;
    info.sub_w = plan.sub_w;
    // Partial sums leave DST between K steps when there is more than one.
    int64_t k_steps = 1;
    if (!info.k_loops.empty()) {
      const auto *extent = info.k_loops.back()->extent.as<tvm::IntImmNode>();
      k_steps = extent ? extent->value : 2;
    }
    info.partials = plan.subblocked && k_steps > 1;
    if (compute_) {
      TVM_FFI_THROW(ValueError)
          << what << ": a second T.gemm (into '" << acc->name
          << "'); one T.gemm per kernel, once per K step, is supported.";
    }
    compute_ = info;
    if (info.partials) {
      CBInfo cb;
      cb.index = kPartialsCB;
      cb.name = "cb_partials";
      cb.buffer = acc->name;
      cb.tensor = acc->name;
      cb.role = value::kCBRolePartials;
      cb.rows_tiles = mt;
      cb.cols_tiles = nt;
      cb.format = info.fp32 ? TileFormat::kFloat32 : info.acc_format;
      cb.depth = 1;
      cbs_.push_back(cb);
    }
  }

  /*! \brief The DST plan of an accumulator fragment (target.h PlanDst). */
  DstPlan PlanFor(const Buffer &acc) const {
    const std::vector<int64_t> shape = detail::StaticShape(acc, func_);
    if (shape.size() != 2 || shape[0] % target_.tile_rows != 0 ||
        shape[1] % target_.tile_cols != 0) {
      return DstPlan{}; // T.gemm reports the shape
    }
    return PlanDst(shape[0] / target_.tile_rows, shape[1] / target_.tile_cols,
                   acc->dtype == tvm::DataType::Float(32), transpose_a_,
                   dst_scratch_);
  }

  /*!
   * \brief The writer side of an output copy whose block compute packs
   *        sub-block by sub-block: for each sub-block (sm, sn), wait for its
   *        tiles, write each to its place in the tensor, barrier, pop.
   */
  template <typename Compute>
  Stmt SubblockWriter(const Compute &c, const tvm::tirx::Var &data,
                      const CBInfo &cb, const PrimExpr &cb_id) const {
    const PrimExpr row0 = cb.row0, col0 = cb.col0;
    const int64_t mt = c.mt, nt = c.nt, sh = c.sub_h, sw = c.sub_w;
    const PrimExpr n = detail::I32(sh * sw);
    Stmt writer = detail::SerialLoop("sm", mt / sh, [&](PrimExpr sm) {
      return detail::SerialLoop("sn", nt / sw, [&](PrimExpr sn) {
        Stmt writes = detail::SerialLoop("r", sh, [&](PrimExpr r) {
          return detail::SerialLoop("c", sw, [&](PrimExpr col) {
            return detail::Intrin(builtin::write_tile(),
                                  {data, row0 + sm * detail::I32(sh) + r,
                                   col0 + sn * detail::I32(sw) + col, cb_id,
                                   r * detail::I32(sw) + col, cb.batch});
          });
        });
        return detail::Seq(
            {detail::Intrin(builtin::cb_wait_front(), {cb_id, n}), writes,
             detail::Intrin(builtin::noc_async_write_barrier(), {}),
             detail::Intrin(builtin::cb_pop_front(), {cb_id, n})});
      });
    });
    return detail::RoleScope(ir::kRoleWriter, writer);
  }

  /*!
   * \brief Every shared buffer is a T.gemm operand, filled in the same loops
   *        as the T.gemm: the reader pushes one block per K step exactly
   *        when compute waits for one. Anything else deadlocks or leaves
   *        pages in a CB.
   */
  void RequireOperandsInTheGemmsLoop() const {
    auto loops = [](const std::vector<For> &l) {
      std::string s;
      for (const For &loop : l) {
        s += (s.empty() ? "'" : ", '") +
             std::string(loop->loop_var->name_hint) + "'";
      }
      return l.empty() ? std::string("no loop (once per output block)")
                       : "the loop(s) over " + s;
    };
    const std::vector<detail::ComputeStage> stages = ProgramStages();
    for (const CBInfo &cb : cbs_) {
      // (A matmul stage's operands.)
      const bool read = std::any_of(
          stages.begin(), stages.end(), [&](const detail::ComputeStage &s) {
            return s.op == value::kOpMatmul &&
                   (s.cb_in == cb.index || s.cb_b == cb.index);
          });
      if (cb.role != value::kCBRoleInput || !cb.broadcast.empty() || read) {
        continue;
      }
      if (!compute_ ||
          (cb.index != compute_->cb_a && cb.index != compute_->cb_b)) {
        const std::string op = !stages_.empty() ? "stage"
                               : compute_ && !compute_->reduce.empty()
                                   ? "reduction"
                                   : "T.gemm";
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': T.copy into '" << cb.buffer
            << "' fills a " << (stages_.empty() ? "shared buffer" : "buffer")
            << " no " << op << " reads; every "
            << (stages_.empty() ? "T.alloc_shared buffer must be an operand "
                                  "of the " +
                                      op
                                : std::string("block read in must be read by a "
                                              "stage (a reduction or an "
                                              "update)"))
            << ".";
      }
      if (!SameLoops(cb.loops, compute_->loops)) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': T.copy into '" << cb.buffer
            << "' is in " << loops(cb.loops)
            << " but the T.gemm reading it is in " << loops(compute_->loops)
            << "; copy each operand block in the same loop as the T.gemm.";
      }
    }
  }

  /*! \brief The plan will say C = A @ B: prove the offsets compute that
   *         (matmul_indexing.h) over the block nest (launch grid, loops and
   *         `if`s around the output block). Nothing when the kernel has no
   *         output copy (ComputeAttr names what is missing). */
  std::optional<detail::OutputBlocks> ProveIndexing() const {
    const CBInfo *out = nullptr;
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleOutput && compute_ &&
          cb.buffer == compute_->accumulator) {
        out = &cb;
      }
    }
    if (out == nullptr || out->tensor.empty()) {
      return std::nullopt;
    }
    std::vector<const ForNode *> loops;
    for (const For &loop : compute_->k_loops) {
      loops.push_back(loop.get());
    }
    detail::BlockNest nest;
    std::vector<For> dims = launch_loops_;
    std::sort(dims.begin(), dims.end(), [](const For &x, const For &y) {
      return std::string(x->thread_binding.value()->thread_tag) <
             std::string(y->thread_binding.value()->thread_tag);
    });
    dims.insert(dims.end(), block_.loops.begin(), block_.loops.end());
    for (const For &loop : dims) {
      const auto *min = loop->min.as<tvm::IntImmNode>();
      const auto *extent = loop->extent.as<tvm::IntImmNode>();
      const auto *step =
          loop->step ? loop->step.value().as<tvm::IntImmNode>() : nullptr;
      if (min == nullptr || extent == nullptr ||
          (loop->step && (step == nullptr || step->value != 1))) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': the loop over '"
            << loop->loop_var->name_hint << "' around the output block runs "
            << "from " << loop->min << " for " << loop->extent
            << " steps; loops around a whole output block (and launch grids) "
               "must have constant bounds and step 1.";
      }
      nest.dims.push_back({loop->loop_var, min->value, extent->value});
    }
    for (const Guard &g : block_.guards) {
      nest.guards.push_back(g.condition);
    }
    if (compute_->elementwise) {
      // Its inputs are read at the output's own offsets (ProveOperands);
      // the blocks a loop of stages reads, summed into the value a
      // reduction of the rows reads, hold the output's rows, whole.
      const ForNode *out_loop = OutputLoop();
      detail::BlockAccess rows = out->access;
      // (Unless a T.gemm adds into a value the loop carries, whose columns
      // are all of the output's: ProveMatmulStages.)
      const bool carried =
          std::any_of(cbs_.begin(), cbs_.end(),
                      [&](const CBInfo &cb) { return CarriedCB(cb); }) &&
          std::none_of(cbs_.begin(), cbs_.end(), [&](const CBInfo &cb) {
            return MatmulAccumulates(cb.index);
          });
      if (carried && out_loop == nullptr && out->access.shape.size() == 2 &&
          out->access.shape[1] != 1) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': T.copy into '" << out->tensor
            << "' writes a block of the 2-D tensor outside a loop of stages, "
               "in a kernel whose loop carries a value; supported after such "
               "a loop: the reduction's result written out, or a second loop "
               "of stages over the column blocks that writes the output "
               "(rms_norm_splitk's).";
      }
      if (out_loop != nullptr) {
        // The output block is the rows a loop of stages writes, a block of
        // their columns an iteration (rms_norm_splitk's second loop).
        rows.shape = {out->access.shape.at(0), 1};
        rows.col = detail::I32(0);
        rows.cols = 1;
      }
      for (const CBInfo &cb : cbs_) {
        const ForNode *loop = StageLoopOf(cb);
        // (A T.gemm's operands: ProveMatmulStages.)
        if (cb.role == value::kCBRoleInput && loop != nullptr &&
            !reading_loops_.count(loop) && MatmulReading(cb.index) == nullptr) {
          detail::ProveReduction(func_, nest, cb.access, rows,
                                 /*rows=*/true, target_.tile_rows, loop);
        }
      }
      if (out_loop == nullptr) {
        return detail::ProveBlockCoverage(func_, nest, out->access,
                                          target_.tile_rows);
      }
      return ProveOutputLoop(nest, *out, rows, out_loop);
    }
    if (!compute_->reduce.empty()) {
      for (const CBInfo &cb : cbs_) {
        if (cb.role == value::kCBRoleInput && cb.index == compute_->cb_a) {
          return detail::ProveReduction(
              func_, nest, cb.access, out->access,
              compute_->reduce_dim == value::kReduceDimRow, target_.tile_rows);
        }
      }
      // A staged program ending in a reduction (a sum of squares): the
      // value it reduces is made, element by element, from the blocks its
      // stages read, each of which must hold the output's own rows, whole.
      // (A block read in a loop of stages is summed into the value over
      // the loop's iterations, which together hold the whole rows.)
      std::optional<detail::OutputBlocks> blocks;
      for (const CBInfo &cb : cbs_) {
        if (cb.role == value::kCBRoleInput &&
            (cb.broadcast.empty() || cb.broadcast == value::kBroadcastNone)) {
          blocks = detail::ProveReduction(func_, nest, cb.access, out->access,
                                          compute_->reduce_dim ==
                                              value::kReduceDimRow,
                                          target_.tile_rows, StageLoopOf(cb));
        }
      }
      if (blocks) {
        return blocks;
      }
    }
    auto input = [&](int64_t index) -> const CBInfo & {
      for (const CBInfo &cb : cbs_) {
        if (cb.role == value::kCBRoleInput && cb.index == index) {
          return cb;
        }
      }
      TVM_FFI_THROW(InternalError) << "no input CB " << index;
      TVM_FFI_UNREACHABLE();
    };
    return detail::ProveMatmulIndexing(
        func_, nest, loops, input(compute_->cb_a).access,
        input(compute_->cb_b).access, out->access, compute_->transpose_a,
        compute_->transpose_b, target_.tile_rows);
  }

  /*! \brief The loop of stages the output is written in (one that reads a
   *         value made before it), or nullptr. */
  const ForNode *OutputLoop() const {
    if (compute_ && compute_->stage_loop != nullptr &&
        reading_loops_.count(compute_->stage_loop)) {
      return compute_->stage_loop;
    }
    return nullptr;
  }

  /*!
   * \brief The output written a block an iteration of the loop of stages
   *        `loop`: over the nest and the loop, its blocks tile the output
   *        once, and at each point of the nest the loop writes the blocks of
   *        one block of rows (`rows`, which must not move with the loop),
   *        each read from that iteration's blocks of the inputs, read in a
   *        loop of stages too. The block grid is the blocks of rows.
   */
  detail::OutputBlocks ProveOutputLoop(const detail::BlockNest &nest,
                                       const CBInfo &out,
                                       const detail::BlockAccess &rows,
                                       const ForNode *loop) const {
    const std::string what = "PrimFunc '" + func_ + "': T.copy into '" +
                             out.tensor + "' in the loop over '" +
                             std::string(loop->loop_var->name_hint) + "'";
    if (tvm::tirx::UsesVar(out.access.row, [&](const tvm::tirx::VarNode *v) {
          return v == loop->loop_var.get();
        })) {
      TVM_FFI_THROW(ValueError)
          << what << ": the block's row `" << detail::Brief(out.access.row)
          << "` * 32 moves with the loop; a loop of stages writes blocks of "
             "the columns of one block of rows.";
    }
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleInput && StageLoopOf(cb) == nullptr) {
        TVM_FFI_THROW(ValueError)
            << what << ": '" << cb.buffer << "' (from '" << cb.tensor
            << "') is copied outside a loop of stages; in a kernel that "
               "writes its output in a loop of stages, each block read is "
               "copied in the loop of stages that reads it.";
      }
    }
    detail::BlockNest with_loop = nest;
    const auto *extent = loop->extent.as<tvm::IntImmNode>();
    with_loop.dims.push_back({loop->loop_var, 0, extent->value});
    detail::ProveBlockCoverage(func_, with_loop, out.access, target_.tile_rows);
    return detail::ProveBlockCoverage(func_, nest, rows, target_.tile_rows);
  }

  /*!
   * \brief Once the indexing is proven, the lowered kernel walks the output's
   *        block grid instead of the kernel's own block nest: launch loops
   *          for bx in blockIdx.x (block columns):
   *            for by in blockIdx.y (block rows, batch after batch):
   *        and each CB's block offsets in those indices. Every point of the
   *        nest computed one output block, exactly once, from its own panels
   *        of A and B (ProveMatmulIndexing), so both compute the same; the
   *        schedule then splits the block grid over the cores. The nest's
   *        loops and `if`s were dropped while lowering; Bind statements that
   *        nothing uses any more are dropped here.
   */
  Stmt Canonicalize(Stmt body, const detail::OutputBlocks &blocks) const {
    const tvm::DataType i32 = tvm::DataType::Int(32);
    tvm::tirx::Var bx("bx", i32), by("by", i32);
    PrimExpr row_block = by;
    PrimExpr batch;
    std::vector<Stmt> prologue;
    const CBInfo *out = nullptr;
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleOutput) {
        out = &cb;
      }
    }
    const bool batched = out->access.batch.defined();
    if (batched) {
      tvm::tirx::Var b("batch", i32), r("row_block", i32);
      prologue.push_back(tvm::tirx::Bind(
          b, tvm::truncdiv(by, detail::I32(blocks.block_rows))));
      prologue.push_back(tvm::tirx::Bind(
          r, tvm::truncmod(by, detail::I32(blocks.block_rows))));
      batch = b;
      row_block = r;
    }
    PrimExpr k = detail::I32(0);
    if (!compute_->k_loops.empty()) {
      k = compute_->k_loops.front()->loop_var;
    }
    Map<tvm::tirx::Var, PrimExpr> offsets;
    auto place = [&](const CBInfo &cb, const PrimExpr &row,
                     const PrimExpr &col) {
      offsets.Set(cb.row0, row);
      offsets.Set(cb.col0, col);
      offsets.Set(cb.batch, cb.access.batch.defined() ? batch : detail::I32(0));
    };
    const PrimExpr c_row = row_block * detail::I32(out->rows_tiles);
    const PrimExpr c_col = bx * detail::I32(out->cols_tiles);
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleMask) {
        // The output block's rows; col0 stands for the rows' offset in the
        // reader's row term (LowerMask, ProveMasks).
        for (const detail::ComputeStage &s : stages_) {
          if (s.op == value::kOpMask && s.cb_out == cb.index) {
            place(cb, c_row, detail::I32(s.row_offset));
          }
        }
        continue;
      }
      if (cb.role == value::kCBRoleOutput && OutputLoop() != nullptr) {
        // Written a block of columns an iteration (ProveOutputLoop).
        place(cb, c_row, cb.access.col);
      } else if (cb.role == value::kCBRoleOutput) {
        place(cb, c_row, c_col);
      } else if (auto mm = matmul_place_.find(cb.index);
                 mm != matmul_place_.end()) {
        // A T.gemm stage's operand (ProveMatmulStages): along each axis all
        // of it, the output block's rows (columns), or the loop's block.
        const PrimExpr own[2] = {cb.access.row, cb.access.col};
        PrimExpr at[2];
        for (int axis = 0; axis < 2; ++axis) {
          const int how = mm->second[axis];
          at[axis] = how == kPlaceZero     ? detail::I32(0)
                     : how == kPlaceOutRow ? c_row
                                           : own[axis];
        }
        place(cb, at[0], at[1]);
      } else if (cb.role == value::kCBRoleInput && StageLoopOf(cb)) {
        // A block a loop of stages reads: the output block's rows, its
        // iteration's columns (LoopSlices: the same at every block).
        place(cb, c_row, cb.access.col);
      } else if (!cb.broadcast.empty()) {
        // An epilogue operand: the output block's own tiles (ProveOperands).
        place(cb, cb.broadcast == value::kBroadcastRow ? detail::I32(0) : c_row,
              cb.broadcast == value::kBroadcastCol ? detail::I32(0) : c_col);
        if (cb.offsets.size() == 3) {
          offsets.Set(cb.batch, batch);
        }
      } else if (cb.role == value::kCBRoleInput && cb.index == compute_->cb_a &&
                 !compute_->reduce.empty()) {
        // Whole rows, or whole columns (ProveReduction).
        if (compute_->reduce_dim == value::kReduceDimRow) {
          place(cb, c_row, detail::I32(0));
        } else {
          place(cb, detail::I32(0), c_col);
        }
      } else if (cb.role == value::kCBRoleInput && cb.index == compute_->cb_a) {
        if (compute_->transpose_a) { // A_shared is K x M
          place(cb, k * detail::I32(cb.rows_tiles), c_row);
        } else {
          place(cb, c_row, k * detail::I32(cb.cols_tiles));
        }
      } else if (cb.role == value::kCBRoleInput) {
        const PrimExpr k_off =
            k *
            detail::I32(compute_->transpose_b ? cb.cols_tiles : cb.rows_tiles);
        if (compute_->transpose_b) {
          place(cb, c_col, k_off);
        } else {
          place(cb, k_off, c_col);
        }
      }
    }
    body = tvm::tirx::Substitute(body, offsets);
    if (!loop_bounds_.empty()) {
      // A loop bounded per output block (ProveLoopBounds) runs min(n,
      // ceil((r0 + a) / d)) iterations, r0 the block's first row.
      std::map<const tvm::tirx::VarNode *, PrimExpr> counts;
      for (const auto &[loop, b] : loop_bounds_) {
        const PrimExpr r0 = c_row * detail::I32(target_.tile_rows);
        counts[loop->loop_var.get()] =
            tvm::min(detail::I32(b.extent),
                     tvm::floordiv(r0 + detail::I32(b.add + b.div - 1),
                                   detail::I32(b.div)));
      }
      struct Counts : public tvm::tirx::StmtMutator {
        std::map<const tvm::tirx::VarNode *, PrimExpr> *counts;
        Stmt VisitStmt_(const ForNode *op) final {
          Stmt stmt = StmtMutator::VisitStmt_(op);
          auto it = counts->find(op->loop_var.get());
          if (it == counts->end()) {
            return stmt;
          }
          For loop = tvm::Downcast<For>(stmt);
          loop.CopyOnWrite()->extent = it->second;
          return loop;
        }
      } mutator;
      mutator.counts = &counts;
      body = mutator(std::move(body));
    }
    auto launch = [&](const tvm::tirx::Var &v, int64_t extent, const char *tag,
                      Stmt inner) {
      tvm::tirx::IterVar iv(
          tvm::Range::FromMinExtent(detail::I32(0), detail::I32(extent)), v,
          tvm::tirx::IterVarType::kThreadIndex, tag);
      return For(v, detail::I32(0), detail::I32(extent),
                 tvm::tirx::ForKind::kThreadBinding, inner, iv);
    };
    // The launch loops go where T.Kernel's were: inside the function's
    // (allocation-free) root block.
    std::function<Stmt(Stmt)> wrap = [&](Stmt stmt) -> Stmt {
      if (const auto *realize = stmt.as<SBlockRealizeNode>();
          realize && realize->block->alloc_buffers.empty() &&
          realize->block->iter_vars.empty()) {
        auto copy = tvm::ffi::GetRef<tvm::tirx::SBlockRealize>(realize);
        auto block = copy->block;
        block.CopyOnWrite()->body = wrap(block->body);
        copy.CopyOnWrite()->block = block;
        return copy;
      }
      prologue.push_back(stmt);
      Stmt grid = launch(bx, blocks.block_cols, "blockIdx.x",
                         launch(by, blocks.batch * blocks.block_rows,
                                "blockIdx.y", detail::Seq(prologue)));
      auto scaler = std::find_if(cbs_.begin(), cbs_.end(), [](const CBInfo &c) {
        return c.role == value::kCBRoleScaler;
      });
      if (scaler == cbs_.end()) {
        return grid;
      }
      // The reduce scaler tile: written once, used by every block.
      const PrimExpr cb = detail::I32(scaler->index), one = detail::I32(1);
      return detail::Seq(
          {detail::RoleScope(
               ir::kRoleReader,
               detail::Seq(
                   {detail::Intrin(builtin::cb_reserve_back(), {cb, one}),
                    detail::Intrin(builtin::fill_scaler(),
                                   {cb, detail::I32(0)}),
                    detail::Intrin(builtin::cb_push_back(), {cb, one})})),
           grid});
    };
    body = DropUnusedBinds(wrap(body));
    // Nothing but the tile ops may use the nest's indices.
    std::vector<tvm::tirx::Var> nest;
    for (const For &loop : launch_loops_) {
      nest.push_back(loop->loop_var);
    }
    for (const For &loop : block_.loops) {
      nest.push_back(loop->loop_var);
    }
    for (const tvm::tirx::Var &v : nest) {
      if (tvm::tirx::UsesVar(body, [&](const tvm::tirx::VarNode *u) {
            return u == v.get();
          })) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': the kernel uses the block index '"
            << v->name_hint
            << "' outside its tile ops (T.copy offsets); the Tenstorrent "
               "backend lowers kernels whose block indices only place blocks.";
      }
    }
    return body;
  }

  /*! \brief `body` without the Bind statements whose variable it no longer
   *         uses (the nest's own `by = tile_id // n` and the like). */
  static Stmt DropUnusedBinds(Stmt body) {
    /*! Drops the unused Binds of one pass (a Bind only a dropped Bind used
     *  goes in the next). */
    class Dropper : public tvm::tirx::StmtMutator {
    public:
      explicit Dropper(const Stmt &all) : all_(all) {}
      bool dropped = false;

    private:
      Stmt VisitStmt_(const tvm::tirx::SeqStmtNode *op) final {
        std::vector<Stmt> kept;
        for (const Stmt &st : op->seq) {
          const auto *bind = st.as<tvm::tirx::BindNode>();
          if (bind &&
              !tvm::tirx::UsesVar(all_, [&](const tvm::tirx::VarNode *v) {
                return v == bind->var.get();
              })) {
            dropped = true;
            continue;
          }
          kept.push_back(VisitStmt(st));
        }
        return detail::Seq(kept);
      }
      Stmt all_;
    };
    for (bool again = true; again;) {
      Dropper dropper(body);
      body = dropper(body);
      again = dropper.dropped;
    }
    return body;
  }

  /*!
   * \brief tt.buffers describes a 1-D tensor as the 1 x n matrix of a row
   *        vector (InferDefaultTTShard); one the epilogue broadcasts over the
   *        columns (one value per row) is stored as the n x 1 matrix of a
   *        column vector instead: its values in column 0 of its tiles, where
   *        unary_bcast<BroadcastType::COL> takes them from.
   */
  PrimFunc ColumnVectors(PrimFunc f) const {
    auto buffers = f->GetAttr<Map<String, Any>>(attr::kBuffers);
    if (!buffers) {
      return f;
    }
    Map<String, Any> updated = buffers.value();
    for (const CBInfo &cb : cbs_) {
      // A reduction's (M,) result: one value per row, in column 0 (its
      // output is always a whole 1-D tensor region, PackSide).
      const bool reduced = compute_ &&
                           compute_->reduce_dim == value::kReduceDimRow &&
                           cb.role == value::kCBRoleOutput;
      if (cb.broadcast != value::kBroadcastCol && !reduced) {
        continue;
      }
      auto desc = updated.at(cb.tensor).cast<Map<String, Any>>();
      for (const char *key : {field::kFieldMatrix, field::kFieldPaddedShape,
                              field::kFieldTiles, field::kFieldPadded}) {
        std::vector<int64_t> v = detail::IntArrayField(desc, key);
        std::reverse(v.begin(), v.end());
        desc.Set(key, detail::ToIntegerArray(v));
      }
      updated.Set(cb.tensor, desc);
    }
    return tvm::WithAttr(std::move(f), attr::kBuffers, updated);
  }

  /*!
   * \brief The CBs' formats can share one program: TT-Metalium's JIT build
   *        refuses CBs that mix Float16_b and Float16 tiles (data_format.h
   *        SameExponentFamily).
   */
  void CheckProgramFormats() const {
    const CBInfo *first = nullptr;
    for (const CBInfo &cb : cbs_) {
      if (cb.format == TileFormat::kFloat32) {
        continue;
      }
      if (first == nullptr) {
        first = &cb;
      } else if (!SameExponentFamily(first->format, cb.format)) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': '" << cb.tensor << "' ("
            << SpecOf(cb.format).dtype << ") and '" << first->tensor << "' ("
            << SpecOf(first->format).dtype
            << ") cannot share a program: TT-Metalium's JIT build refuses "
               "circular buffers that mix Float16_b and Float16 tiles (their "
               "exponents differ); "
            << (cb.broadcast.empty()
                    ? "use one 16-bit dtype, or float32."
                    : "an epilogue's tensors are supported with bfloat16 "
                      "T.gemm operands only.");
      }
    }
    // (A T.gemm's operands: an element-wise or reduce program, staged or
    // not, has none.)
    if (!compute_ || compute_->elementwise || !compute_->reduce.empty()) {
      return;
    }
    const auto a =
        std::find_if(cbs_.begin(), cbs_.end(), [&](const CBInfo &cb) {
          return cb.index == compute_->cb_a;
        });
    if (a == cbs_.end() || a->format != TileFormat::kFloat32) {
      return;
    }
    for (const CBInfo &cb : cbs_) {
      if (cb.format == TileFormat::kFloat16) {
        // data_format.cpp: the conditional format of a program with 5-bit
        // exponents is Float16, so the operands would be unpacked to FP16.
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': float32 T.gemm operands beside the "
            << "float16 '" << cb.tensor
            << "': TT-Metalium's JIT would unpack the operands to FP16 "
               "instead of TF32, which the simulator does not model; use "
               "float32 or bfloat16 for '"
            << cb.tensor << "'.";
      }
      if (!cb.broadcast.empty()) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': the epilogue reads '" << cb.tensor
            << "' beside the float32 T.gemm operands '" << a->tensor
            << "': the reader moves tiles of one size; an epilogue's tensors "
               "are supported with bfloat16 operands.";
      }
    }
  }

  /*! \brief A tensor both read into a CB and written from one: the reader
   *         and writer would race on its pages. */
  void RejectInPlace() const {
    for (const CBInfo &out : cbs_) {
      for (const CBInfo &in : cbs_) {
        if (out.role == value::kCBRoleOutput &&
            in.role == value::kCBRoleInput && in.tensor == out.tensor) {
          TVM_FFI_THROW(ValueError)
              << "PrimFunc '" << func_ << "': tensor '" << out.tensor
              << "' is both read (T.copy into '" << in.buffer
              << "') and written (T.copy from '" << out.buffer
              << "'); in-place GEMMs are not supported: write the result to "
                 "a tensor of its own.";
        }
      }
    }
  }

  /*! \brief A staged program's stages: stages_ and, last, compute_'s
   *         update into the output tensor; stages_ alone before compute_
   *         exists, none in a program of one step. */
  std::vector<detail::ComputeStage> ProgramStages() const {
    std::vector<detail::ComputeStage> stages = stages_;
    if (stages.empty() || !compute_) {
      FixedBlocks(&stages);
      return stages;
    }
    // The last step: an update of the block, or a reduction whose result
    // is the output (a sum of squares).
    detail::ComputeStage last;
    last.op = compute_->reduce.empty() ? value::kOpEltwise : value::kOpReduce;
    last.reduce = compute_->reduce;
    last.reduce_dim = compute_->reduce_dim;
    last.in = compute_->a;
    last.cb_in = compute_->cb_a;
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleOutput &&
          cb.buffer == compute_->accumulator) {
        last.out = cb.tensor;
        last.cb_out = cb.index;
      }
    }
    last.epilogue = compute_->epilogue;
    if (const ForNode *loop = OutputLoop()) {
      last.loop.id = std::find(stage_loops_.begin(), stage_loops_.end(), loop) -
                     stage_loops_.begin();
      last.loop.extent = loop->extent.as<tvm::IntImmNode>()->value;
      last.loop.slices = last_slices_;
    }
    stages.push_back(last);
    FixedBlocks(&stages);
    return stages;
  }

  /*! \brief Each looped stage's tensor blocks copied outside its loop, read
   *         in every iteration (StageLoop::fixed). */
  void FixedBlocks(std::vector<detail::ComputeStage> *stages) const {
    for (detail::ComputeStage &s : *stages) {
      if (!s.loop.defined()) {
        continue;
      }
      s.loop.fixed.clear();
      for (int64_t index : detail::StageReads(s)) {
        for (const CBInfo &cb : cbs_) {
          if (cb.index == index && cb.role == value::kCBRoleInput &&
              StageLoopOf(cb) == nullptr) {
            s.loop.fixed.push_back(index);
          }
        }
      }
    }
  }

  /*! \brief tt.compute, with c the tensor the accumulator is copied to. */
  Map<String, Any> ComputeAttr() const {
    std::string c, staged;
    for (const CBInfo &cb : cbs_) {
      if (cb.role == value::kCBRoleOutput &&
          cb.buffer == compute_->accumulator) {
        c = cb.tensor;
        staged = cb.staged;
      }
    }
    if (c.empty()) {
      TVM_FFI_THROW(ValueError)
          << Where("T.gemm") << ": accumulator '" << compute_->accumulator
          << "' is never copied to a global tensor ("
          << (staged.empty()
                  ? "T.copy(" + compute_->accumulator + ", C[...])"
                  : "it is staged into '" + staged + "', which no T.copy(" +
                        staged + ", C[...]) writes out")
          << ").";
    }
    Map<String, Any> m;
    m.Set(field::kFieldOp,
          String(!stages_.empty()            ? value::kOpStages
                 : compute_->elementwise     ? value::kOpEltwise
                 : !compute_->reduce.empty() ? value::kOpReduce
                                             : value::kOpMatmul));
    if (!stages_.empty()) {
      // The program starts from the first stage's tensor.
      m.Set(field::kFieldStages, detail::StagesAttr(ProgramStages()));
    }
    if (!compute_->reduce.empty()) {
      m.Set(field::kFieldReduce, String(compute_->reduce));
      m.Set(field::kFieldReduceDim, String(compute_->reduce_dim));
    }
    // (A staged program's a: the first tensor a stage reads; a fill reads
    // none.)
    // (Or an operand's: an update of a carried value may start from it.)
    std::string a;
    auto tensor = [&](const std::string &name) {
      return std::any_of(cbs_.begin(), cbs_.end(), [&](const CBInfo &cb) {
        return cb.role == value::kCBRoleInput && cb.tensor == name;
      });
    };
    for (const detail::ComputeStage &s : stages_) {
      a = a.empty() && tensor(s.in) ? s.in : a;
      for (const detail::EpilogueOp &e : s.epilogue) {
        a = a.empty() && tensor(e.operand) ? e.operand : a;
      }
    }
    a = a.empty() ? compute_->a : a;
    m.Set(field::kFieldOperandA, String(a));
    m.Set(field::kFieldOperandB, String(compute_->b));
    m.Set(field::kFieldOperandC, String(c));
    m.Set(field::kFieldTransposeA, compute_->transpose_a);
    m.Set(field::kFieldTransposeB, compute_->transpose_b);
    m.Set(field::kFieldAccumulator, String(SpecOf(compute_->acc_format).dtype));
    // The stages share fp32 DST, a last reduction into bfloat16 too.
    const bool fp32 = compute_->fp32 || !stages_.empty();
    m.Set(field::kFieldFp32DestAccEn, fp32);
    m.Set(field::kFieldDstFullSyncEn, compute_->full_sync);
    m.Set(field::kFieldDstTiles, DstTiles(fp32, compute_->full_sync));
    m.Set(field::kFieldMathFidelity, String(target_.math_fidelity));
    m.Set(field::kFieldSubblock,
          Array<Integer>{compute_->sub_h, compute_->sub_w});
    m.Set(field::kFieldPartials, compute_->partials);
    m.Set(field::kFieldBatch, batch_);
    if (!compute_->epilogue.empty() && stages_.empty()) {
      m.Set(field::kFieldEpilogue, detail::EpilogueAttr(compute_->epilogue));
    }
    return m;
  }

  /*! \brief A ValueError unless the current tile op is in the loops
   *         T.clear is in (the block nest's): it happens once per output
   *         block. */
  void RequireOncePerBlock(const std::string &what, const std::string &how) {
    const std::vector<For> &nest = block_.loops;
    const size_t common = CommonLoops(nest, loops_);
    // (Once an iteration of a loop of stages that writes the output block
    // by block, reading a value made before it: rms_norm_splitk's second.)
    const bool stage_loop = common == nest.size() &&
                            common + 1 == loops_.size() &&
                            OutputLoop() == loops_.back().get();
    if (common < loops_.size() && !stage_loop) {
      TVM_FFI_THROW(ValueError) << what << " inside the loop over '"
                                << loops_.back()->loop_var->name_hint
                                << "' is not supported; " << how << ".";
    }
    if (common < nest.size() && reduce_out_ != nullptr) {
      TVM_FFI_THROW(ValueError)
          << Where("T.reduce_" + compute_->reduce + " into '" +
                   block_.accumulator + "'")
          << " inside the loop over '" << nest.back()->loop_var->name_hint
          << "', its result copied out after it: a reduction over blocks "
             "read in a loop is not supported yet; read whole rows (one "
             "T.copy of the block's rows and all columns) and reduce them "
             "once per output block.";
    }
    if (common < nest.size()) {
      TVM_FFI_THROW(ValueError)
          << Where("T.clear('" + block_.accumulator + "')")
          << " inside the loop over '" << nest.back()->loop_var->name_hint
          << "' is not supported; clear the accumulator once per output "
             "block, before the K loop.";
    }
  }

  /*! \brief How many outermost loops x and y share, told apart by their
   *         variable (names may repeat). */
  static size_t CommonLoops(const std::vector<For> &x,
                            const std::vector<For> &y) {
    size_t n = 0;
    while (n < x.size() && n < y.size() &&
           x[n]->loop_var.same_as(y[n]->loop_var)) {
      ++n;
    }
    return n;
  }

  /*! \brief `loops` without those of one iteration (which repeat nothing). */
  static std::vector<For> RepeatingLoops(const std::vector<For> &loops) {
    std::vector<For> kept;
    for (const For &loop : loops) {
      if (!tvm::tirx::is_one(loop->extent)) {
        kept.push_back(loop);
      }
    }
    return kept;
  }

  /*! \brief The same loops, by variable. */
  static bool SameLoops(const std::vector<For> &x, const std::vector<For> &y) {
    return x.size() == y.size() && CommonLoops(x, y) == x.size();
  }

  /*! \brief A ValueError unless the current tile op is inside exactly the
   *         `if`s T.clear is in (an `if` encloses a whole output block or
   *         no tile op). */
  void RequireBlockGuards(const std::string &op) const {
    for (const Guard &g : guards_) {
      if (g.in_else) {
        TVM_FFI_THROW(ValueError)
            << Where(op) << " in the else branch of `if "
            << detail::Brief(g.node->condition)
            << "` is not supported; tile ops (T.copy, T.clear, T.gemm) must "
               "run unconditionally, once per output block or once per K "
               "step.";
      }
    }
    const std::vector<Guard> &nest = block_.guards;
    size_t common = 0;
    while (common < nest.size() && common < guards_.size() &&
           nest[common].node == guards_[common].node) {
      ++common;
    }
    if (common < guards_.size()) {
      TVM_FFI_THROW(ValueError)
          << Where(op) << " inside `if "
          << detail::Brief(guards_[common].node->condition)
          << "` is not supported; tile ops (T.copy, T.clear, T.gemm) must run "
             "unconditionally, once per output block or once per K step (an "
             "`if` may enclose a whole output block: T.clear, the K loop and "
             "the output T.copy).";
    }
    if (common < nest.size()) {
      TVM_FFI_THROW(ValueError)
          << Where(op) << " is outside `if "
          << detail::Brief(nest[common].node->condition) << "`, which T.clear('"
          << block_.accumulator
          << "') is inside; an `if` around tile ops must enclose a whole "
             "output block: T.clear, the K loop and the output T.copy.";
    }
  }

  /*! \brief T.Kernel's blockIdx loops. */
  static bool IsBlockLaunch(const ForNode *op) {
    return op->kind == tvm::tirx::ForKind::kThreadBinding &&
           op->thread_binding &&
           std::string(op->thread_binding.value()->thread_tag)
                   .rfind("blockIdx.", 0) == 0;
  }

  /*! \brief `region` is the whole buffer of `shape`, or one (rows, cols)
   *         slice of it (leading extents 1). */
  static bool IsMatrixRegion(const detail::RegionOperand &region,
                             const std::vector<int64_t> &shape) {
    const size_t rank = shape.size();
    return IsBlockRegion(region, shape) &&
           detail::MatrixShape(region.extents) == detail::MatrixShape(shape) &&
           tvm::tirx::is_zero(region.mins[rank - 2]) &&
           tvm::tirx::is_zero(region.mins[rank - 1]);
  }

  /*! \brief "A_shared[0:32, 32:64]" for messages. */
  static std::string RegionString(const detail::RegionOperand &region) {
    std::string out = std::string(region.buffer->name) + "[";
    for (size_t i = 0; i < region.extents.size(); ++i) {
      PrimExpr end = tvm::arith::Analyzer().Simplify(
          region.mins[i] +
          tvm::IntImm(region.mins[i].dtype(), region.extents[i]));
      out += (i ? ", " : "") + detail::Brief(region.mins[i]) + ":" +
             detail::Brief(end);
    }
    return out + "]";
  }

  /*! \brief `region` is one (rows, cols) block of a buffer of `shape`:
   *         leading extents 1. */
  static bool IsBlockRegion(const detail::RegionOperand &region,
                            const std::vector<int64_t> &shape) {
    const size_t rank = shape.size();
    if (rank < 2 || region.extents.size() != rank) {
      return false;
    }
    for (size_t i = 0; i + 2 < rank; ++i) {
      if (region.extents[i] != 1) {
        return false;
      }
    }
    return true;
  }

  /*! \brief A T.clear of a shared buffer is dropped (LowerFill); that is
   *         only exact for an input CB's buffer (each K step overwrites
   *         what the T.gemm reads before it reads it). */
  /*! \brief A float32 value a T.gemm stage multiplies (TF32 in the source
   *         registers) is not read into DST too: its CB unpacks one way
   *         (stages.h ReadsOf). */
  void RequireMatmulOperandsReadOneWay() const {
    const std::vector<detail::ComputeStage> stages = ProgramStages();
    for (const detail::ComputeStage &s : stages) {
      if (s.op != value::kOpMatmul) {
        continue;
      }
      for (int64_t index : {s.cb_in, s.cb_b}) {
        const CBInfo &cb =
            *std::find_if(cbs_.begin(), cbs_.end(),
                          [&](const CBInfo &x) { return x.index == index; });
        if (cb.format == TileFormat::kFloat32 &&
            detail::ReadsOf(stages, index).moved) {
          TVM_FFI_THROW(ValueError)
              << "PrimFunc '" << func_ << "': the float32 '" << ValueName(cb)
              << "' is multiplied by a T.gemm (as TF32, through the matrix "
                 "unit's source registers) and read by an update too (into "
                 "DST, exactly); its CB unpacks one way. Cast it to bfloat16 "
                 "for the T.gemm (flash attention's acc_s_cast), or multiply "
                 "a copy.";
        }
      }
    }
  }

  void RequireClearedSharedAreOperands() const {
    for (const Buffer &buf : cleared_shared_) {
      auto it = cb_of_.find(buf.get());
      if (it == cb_of_.end() || cbs_[it->second].role != value::kCBRoleInput) {
        TVM_FFI_THROW(ValueError)
            << Where("T.clear('" + std::string(buf->name) + "')")
            << " clears a shared buffer no T.copy from a global tensor fills; "
               "only the accumulator, or a T.gemm operand's shared buffer "
               "before the T.copy that fills it, can be cleared.";
      }
    }
  }

  /*! \brief Stand-ins for a CB's block offsets (see CBInfo). */
  static void Placeholders(CBInfo *cb) {
    const tvm::DataType i32 = tvm::DataType::Int(32);
    cb->row0 = tvm::tirx::Var(cb->name + "_row0", i32);
    cb->col0 = tvm::tirx::Var(cb->name + "_col0", i32);
    cb->batch = tvm::tirx::Var(cb->name + "_batch", i32);
  }

  /*! \brief The format a CB holds `dtype` in: its own, but float16 as
   *         float32 in a kernel whose float16 tensors are widened (the
   *         reader widens each tile it reads, the writer narrows each it
   *         writes: WidensFloat16), its float16 values with them. */
  std::optional<TileFormat> HeldFormat(tvm::DataType dtype) const {
    const std::optional<TileFormat> format = TileFormatOf(dtype);
    return format == TileFormat::kFloat16 && widen_float16_
               ? TileFormat::kFloat32
               : format;
  }

  /*!
   * \brief The tile format `global`'s CB holds (HeldFormat): a ValueError
   *        if its dtype has none (data_format.h), or if `refuse` gives a
   *        reason not to take that format here (it returns "" to accept it).
   */
  TileFormat
  TensorFormat(const Buffer &global, const std::string &what,
               const std::function<std::string(TileFormat)> &refuse = nullptr) {
    const std::optional<TileFormat> format = HeldFormat(global->dtype);
    const std::string why =
        !format  ? std::string("supported: bfloat16, float16 and float32 "
                               "tensors")
        : refuse ? refuse(*format)
                 : std::string();
    if (why.empty()) {
      return *format;
    }
    TVM_FFI_THROW(ValueError)
        << what << ": '" << global->name << "' has dtype "
        << detail::DtypeString(global) << "; " << why << ".";
  }

  /*!
   * \brief The reader's side of filling `cb` with one block of the tensor
   *        `data`: reserve; read each tile into its slot (row-major, from the
   *        block's placeholder offsets); barrier; push.
   */
  static Stmt ReaderBlock(const CBInfo &cb, const tvm::tirx::Var &data) {
    const PrimExpr cb_id = detail::I32(cb.index);
    const PrimExpr n = detail::I32(cb.block_tiles());
    Stmt reads = detail::SerialLoop("r", cb.rows_tiles, [&](PrimExpr r) {
      return detail::SerialLoop("c", cb.cols_tiles, [&](PrimExpr c) {
        return detail::Intrin(builtin::read_tile(),
                              {data, cb.row0 + r, cb.col0 + c, cb_id,
                               r * detail::I32(cb.cols_tiles) + c, cb.batch});
      });
    });
    return detail::RoleScope(
        ir::kRoleReader,
        detail::Seq({detail::Intrin(builtin::cb_reserve_back(), {cb_id, n}),
                     reads,
                     detail::Intrin(builtin::noc_async_read_barrier(), {}),
                     detail::Intrin(builtin::cb_push_back(), {cb_id, n})}));
  }

  /*! \brief The next input CB (c_0.., "cb_in<n>"), filled by the reader. */
  CBInfo NewInputCB(const std::string &what) {
    if (num_inputs_ == kMaxInputCBs) {
      TVM_FFI_THROW(ValueError) << what << ": more than " << kMaxInputCBs
                                << " input circular buffers.";
    }
    CBInfo cb;
    cb.index = num_inputs_;
    cb.name = "cb_in" + std::to_string(num_inputs_++);
    cb.role = value::kCBRoleInput;
    return cb;
  }

  std::string Where(const std::string &op) const {
    return "PrimFunc '" + func_ + "': " + op;
  }

  /*! \brief tt.cbs: one map per CB, ordered by index. */
  Array<Map<String, Any>> CBAttr() const {
    std::vector<CBInfo> sorted = cbs_;
    std::sort(
        sorted.begin(), sorted.end(),
        [](const CBInfo &a, const CBInfo &b) { return a.index < b.index; });
    Array<Map<String, Any>> out;
    for (const CBInfo &cb : sorted) {
      const TileFormatSpec &spec = SpecOf(cb.format);
      const int64_t page_bytes = target_.TileBytes(cb.format);
      Map<String, Any> m;
      m.Set(field::kFieldIndex, cb.index);
      m.Set(field::kFieldName, String(cb.name));
      m.Set(field::kFieldRole, String(cb.role));
      m.Set(field::kFieldBuffer, String(cb.buffer));
      m.Set(field::kFieldTensor, String(cb.tensor));
      m.Set(field::kFieldDtype, String(spec.dtype));
      m.Set(field::kFieldDataFormat, String(spec.data_format));
      m.Set(field::kFieldPageBytes, page_bytes);
      m.Set(field::kFieldBlockTiles, cb.block_tiles());
      m.Set(field::kFieldNumPages, cb.block_tiles() * cb.depth);
      out.push_back(m);
    }
    return out;
  }

  std::string func_;
  TTTargetInfo target_;
  tvm::arith::Analyzer analyzer_;
  std::set<const tvm::tirx::BufferNode *> globals_, shared_, fragments_;
  /*! \brief Accumulators cleared by T.clear / accumulated into by T.gemm. */
  std::set<const tvm::tirx::BufferNode *> cleared_, accumulated_;
  /*! \brief Shared buffer an accumulator is staged through -> position of
   *         its output CB in cbs_. */
  std::map<const tvm::tirx::BufferNode *, size_t> staged_;
  /*! \brief Fragment a T.gemm operand was copied into -> the shared buffer
   *         it came from (the CB the T.gemm reads). */
  std::map<const tvm::tirx::BufferNode *, Buffer> operand_of_;
  /*! \brief The compute side PackSide built. */
  Stmt pack_stmt_;
  /*! \brief Shared buffer -> position in cbs_. */
  std::map<const tvm::tirx::BufferNode *, size_t> cb_of_;
  std::vector<CBInfo> cbs_;
  int64_t num_inputs_ = 0, num_outputs_ = 0;
  /*! \brief The kernel's matmul (tt.compute), once a T.gemm is seen. */
  struct ComputeInfo {
    std::string a, b, accumulator;
    int64_t cb_a = -1, cb_b = -1;
    /*! \brief The kernel loops around the T.gemm; the K loop(s) among them
     *         (those inside the block nest). */
    std::vector<For> loops, k_loops;
    bool fp32 = true, full_sync = false;
    /*! \brief The accumulator's format: fp32 DST for float32, else DST
     *         holds 16-bit values of this format (bf16 or fp16). */
    TileFormat acc_format = TileFormat::kFloat32;
    /*! \brief DstPlan: sub-blocks of sub_h x sub_w tiles; partial sums in
     *         a partials CB between K steps. */
    bool subblocked = false, partials = false, transpose_a = false,
         transpose_b = false;
    /*! \brief An element-wise kernel: c = epilogue(a), no matmul. */
    bool elementwise = false;
    /*! \brief A reduction c = reduce(a): kReduceSum / kReduceMax (empty
     *         otherwise), along rows (kReduceDimRow: c[i] = reduce(a[i, :]))
     *         or columns (kReduceDimCol: c[j] = reduce(a[:, j])). */
    std::string reduce, reduce_dim;
    /*! \brief T.Parallel epilogues on the accumulator, in order; whether the
     *         accumulator has been copied out (no epilogue may follow). */
    std::vector<detail::EpilogueOp> epilogue;
    bool packed = false;
    int64_t mt = 0, nt = 0, sub_h = 0, sub_w = 0;
    /*! \brief A stage lowered inside a loop of stages: that loop. */
    const ForNode *stage_loop = nullptr;
  };
  std::optional<ComputeInfo> compute_;
  /*! \brief Loop variables of the kernel's own loops around the visit. */
  /*! \brief (Loops are told apart by their variable, not their name: two
   *         loops may both be called `i`.) */
  /*! \brief The results of reductions with clear=False, and the
   *         constant each was last filled with (LowerFill, LowerReduce). */
  std::set<const tvm::tirx::BufferNode *> combined_reduce_dsts_;
  /*! \brief The names of the function's buffers (UniqueValueName). */
  std::set<std::string> buffers_;
  /*! \brief Each global tensor's dtype as the kernel declares it (its CB's
   *         format may differ: widen_float16_). */
  std::map<std::string, std::string> global_dtypes_;
  struct ReduceStart {
    float value = 0.0f;
    std::vector<For> loops; // the loops around the T.fill
    /*! \brief Its `if`s, each with the branch taken (Branches()). */
    std::vector<std::pair<const tvm::tirx::IfThenElseNode *, bool>> branches;
  };

  /*! \brief The `if`s around the visit, each with whether it is in the
   *         else branch. */
  std::vector<std::pair<const tvm::tirx::IfThenElseNode *, bool>>
  Branches() const {
    std::vector<std::pair<const tvm::tirx::IfThenElseNode *, bool>> out;
    for (const Guard &g : guards_) {
      out.emplace_back(g.node, g.in_else);
    }
    return out;
  }
  std::map<const tvm::tirx::BufferNode *, ReduceStart> reduce_starts_;
  std::vector<For> loops_;
  /*! \brief Bind variables seen so far and their (substituted) values. */
  Map<tvm::tirx::Var, PrimExpr> binds_;
  /*! \brief The `if`s around the visit. */
  std::vector<Guard> guards_;
  /*! \brief The launch grid's blockIdx loops, as the kernel wrote them. */
  std::vector<For> launch_loops_;
  /*! \brief Where T.clear is: the loops and `if`s of the block nest. */
  struct {
    bool set = false;
    std::string accumulator;
    std::vector<For> loops;
    std::vector<Guard> guards;
  } block_;
  /*! \brief Matrices in the output (tt.compute batch). */
  int64_t batch_ = 1;
  /*! \brief Shared buffers T.clear zeroes (before their T.copy). */
  std::vector<Buffer> cleared_shared_;
  /*! \brief The kernel's T.gemm has transpose_A (seen before lowering). */
  bool transpose_a_ = false;
  /*! \brief DST tiles an epilogue needs beside the accumulator's. */
  int64_t dst_scratch_ = 0;
  /*! \brief The kernel has a T.gemm (else it may be element-wise), whose
   *         accumulator the output block is (not a stage: gemm_stages_). */
  bool has_gemm_ = false;
  /*! \brief The kernel's T.gemm's are stages of a program (it reduces
   *         too: LowerGemmStage); their accumulators, and those a T.clear
   *         set to zero for the T.gemm after it (with the loops around). */
  bool gemm_stages_ = false;
  /*! \brief float16 tensors (and values) of this kernel of stages move
   *         through Float32 CBs: widened by the reader, narrowed by the
   *         writer. */
  bool widen_float16_ = false;
  std::set<const tvm::tirx::BufferNode *> gemm_accs_, gemm_operands_;
  std::map<const tvm::tirx::BufferNode *, std::vector<For>> gemm_clears_;
  /*! \brief Where each matmul stage's operand block lies along its rows
   *         and columns (ProveMatmulStages, for Canonicalize): all of the
   *         axis from 0, the output block's, or the loop's block. */
  enum { kPlaceZero, kPlaceOutRow, kPlaceLoop };
  std::map<int64_t, std::array<int, 2>> matmul_place_;
  /*! \brief A staged element-wise kernel's result (C_local), which its
   *         output T.copy writes out. */
  const tvm::tirx::BufferNode *eltwise_out_ = nullptr;
  /*! \brief The fragments T.reduce reads, and its result. */
  std::set<const tvm::tirx::BufferNode *> reduce_srcs_;
  /*! \brief A shared vector a rank-1 T.copy filled: the tensor and the
   *         offset its reads add (ReadVectorCopies). */
  std::map<const tvm::tirx::BufferNode *, std::pair<Buffer, PrimExpr>>
      vector_copies_;
  /*! \brief The fragments SplitParallel made (fragments_ points at them). */
  std::vector<Buffer> temps_;
  const tvm::tirx::BufferNode *reduce_out_ = nullptr;
  /*! \brief The stages before the current compute_ (stages.h), and each
   *         stage value's fragment -> its intermediate CB's position. */
  std::vector<detail::ComputeStage> stages_;
  std::map<const tvm::tirx::BufferNode *, size_t> stage_values_;
  /*! \brief A fragment a T.Parallel inside a serial loop updates in place
   *         (A_local[i, j] += ...) -> that loop: filled before it, the value
   *         is carried across the loop's iterations (a loop of stages). */
  std::map<const tvm::tirx::BufferNode *, const ForNode *> carried_;
  /*! \brief The carried values whose fill was lowered (LowerCarriedFill). */
  std::set<const tvm::tirx::BufferNode *> carried_filled_;
  /*! \brief A mask stage's row term (the query row of element (0, c),
   *         in the kernel's block indices), proven the output block's row
   *         plus a constant once the output is known (ProveMasks). */
  struct MaskRows {
    int64_t cb; // the mask stage's CB (its value's)
    PrimExpr rows;
    std::string what;
  };
  std::vector<MaskRows> mask_rows_;
  /*! \brief The loops of stages whose count is bounded per output block
   *         (StageLoopOf, ProveLoopBounds: `add` once proven). */
  struct ProvenBound : LoopBound {
    int64_t add = 0;
    ProvenBound(const LoopBound &b) : LoopBound(b) {} // NOLINT
  };
  std::map<const ForNode *, ProvenBound> loop_bounds_;
  /*! \brief Loops of stages that carry nothing but read a value made before
   *         them (ReadsValueMadeBefore). */
  std::set<const ForNode *> reading_loops_;
  /*! \brief The last stage's slices, when it runs in a loop (OutputLoop). */
  std::vector<detail::LoopSlice> last_slices_;
  /*! \brief The loops of stages seen (stages.h StageLoop ids: positions). */
  std::vector<const ForNode *> stage_loops_;
  /*! \brief The error for a column sum on 16-bit DST, raised unless the
   *         reduction turns out to be a stage (fp32 DST). */
  std::string column_sum_16bit_;
  /*! \brief The stored axis order of the global tensors whose rows are not
   *         their second-last axis (tt.buffers `axes`). */
  std::unordered_map<const tvm::tirx::BufferNode *, std::vector<int64_t>>
      stored_axes_;
};

} // namespace

namespace transform {

Pass MemorySpaceLowerTT() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return MemorySpaceLowerer::Apply(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(
      pass_func, 0, "tl.tt.MemorySpaceLowerTT", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.MemorySpaceLowerTT",
                                        MemorySpaceLowerTT);
}

} // namespace transform
} // namespace tilelang_tt
