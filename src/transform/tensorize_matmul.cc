/*!
 * \file tensorize_matmul.cc
 * \brief Lower block matmuls on circular buffers to tile matmuls in DST.
 */

#include <tvm/ffi/extra/structural_equal.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>
#include <tvm/tirx/transform.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common.h"
#include "epilogue.h"
#include "ir_builder.h"
#include "stages.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"
#include "tilelang_tt/target.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::PrimExpr;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::CallNode;
using tvm::tirx::EvaluateNode;
using tvm::tirx::ForNode;
using tvm::tirx::PrimFunc;
using tvm::tirx::Stmt;

namespace {

constexpr const char *kPassName = "TensorizeTT";

/*! \brief Constant int argument `i` of a TT intrinsic call. */
int64_t ConstArg(const CallNode *call, int i) {
  const auto *imm = call->args[i].as<tvm::IntImmNode>();
  TVM_FFI_ICHECK(imm) << kPassName << ": argument " << i << " of " << call->op
                      << " must be a constant";
  return imm->value;
}

/*!
 * \brief The unpackers' source formats through a staged program: each
 *        unpack of a CB (copy_init, unary_bcast_init: SrcA; a reduction's
 *        two CBs: SrcA and SrcB) needs the unpacker configured from a CB of
 *        the same format and unpack destination (a Float32 CB either
 *        through the source registers as TF32, or UnpackToDestFp32 straight
 *        into DST), so a reconfig_data_format_srca (or, for a reduction,
 *        reconfig_data_format) goes before each unpack whose CB differs from
 *        the one the unpacker was last set up from. A loop's body starts from
 *        the state it ends in (the back edge), reached before the loop; the
 *        kernel starts from compute_kernel_hw_startup's CB.
 */
class SourceFormats : public tvm::tirx::StmtExprMutator {
public:
  SourceFormats(std::map<int64_t, std::string> classes, int64_t startup)
      : classes_(std::move(classes)), srca_(startup), srcb_(startup) {}

  Stmt VisitStmt_(const tvm::tirx::AttrStmtNode *op) final {
    const bool compute = op->attr_key == ir::kRoleAttr;
    const bool outer = in_compute_;
    in_compute_ = in_compute_ || compute;
    Stmt stmt = StmtExprMutator::VisitStmt_(op);
    in_compute_ = outer;
    return stmt;
  }

  Stmt VisitStmt_(const ForNode *op) final {
    const int64_t a = srca_, b = srcb_;
    Stmt once = StmtExprMutator::VisitStmt_(op);
    if (Same(srca_, a) && Same(srcb_, b)) {
      return once;
    }
    // The back edge arrives in the state the body ends in: start from it.
    const int64_t end_a = srca_, end_b = srcb_;
    Stmt loop = StmtExprMutator::VisitStmt_(op);
    Stmt before =
        Same(srcb_, b)
            ? detail::Intrin(builtin::reconfig_srca(),
                             {detail::I32(a), detail::I32(end_a)})
            : detail::Intrin(builtin::reconfig_srcs(),
                             {detail::I32(end_a), detail::I32(end_b)});
    if (!in_compute_) {
      before = detail::RoleScope(ir::kRoleCompute, before);
    }
    return detail::Seq({before, loop});
  }

  Stmt VisitStmt_(const EvaluateNode *op) final {
    const auto *call = op->value.as<CallNode>();
    if (call == nullptr) {
      return tvm::ffi::GetRef<Stmt>(op);
    }
    auto arg = [&](size_t i) {
      return call->args[i].as<tvm::IntImmNode>()->value;
    };
    const Stmt self = tvm::ffi::GetRef<Stmt>(op);
    if (call->op.same_as(builtin::reconfig_srcs())) {
      srca_ = arg(0);
      srcb_ = arg(1);
      return self;
    }
    if (call->op.same_as(builtin::reconfig_srca())) {
      srca_ = arg(1);
      return self;
    }
    if (call->op.same_as(builtin::copy_init()) ||
        call->op.same_as(builtin::bcast_init())) {
      const int64_t cb = arg(0);
      if (Same(srca_, cb)) {
        return self;
      }
      Stmt reconfig = detail::Intrin(builtin::reconfig_srca(),
                                     {detail::I32(srca_), detail::I32(cb)});
      srca_ = cb;
      return detail::Seq({reconfig, self});
    }
    if (call->op.same_as(builtin::matmul_reinit())) {
      // The matrix unit unpacks in0 into SrcB and in1 into SrcA.
      const int64_t a = arg(1), b = arg(0);
      if (Same(srca_, a) && Same(srcb_, b)) {
        return self;
      }
      srca_ = a;
      srcb_ = b;
      return detail::Seq({detail::Intrin(builtin::reconfig_srcs(),
                                         {detail::I32(a), detail::I32(b)}),
                          self});
    }
    if (call->op.same_as(builtin::reduce_init())) {
      // A sum along rows has the scaler in SrcA (its reconfig comes first);
      // the others the data in SrcA, the scaler in SrcB.
      const int64_t in = arg(0), scaler = arg(1);
      const bool swapped =
          call->args[3].as<tvm::tirx::StringImmNode>()->value ==
              value::kReduceSum &&
          call->args[4].as<tvm::tirx::StringImmNode>()->value ==
              value::kReduceDimRow;
      const int64_t a = swapped ? scaler : in, b = swapped ? in : scaler;
      if (Same(srca_, a) && Same(srcb_, b)) {
        return self;
      }
      srca_ = a;
      srcb_ = b;
      return detail::Seq({detail::Intrin(builtin::reconfig_srcs(),
                                         {detail::I32(a), detail::I32(b)}),
                          self});
    }
    return self;
  }

private:
  /*! \brief Whether CBs x and y unpack alike (format and destination). */
  bool Same(int64_t x, int64_t y) const {
    return classes_.at(x) == classes_.at(y);
  }

  std::map<int64_t, std::string> classes_;
  int64_t srca_, srcb_;
  bool in_compute_ = false;
};

/*!
 * \brief Replaces each gemm_block with matmul_tiles loops and puts one
 *        matmul_init in front of the kernel's launch loops.
 */
class MatmulTensorizer : public tvm::tirx::StmtExprMutator {
public:
  static PrimFunc Apply(PrimFunc f) {
    Array<Map<String, Any>> cbs =
        f->GetAttr<Array<Map<String, Any>>>(attr::kCBs).value_or({});
    if (!f->GetAttr<Array<Map<String, Any>>>(attr::kCBs)) {
      TVM_FFI_THROW(ValueError)
          << kPassName << ": PrimFunc '" << detail::FuncName(f)
          << "' has no tt.cbs attribute; run MemorySpaceLowerTT first.";
    }
    auto compute = f->GetAttr<Map<String, Any>>(attr::kCompute);
    if (!compute) {
      TVM_FFI_THROW(ValueError)
          << kPassName << ": PrimFunc '" << detail::FuncName(f)
          << "' has no tt.compute attribute; run MemorySpaceLowerTT first.";
    }
    MatmulTensorizer tensorizer(detail::FuncName(f));
    tensorizer.dst_tiles_ =
        detail::IntField(compute.value(), field::kFieldDstTiles);
    tensorizer.dst_mode_ = DstModeName(
        detail::BoolField(compute.value(), field::kFieldFp32DestAccEn),
        detail::BoolField(compute.value(), field::kFieldDstFullSyncEn));
    const std::vector<int64_t> sub =
        detail::IntArrayField(compute.value(), field::kFieldSubblock);
    tensorizer.sub_h_ = sub.at(0);
    tensorizer.sub_w_ = sub.at(1);
    tensorizer.transpose_a_ =
        detail::BoolField(compute.value(), field::kFieldTransposeA);
    tensorizer.epilogue_ = detail::EpilogueFromAttr(compute.value());
    tensorizer.stages_ = detail::StagesFromAttr(compute.value());
    if (compute.value().count(field::kFieldReduce)) {
      tensorizer.reduce_ =
          detail::StrField(compute.value(), field::kFieldReduce);
      tensorizer.reduce_dim_ =
          detail::StrField(compute.value(), field::kFieldReduceDim);
    }
    for (const auto &cb : cbs) {
      const std::string role = detail::StrField(cb, field::kFieldRole);
      const int64_t index = detail::IntField(cb, field::kFieldIndex);
      tensorizer.formats_[index] =
          detail::StrField(cb, field::kFieldDataFormat);
      tensorizer.block_tiles_[index] =
          detail::IntField(cb, field::kFieldBlockTiles);
      if (role == value::kCBRoleOutput) {
        tensorizer.output_cbs_.push_back(index);
      } else if (role == value::kCBRolePartials) {
        tensorizer.partials_cb_ = index;
      }
    }
    if (detail::BoolField(compute.value(), field::kFieldPartials) !=
        (tensorizer.partials_cb_ >= 0)) {
      TVM_FFI_THROW(ValueError)
          << kPassName << ": PrimFunc '" << detail::FuncName(f)
          << "': tt.compute and tt.cbs disagree on the partials CB.";
    }
    auto *n = f.CopyOnWrite();
    n->body = tensorizer(n->body);
    return f;
  }

private:
  explicit MatmulTensorizer(std::string func) : func_(std::move(func)) {}

  /*! \brief The outermost launch loop gets the kernel-wide matmul_init. */
  Stmt VisitStmt_(const ForNode *op) final {
    const bool launch = op->kind == tvm::tirx::ForKind::kThreadBinding;
    const bool outermost = launch && !inside_launch_;
    if (outermost) {
      inside_launch_ = true;
    }
    if (!launch) {
      loops_.push_back(op);
    }
    Stmt stmt = StmtExprMutator::VisitStmt_(op);
    if (!launch) {
      loops_.pop_back();
    }
    if (auto after = pops_after_.find(op); after != pops_after_.end()) {
      // Values made before a loop of stages, popped once it is done (and
      // the last version of one no stage read, waited for first).
      std::vector<Stmt> done = Waits(waits_after_[op]);
      done.push_back(Pops(after->second));
      stmt = detail::Seq(
          {stmt, detail::RoleScope(ir::kRoleCompute, detail::Seq(done))});
    }
    if (outermost && startup_args_) {
      inside_launch_ = false;
      Stmt startup =
          detail::Intrin(builtin::hw_startup(), startup_args_.value());
      if (reduce_.empty() && stages_.empty()) {
        return detail::Seq(
            {detail::RoleScope(ir::kRoleCompute, startup), stmt});
      }
      if (!stages_.empty()) {
        // Each CB a stage unpacks: its format, and a Float32 one's way in
        // (stages.h UnpacksToDest).
        std::map<int64_t, std::string> classes;
        for (const auto &[cb, format] : formats_) {
          classes[cb] = format;
          if (detail::UnpacksToDest(stages_, cb, format)) {
            classes[cb] += "/to_dest";
          }
        }
        const int64_t first =
            startup_args_.value()[0].as<tvm::IntImmNode>()->value;
        stmt = SourceFormats(classes, first)(stmt);
      }
      return detail::Seq(
          {detail::RoleScope(ir::kRoleCompute,
                             detail::Seq({startup, reduce_setup_})),
           stmt, detail::RoleScope(ir::kRoleCompute, reduce_teardown_)});
    }
    if (!outermost || !init_args_) {
      return stmt;
    }
    inside_launch_ = false;
    Array<PrimExpr> args = init_args_.value();
    if (block_dims_) {
      for (int64_t d : *block_dims_) {
        args.push_back(detail::I32(d));
      }
    }
    Stmt init = detail::RoleScope(
        ir::kRoleCompute,
        detail::Intrin(block_dims_ ? builtin::matmul_block_init()
                                   : builtin::matmul_init(),
                       args));
    return detail::Seq({init, stmt});
  }

  /*!
   * \brief transpose_block(cb_in, cb_out, rows, cols): the rows x cols-tile
   *        block at cb_in's front, transposed into cb_out (cols x rows tiles,
   *        row-major). transpose_tile unpacks a tile transposed into DST, so
   *        the block goes through DST in groups that fit it: take DST,
   *        transpose a group, hand it to the packer, which writes it in
   *        order into cb_out; release.
   */
  Stmt LowerTranspose(const CallNode *call) {
    using detail::I32;
    using detail::Intrin;
    const int64_t in = ConstArg(call, 0), out = ConstArg(call, 1);
    const int64_t rows = ConstArg(call, 2), cols = ConstArg(call, 3);
    const int64_t n = rows * cols;
    int64_t group = 1;
    for (int64_t d = 1; d <= std::min(n, dst_tiles_); ++d) {
      if (n % d == 0) {
        group = d;
      }
    }
    Stmt groups = detail::SerialLoop("g", n / group, [&](PrimExpr g) {
      // Output slot q = (col, row) row-major in cb_out is input tile
      // (row, col): slot row * cols + col of cb_in.
      auto source = [&](const PrimExpr &t) {
        const PrimExpr q = g * I32(group) + t;
        return tvm::truncmod(q, I32(rows)) * I32(cols) +
               tvm::truncdiv(q, I32(rows));
      };
      return detail::Seq(
          {Intrin(builtin::tile_regs_acquire(), {}),
           detail::SerialLoop("gt", group,
                              [&](PrimExpr t) {
                                return Intrin(builtin::transpose_tile(),
                                              {I32(in), source(t), t});
                              }),
           Intrin(builtin::tile_regs_commit(), {}),
           Intrin(builtin::tile_regs_wait(), {}),
           detail::SerialLoop("gt", group,
                              [&](PrimExpr t) {
                                return Intrin(builtin::pack_tile(),
                                              {t, I32(out), t});
                              }),
           Intrin(builtin::tile_regs_release(), {})});
    });
    Stmt transpose = detail::Seq(
        {Intrin(builtin::transpose_init(), {I32(in)}),
         Intrin(builtin::cb_reserve_back(), {I32(out), I32(n)}), groups,
         Intrin(builtin::cb_push_back(), {I32(out), I32(n)})});
    if (output_cbs_.empty() ||
        formats_.at(output_cbs_.front()) == formats_.at(out)) {
      return transpose;
    }
    // The packer is set up for the output CB (a Float32 one); the transposed
    // block has A's format: reconfigure it around the packs (and back).
    const PrimExpr c = I32(output_cbs_.front());
    return detail::Seq({Intrin(builtin::pack_reconfig(), {c, I32(out)}),
                        transpose,
                        Intrin(builtin::pack_reconfig(), {I32(out), c})});
  }

  /*!
   * \brief gemm_block(cb_a, cb_b, mt, nt, kt): for each output tile (mi, ni)
   *        of the mt x nt block, accumulate the kt products of A's row mi and
   *        B's column ni into DST[mi * nt + ni]. A's tiles sit row-major in
   *        its CB (slot mi * kt + kk), B's likewise (slot kk * nt + ni).
   */
  Stmt VisitStmt_(const EvaluateNode *op) final {
    const auto *call = op->value.as<CallNode>();
    if (call != nullptr && call->op.same_as(builtin::transpose_block())) {
      return LowerTranspose(call);
    }
    const bool eltwise =
        call != nullptr && call->op.same_as(builtin::eltwise_block());
    const bool reduce =
        call != nullptr && call->op.same_as(builtin::reduce_block());
    const bool gemm =
        call != nullptr && call->op.same_as(builtin::gemm_block());
    if ((eltwise || reduce || gemm) && !stages_.empty()) {
      return Stage(call);
    }
    if (eltwise) {
      return Elementwise(ConstArg(call, 0), ConstArg(call, 1),
                         ConstArg(call, 2));
    }
    if (reduce) {
      return Reduce(ConstArg(call, 0), ConstArg(call, 1), ConstArg(call, 2),
                    ConstArg(call, 3));
    }
    if (call != nullptr && call->op.same_as(builtin::epilogue_block())) {
      // The whole block in DST: its operands' blocks are used up here.
      return detail::Seq(
          {Epilogue(ConstArg(call, 0), detail::I32(0), detail::I32(0)),
           PopOperands()});
    }
    if (call == nullptr || !call->op.same_as(builtin::gemm_block())) {
      return StmtExprMutator::VisitStmt_(op);
    }
    const int64_t cb_a = ConstArg(call, 0), cb_b = ConstArg(call, 1);
    const int64_t mt = ConstArg(call, 2), nt = ConstArg(call, 3);
    const int64_t kt = ConstArg(call, 4);
    transpose_b_ = ConstArg(call, 5) != 0;
    mt_ = mt;
    nt_ = nt;
    // MemorySpaceLowerTT chose a DST mode this (sub-)block fits; check it.
    if (sub_h_ * sub_w_ > dst_tiles_ || mt % sub_h_ != 0 || nt % sub_w_ != 0) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': the DST sub-block of " << sub_h_
          << "x" << sub_w_ << " tiles (tt.compute subblock) of the " << mt
          << "x" << nt << "-tile output block does not divide it or is more "
          << "than the " << dst_tiles_ << " tiles DST holds (" << dst_mode_
          << ", tt.compute).";
    }
    if (output_cbs_.size() != 1) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': T.gemm needs exactly one output "
          << "circular buffer, found " << output_cbs_.size() << ".";
    }
    Array<PrimExpr> init{detail::I32(cb_a), detail::I32(cb_b),
                         detail::I32(output_cbs_.front()),
                         detail::I32(transpose_b_ ? 1 : 0)};
    if (init_args_ && !tvm::ffi::StructuralEqual()(init_args_.value(), init)) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_
          << "': more than one T.gemm with different operands; one matmul "
             "per kernel is supported.";
    }
    init_args_ = init;
    // matmul_block where a sub-block has more than one tile and B's tiles
    // of a K row sit side by side (not transposed): it unpacks each of the
    // sub-block's A rows and B columns once per K tile, matmul_tiles both
    // tiles of every product.
    if (!transpose_b_ && sub_h_ * sub_w_ > 1) {
      block_dims_ = std::array<int64_t, 3>{sub_w_, sub_h_, kt};
    }
    if (sub_h_ != mt || sub_w_ != nt || transpose_a_) {
      return Subblocks(cb_a, cb_b, output_cbs_.front(), mt, nt, kt);
    }
    if (block_dims_) {
      return detail::SerialLoop("kk", kt, [&](PrimExpr kk) {
        return MatmulBlock(detail::I32(cb_a), detail::I32(cb_b), kk,
                           kk * detail::I32(nt));
      });
    }
    return detail::SerialLoop("mi", mt, [&](PrimExpr mi) {
      return detail::SerialLoop("ni", nt, [&](PrimExpr ni) {
        return detail::SerialLoop("kk", kt, [&](PrimExpr kk) {
          return detail::Intrin(
              builtin::matmul_tiles(),
              {detail::I32(cb_a), detail::I32(cb_b), mi * detail::I32(kt) + kk,
               BSlot(kk, ni, nt, kt, transpose_b_), mi * detail::I32(nt) + ni});
        });
      });
    });
  }

  /*!
   * \brief tt.compute's epilogue on the n tiles in DST (the SFPU ops,
   *        epilogue.h): the sub-block from tile (row0, col0) of the output
   *        block, or all of it. Waits for the operands' blocks (each is
   *        popped once the block is done: PopOperands). Then the matmul is
   *        set up again for the next T.gemm: the SFPU inits reprogram state
   *        the matmul uses (src/sim/README.md).
   */
  Stmt Epilogue(int64_t n, const PrimExpr &row0, const PrimExpr &col0) {
    if (!init_args_) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_
          << "': an epilogue_block comes before any T.gemm.";
    }
    detail::EpilogueBlock block;
    block.sub_h = n == mt_ * nt_ ? mt_ : sub_h_;
    block.sub_w = n == mt_ * nt_ ? nt_ : sub_w_;
    block.mt = mt_;
    block.nt = nt_;
    block.row0 = row0;
    block.col0 = col0;
    block.scratch = n;
    std::vector<Stmt> body;
    for (const detail::EpilogueOp &op : epilogue_) {
      if (op.cb >= 0) {
        if (n >= dst_tiles_) {
          TVM_FFI_THROW(ValueError)
              << "PrimFunc '" << func_ << "': the epilogue adds '" << op.operand
              << "' through a DST tile beside the " << n
              << " the accumulator takes, but DST holds " << dst_tiles_ << " ("
              << dst_mode_ << ", tt.compute).";
        }
        body.push_back(detail::Intrin(
            builtin::cb_wait_front(),
            {detail::I32(op.cb), detail::I32(OperandTiles(op))}));
      }
    }
    body.push_back(detail::LowerEpilogue(epilogue_, block));
    body.push_back(Reinit());
    return detail::Seq(body);
  }

  /*!
   * \brief eltwise_block(cb_in, mt, nt): an element-wise kernel's block of
   *        mt x nt tiles. Each tile (r, c) in turn: take DST, copy the tile
   *        of cb_in into DST[0], apply tt.compute's epilogue to it (an
   *        operand's tile through DST[1]), pack it into the output CB,
   *        release. The inputs' blocks are popped once the block is done.
   */
  Stmt Elementwise(int64_t cb_in, int64_t mt, int64_t nt) {
    using detail::I32;
    if (output_cbs_.size() != 1) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': an element-wise block needs exactly "
          << "one output circular buffer, found " << output_cbs_.size() << ".";
    }
    RequireScratchTile();
    detail::ComputeStage stage;
    stage.cb_in = cb_in;
    stage.cb_out = output_cbs_.front();
    stage.epilogue = epilogue_;
    startup_args_ = Array<PrimExpr>{I32(cb_in), I32(stage.cb_out)};
    mt_ = mt;
    nt_ = nt;
    const std::vector<int64_t> inputs = detail::StageReads(stage);
    return ElementwiseStage(stage, inputs, inputs);
  }

  void RequireScratchTile() const {
    if (dst_tiles_ < 2) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': an element-wise block needs 2 DST "
          << "tiles; " << dst_mode_ << " holds " << dst_tiles_ << ".";
    }
  }

  /*! \brief Tiles of the block `cb` holds for a stage (its block in
   *         tt.cbs): a vector (a reduction's result, a vector stage's
   *         value, an operand vector) or a whole block. */
  int64_t StageTiles(int64_t cb) const { return block_tiles_.at(cb); }

  /*!
   * \brief An element-wise stage on the mt_ x nt_ block: wait for the CBs in
   *        `waits`; each tile (r, c) in turn: take DST, copy the tile of
   *        cb_in into DST[0], apply the stage's epilogue to it (an operand's
   *        tile through DST[1]), pack it into cb_out, release; then pop the
   *        CBs in `pops`.
   */
  Stmt ElementwiseStage(const detail::ComputeStage &stage,
                        const std::vector<int64_t> &waits,
                        const std::vector<int64_t> &pops) {
    using detail::I32;
    using detail::Intrin;
    const PrimExpr in = I32(stage.cb_in);
    const int64_t nt = nt_;
    return TileByTile(
        stage.cb_out, waits, {}, pops,
        [&](const PrimExpr &r, const PrimExpr &c) {
          detail::EpilogueBlock block;
          block.sub_h = block.sub_w = 1;
          block.mt = mt_;
          block.nt = nt_;
          block.row0 = r;
          block.col0 = c;
          block.scratch = 1;
          return detail::Seq(
              {Intrin(builtin::copy_init(), {in}),
               Intrin(builtin::copy_tile(), {in, r * I32(nt) + c, I32(0)}),
               detail::LowerEpilogue(stage.epilogue, block)});
        });
  }

  /*!
   * \brief The frame of a stage that makes its mt_ x nt_ block tile by tile
   *        in DST[0]: wait for the CBs in `waits`, then `setup`, reserve the
   *        block in `cb_out`; for each tile (r, c): take DST, `tile(r, c)`,
   *        pack DST[0] into cb_out, release; push the block, pop the CBs in
   *        `pops`.
   */
  Stmt TileByTile(int64_t cb_out, const std::vector<int64_t> &waits,
                  const std::vector<Stmt> &setup,
                  const std::vector<int64_t> &pops,
                  const std::function<Stmt(const PrimExpr &, const PrimExpr &)>
                      &tile) const {
    using detail::I32;
    using detail::Intrin;
    const PrimExpr out = I32(cb_out), n = I32(mt_ * nt_), zero = I32(0);
    std::vector<Stmt> body = Waits(waits);
    body.insert(body.end(), setup.begin(), setup.end());
    body.push_back(Intrin(builtin::cb_reserve_back(), {out, n}));
    body.push_back(detail::SerialLoop("r", mt_, [&](PrimExpr r) {
      return detail::SerialLoop("c", nt_, [&](PrimExpr c) {
        return detail::Seq({Intrin(builtin::tile_regs_acquire(), {}),
                            tile(r, c), Intrin(builtin::tile_regs_commit(), {}),
                            Intrin(builtin::tile_regs_wait(), {}),
                            Intrin(builtin::pack_tile(), {zero, out, zero}),
                            Intrin(builtin::tile_regs_release(), {})});
      });
    }));
    body.push_back(Intrin(builtin::cb_push_back(), {out, n}));
    body.push_back(Pops(pops));
    return detail::Seq(body);
  }

  /*!
   * \brief A matmul stage (gemm_block(cb_in, cb_b, mt, nt, kt, transpose))
   *        on the mt_ x nt_ block: wait for the CBs in `waits`, set the
   *        matrix unit up (matmul_init; the unpackers' formats by
   *        SourceFormats); each tile (r, c) in turn: take DST, accumulate
   *        A's tiles (r, kk) times B's (kk, c) -- (c, kk) transposed -- over
   *        the kt K tiles into DST[0], pack it into cb_out, release; then
   *        pop the CBs in `pops`. A stage that accumulates first copies the
   *        tile of cb_out's version before into DST[0] (the matrix unit
   *        then adds to it), setting the matrix unit up again after the
   *        copy, tile by tile.
   */
  Stmt MatmulStage(const detail::ComputeStage &stage, int64_t kt,
                   const std::vector<int64_t> &waits,
                   const std::vector<int64_t> &pops) {
    using detail::I32;
    using detail::Intrin;
    const PrimExpr a = I32(stage.cb_in), b = I32(stage.cb_b);
    const PrimExpr out = I32(stage.cb_out), zero = I32(0);
    const int64_t nt = nt_;
    const bool transpose = stage.transpose_b;
    const Stmt init =
        Intrin(builtin::matmul_reinit(), {a, b, I32(transpose ? 1 : 0)});
    std::vector<Stmt> setup;
    if (!stage.accumulate) {
      setup.push_back(init);
    }
    return TileByTile(
        stage.cb_out, waits, setup, pops,
        [&](const PrimExpr &r, const PrimExpr &c) {
          std::vector<Stmt> tile;
          if (stage.accumulate) {
            // The value before: the carried value's own CB, or a mask's.
            const PrimExpr acc = I32(stage.cb_acc);
            tile.push_back(Intrin(builtin::copy_init(), {acc}));
            tile.push_back(
                Intrin(builtin::copy_tile(), {acc, r * I32(nt) + c, zero}));
            tile.push_back(init);
          }
          tile.push_back(detail::SerialLoop("kk", kt, [&](PrimExpr kk) {
            return Intrin(builtin::matmul_tiles(),
                          {a, b, r * I32(kt) + kk,
                           BSlot(kk, c, nt, kt, transpose), zero});
          }));
          return detail::Seq(tile);
        });
  }

  /*!
   * \brief A fill stage on the mt_ x nt_ block: each tile in turn: take DST,
   *        fill DST[0] with the constant (fill_tile on the SFPU), pack it
   *        into cb_out, release.
   */
  Stmt FillStage(const detail::ComputeStage &stage) {
    using detail::I32;
    using detail::Intrin;
    const PrimExpr out = I32(stage.cb_out), n = I32(mt_ * nt_);
    detail::EpilogueOp fill;
    fill.op = value::kSfpuFill;
    fill.value = static_cast<float>(stage.value);
    detail::EpilogueBlock block;
    block.sub_h = block.sub_w = 1;
    block.mt = mt_;
    block.nt = nt_;
    block.row0 = block.col0 = I32(0);
    block.scratch = 1;
    const PrimExpr zero = I32(0);
    std::vector<Stmt> body{Intrin(builtin::cb_reserve_back(), {out, n})};
    body.push_back(detail::SerialLoop("t", mt_ * nt_, [&](PrimExpr) {
      return detail::Seq({Intrin(builtin::tile_regs_acquire(), {}),
                          detail::LowerEpilogue({fill}, block),
                          Intrin(builtin::tile_regs_commit(), {}),
                          Intrin(builtin::tile_regs_wait(), {}),
                          Intrin(builtin::pack_tile(), {zero, out, zero}),
                          Intrin(builtin::tile_regs_release(), {})});
    }));
    body.push_back(Intrin(builtin::cb_push_back(), {out, n}));
    return detail::Seq(body);
  }

  /*! \brief cb_wait_front for each CB, its block's tiles (StageTiles). */
  std::vector<Stmt> Waits(const std::vector<int64_t> &cbs) const {
    std::vector<Stmt> out;
    for (int64_t cb : cbs) {
      out.push_back(
          detail::Intrin(builtin::cb_wait_front(),
                         {detail::I32(cb), detail::I32(StageTiles(cb))}));
    }
    return out;
  }

  Stmt Pops(const std::vector<int64_t> &cbs) const {
    std::vector<Stmt> out;
    for (int64_t cb : cbs) {
      out.push_back(
          detail::Intrin(builtin::cb_pop_front(),
                         {detail::I32(cb), detail::I32(StageTiles(cb))}));
    }
    return detail::Seq(out);
  }

  /*!
   * \brief One stage of a staged program (stages.h), the next in
   *        tt.compute's `stages` order: each CB a stage reads is waited for
   *        by the first stage that reads it and popped by the last. The
   *        first stage's visit sets up the kernel (hw_startup from the first
   *        stage's input into the last stage's output; the scaler tile's
   *        wait and, after the launch loops, its pop). A reduction's
   *        reduce_init and reduce_uninit surround its own stage, since the
   *        element-wise stages set the unpacker, FPU and packer up for
   *        themselves; the packer is reconfigured around a stage whose
   *        output has another format than the one before.
   */
  Stmt Stage(const CallNode *call) {
    using detail::I32;
    using detail::Intrin;
    // (A mask stage has no block in the compute kernel: the reader writes
    // its value.)
    while (next_stage_ < stages_.size() &&
           stages_[next_stage_].op == value::kOpMask) {
      ++next_stage_;
    }
    if (next_stage_ >= stages_.size()) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': more stage blocks in the IR than "
          << "tt.compute's " << stages_.size() << " stages.";
    }
    const size_t index = next_stage_++;
    const detail::ComputeStage &stage = stages_[index];
    const bool reduce = call->op.same_as(builtin::reduce_block());
    const bool matmul = call->op.same_as(builtin::gemm_block());
    if (reduce != (stage.op == value::kOpReduce) ||
        matmul != (stage.op == value::kOpMatmul) ||
        ConstArg(call, 0) != stage.cb_in) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': the IR's block " << index
          << " does not match tt.compute's stage " << index << " (" << stage.op
          << " from CB " << stage.cb_in << ").";
    }
    mt_ = ConstArg(call, reduce || matmul ? 2 : 1);
    nt_ = ConstArg(call, reduce || matmul ? 3 : 2);
    const detail::StageCBUse use = detail::WaitsAndPops(stages_, index);
    if (!use.fault.empty()) {
      TVM_FFI_THROW(InternalError)
          << "PrimFunc '" << func_ << "': tt.compute's stage " << index
          << ", CB " << use.fault_cb << ": " << use.fault
          << " (MemorySpaceLowerTT checks this).";
    }
    const std::vector<int64_t> &waits = use.waits, &pops = use.pops;
    if (!use.pops_after_loop.empty()) {
      if (loops_.empty()) {
        TVM_FFI_THROW(ValueError)
            << "PrimFunc '" << func_ << "': tt.compute's stage " << index
            << " runs in a loop the IR's block " << index << " is not in.";
      }
      for (int64_t cb : use.pops_after_loop) {
        pops_after_[loops_.back()].push_back(cb);
      }
      for (int64_t cb : use.waits_after_loop) {
        waits_after_[loops_.back()].push_back(cb);
      }
    }
    std::vector<Stmt> body;
    // The packer's format: the last stage's output's at the block's start.
    // (A mask stage packs nothing: the stage before it is the packer's.)
    size_t prev = index;
    do {
      prev = prev == 0 ? stages_.size() - 1 : prev - 1;
    } while (stages_[prev].op == value::kOpMask && prev != index);
    const int64_t before = stages_[prev].cb_out;
    // The first stage of a loop follows the loop's last stage from the
    // second iteration on: a packer set up for either may be in place, so
    // it is set up for this stage's CB whatever it held.
    // (Mask stages pack nothing: the first and last that pack count.)
    int64_t again = -1;
    bool first_of_loop = stage.loop.defined() && stage.loop.extent > 1;
    for (size_t p = index;
         first_of_loop && p-- > 0 && stages_[p].loop.id == stage.loop.id;) {
      first_of_loop = stages_[p].op == value::kOpMask;
    }
    if (first_of_loop) {
      size_t last = index;
      for (size_t n = index + 1;
           n < stages_.size() && stages_[n].loop.id == stage.loop.id; ++n) {
        if (stages_[n].op != value::kOpMask) {
          last = n;
        }
      }
      again = stages_[last].cb_out;
    }
    if (again >= 0 && (formats_.at(again) != formats_.at(stage.cb_out) ||
                       formats_.at(before) != formats_.at(stage.cb_out))) {
      body.push_back(
          Intrin(builtin::pack_reconfig(), {I32(-1), I32(stage.cb_out)}));
    } else if (formats_.at(before) != formats_.at(stage.cb_out)) {
      body.push_back(
          Intrin(builtin::pack_reconfig(), {I32(before), I32(stage.cb_out)}));
    }
    if (std::all_of(stages_.begin(), stages_.begin() + index,
                    [](const detail::ComputeStage &s) {
                      return s.op == value::kOpMask;
                    })) {
      // (The first stage a fill: hw_startup from the first CB read.)
      int64_t first_in = stage.cb_in;
      for (size_t s = 0; first_in < 0 && s < stages_.size(); ++s) {
        first_in = stages_[s].cb_in;
      }
      startup_args_ =
          Array<PrimExpr>{I32(first_in), I32(stages_.back().cb_out)};
    }
    if (reduce) {
      // Every reduction reads the kernel's one scaler tile, waited for
      // before the launch loops and popped after them.
      const int64_t scaler = ConstArg(call, 1);
      reduce_setup_ = Intrin(builtin::cb_wait_front(), {I32(scaler), I32(1)});
      reduce_teardown_ = Intrin(builtin::cb_pop_front(), {I32(scaler), I32(1)});
      body.push_back(ReduceStage(stage, scaler, waits, pops, true));
    } else if (stage.op == value::kOpFill) {
      body.push_back(FillStage(stage));
    } else if (matmul) {
      body.push_back(MatmulStage(stage, ConstArg(call, 4), waits, pops));
    } else {
      RequireScratchTile();
      body.push_back(ElementwiseStage(stage, waits, pops));
    }
    return detail::Seq(body);
  }

  /*!
   * \brief reduce_block(cb_in, cb_scaler, mt, nt): each of the block's mt
   *        rows of tiles in turn (along columns: each of its nt columns of
   *        tiles): take DST, reduce its nt (mt) tiles into DST[0]
   *        (reduce_tile accumulates each row's values into column 0, each
   *        column's into row 0), pack it into the output CB, release. Once
   *        per kernel, before the launch loops: hw_startup, reduce_init,
   *        the wait for the scaler tile (for a sum along rows, which
   *        multiplies with the scaler in SrcA and the data in SrcB, first
   *        reconfig_data_format(cb_scaler, cb_in), as the release's reduce.h
   *        asks); after them: pop the scaler, reduce_uninit (the packer's
   *        edge mask back to its default).
   */
  Stmt Reduce(int64_t cb_in, int64_t cb_scaler, int64_t mt, int64_t nt) {
    using detail::I32;
    using detail::Intrin;
    if (output_cbs_.size() != 1) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_ << "': a reduction needs exactly one "
          << "output circular buffer, found " << output_cbs_.size() << ".";
    }
    detail::ComputeStage stage;
    stage.cb_in = cb_in;
    stage.cb_out = output_cbs_.front();
    stage.reduce = reduce_;
    stage.reduce_dim = reduce_dim_;
    stage.epilogue = epilogue_;
    mt_ = mt;
    nt_ = nt;
    startup_args_ = Array<PrimExpr>{I32(cb_in), I32(stage.cb_out)};
    const PrimExpr in = I32(cb_in), scaler = I32(cb_scaler), one = I32(1);
    // Once per kernel: the block is all the kernel reduces. Only a sum
    // along rows puts the scaler in SrcA (ReduceInit's reconfig); the
    // others put it in SrcB, which hw_startup set up from the data's CB: a
    // Float32 tensor's needs SrcB set up again for the bf16 scaler.
    std::vector<Stmt> setup;
    if (!(stage.reduce == value::kReduceSum &&
          stage.reduce_dim == value::kReduceDimRow) &&
        formats_.at(cb_in) != formats_.at(cb_scaler)) {
      setup.push_back(Intrin(builtin::reconfig_srcs(), {in, scaler}));
    }
    for (Stmt s : ReduceInit(stage, cb_scaler)) {
      setup.push_back(s);
    }
    setup.push_back(Intrin(builtin::cb_wait_front(), {scaler, one}));
    reduce_setup_ = detail::Seq(setup);
    reduce_teardown_ =
        detail::Seq({Intrin(builtin::cb_pop_front(), {scaler, one}),
                     Intrin(builtin::reduce_uninit(), {in})});
    return ReduceStage(stage, cb_scaler, {cb_in}, {cb_in}, false);
  }

  /*! \brief reduce_init for `stage`; for a sum along rows, which multiplies
   *         with the scaler in SrcA and the data in SrcB, first
   *         reconfig_data_format(cb_scaler, cb_in), as the release's
   *         reduce.h asks. */
  std::vector<Stmt> ReduceInit(const detail::ComputeStage &stage,
                               int64_t cb_scaler) const {
    using detail::I32;
    using detail::Intrin;
    const PrimExpr in = I32(stage.cb_in), scaler = I32(cb_scaler);
    std::vector<Stmt> init;
    if (stage.reduce == value::kReduceSum &&
        stage.reduce_dim == value::kReduceDimRow) {
      init.push_back(Intrin(builtin::reconfig_srcs(), {scaler, in}));
    }
    init.push_back(Intrin(builtin::reduce_init(),
                          {in, scaler, I32(stage.cb_out),
                           tvm::tirx::StringImm(stage.reduce),
                           tvm::tirx::StringImm(stage.reduce_dim)}));
    return init;
  }

  /*!
   * \brief A reduction stage on the mt_ x nt_ block at cb_in's front: wait
   *        for the CBs in `waits`; each of its mt_ rows of tiles in turn
   *        (along columns: each of its nt_ columns of tiles): take DST,
   *        reduce its tiles into DST[0] (reduce_tile accumulates each row's
   *        values into column 0, each column's into row 0), pack it into
   *        cb_out, release; pop the CBs in `pops`. `own_init`: the stage
   *        calls reduce_init and reduce_uninit around itself (a staged
   *        program) instead of the kernel doing so once.
   */
  Stmt ReduceStage(const detail::ComputeStage &stage, int64_t cb_scaler,
                   const std::vector<int64_t> &waits,
                   const std::vector<int64_t> &pops, bool own_init) {
    using detail::I32;
    using detail::Intrin;
    const PrimExpr in = I32(stage.cb_in), scaler = I32(cb_scaler),
                   out = I32(stage.cb_out);
    const PrimExpr kind = tvm::tirx::StringImm(stage.reduce);
    const PrimExpr dim = tvm::tirx::StringImm(stage.reduce_dim);
    const bool rows = stage.reduce_dim == value::kReduceDimRow;
    const int64_t mt = mt_, nt = nt_;
    const PrimExpr one = I32(1), zero = I32(0);
    // Along rows: each row of tiles into one tile; along columns: each
    // column of tiles (its tiles nt apart in the row-major block).
    Stmt lines =
        detail::SerialLoop(rows ? "r" : "c", rows ? mt : nt, [&](PrimExpr o) {
          Stmt tiles = detail::SerialLoop(
              rows ? "c" : "r", rows ? nt : mt, [&](PrimExpr i) {
                const PrimExpr slot = rows ? o * I32(nt) + i : i * I32(nt) + o;
                return Intrin(builtin::reduce_tile(),
                              {in, scaler, slot, zero, kind, dim});
              });
          // clear=False's combine with the result's starting value (a
          // constant: c + sum, max(c, max)) on the SFPU, before the pack.
          detail::EpilogueBlock block;
          block.sub_h = block.sub_w = 1;
          block.mt = rows ? mt : 1;
          block.nt = rows ? 1 : nt;
          block.row0 = rows ? o : zero;
          block.col0 = rows ? zero : o;
          block.scratch = 1;
          Stmt combine = stage.epilogue.empty()
                             ? detail::Seq({})
                             : detail::LowerEpilogue(stage.epilogue, block);
          // The SFPU op's init reprograms state the reduction uses
          // (src/sim/README.md): set the reduction up again for each line.
          std::vector<Stmt> again;
          if (!stage.epilogue.empty()) {
            again = ReduceInit(stage, cb_scaler);
          }
          return detail::Seq({detail::Seq(again),
                              Intrin(builtin::tile_regs_acquire(), {}), tiles,
                              combine, Intrin(builtin::tile_regs_commit(), {}),
                              Intrin(builtin::tile_regs_wait(), {}),
                              Intrin(builtin::cb_reserve_back(), {out, one}),
                              Intrin(builtin::pack_tile(), {zero, out, zero}),
                              Intrin(builtin::cb_push_back(), {out, one}),
                              Intrin(builtin::tile_regs_release(), {})});
        });
    std::vector<Stmt> body = Waits(waits);
    if (own_init) {
      for (Stmt &s : ReduceInit(stage, cb_scaler)) {
        body.push_back(s);
      }
    }
    body.push_back(lines);
    if (own_init) {
      body.push_back(Intrin(builtin::reduce_uninit(), {in}));
    }
    body.push_back(Pops(pops));
    return detail::Seq(body);
  }

  /*! \brief Tiles of an epilogue operand's block in its CB. */
  int64_t OperandTiles(const detail::EpilogueOp &op) const {
    return op.broadcast == value::kBroadcastRow   ? nt_
           : op.broadcast == value::kBroadcastCol ? mt_
                                                  : mt_ * nt_;
  }

  /*! \brief Pop each epilogue operand's block once the output block is
   *         done. */
  Stmt PopOperands() const {
    std::vector<Stmt> pops;
    for (const detail::EpilogueOp &op : epilogue_) {
      if (op.cb >= 0) {
        pops.push_back(detail::Intrin(
            builtin::cb_pop_front(),
            {detail::I32(op.cb), detail::I32(OperandTiles(op))}));
      }
    }
    return detail::Seq(pops);
  }

  /*!
   * \brief gemm_block on a block larger than DST: for each sub-block (sm, sn)
   *        of sub_h x sub_w tiles, take DST; unless this is the first K step,
   *        reload the sub-block's partial sums from the partials CB; add this
   *        K step's products; hand DST to the packer, which writes the
   *        sub-block to the output CB in the last K step and to the partials
   *        CB before it. Partials are FIFO: sub-blocks leave and come back in
   *        the same order, so the CB holds one block.
   */
  Stmt Subblocks(int64_t cb_a, int64_t cb_b, int64_t cb_out, int64_t mt,
                 int64_t nt, int64_t kt) {
    using detail::I32;
    using detail::Intrin;
    const int64_t sh = sub_h_, sw = sub_w_, n = sh * sw;
    PrimExpr first = tvm::Bool(true), last = tvm::Bool(true);
    if (!loops_.empty() && !tvm::tirx::is_one(loops_.back()->extent)) {
      const ForNode *k = loops_.back();
      first = k->loop_var == k->min;
      last = k->loop_var == k->min + k->extent - 1;
    }
    if (partials_cb_ < 0 &&
        !(tvm::tirx::is_one(first) && tvm::tirx::is_one(last))) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << func_
          << "': the sub-blocked T.gemm is in a K loop but tt.cbs has no "
             "partials CB.";
    }
    const PrimExpr a = I32(cb_a), b = I32(cb_b), out = I32(cb_out);
    const PrimExpr p = I32(partials_cb_), count = I32(n);
    auto pack_into = [&](const PrimExpr &cb) {
      return detail::Seq(
          {Intrin(builtin::cb_reserve_back(), {cb, count}),
           detail::SerialLoop("t", n,
                              [&](PrimExpr t) {
                                return Intrin(builtin::pack_tile(), {t, cb, t});
                              }),
           Intrin(builtin::cb_push_back(), {cb, count})});
    };
    Stmt subblocks = detail::SerialLoop("sm", mt / sh, [&](PrimExpr sm) {
      return detail::SerialLoop("sn", nt / sw, [&](PrimExpr sn) {
        std::vector<Stmt> body{Intrin(builtin::tile_regs_acquire(), {})};
        // SrcA is set up for B's CB (compute_kernel_hw_startup): the copy
        // of partials in another format needs it set up for theirs, as does
        // the copy of Float32 partials, which unpack straight to DST
        // (UnpackToDestFp32) where a Float32 B unpacks to TF32 in SrcA.
        const bool srca_reconfig =
            partials_cb_ >= 0 &&
            (formats_.at(partials_cb_) != formats_.at(cb_b) ||
             formats_.at(partials_cb_) == value::kFormatFloat32);
        if (partials_cb_ >= 0) {
          // SrcA is fed from the partials CB (its format) for the copy.
          std::vector<Stmt> reload;
          if (srca_reconfig) {
            reload.push_back(Intrin(builtin::reconfig_srca(), {b, p}));
          }
          reload.push_back(Intrin(builtin::copy_init(), {p}));
          reload.push_back(Intrin(builtin::cb_wait_front(), {p, count}));
          reload.push_back(detail::SerialLoop("t", n, [&](PrimExpr t) {
            return Intrin(builtin::copy_tile(), {p, t, t});
          }));
          reload.push_back(Intrin(builtin::cb_pop_front(), {p, count}));
          if (srca_reconfig) {
            reload.push_back(Intrin(builtin::reconfig_srca(), {p, b}));
          }
          reload.push_back(Reinit());
          body.push_back(tvm::tirx::IfThenElse(!first, detail::Seq(reload)));
        }
        if (block_dims_) {
          // One matmul_block per K tile: the sub-block's rows of A and
          // columns of B, each unpacked once.
          body.push_back(detail::SerialLoop("kk", kt, [&](PrimExpr kk) {
            return MatmulBlock(a, b, sm * I32(sh * kt) + kk,
                               kk * I32(nt) + sn * I32(sw));
          }));
        } else {
          body.push_back(detail::SerialLoop("r", sh, [&](PrimExpr r) {
            return detail::SerialLoop("c", sw, [&](PrimExpr c) {
              return detail::SerialLoop("kk", kt, [&](PrimExpr kk) {
                return Intrin(
                    builtin::matmul_tiles(),
                    {a, b, (sm * I32(sh) + r) * I32(kt) + kk,
                     BSlot(kk, sn * I32(sw) + c, nt, kt, transpose_b_),
                     r * I32(sw) + c});
              });
            });
          }));
        }
        if (!epilogue_.empty()) {
          // The epilogue acts on the finished sums: in the last K step.
          Stmt epilogue = Epilogue(n, sm * I32(sh), sn * I32(sw));
          body.push_back(tvm::tirx::is_one(last)
                             ? epilogue
                             : tvm::tirx::IfThenElse(last, epilogue));
        }
        body.push_back(Intrin(builtin::tile_regs_commit(), {}));
        body.push_back(Intrin(builtin::tile_regs_wait(), {}));
        if (partials_cb_ < 0) {
          body.push_back(pack_into(out));
        } else {
          body.push_back(
              tvm::tirx::IfThenElse(last, pack_into(out), pack_into(p)));
        }
        body.push_back(Intrin(builtin::tile_regs_release(), {}));
        return detail::Seq(body);
      });
    });
    if (Stmt pops = PopOperands(); detail::HasOperands(epilogue_)) {
      // The epilogue's operands are used up after the last K step.
      subblocks = detail::Seq(
          {subblocks,
           tvm::tirx::is_one(last) ? pops : tvm::tirx::IfThenElse(last, pops)});
    }
    if (transpose_a_) {
      // This K step's transpose left the unpacker and FPU set up for it.
      subblocks = detail::Seq({Reinit(), subblocks});
    }
    if (partials_cb_ < 0 || output_cbs_.empty() ||
        formats_.at(partials_cb_) == formats_.at(output_cbs_.front())) {
      return subblocks;
    }
    // Before the last K step the packer writes the partials, in another
    // format than the output's: reconfigure it once around the sub-blocks
    // (and back for the output CB).
    return detail::Seq(
        {tvm::tirx::IfThenElse(!last,
                               Intrin(builtin::pack_reconfig(), {out, p})),
         subblocks,
         tvm::tirx::IfThenElse(!last,
                               Intrin(builtin::pack_reconfig(), {p, out}))});
  }

  /*! \brief matmul_block of the (sub-)block at A's slot a_slot and B's
   *         b_slot into DST from 0 (block_dims_: ct, rt, kt). */
  Stmt MatmulBlock(const PrimExpr &a, const PrimExpr &b, const PrimExpr &a_slot,
                   const PrimExpr &b_slot) const {
    const auto &[ct, rt, kt] = *block_dims_;
    return detail::Intrin(builtin::matmul_block(),
                          {a, b, a_slot, b_slot, detail::I32(0),
                           detail::I32(transpose_b_ ? 1 : 0), detail::I32(ct),
                           detail::I32(rt), detail::I32(kt)});
  }

  /*! \brief The matmul set up again after another op used the unpacker and
   *         FPU: matmul_reinit, or matmul_block_reinit with the block dims. */
  Stmt Reinit() const {
    const Array<PrimExpr> &init = init_args_.value();
    if (!block_dims_) {
      return detail::Intrin(builtin::matmul_reinit(),
                            {init[0], init[1], init[3]});
    }
    const auto &[ct, rt, kt] = *block_dims_;
    return detail::Intrin(builtin::matmul_block_reinit(),
                          {init[0], init[1], init[3], detail::I32(ct),
                           detail::I32(rt), detail::I32(kt)});
  }

  /*! \brief B's CB slot of tile (kk, n) of the K x N operand: row-major
   *         K x N, or N x K when B is transposed (the unpacker transposes
   *         each tile). */
  static PrimExpr BSlot(const PrimExpr &kk, const PrimExpr &n, int64_t nt,
                        int64_t kt, bool transpose) {
    return transpose ? n * detail::I32(kt) + kk : kk * detail::I32(nt) + n;
  }

  bool transpose_b_ = false;
  /*! \brief matmul_block's (ct, rt, kt) when the kernel multiplies with it. */
  std::optional<std::array<int64_t, 3>> block_dims_;
  /*! \brief tt.compute transpose_a: cb_a is compute's transpose of A's
   *         block, DST is taken per K step (sub-blocks). */
  bool transpose_a_ = false;
  /*! \brief An element-wise kernel's or a reduction's hw_startup (cb_in,
   *         cb_out). */
  std::optional<Array<PrimExpr>> startup_args_;
  /*! \brief tt.compute reduce (kReduceSum / kReduceMax), or empty; a
   *         reduction's calls before and after the launch loops. */
  std::string reduce_, reduce_dim_;
  /*! \brief tt.compute's stages (a staged program) and the next one to
   *         expand. */
  std::vector<detail::ComputeStage> stages_;
  size_t next_stage_ = 0;
  Stmt reduce_setup_ = tvm::tirx::Evaluate(0);
  Stmt reduce_teardown_ = tvm::tirx::Evaluate(0);
  /*! \brief The output block's tiles (the T.gemm's m_tiles, n_tiles). */
  int64_t mt_ = 0, nt_ = 0;
  /*! \brief tt.compute's epilogue (none when it has none). */
  std::vector<detail::EpilogueOp> epilogue_;
  std::string func_;
  /*! \brief The DST sub-block and the partials CB (-1: none), tt.compute /
   *         tt.cbs. */
  int64_t sub_h_ = 0, sub_w_ = 0, partials_cb_ = -1;
  /*! \brief Each CB's data format (tt.cbs): a pack into, or a copy from, a
   *         CB of another format than the packer's / SrcA's needs a
   *         reconfig around it. */
  std::map<int64_t, std::string> formats_;
  /*! \brief Each CB's tiles a block (tt.cbs' block_tiles). */
  std::map<int64_t, int64_t> block_tiles_;
  /*! \brief The kernel's own loops around the visit (innermost: K). */
  std::vector<const ForNode *> loops_;
  /*! \brief CBs popped after a loop of stages (stages.h pops_after_loop). */
  std::map<const ForNode *, std::vector<int64_t>> pops_after_;
  /*! \brief CBs waited for first (stages.h waits_after_loop). */
  std::map<const ForNode *, std::vector<int64_t>> waits_after_;
  /*! \brief DST capacity and mode name from tt.compute. */
  int64_t dst_tiles_ = 0;
  std::string dst_mode_;
  std::vector<int64_t> output_cbs_;
  bool inside_launch_ = false;
  /*! \brief (cb_a, cb_b, cb_out) of the kernel's matmul, once one is seen. */
  std::optional<Array<PrimExpr>> init_args_;
};

} // namespace

namespace transform {

Pass TensorizeTT() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return MatmulTensorizer::Apply(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(pass_func, 0,
                                                  "tl.tt.TensorizeTT", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.TensorizeTT",
                                        TensorizeTT);
}

} // namespace transform
} // namespace tilelang_tt
