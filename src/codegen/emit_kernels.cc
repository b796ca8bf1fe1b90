/*!
 * \file emit_kernels.cc
 * \brief The compute kernel: C = A @ B tile by tile on the FPU, accumulating
 *        in DST and packing each output block into the output CB.
 */

#include <tvm/ffi/extra/structural_equal.h>
#include <tvm/tirx/op.h>
#include <tvm/tirx/stmt_functor.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>

#include "emitters.h"
#include "kernel_emitter.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"
#include "tilelang_tt/target.h"

namespace tilelang_tt {
namespace codegen {

using tvm::tirx::CallNode;

namespace {

/*! \brief How an epilogue op (attr.h kEpilogue*) is called in the release's
 *         compute API: its header, init and per-tile function. */
struct SfpuCall {
  const char *header, *init, *tile;
  bool takes_value;
};

SfpuCall SfpuOp(const std::string &op) {
  if (op == value::kEpilogueRelu) {
    return {"api/compute/eltwise_unary/relu.h", "relu_tile_init", "relu_tile",
            false};
  }
  if (op == value::kEpilogueAdd) {
    return {"api/compute/eltwise_unary/binop_with_scalar.h",
            "binop_with_scalar_tile_init", "add_unary_tile", true};
  }
  if (op == value::kEpilogueMul) {
    return {"api/compute/eltwise_unary/binop_with_scalar.h",
            "binop_with_scalar_tile_init", "mul_unary_tile", true};
  }
  if (op == value::kEpilogueMax) {
    return {"api/compute/compute_kernel_api.h", "unary_max_tile_init",
            "unary_max_tile", true};
  }
  if (op == value::kEpilogueMin) {
    return {"api/compute/compute_kernel_api.h", "unary_min_tile_init",
            "unary_min_tile", true};
  }
  // The release's accurate variants: exp_tile's, sigmoid_tile's and
  // tanh_tile's `approx`
  // template arguments default to false (ComputeConfig::math_approx_mode
  // does not select them); silu_tile has no approximate variant.
  if (op == value::kEpilogueExp) {
    return {"api/compute/eltwise_unary/exp.h", "exp_tile_init", "exp_tile",
            false};
  }
  if (op == value::kEpilogueSigmoid) {
    return {"api/compute/compute_kernel_api.h", "sigmoid_tile_init",
            "sigmoid_tile", false};
  }
  if (op == value::kEpilogueExp2) {
    return {"api/compute/compute_kernel_api.h", "exp2_tile_init", "exp2_tile",
            false};
  }
  if (op == value::kEpilogueTanh) {
    return {"api/compute/compute_kernel_api.h", "tanh_tile_init", "tanh_tile",
            false};
  }
  if (op == value::kEpilogueSilu) {
    return {"api/compute/compute_kernel_api.h", "silu_tile_init", "silu_tile",
            false};
  }
  // gelu_tile's `fast_and_approx` defaults to true (a lookup table): the
  // accurate routine is asked for by name.
  if (op == value::kEpilogueGelu) {
    return {"api/compute/eltwise_unary/gelu.h", "gelu_tile_init<false>",
            "gelu_tile<false>", false};
  }
  // x / c multiplies by c's fp32 reciprocal (LowerEpilogue).
  if (op == value::kEpilogueDiv) {
    return SfpuOp(value::kEpilogueMul);
  }
  if (op == value::kEpilogueRsqrt) {
    return {"api/compute/eltwise_unary/rsqrt.h", "rsqrt_tile_init",
            "rsqrt_tile", false};
  }
  if (op == value::kEpilogueAbs) {
    return {"api/compute/compute_kernel_api.h", "abs_tile_init", "abs_tile",
            false};
  }
  // A fill stage's constant, as the bit pattern of its fp32 value.
  if (op == value::kSfpuFill) {
    return {"api/compute/eltwise_unary/fill.h", "fill_tile_init",
            "fill_tile_bitcast", true};
  }
  // A division's divisor (epilogue op div): calculate_reciprocal in DST's
  // precision (the template arguments' defaults follow the ComputeConfig).
  if (op == value::kSfpuRecip) {
    return {"api/compute/eltwise_unary/recip.h", "recip_tile_init",
            "recip_tile", false};
  }
  TVM_FFI_THROW(ValueError)
      << "TT codegen: unknown epilogue op '" << op << "'.";
}

/*! \brief A constant as C++ writes a float: "2.0", "-0.25", "1e-05". */
std::string Literal(float v) {
  std::string text = detail::FloatText(v);
  if (text.find_first_of(".eEni") == std::string::npos) {
    text += ".0";
  }
  return text;
}

class ComputeEmitter : public RoleKernelEmitter {
public:
  explicit ComputeEmitter(const ProgramInfo &info)
      : RoleKernelEmitter(info, ir::kRoleCompute) {}

private:
  std::vector<const CBInfo *> AllCBs() const {
    std::vector<const CBInfo *> out;
    for (const CBInfo &cb : info_.cbs) {
      out.push_back(&cb);
    }
    return out;
  }

  /*! \brief Tiles of the output block (the output CB's block). */
  int64_t OutputTiles() const {
    for (const CBInfo &cb : info_.cbs) {
      if (cb.role == value::kCBRoleOutput) {
        return cb.block_tiles;
      }
    }
    return 0;
  }

  void EmitPreamble() final {
    const ComputeInfo &c = info_.compute;
    if (c.op == value::kOpEltwise) {
      EmitElementwisePreamble();
      return;
    }
    if (c.op == value::kOpReduce) {
      EmitReducePreamble();
      return;
    }
    if (c.op == value::kOpStages) {
      EmitStagesPreamble();
      return;
    }
    // transpose_A takes DST per K step even for a block it holds whole.
    const bool whole = c.sub_h * c.sub_w == OutputTiles() && !c.transpose_a;
    const std::string dst =
        std::string("DST holds ") +
        (c.fp32_dest_acc_en
             ? std::string("fp32")
             : "16-bit (" +
                   std::string(c.accumulator == "float16" ? "fp16" : "bf16") +
                   ")") +
        " values, " + std::to_string(c.dst_tiles) + " tiles (" +
        DstModeName(c.fp32_dest_acc_en, c.dst_full_sync_en) +
        "; the host's ComputeConfig sets the mode).";
    std::vector<std::string> purpose;
    if (whole) {
      purpose = {"For each output block of this core: take DST (zeroed), "
                 "accumulate the tile",
                 "products of every K step, then pack the block into "
                 "cb_out0 for the writer.",
                 dst};
    } else {
      const std::string sub =
          std::to_string(c.sub_h) + " x " + std::to_string(c.sub_w) + " tiles";
      const bool fits = c.sub_h * c.sub_w == OutputTiles();
      purpose = {fits ? "Each K step takes DST for the output block (" + sub +
                            ") and releases it after packing."
                      : "The output block is larger than DST: each K step "
                        "walks it in sub-blocks of " +
                            sub + ".",
                 dst};
      if (c.partials) {
        purpose.push_back("Between K steps a sub-block's partial sums wait "
                          "in cb_partials (" +
                          info_.PartialsCB()->data_format +
                          ") and are reloaded;");
        purpose.push_back("the last K step packs the sub-block into cb_out0 "
                          "for the writer.");
      } else {
        purpose.push_back("Each sub-block is packed into cb_out0 for the "
                          "writer.");
      }
    }
    if (!c.epilogue.empty()) {
      purpose.push_back(
          "Epilogue on the SFPU, in DST before the pack: x = " + Chain("x") +
          (c.fp32_dest_acc_en ? " (fp32)."
                              : " (in fp32, each op's result stored back "
                                "truncated to bf16)."));
    }
    if (c.transpose_a) {
      purpose.insert(purpose.begin(),
                     "A is K x M: each K step first transposes A's block "
                     "through DST into cb_transposed.");
    }
    EmitDocBlock("Compute kernel (TRISC 0-2): " + c.c + " = " + c.a +
                     (c.transpose_a ? "^T" : "") + " @ " + c.b +
                     (c.transpose_b ? "^T" : "") + " on the matrix engine.",
                 purpose, AllCBs());
    EmitIncludes();
  }

  /*! \brief tt.compute's epilogue applied to `x`, as text: "max(x * 2.0,
   *         0) + Bias[col]". */
  std::string Chain(std::string chain) const {
    return Chain(std::move(chain), info_.compute.epilogue);
  }

  /*! \brief `chain` with `ops` applied, as text; an operand read at the
   *         element is indexed `at` (a vector stage's "[row]"). */
  std::string Chain(std::string chain,
                    const std::vector<detail::EpilogueOp> &ops,
                    const std::string &at = "[row, col]") const {
    {
      for (const detail::EpilogueOp &e : ops) {
        const std::string v = Literal(e.value);
        if (!e.operand.empty()) {
          const std::string operand =
              e.operand + (e.broadcast == value::kBroadcastRow   ? "[col]"
                           : e.broadcast == value::kBroadcastCol ? "[row]"
                                                                 : at);
          if (e.op == value::kEpilogueDiv) {
            chain = "(" + chain + ") / " + operand;
          } else if (e.op == value::kEpilogueMul) {
            // A call or a single term needs no parentheses.
            int depth = 0;
            bool bare = true;
            for (char ch : chain) {
              depth += ch == '(' || ch == '['   ? 1
                       : ch == ')' || ch == ']' ? -1
                                                : 0;
              bare = bare && !(depth == 0 && ch == ' ');
            }
            chain = (bare ? chain : "(" + chain + ")") + " * " + operand;
          } else {
            chain += (e.op == value::kEpilogueSub ? " - " : " + ") + operand;
          }
          continue;
        }
        if (e.op == value::kEpilogueExp || e.op == value::kEpilogueExp2 ||
            e.op == value::kEpilogueSigmoid || e.op == value::kEpilogueTanh ||
            e.op == value::kEpilogueSilu || e.op == value::kEpilogueGelu ||
            e.op == value::kEpilogueRsqrt || e.op == value::kEpilogueAbs) {
          chain = e.op + "(" + chain + ")";
          continue;
        }
        if (e.op == value::kEpilogueDiv) {
          chain += " / " + v;
          continue;
        }
        chain = e.op == value::kEpilogueRelu  ? "max(" + chain + ", 0)"
                : e.op == value::kEpilogueMax ? "max(" + chain + ", " + v + ")"
                : e.op == value::kEpilogueMin ? "min(" + chain + ", " + v + ")"
                : e.op == value::kEpilogueMul ? chain + " * " + v
                : std::signbit(e.value) ? chain + " - " + Literal(-e.value)
                                        : chain + " + " + v;
      }
    }
    return chain;
  }

  /*! \brief A reduction's doc block and includes. */
  void EmitReducePreamble() {
    const ComputeInfo &c = info_.compute;
    const bool sum = c.reduce == value::kReduceSum;
    const bool rows = c.reduce_dim == value::kReduceDimRow;
    const std::string line = rows ? "row" : "column";
    const std::string cross = rows ? "column" : "row";
    const std::vector<std::string> purpose = {
        "For each output block of this core, " + line + " of tiles by " + line +
            " of tiles: take DST, reduce the",
        line + "'s tiles of cb_in0 into DST[0] (reduce_tile accumulates each " +
            line + "'s " + (sum ? "sum" : "maximum") + " into " + cross +
            " 0),",
        "pack DST[0] into cb_out0 for the writer (the packer writes " + cross +
            " 0, zeros elsewhere).",
        sum ? "The matrix engine multiplies the data by the scaler's 1.0 in "
              "the fidelity's phases;"
            : "GMPOOL takes the maximum; a fresh DST tile counts as minus "
              "infinity;",
        std::string("DST holds ") +
            (c.fp32_dest_acc_en ? "fp32" : "16-bit (bf16)") +
            " values (the host's ComputeConfig sets the mode)."};
    EmitDocBlock(
        "Compute kernel (TRISC 0-2): " + c.c + (rows ? "[row]" : "[col]") +
            " = " + (sum ? "sum" : "max") + "(" + c.a +
            (rows ? "[row, :]" : "[:, col]") + ") on the matrix engine.",
        purpose, AllCBs());
    EmitIncludes();
  }

  /*! \brief Whether stage `s` only moves a Float32 value into another
   *         Float32 CB (MemorySpaceLowerTT's copy for a reduction). */
  bool IsFloat32Copy(const detail::ComputeStage &s) const {
    const std::string f32 = SpecOf(TileFormat::kFloat32).data_format;
    return s.epilogue.empty() && info_.CB(s.cb_in).data_format == f32 &&
           info_.CB(s.cb_out).data_format == f32 &&
           detail::ReadsOf(info_.compute.stages, s.cb_out).reduced;
  }

  /*! \brief A staged program's doc block and includes: one line a stage. */
  void EmitStagesPreamble() {
    const ComputeInfo &c = info_.compute;
    auto cb_name = [&](int64_t index) { return info_.CB(index).name; };
    std::vector<std::string> purpose = {
        "For each output block of this core, its stages in turn, each "
        "waiting for the CBs it reads (the block of a tensor once, a stage's "
        "value once) and popping those no later stage reads:"};
    // The values that are vectors: a reduction's, and an update of one.
    std::map<std::string, std::string> vectors;
    for (size_t i = 0; i < c.stages.size(); ++i) {
      const detail::ComputeStage &s = c.stages[i];
      const std::string n = std::to_string(i + 1) + ". ";
      if (s.op != value::kOpReduce && vectors.count(s.in)) {
        const std::string at =
            vectors[s.in] == value::kReduceDimRow ? "[row]" : "[col]";
        purpose.push_back(n + s.out + at + " = " +
                          Chain(s.in + at, s.epilogue, at));
        purpose.push_back("   into " + cb_name(s.cb_out) +
                          ", on the vector's tiles through DST (the SFPU).");
        vectors[s.out] = vectors[s.in];
        continue;
      }
      vectors.erase(s.out);
      if (s.op == value::kOpFill) {
        purpose.push_back(n + s.out + " = " +
                          Literal(static_cast<float>(s.value)));
        purpose.push_back("   into " + cb_name(s.cb_out) +
                          ", tile by tile: fill_tile on the SFPU.");
      } else if (s.op == value::kOpReduce) {
        vectors[s.out] = s.reduce_dim;
        const bool rows = s.reduce_dim == value::kReduceDimRow;
        const std::string reduced =
            s.reduce + "(" + s.in + (rows ? "[row, :]" : "[:, col]") + ")";
        purpose.push_back(
            n + s.out + (rows ? "[row]" : "[col]") + " = " +
            (s.epilogue.empty() ? reduced : Chain(reduced, s.epilogue)));
        purpose.push_back(
            "   into " + cb_name(s.cb_out) + ": reduce_tile per " +
            (rows ? "row" : "column") +
            " of tiles, between its reduce_init and reduce_uninit" +
            (s.epilogue.empty()
                 ? std::string(".")
                 : ", the ops on the SFPU before each pack (and the "
                   "reduction set up again after them)."));
      } else if (s.op == value::kOpMask) {
        std::string row = "row";
        if (s.row_offset != 0) {
          row += (s.row_offset > 0 ? " + " : " - ") +
                 std::to_string(std::abs(s.row_offset));
        }
        std::string col = "col";
        if (s.col_step != 0) {
          col = std::to_string(s.col_step) + " * k + " + col;
        }
        if (s.col_start != 0) {
          col = std::to_string(s.col_start) + " + " + col;
        }
        purpose.push_back(n + s.out + "[row, col] = " +
                          detail::FloatText(static_cast<float>(s.value)) +
                          " where " + row + " >= " + col + ", else " +
                          detail::FloatText(static_cast<float>(s.otherwise)));
        purpose.push_back("   (row the output's, k the loop's iteration): " +
                          cb_name(s.cb_out) +
                          ", written by the reader; nothing to compute.");
      } else if (s.op == value::kOpMatmul) {
        purpose.push_back(
            n + s.out + " = " +
            (s.accumulate ? info_.CB(s.cb_acc).buffer + " + " : std::string()) +
            s.in + " @ " + s.b + (s.transpose_b ? "^T" : ""));
        purpose.push_back(
            "   into " + cb_name(s.cb_out) +
            ", tile by tile: matmul_tiles over K into DST[0] (the matrix "
            "unit" +
            (s.transpose_b
                 ? "; the unpacker transposes each tile of " + cb_name(s.cb_b)
                 : std::string()) +
            "), after its matmul_init.");
      } else if (IsFloat32Copy(s)) {
        purpose.push_back(n + s.out + " = " + s.in + "[row, col]");
        purpose.push_back(
            "   into " + cb_name(s.cb_out) +
            ", tile by tile through DST: a copy of the Float32 " +
            cb_name(s.cb_in) +
            " for the reduction (the unpacker takes a "
            "Float32 CB either through the source registers or straight "
            "into DST, so the reduction and the updates each read their "
            "own).");
      } else {
        purpose.push_back(n + s.out + " = " +
                          Chain(s.in + "[row, col]", s.epilogue));
        purpose.push_back("   into " + cb_name(s.cb_out) +
                          ", tile by tile through DST (ops on the SFPU).");
      }
      if (s.loop.defined()) {
        const std::vector<int64_t> reads = detail::StageReads(s);
        const bool carried =
            std::count(reads.begin(), reads.end(), s.cb_out) > 0;
        const std::string count =
            s.loop.bounded()
                ? "min(" + std::to_string(s.loop.extent) + ", ceil((r0 + " +
                      std::to_string(s.loop.bound_add) + ") / " +
                      std::to_string(s.loop.bound_div) +
                      ")) iterations for the output block at row r0"
                : std::to_string(s.loop.extent) + " iterations";
        purpose.push_back(
            "   In loop " + std::to_string(s.loop.id) + ", each of its " +
            count +
            (carried ? " (in place: the value before is popped once the "
                       "new one is packed behind it)."
                     : "."));
      }
    }
    purpose.push_back(std::string("DST holds ") +
                      (c.fp32_dest_acc_en ? "fp32" : "16-bit") +
                      " values (the host's ComputeConfig sets the mode).");
    EmitDocBlock("Compute kernel (TRISC 0-2): " + c.c + " from " + c.a +
                     " in " + std::to_string(c.stages.size()) + " stages.",
                 purpose, AllCBs());
    EmitIncludes();
  }

  /*! \brief An element-wise kernel's doc block and includes. */
  void EmitElementwisePreamble() {
    const ComputeInfo &c = info_.compute;
    const bool only_adds = std::all_of(
        c.epilogue.begin(), c.epilogue.end(), [](const detail::EpilogueOp &e) {
          return e.operand.empty() || e.op == value::kEpilogueAdd;
        });
    const std::vector<std::string> purpose = {
        "For each output block of this core, tile by tile: take DST, copy the "
        "tile of " +
            c.a + " into DST[0], apply the ops on the SFPU in fp32 (" +
            (only_adds ? "an added tensor's" : "a tensor operand's") +
            " tile is copied into DST[1] first), pack DST[0] into cb_out0 "
            "for the writer.",
        c.fp32_dest_acc_en
            ? "DST holds fp32 values (fp32 DST; the host's ComputeConfig "
              "sets the mode), so the only rounding to bf16 is the packer's."
            : "DST holds fp16 values (16-bit DST; the host's ComputeConfig "
              "sets the mode): each op's fp32 result is stored back "
              "truncated to fp16, and the packer copies them."};
    EmitDocBlock("Compute kernel (TRISC 0-2): " + c.c + " = " +
                     Chain(c.a + "[row, col]") +
                     ", element by element on the SFPU.",
                 purpose, AllCBs());
    EmitIncludes();
  }

  void EmitIncludes() {
    const ComputeInfo &c = info_.compute;
    const bool elementwise = c.op == value::kOpEltwise;
    Line("#include <cstdint>");
    Blank();
    std::set<std::string> headers = {
        "api/compute/cb_api.h", "api/compute/common.h",
        "api/compute/compute_kernel_hw_startup.h", "api/compute/pack.h",
        "api/compute/reg_api.h"};
    std::vector<detail::EpilogueOp> ops = c.epilogue;
    if (c.op == value::kOpStages) {
      for (const detail::ComputeStage &s : c.stages) {
        headers.insert(s.op == value::kOpReduce   ? "api/compute/reduce.h"
                       : s.op == value::kOpMatmul ? "api/compute/matmul.h"
                       : s.op == value::kOpFill
                           ? SfpuOp(value::kSfpuFill).header
                           : "api/compute/tile_move_copy.h");
        ops.insert(ops.end(), s.epilogue.begin(), s.epilogue.end());
      }
    } else {
      headers.insert(elementwise                ? "api/compute/tile_move_copy.h"
                     : c.op == value::kOpReduce ? "api/compute/reduce.h"
                                                : "api/compute/matmul.h");
    }
    // TensorizeTT decides where the unpacker or the packer is reconfigured;
    // the header comes with its calls.
    for (const tvm::tirx::CallNode *call : RoleCalls()) {
      if (call->op.same_as(builtin::reconfig_srca()) ||
          call->op.same_as(builtin::reconfig_srcs()) ||
          call->op.same_as(builtin::pack_reconfig())) {
        headers.insert("api/compute/reconfig_data_format.h");
      }
    }
    if (c.partials) {
      headers.insert("api/compute/tile_move_copy.h");
    }
    if (c.transpose_a) {
      headers.insert("api/compute/transpose.h");
    }
    for (const detail::EpilogueOp &e : ops) {
      if (e.operand.empty()) {
        headers.insert(SfpuOp(e.op).header);
        continue;
      }
      headers.insert(e.op == value::kEpilogueMax || e.op == value::kEpilogueMin
                         ? "api/compute/binary_max_min.h"
                         : "api/compute/eltwise_binary_sfpu.h");
      if (e.op == value::kEpilogueDiv) {
        headers.insert(SfpuOp(value::kSfpuRecip).header);
      }
      headers.insert(e.broadcast == value::kBroadcastNone
                         ? "api/compute/tile_move_copy.h"
                         : "api/compute/bcast.h");
    }
    for (const std::string &h : headers) {
      Line("#include \"" + h + "\"");
    }
    Blank();
  }

  void EmitPrologue() final {
    Blank();
    for (const CBInfo &cb : info_.cbs) {
      Line("constexpr uint32_t " + cb.name + " = tt::CBIndex::c_" +
           std::to_string(cb.index) + ";");
    }
  }

  /*! \brief The scaler CB's index, or -1. */
  int64_t ScalerCB() const {
    for (const CBInfo &cb : info_.cbs) {
      if (cb.role == value::kCBRoleScaler) {
        return cb.index;
      }
    }
    return -1;
  }

  /*! \brief Groups of unpacker reconfigs alone named so far. */
  int reconfig_groups_ = 0;

  /*! \brief Name the group by the intrinsics it holds. */
  std::string GroupComment(const tvm::tirx::Stmt &body) final {
    const CallNode *matmul = nullptr, *pack = nullptr, *transpose = nullptr,
                   *copy = nullptr, *reduce = nullptr;
    std::vector<std::string> pops; // the CBs it pops, but the scaler's
    bool init = false, startup = false, acquire = false, sfpu = false,
         reconfig = false, other = false, fill = false;
    tvm::tirx::PostOrderVisit(body, [&](const tvm::ffi::ObjectRef &n) {
      const auto *call = n.as<CallNode>();
      if (call == nullptr) {
        return;
      }
      fill = fill || (call->op.same_as(builtin::sfpu_init()) &&
                      OpName(call->args[0]) == value::kSfpuFill);
      init = init || call->op.same_as(builtin::matmul_init()) ||
             call->op.same_as(builtin::matmul_block_init());
      startup = startup || call->op.same_as(builtin::hw_startup());
      const bool unpack_reconfig = call->op.same_as(builtin::reconfig_srca()) ||
                                   call->op.same_as(builtin::reconfig_srcs());
      reconfig = reconfig || unpack_reconfig;
      other = other || !unpack_reconfig;
      if (call->op.same_as(builtin::copy_tile()) && copy == nullptr) {
        copy = call;
      }
      if (call->op.same_as(builtin::reduce_tile()) && reduce == nullptr) {
        reduce = call;
      }
      if (call->op.same_as(builtin::cb_pop_front()) &&
          call->args[0].as<tvm::IntImmNode>()->value != ScalerCB()) {
        pops.push_back(CBName(call->args[0]));
      }
      acquire = acquire || call->op.same_as(builtin::tile_regs_acquire());
      sfpu = sfpu || call->op.same_as(builtin::sfpu_tile()) ||
             call->op.same_as(builtin::sfpu_binary_tile());
      if ((call->op.same_as(builtin::matmul_tiles()) ||
           call->op.same_as(builtin::matmul_block())) &&
          matmul == nullptr) {
        matmul = call;
      }
      if (call->op.same_as(builtin::pack_tile()) && pack == nullptr) {
        pack = call;
      }
      if (call->op.same_as(builtin::transpose_init()) && transpose == nullptr) {
        transpose = call;
      }
    });
    if (init) {
      return "Configure unpacker, FPU and packer for C = A @ B (once).";
    }
    if (info_.compute.op == value::kOpReduce) {
      if (startup) {
        return std::string("Configure unpackers, FPU and packer for the "
                           "reduction along ") +
               (info_.compute.reduce_dim == value::kReduceDimRow ? "rows"
                                                                 : "columns") +
               "; wait for the scaler tile (once).";
      }
      if (acquire) {
        return std::string("The output block, one ") +
               (info_.compute.reduce_dim == value::kReduceDimRow ? "row"
                                                                 : "column") +
               " of tiles at a time: reduce its tiles into DST[0], pack it.";
      }
      if (pack == nullptr && !acquire) {
        return "Done: free the scaler tile, reset the packer's edge mask.";
      }
    }
    if (info_.compute.op == value::kOpStages) {
      if (fill && pack != nullptr) {
        return "Fill " + CBName(pack->args[1]) +
               "'s block with the constant, tile by tile (the value the loop "
               "below updates in place).";
      }
      if (reconfig && !other && reconfig_groups_++ == 0) {
        return "Set the unpackers up for the CBs each block starts with "
               "(once; the stages reconfigure them between formats).";
      }
      if (reconfig && !other) {
        return "Set the unpackers up for the formats the next stages start "
               "from (the loop below reads CBs of other formats).";
      }
      if (startup) {
        return "Configure unpacker, FPU and packer for the first stage; wait "
               "for the scaler tile (once).";
      }
      if (reduce != nullptr && pack != nullptr) {
        const bool rows = info_.compute.ReduceDim() == value::kReduceDimRow;
        return std::string("Reduce the block one ") +
               (rows ? "row" : "column") +
               " of tiles at a time into DST[0], each packed into " +
               CBName(pack->args[1]) + ".";
      }
      if (pack == nullptr && !acquire && !pops.empty()) {
        std::string names;
        for (size_t i = 0; i < pops.size(); ++i) {
          names += (i == 0                 ? ""
                    : i + 1 == pops.size() ? " and "
                                           : ", ") +
                   pops[i];
        }
        return "The loop above is done: free the blocks of " + names +
               " (made before it, read by each of its iterations).";
      }
      if (pack == nullptr && !acquire) {
        return "Done: free the scaler tile.";
      }
    }
    if (startup) {
      return "Configure unpacker, FPU and packer for the element-wise ops "
             "(once).";
    }
    if (copy != nullptr && pack != nullptr && matmul == nullptr &&
        !info_.compute.stages.empty() && !sfpu) {
      detail::ComputeStage moved;
      moved.cb_in = copy->args[0].as<tvm::IntImmNode>()->value;
      moved.cb_out = pack->args[1].as<tvm::IntImmNode>()->value;
      return "Each tile of " + CBName(copy->args[0]) +
             "'s block in turn through DST into " + CBName(pack->args[1]) +
             (IsFloat32Copy(moved) ? ", unchanged (a copy for the reduction)."
                                   : ", in its format.");
    }
    if (copy != nullptr && pack != nullptr && matmul == nullptr &&
        !info_.compute.stages.empty()) {
      return "Each tile of " + CBName(copy->args[0]) +
             "'s block in turn into DST, the ops, packed into " +
             CBName(pack->args[1]) + ".";
    }
    if (copy != nullptr && pack != nullptr && matmul == nullptr) {
      return "The output block, tile by tile: " + CBName(copy->args[0]) +
             "'s tile into DST, the ops, packed into " + CBName(pack->args[1]) +
             ".";
    }
    if (transpose != nullptr && pack != nullptr) {
      return "A is K x M: transpose this K step's block of it from " +
             CBName(transpose->args[0]) + " into " + CBName(pack->args[1]) +
             " through DST (each tile, and the block's tile order).";
    }
    if (matmul != nullptr && pack != nullptr && !info_.compute.stages.empty()) {
      return "The product of " + CBName(matmul->args[0]) + "'s block and " +
             CBName(matmul->args[1]) + "'s into " + CBName(pack->args[1]) +
             ", tile by tile: each tile's products over K accumulated in "
             "DST[0] (the matrix unit), then packed.";
    }
    if (matmul != nullptr) {
      const std::string operands = "(A's tiles row-major in " +
                                   CBName(matmul->args[0]) + ", B's in " +
                                   CBName(matmul->args[1]) + ")";
      return acquire ? "Add this K step's A block @ B block to the output "
                       "block, one DST sub-block at a time " +
                           operands +
                           (sfpu ? "; in the last K step apply the epilogue "
                                   "to each sub-block before packing it."
                                 : ".")
                     : "Accumulate this K step's A block @ B block into DST " +
                           operands + ".";
    }
    if (acquire) {
      return "Start an output block: take DST, zeroed.";
    }
    if (pack != nullptr) {
      return std::string(sfpu ? "Apply the epilogue to the block in DST, h"
                              : "H") +
             "and DST to the packer and pack the output block into " +
             CBName(pack->args[1]) + ".";
    }
    return "";
  }

  static std::string OpName(const tvm::PrimExpr &e) {
    return std::string(e.as<tvm::tirx::StringImmNode>()->value);
  }

  /*! \brief reduce_init's / reduce_tile's template arguments for
   *         attr.h's kReduceSum / kReduceMax along kReduceDimRow / Col. */
  static std::string ReduceTemplate(const tvm::PrimExpr &e,
                                    const tvm::PrimExpr &d) {
    const std::string r = OpName(e), dim = OpName(d);
    if ((r != value::kReduceSum && r != value::kReduceMax) ||
        (dim != value::kReduceDimRow && dim != value::kReduceDimCol)) {
      TVM_FFI_THROW(ValueError) << "TT codegen: unknown reduction '" << r
                                << "' along '" << dim << "'.";
    }
    return std::string(r == value::kReduceSum ? "PoolType::SUM"
                                              : "PoolType::MAX") +
           (dim == value::kReduceDimRow ? ", ReduceDim::REDUCE_ROW"
                                        : ", ReduceDim::REDUCE_COL");
  }

  /*! \brief The release's BroadcastType of attr.h's kBroadcastRow / Col. */
  static std::string BroadcastType(const tvm::PrimExpr &e) {
    const std::string b = OpName(e);
    if (b == value::kBroadcastRow) {
      return "BroadcastType::ROW";
    }
    if (b == value::kBroadcastCol) {
      return "BroadcastType::COL";
    }
    TVM_FFI_THROW(ValueError) << "TT codegen: unknown broadcast '" << b << "'.";
  }

  /*! \brief The SFPU op between two DST tiles (eltwise_binary_sfpu.h,
   *         binary_max_min.h). */
  static std::string SfpuBinary(const std::string &op) {
    if (op == value::kEpilogueAdd) {
      return "add_binary_tile";
    }
    if (op == value::kEpilogueSub) {
      return "sub_binary_tile";
    }
    if (op == value::kEpilogueMul) {
      return "mul_binary_tile";
    }
    // (binary_max_min.h: calculate_binary_max_min, SFPSWAP's min / max.)
    if (op == value::kEpilogueMax) {
      return "binary_max_tile";
    }
    if (op == value::kEpilogueMin) {
      return "binary_min_tile";
    }
    TVM_FFI_THROW(ValueError)
        << "TT codegen: unknown epilogue op '" << op << "' between tiles.";
  }

  /*! \brief matmul_init; with transpose (B is N x K) the unpacker
   *         transposes each in1 tile on its way into SrcA. */
  void EmitMatmulInit(const tvm::PrimExpr &a, const tvm::PrimExpr &b,
                      const tvm::PrimExpr &transpose) {
    if (tvm::tirx::is_one(transpose)) {
      Line("// B is N x K: the unpacker transposes each of its tiles.");
      Line("matmul_init(" + CBName(a) + ", " + CBName(b) +
           ", /*transpose=*/1);");
    } else {
      Line("matmul_init(" + CBName(a) + ", " + CBName(b) + ");");
    }
  }

  /*! \brief matmul_block_init (a[0..5] = cb_a, cb_b, transpose, ct, rt,
   *         kt): the unpacker and FPU set up for rt x ct-tile sub-blocks. */
  void EmitMatmulBlockInit(const tvm::ffi::Array<tvm::PrimExpr> &a) {
    Line("matmul_block_init(" + CBName(a[0]) + ", " + CBName(a[1]) +
         ", /*transpose=*/" + Expr(a[2]) + ", /*ct_dim=*/" + Expr(a[3]) +
         ", /*rt_dim=*/" + Expr(a[4]) + ", /*kt_dim=*/" + Expr(a[5]) + ");");
  }

  void EmitIntrinsic(const CallNode *call) final {
    const auto &a = call->args;
    if (call->op.same_as(builtin::matmul_block_init())) {
      Line("compute_kernel_hw_startup<SrcOrder::Reverse>(" + CBName(a[0]) +
           ", " + CBName(a[1]) + ", " + CBName(a[2]) + ");");
      EmitMatmulBlockInit({a[0], a[1], a[3], a[4], a[5], a[6]});
    } else if (call->op.same_as(builtin::matmul_block_reinit())) {
      EmitMatmulBlockInit(a);
    } else if (call->op.same_as(builtin::matmul_block())) {
      // One K tile of the rt x ct sub-block: A's tile a_slot + r * kt_dim
      // times B's b_slot + c into DST[dst + r * ct_dim + c].
      Line("matmul_block(" + CBName(a[0]) + ", " + CBName(a[1]) + ", " +
           Expr(a[2]) + ", " + Expr(a[3]) + ", " + Expr(a[4]) + ", " +
           Expr(a[5]) + ", " + Expr(a[6]) + ", " + Expr(a[7]) + ", " +
           Expr(a[8]) + ");");
    } else if (call->op.same_as(builtin::hw_startup())) {
      Line("compute_kernel_hw_startup(" + CBName(a[0]) + ", " + CBName(a[1]) +
           ");");
    } else if (call->op.same_as(builtin::matmul_init())) {
      Line("compute_kernel_hw_startup<SrcOrder::Reverse>(" + CBName(a[0]) +
           ", " + CBName(a[1]) + ", " + CBName(a[2]) + ");");
      EmitMatmulInit(a[0], a[1], a[3]);
    } else if (call->op.same_as(builtin::tile_regs_acquire())) {
      Line("tile_regs_acquire();");
    } else if (call->op.same_as(builtin::tile_regs_commit())) {
      Line("tile_regs_commit();");
    } else if (call->op.same_as(builtin::tile_regs_wait())) {
      Line("tile_regs_wait();");
    } else if (call->op.same_as(builtin::tile_regs_release())) {
      Line("tile_regs_release();");
    } else if (call->op.same_as(builtin::cb_wait_front())) {
      Line("cb_wait_front(" + CBName(a[0]) + ", " + Expr(a[1]) + ");");
    } else if (call->op.same_as(builtin::cb_pop_front())) {
      Line("cb_pop_front(" + CBName(a[0]) + ", " + Expr(a[1]) + ");");
    } else if (call->op.same_as(builtin::cb_reserve_back())) {
      Line("cb_reserve_back(" + CBName(a[0]) + ", " + Expr(a[1]) + ");");
    } else if (call->op.same_as(builtin::cb_push_back())) {
      Line("cb_push_back(" + CBName(a[0]) + ", " + Expr(a[1]) + ");");
    } else if (call->op.same_as(builtin::matmul_reinit())) {
      EmitMatmulInit(a[0], a[1], a[2]);
    } else if (call->op.same_as(builtin::transpose_init())) {
      Line("transpose_init(" + CBName(a[0]) + ");");
    } else if (call->op.same_as(builtin::transpose_tile())) {
      Line("transpose_tile(" + CBName(a[0]) + ", " + Expr(a[1]) + ", " +
           Expr(a[2]) + ");");
    } else if (call->op.same_as(builtin::copy_init())) {
      Line("copy_init(" + CBName(a[0]) + ");");
    } else if (call->op.same_as(builtin::copy_tile())) {
      Line("copy_tile(" + CBName(a[0]) + ", " + Expr(a[1]) + ", " + Expr(a[2]) +
           ");");
    } else if (call->op.same_as(builtin::reconfig_srcs())) {
      Line("reconfig_data_format(" + CBName(a[0]) + ", " + CBName(a[1]) + ");");
    } else if (call->op.same_as(builtin::reduce_init())) {
      if (OpName(a[3]) == value::kReduceSum &&
          OpName(a[4]) == value::kReduceDimRow) {
        Line("// SUM along rows multiplies with the scaler in SrcA and the "
             "data in SrcB (set above).");
      }
      Line("reduce_init<" + ReduceTemplate(a[3], a[4]) + ">(" + CBName(a[0]) +
           ", " + CBName(a[1]) + ", " + CBName(a[2]) + ");");
    } else if (call->op.same_as(builtin::reduce_tile())) {
      Line("reduce_tile<" + ReduceTemplate(a[4], a[5]) + ">(" + CBName(a[0]) +
           ", " + CBName(a[1]) + ", " + Expr(a[2]) + ", 0, " + Expr(a[3]) +
           ");");
    } else if (call->op.same_as(builtin::reduce_uninit())) {
      Line("reduce_uninit(" + CBName(a[0]) + ");");
    } else if (call->op.same_as(builtin::reconfig_srca())) {
      Line("reconfig_data_format_srca(" + CBName(a[0]) + ", " + CBName(a[1]) +
           ");");
    } else if (call->op.same_as(builtin::pack_reconfig()) &&
               tvm::tirx::is_const_int(a[0], -1)) {
      // (Whatever the packer was set up for: the start of a loop's stages.)
      Line("pack_reconfig_data_format(" + CBName(a[1]) + ");");
    } else if (call->op.same_as(builtin::pack_reconfig())) {
      Line("pack_reconfig_data_format(" + CBName(a[0]) + ", " + CBName(a[1]) +
           ");");
    } else if (call->op.same_as(builtin::sfpu_init())) {
      Line(std::string(SfpuOp(OpName(a[0])).init) + "();");
    } else if (call->op.same_as(builtin::sfpu_tile())) {
      const SfpuCall op = SfpuOp(OpName(a[0]));
      if (!op.takes_value) {
        Line(std::string(op.tile) + "(" + Expr(a[1]) + ");");
      } else {
        // The constant goes in as the bit pattern of its fp32 value.
        const auto bits =
            static_cast<uint32_t>(a[2].as<tvm::IntImmNode>()->value);
        float value;
        std::memcpy(&value, &bits, sizeof(value));
        Line(std::string(op.tile) + "(" + Expr(a[1]) + ", " +
             FloatBitsLiteral(bits) + " /* " + Literal(value) + "f */);");
      }
    } else if (call->op.same_as(builtin::bcast_init())) {
      Line("unary_bcast_init<" + BroadcastType(a[1]) + ">(" + CBName(a[0]) +
           ");");
    } else if (call->op.same_as(builtin::bcast_tile())) {
      Line("unary_bcast<" + BroadcastType(a[3]) + ">(" + CBName(a[0]) + ", " +
           Expr(a[1]) + ", " + Expr(a[2]) + ");");
    } else if (call->op.same_as(builtin::sfpu_binary_init())) {
      Line(SfpuBinary(OpName(a[0])) + "_init();");
    } else if (call->op.same_as(builtin::sfpu_binary_tile())) {
      Line(SfpuBinary(OpName(a[0])) + "(" + Expr(a[1]) + ", " + Expr(a[2]) +
           ", " + Expr(a[3]) + ");");
    } else if (call->op.same_as(builtin::matmul_tiles())) {
      Line("matmul_tiles(" + CBName(a[0]) + ", " + CBName(a[1]) + ", " +
           Expr(a[2]) + ", " + Expr(a[3]) + ", " + Expr(a[4]) + ");");
    } else if (call->op.same_as(builtin::pack_tile())) {
      // pack_tile writes the next reserved page and ignores its index
      // argument unless out_of_order_output is set (the release's pack.h).
      if (tvm::ffi::StructuralEqual()(a[0], a[2])) {
        Line("pack_tile(" + Expr(a[0]) + ", " + CBName(a[1]) + ");");
      } else {
        Line("pack_tile<true>(" + Expr(a[0]) + ", " + CBName(a[1]) + ", " +
             Expr(a[2]) + ");");
      }
    } else {
      TVM_FFI_THROW(ValueError)
          << "TT codegen: " << call->op << " cannot run on the compute kernel.";
    }
  }
};

} // namespace

std::string EmitCompute(const ProgramInfo &info, const tvm::tirx::PrimFunc &f) {
  return ComputeEmitter(info).Emit(f);
}

} // namespace codegen
} // namespace tilelang_tt
