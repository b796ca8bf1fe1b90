/*!
 * \file verify.cc
 * \brief Check the TT-annotated PrimFunc before code generation.
 */

#include <tvm/arith/analyzer.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/stmt_functor.h>
#include <tvm/tirx/transform.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "stages.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"
#include "tilelang_tt/data_format.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::Integer;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::AttrStmtNode;
using tvm::tirx::CallNode;
using tvm::tirx::ForNode;
using tvm::tirx::PrimFunc;

namespace {

constexpr const char *kPassName = "VerifyTTIR";

/*! \brief Walks the body: roles of CB operations, leftovers of earlier
 *         stages, runtime-arg reads, the persistent loop. */
class TTIRScanner : public tvm::tirx::StmtExprVisitor {
public:
  /*! \brief CB index -> "role:op" strings seen, e.g. "reader:reserve". */
  std::map<int64_t, std::set<std::string>> cb_uses;
  std::vector<std::string> leftovers;
  std::vector<std::string> outside_role;
  std::map<int64_t, std::string> runtime_arg_names;
  int persistent_loops = 0;
  /*! \brief Range of DST tile indices matmul_tiles / pack_tile can use. */
  int64_t max_dst_index = -1, min_dst_index = 0;

private:
  void VisitStmt_(const AttrStmtNode *op) final {
    if (op->attr_key == ir::kRoleAttr) {
      std::string saved = role_;
      role_ = tvm::Downcast<tvm::tirx::StringImm>(op->value)->value;
      StmtExprVisitor::VisitStmt_(op);
      role_ = saved;
      return;
    }
    StmtExprVisitor::VisitStmt_(op);
  }

  void VisitStmt_(const ForNode *op) final {
    analyzer_.Bind(op->loop_var, tvm::Range::FromMinExtent(op->min, op->extent),
                   /*allow_override=*/true);
    if (op->annotations.count(ir::kPersistentLoop)) {
      ++persistent_loops;
    }
    if (op->kind == tvm::tirx::ForKind::kThreadBinding) {
      leftovers.push_back("launch loop '" +
                          std::string(op->loop_var->name_hint) +
                          "' (GridToPersistentTT)");
    }
    StmtExprVisitor::VisitStmt_(op);
  }

  void VisitStmt_(const tvm::tirx::BindNode *op) final {
    if (const auto *call = op->value.as<CallNode>()) {
      if (call->op.same_as(builtin::runtime_arg())) {
        const auto *imm = call->args[0].as<tvm::IntImmNode>();
        runtime_arg_names[imm ? imm->value : -1] = op->var->name_hint;
      }
    }
    StmtExprVisitor::VisitStmt_(op);
  }

  void VisitExpr_(const CallNode *op) final {
    const auto *opnode = op->op.as<tvm::OpNode>();
    const std::string name = opnode ? std::string(opnode->name) : "";
    if (name.rfind("tl.tileop.", 0) == 0) {
      leftovers.push_back("tile op " + name + " (MemorySpaceLowerTT)");
    } else if (op->op.same_as(builtin::gemm_block())) {
      leftovers.push_back("tt_gemm_block (TensorizeTT)");
    } else if (op->op.same_as(builtin::transpose_block())) {
      leftovers.push_back("tt_transpose_block (TensorizeTT)");
    } else if (op->op.same_as(builtin::epilogue_block())) {
      leftovers.push_back("tt_epilogue_block (TensorizeTT)");
    } else if (name.rfind("tl.tt.", 0) == 0 &&
               !op->op.same_as(builtin::runtime_arg()) && role_.empty()) {
      outside_role.push_back(name);
    }
    static const std::map<const tvm::OpNode *, std::string> kCBOps = {
        {builtin::cb_reserve_back().as<tvm::OpNode>(), "reserve"},
        {builtin::cb_push_back().as<tvm::OpNode>(), "push"},
        {builtin::cb_wait_front().as<tvm::OpNode>(), "wait"},
        {builtin::cb_pop_front().as<tvm::OpNode>(), "pop"}};
    if (op->op.same_as(builtin::matmul_tiles()) ||
        op->op.same_as(builtin::pack_tile()) ||
        op->op.same_as(builtin::copy_tile()) ||
        op->op.same_as(builtin::transpose_tile()) ||
        op->op.same_as(builtin::sfpu_tile())) {
      const tvm::PrimExpr &dst =
          op->args[op->op.same_as(builtin::pack_tile())      ? 0
                   : op->op.same_as(builtin::matmul_tiles()) ? 4
                   : op->op.same_as(builtin::sfpu_tile())    ? 1
                                                             : 2];
      const auto bound = analyzer_.const_int_bound(dst);
      max_dst_index = std::max(max_dst_index, bound->max_value);
      min_dst_index = std::min(min_dst_index, bound->min_value);
    }
    if (op->op.same_as(builtin::matmul_block())) {
      // DST tiles dst .. dst + rt * ct - 1.
      const auto first = analyzer_.const_int_bound(op->args[4]);
      const auto *ct = op->args[6].as<tvm::IntImmNode>();
      const auto *rt = op->args[7].as<tvm::IntImmNode>();
      const int64_t tiles = ct && rt ? ct->value * rt->value : 1 << 20;
      max_dst_index = std::max(max_dst_index, first->max_value + tiles - 1);
      min_dst_index = std::min(min_dst_index, first->min_value);
    }
    if (auto it = kCBOps.find(opnode); it != kCBOps.end()) {
      const auto *cb = op->args[0].as<tvm::IntImmNode>();
      cb_uses[cb ? cb->value : -1].insert(role_ + ":" + it->second);
    }
    StmtExprVisitor::VisitExpr_(op);
  }

  std::string role_;
  tvm::arith::Analyzer analyzer_;
};

std::string Join(const std::vector<std::string> &items) {
  std::ostringstream os;
  for (size_t i = 0; i < items.size(); ++i) {
    os << (i ? ", " : "") << items[i];
  }
  return os.str();
}

/*!
 * \brief All checks; the first failure is a ValueError naming the attr, CB
 *        or buffer concerned.
 *
 * Step 1: every attribute the code generators read is present.
 * Step 2: schedule and core map agree (every block assigned once).
 * Step 3: runtime args read in the body match tt.runtime_args.
 * Step 4: CBs: unique indices, page size = tile bytes of the format, each
 *         has its producer on one kernel and its consumer on the next, and
 *         together they fit the L1 of a core.
 * Step 5: no TileLang tile op, gemm_block or launch loop is left, exactly
 *         one persistent loop, every TT intrinsic inside a role.
 * Step 6: DST: tt.compute's dst_tiles is DstTiles() of its mode, and no
 *         matmul_tiles / pack_tile index can reach past it.
 */
void Verify(const PrimFunc &f) {
  const std::string func = detail::FuncName(f);
  const std::string where =
      std::string(kPassName) + ": PrimFunc '" + func + "'";
  const TTTargetInfo target = detail::RequireTTTarget(f, kPassName);
  // Step 1
  const std::pair<const char *, const char *> required[] = {
      {attr::kSchedulePolicy, "AnnotateTTDefaults"},
      {attr::kScheduleOrder, "AnnotateTTDefaults"},
      {attr::kLayout, "AnnotateTTDefaults"},
      {attr::kTileShape, "AnnotateTTDefaults"},
      {attr::kSchedule, "InferDefaultTTSchedule"},
      {attr::kRuntimeArgs, "InferDefaultTTSchedule"},
      {attr::kBuffers, "InferDefaultTTShard"},
      {attr::kCoreRanges, "TTShardToCoreMap"},
      {attr::kCoreAssignments, "TTShardToCoreMap"},
      {attr::kCBs, "MemorySpaceLowerTT"},
      {attr::kCompute, "MemorySpaceLowerTT"}};
  for (const auto &[key, producer] : required) {
    if (!f->attrs.defined() || !f->attrs->dict.count(key)) {
      TVM_FFI_THROW(ValueError) << where << " lacks attribute '" << key
                                << "' (written by " << producer << ").";
    }
  }
  // Step 2
  Map<String, Any> schedule =
      f->GetAttr<Map<String, Any>>(attr::kSchedule).value();
  const int64_t num_blocks = detail::IntField(schedule, field::kFieldNumBlocks);
  auto assignments =
      f->GetAttr<Array<Array<Integer>>>(attr::kCoreAssignments).value();
  // Contiguous: core i starts where core i - 1 ended. mcast2d: core (x, y)
  // of the cores_x x cores_y grid starts at its rectangle's corner.
  const bool mcast =
      detail::StrField(schedule, field::kFieldPolicy) == value::kPolicyMcast2D;
  int64_t rows = 0, cols = 0, grid_x = 0;
  int64_t cores_x = 0, cores_y = 0;
  if (mcast) {
    rows = detail::IntField(schedule, field::kFieldCoreBlockRows);
    cols = detail::IntField(schedule, field::kFieldCoreBlockCols);
    grid_x = detail::IntField(schedule, field::kFieldGridX);
    cores_x = detail::IntField(schedule, field::kFieldCoresX);
    cores_y = detail::IntField(schedule, field::kFieldCoresY);
    if (cores_x * cols != grid_x ||
        cores_y * rows != detail::IntField(schedule, field::kFieldGridY)) {
      TVM_FFI_THROW(ValueError)
          << where << ": the mcast2d rectangles (" << rows << " x " << cols
          << " blocks on " << cores_x << " x " << cores_y
          << " cores) do not tile the block grid.";
    }
  }
  int64_t next = 0;
  std::set<std::pair<int64_t, int64_t>> cores;
  for (const auto &a : assignments) {
    const int64_t x = a[0]->value, y = a[1]->value;
    if (x >= target.core_grid_x || y >= target.core_grid_y ||
        !cores.insert({x, y}).second) {
      TVM_FFI_THROW(ValueError)
          << where << ": tt.core_assignments places work"
          << " on core (" << x << ", " << y << "), outside the grid or twice.";
    }
    if (mcast && (x >= cores_x || y >= cores_y)) {
      TVM_FFI_THROW(ValueError)
          << where << ": core (" << x << ", " << y << ") is outside the "
          << cores_x << " x " << cores_y << " mcast2d core grid.";
    }
    const int64_t start = mcast ? y * rows * grid_x + x * cols : next;
    const int64_t count = mcast ? rows * cols : a[3]->value;
    if (a[2]->value != start || a[3]->value != count || count <= 0) {
      TVM_FFI_THROW(ValueError)
          << where << ": core (" << x << ", " << y << ") starts at block "
          << a[2]->value << " with " << a[3]->value
          << " blocks; expected start " << start << " and "
          << (mcast ? std::to_string(count) + " blocks (its mcast2d rectangle)"
                    : std::string("a positive count"))
          << ".";
    }
    next += a[3]->value;
  }
  if (next != num_blocks) {
    TVM_FFI_THROW(ValueError)
        << where << ": tt.core_assignments covers " << next
        << " blocks but tt.schedule has " << num_blocks << ".";
  }
  TTIRScanner scan;
  scan(f->body);
  // Step 3
  auto names = f->GetAttr<Array<String>>(attr::kRuntimeArgs).value();
  std::vector<std::string> schema{ir::kArgStartId, ir::kArgCount, ir::kArgGridX,
                                  ir::kArgGridY};
  if (mcast) {
    schema.push_back(ir::kArgCoreBlockCols);
  }
  if (names.size() != schema.size()) {
    TVM_FFI_THROW(ValueError)
        << where << ": tt.runtime_args has " << names.size()
        << " entries, expected " << schema.size() << ".";
  }
  for (size_t k = 0; k < schema.size(); ++k) {
    if (names[k] != schema[k]) {
      TVM_FFI_THROW(ValueError)
          << where << ": runtime arg " << k << " is '" << names[k]
          << "', expected '" << schema[k] << "'.";
    }
    auto it = scan.runtime_arg_names.find(static_cast<int64_t>(k));
    if (it == scan.runtime_arg_names.end() || it->second != schema[k]) {
      TVM_FFI_THROW(ValueError)
          << where << ": the body does not read runtime arg " << k << " ('"
          << schema[k] << "') with tt_runtime_arg(" << k << ").";
    }
  }
  // Step 4
  auto cbs = f->GetAttr<Array<Map<String, Any>>>(attr::kCBs).value();
  const auto buffers = f->GetAttr<Map<String, Any>>(attr::kBuffers).value();
  const auto compute_attr = f->GetAttr<Map<String, Any>>(attr::kCompute);
  std::set<int64_t> seen;
  int64_t l1_total = 0;
  std::ostringstream plan;
  for (const auto &cb : cbs) {
    const int64_t index = detail::IntField(cb, field::kFieldIndex);
    const std::string name = detail::StrField(cb, field::kFieldName);
    const std::string role = detail::StrField(cb, field::kFieldRole);
    const std::string cbwhere =
        where + ": CB c_" + std::to_string(index) + " (" + name + ")";
    if (!seen.insert(index).second) {
      TVM_FFI_THROW(ValueError) << cbwhere << " is declared twice.";
    }
    // A CB holds tiles of its tensor's dtype; compute's partials hold the
    // accumulator's (Float32 with fp32 DST), its transpose of A A's.
    const std::string format = detail::StrField(cb, field::kFieldDataFormat);
    const std::string tensor = detail::StrField(cb, field::kFieldTensor);
    std::string dtype;
    if (role == value::kCBRolePartials && compute_attr) {
      dtype = detail::BoolField(*compute_attr, field::kFieldFp32DestAccEn)
                  ? "float32"
                  : detail::StrField(*compute_attr, field::kFieldAccumulator);
    } else if (role == value::kCBRoleScaler) {
      dtype = "bfloat16"; // the reduce scaler tile
    } else if (role == value::kCBRoleIntermediate ||
               role == value::kCBRoleMask) {
      dtype = detail::StrField(cb, field::kFieldDtype); // (the value's own)
    } else if (buffers.count(tensor)) {
      dtype = detail::StrField(buffers.at(tensor).cast<Map<String, Any>>(),
                               field::kFieldDtype);
      // A kernel that reduces moves a float16 tensor through a Float32 CB
      // (the reader widens its tiles, the writer narrows them).
      if (dtype == "float16" && compute_attr &&
          WidensFloat16(detail::StrField(*compute_attr, field::kFieldOp))) {
        dtype = "float32";
      }
    }
    const std::optional<TileFormat> want = TileFormatOf(dtype);
    if (!want || format != SpecOf(*want).data_format ||
        detail::IntField(cb, field::kFieldPageBytes) !=
            target.TileBytes(*want)) {
      TVM_FFI_THROW(ValueError)
          << cbwhere << " (" << role << ") has format " << format << " with "
          << detail::IntField(cb, field::kFieldPageBytes) << "-byte pages; "
          << "expected "
          << (want ? SpecOf(*want).data_format : "a known data format")
          << " (the tiles of " << (dtype.empty() ? "?" : dtype)
          << ") with pages of one tile.";
    }
    const std::string producer = role == value::kCBRoleInput ||
                                         role == value::kCBRoleScaler ||
                                         role == value::kCBRoleMask
                                     ? ir::kRoleReader
                                     : ir::kRoleCompute;
    const std::string consumer =
        role == value::kCBRoleOutput ? ir::kRoleWriter : ir::kRoleCompute;
    const std::set<std::string> expected{producer + ":reserve",
                                         producer + ":push", consumer + ":wait",
                                         consumer + ":pop"};
    if (scan.cb_uses[index] != expected) {
      std::vector<std::string> got(scan.cb_uses[index].begin(),
                                   scan.cb_uses[index].end());
      TVM_FFI_THROW(ValueError)
          << cbwhere << " must be produced (reserve/push) by the " << producer
          << " and consumed (wait/pop) by the " << consumer
          << "; found: " << (got.empty() ? "no use" : Join(got)) << ".";
    }
    const int64_t bytes = detail::IntField(cb, field::kFieldNumPages) *
                          detail::IntField(cb, field::kFieldPageBytes);
    l1_total += bytes;
    plan << (plan.tellp() > 0 ? ", " : "") << name << " " << bytes;
  }
  for (const auto &[index, uses] : scan.cb_uses) {
    if (!seen.count(index)) {
      TVM_FFI_THROW(ValueError) << where << ": the body uses CB c_" << index
                                << ", which tt.cbs does not declare.";
    }
  }
  if (l1_total > target.l1_cb_bytes()) {
    // A reduction reads whole rows: only its rows per block can shrink.
    std::string reduce_dim;
    if (compute_attr && compute_attr.value().count(field::kFieldReduceDim)) {
      reduce_dim = detail::StrField(*compute_attr, field::kFieldReduceDim);
    }
    for (const detail::ComputeStage &stage :
         compute_attr ? detail::StagesFromAttr(*compute_attr)
                      : std::vector<detail::ComputeStage>{}) {
      if (stage.op == value::kOpReduce) {
        reduce_dim = stage.reduce_dim;
      }
    }
    const bool reduce = !reduce_dim.empty();
    const bool columns = reduce_dim == value::kReduceDimCol;
    TVM_FFI_THROW(ValueError)
        << where << ": the circular buffers need " << l1_total
        << " bytes of L1 per core (" << plan.str() << ") but a " << target.arch
        << " core has " << target.l1_bytes << " bytes of L1, of which the "
        << target.l1_unreserved_base
        << " below the unreserved base are taken by firmware and kernel "
           "config; "
        << (!reduce ? "use smaller blocks (block_M, block_N, block_K)"
            : columns
                ? "use fewer columns per block (block_N): a reduction along "
                  "columns reads whole columns, two blocks of them at a time "
                  "(columns too long for 32 of them to fit are not supported "
                  "yet)"
                : "use fewer rows per block (block_M): a reduction reads "
                  "whole rows, two blocks of them at a time (rows too long "
                  "for 32 of them to fit are not supported yet)")
        << ".";
  }
  // Step 5
  if (!scan.leftovers.empty()) {
    TVM_FFI_THROW(ValueError)
        << where << " still contains " << Join(scan.leftovers)
        << "; run the named pass first.";
  }
  if (scan.persistent_loops != 1) {
    TVM_FFI_THROW(ValueError) << where << " has " << scan.persistent_loops
                              << " persistent loops, expected 1 "
                                 "(GridToPersistentTT).";
  }
  if (!scan.outside_role.empty()) {
    TVM_FFI_THROW(ValueError) << where << ": " << Join(scan.outside_role)
                              << " outside any tt.role scope.";
  }
  // Step 6
  auto compute = f->GetAttr<Map<String, Any>>(attr::kCompute).value();
  const bool fp32 = detail::BoolField(compute, field::kFieldFp32DestAccEn);
  const bool full = detail::BoolField(compute, field::kFieldDstFullSyncEn);
  const int64_t dst_tiles = detail::IntField(compute, field::kFieldDstTiles);
  if (dst_tiles != DstTiles(fp32, full)) {
    TVM_FFI_THROW(ValueError)
        << where << ": tt.compute says DST holds " << dst_tiles
        << " tiles, but in its mode (" << DstModeName(fp32, full)
        << ") it holds " << DstTiles(fp32, full) << ".";
  }
  if (scan.max_dst_index >= dst_tiles || scan.min_dst_index < 0) {
    TVM_FFI_THROW(ValueError)
        << where
        << ": a matmul_tiles / matmul_block / pack_tile can use DST tile "
        << (scan.min_dst_index < 0 ? scan.min_dst_index : scan.max_dst_index)
        << ", but DST holds tiles 0.." << dst_tiles - 1 << " ("
        << DstModeName(fp32, full) << ").";
  }
}

} // namespace

namespace transform {

Pass VerifyTTIR() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    Verify(f);
    return f;
  };
  return tvm::tirx::transform::CreatePrimFuncPass(pass_func, 0,
                                                  "tl.tt.VerifyTTIR", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.VerifyTTIR",
                                        VerifyTTIR);
}

} // namespace transform
} // namespace tilelang_tt
