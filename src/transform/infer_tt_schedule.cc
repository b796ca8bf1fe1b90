/*!
 * \file infer_tt_schedule.cc
 * \brief Split the kernel's output blocks over the Tensix cores.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/transform.h>

#include <algorithm>
#include <optional>
#include <string>

#include "common.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::PrimFunc;

namespace {

constexpr const char *kPassName = "InferDefaultTTSchedule";

/*!
 * \brief Contiguous split of `num_blocks` over at most `num_cores` cores.
 *
 * Core i takes blocks [start_i, start_i + count_i). When the blocks do not
 * divide evenly the first `num_blocks % active` cores take one more, as
 * tt-metal's split_work_to_cores does; with fewer blocks than cores only
 * `num_blocks` cores are active.
 */
Array<Array<tvm::Integer>> ContiguousRanges(int64_t num_blocks,
                                            int64_t num_cores) {
  const int64_t active = std::min(num_blocks, num_cores);
  const int64_t base = num_blocks / active;
  const int64_t extra = num_blocks % active;
  Array<Array<tvm::Integer>> ranges;
  int64_t start = 0;
  for (int64_t core = 0; core < active; ++core) {
    const int64_t count = base + (core < extra ? 1 : 0);
    ranges.push_back({tvm::Integer(start), tvm::Integer(count)});
    start += count;
  }
  return ranges;
}

/*! \brief A GEMM's output blocks tiled over a cores_x x cores_y core grid:
 *         core (x, y) takes block rows [y * rows, (y + 1) * rows) and block
 *         columns [x * cols, (x + 1) * cols). */
struct McastTiling {
  int64_t cores_x = 0, cores_y = 0, rows = 0, cols = 0;
  int64_t count() const { return rows * cols; }
};

/*! \brief The largest divisor of `n` that is at most `limit`. */
int64_t LargestDivisorUpTo(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d) {
    if (n % d == 0) {
      return d;
    }
  }
  return 1;
}

/*!
 * \brief The mcast2d tiling of the launch grid, or why there is none.
 *
 * It needs a GEMM (tt.compute op matmul) of one matrix (a batched output's
 * cores of one column would need different B blocks), a row-major block
 * order, and a core grid of at least two cores whose sides divide the block
 * grid's (every core gets the same rectangle, so the cores of a row, and of
 * a column, reach each block row / column at the same step).
 */
std::optional<McastTiling> PlanMcast(const PrimFunc &f,
                                     const detail::LaunchGrid &grid,
                                     const TTTargetInfo &target,
                                     const std::string &order,
                                     std::string *why) {
  auto compute = f->GetAttr<Map<String, Any>>(attr::kCompute);
  if (!compute ||
      detail::StrField(compute.value(), field::kFieldOp) != value::kOpMatmul) {
    *why = "it multicasts a GEMM's A and B blocks; this kernel computes no "
           "T.gemm";
    return std::nullopt;
  }
  // A's and B's blocks are told from the other inputs by their tensors:
  // each must be the tensor of exactly one input CB (not also an epilogue
  // operand, and not each other).
  const std::string a =
      detail::StrField(compute.value(), field::kFieldOperandA);
  const std::string b =
      detail::StrField(compute.value(), field::kFieldOperandB);
  int64_t a_cbs = 0, b_cbs = 0;
  for (const auto &cb :
       f->GetAttr<Array<Map<String, Any>>>(attr::kCBs).value()) {
    if (detail::StrField(cb, field::kFieldRole) == value::kCBRoleInput) {
      a_cbs += detail::StrField(cb, field::kFieldTensor) == a;
      b_cbs += detail::StrField(cb, field::kFieldTensor) == b;
    }
  }
  if (a == b || a_cbs != 1 || b_cbs != 1) {
    *why = "it tells A's and B's blocks from the other inputs by their "
           "tensors, and '" +
           a + "' / '" + b +
           "' are the same tensor or also read by the epilogue";
    return std::nullopt;
  }
  if (detail::IntField(compute.value(), field::kFieldBatch) != 1) {
    *why = "a batched output is not supported by it yet (the cores of a "
           "column would need different B blocks)";
    return std::nullopt;
  }
  if (order != value::kOrderRowMajor) {
    *why = std::string("it enumerates blocks row-major; tt.schedule_order "
                       "is '") +
           order + "'";
    return std::nullopt;
  }
  McastTiling t;
  t.cores_x = LargestDivisorUpTo(grid.grid_x, target.core_grid_x);
  t.cores_y = LargestDivisorUpTo(grid.grid_y, target.core_grid_y);
  t.cols = grid.grid_x / t.cores_x;
  t.rows = grid.grid_y / t.cores_y;
  if (t.cores_x * t.cores_y < 2) {
    *why = "the " + std::to_string(grid.grid_x) + " x " +
           std::to_string(grid.grid_y) +
           " block grid tiles onto no core grid of two or more cores (a core "
           "grid side must divide the block grid's)";
    return std::nullopt;
  }
  return t;
}

/*! \brief A GEMM's output block and its K loop, in tiles (tt.cbs,
 *         tt.buffers, tt.compute), for the schedule's cost estimate. */
struct BlockWork {
  int64_t mt = 0, nt = 0, kb = 0, kt = 0;
  int64_t in_page = 0, out_page = 0;
  std::string fidelity;
  int64_t steps() const { return (kt + kb - 1) / kb; }
};

BlockWork ReadBlockWork(const PrimFunc &f) {
  BlockWork w;
  auto compute = f->GetAttr<Map<String, Any>>(attr::kCompute).value();
  const std::string a = detail::StrField(compute, field::kFieldOperandA);
  const std::string b = detail::StrField(compute, field::kFieldOperandB);
  const std::string c = detail::StrField(compute, field::kFieldOperandC);
  w.fidelity = detail::StrField(compute, field::kFieldMathFidelity);
  int64_t a_blk = 0, b_blk = 0, c_blk = 0;
  for (const auto &cb :
       f->GetAttr<Array<Map<String, Any>>>(attr::kCBs).value()) {
    const std::string role = detail::StrField(cb, field::kFieldRole);
    const std::string tensor = detail::StrField(cb, field::kFieldTensor);
    const int64_t tiles = detail::IntField(cb, field::kFieldBlockTiles);
    if (role == value::kCBRoleInput && tensor == a) {
      a_blk = tiles;
      w.in_page = detail::IntField(cb, field::kFieldPageBytes);
    } else if (role == value::kCBRoleInput && tensor == b) {
      b_blk = tiles;
    } else if (role == value::kCBRoleOutput && tensor == c) {
      c_blk = tiles;
      w.out_page = detail::IntField(cb, field::kFieldPageBytes);
    }
  }
  auto buffers = f->GetAttr<Map<String, Any>>(attr::kBuffers).value();
  auto a_tiles = detail::IntArrayField(buffers.at(a).cast<Map<String, Any>>(),
                                       field::kFieldTiles);
  const bool transpose_a = compute.at(field::kFieldTransposeA).cast<bool>();
  w.kt = transpose_a ? a_tiles[a_tiles.size() - 2] : a_tiles.back();
  // A = mt x kb, B = kb x nt, C = mt x nt tiles.
  for (int64_t mt = 1; mt <= c_blk; ++mt) {
    if (c_blk % mt == 0 && a_blk % mt == 0 &&
        (a_blk / mt) * (c_blk / mt) == b_blk) {
      w.mt = mt;
      w.nt = c_blk / mt;
      w.kb = a_blk / mt;
      break;
    }
  }
  return w;
}

/*!
 * \brief The modeled time of a schedule: its busiest core's matmuls at the
 *        fidelity's rate, or its DRAM traffic at the board's bandwidth,
 *        whichever is longer -- the cost model's two leading terms
 *        (python/tilelang_tt/estimate.py, docs/performance.md).
 */
double ModeledSeconds(const BlockWork &w, const ArchSpec &arch,
                      int64_t max_blocks, double read_tiles,
                      double written_tiles) {
  const double block_cycles =
      double(w.steps()) * w.kb * w.mt * w.nt * CyclesPerTileMatmul(w.fidelity);
  const double fpu = max_blocks * block_cycles / (arch.clock_mhz * 1e6);
  const double dram = (read_tiles * w.in_page + written_tiles * w.out_page) /
                      (arch.dram_gb_per_s * 1e9);
  return std::max(fpu, dram);
}

/*!
 * \brief Compute tt.schedule and tt.runtime_args for one PrimFunc.
 *
 * Step 1: read the launch grid (grid_x = blockIdx.x extent, grid_y =
 *         blockIdx.y extent) and the core count of the bound target.
 * Step 2: split the grid_x * grid_y blocks over the cores: contiguously, or
 *         (mcast2d) as equal rectangles of a 2-D core grid.
 * Step 3: write the schedule (size O(cores)) and the runtime-arg schema.
 */
PrimFunc InferSchedule(PrimFunc f) {
  // Step 1
  const TTTargetInfo target = detail::RequireTTTarget(f, kPassName);
  const detail::LaunchGrid grid = detail::FindLaunchGrid(f);
  const std::string name = detail::FuncName(f);
  auto policy = f->GetAttr<String>(attr::kSchedulePolicy);
  auto order = f->GetAttr<String>(attr::kScheduleOrder);
  if (!policy || !order) {
    TVM_FFI_THROW(ValueError)
        << kPassName << ": PrimFunc '" << name << "' has no "
        << attr::kSchedulePolicy << "/" << attr::kScheduleOrder
        << " attribute; run AnnotateTTDefaults first.";
  }
  if (grid.grid_z != 1) {
    TVM_FFI_THROW(ValueError)
        << kPassName << ": PrimFunc '" << name << "' still has a blockIdx.z "
        << "loop; MemorySpaceLowerTT replaces the kernel's grid by the "
           "output's "
           "2-D block grid, so run it first.";
  }
  const int64_t num_blocks = grid.grid_x * grid.grid_y;
  if (num_blocks <= 0) {
    TVM_FFI_THROW(ValueError)
        << "PrimFunc '" << name << "': the launch grid " << grid.grid_x << "x"
        << grid.grid_y << " has no blocks; nothing to lower.";
  }
  // Step 2: the policy. `auto` takes mcast2d when it applies and its
  // modeled time is no longer than the contiguous split's: it moves less
  // DRAM traffic (A read once per core row and block column of a core, B
  // once per core column and block row) but may give some core more blocks.
  Array<Array<tvm::Integer>> ranges =
      ContiguousRanges(num_blocks, target.num_cores());
  std::string why;
  std::optional<McastTiling> mcast =
      policy.value() == value::kPolicyContiguous
          ? std::nullopt
          : PlanMcast(f, grid, target, order.value(), &why);
  std::string chosen = value::kPolicyContiguous;
  if (policy.value() == value::kPolicyMcast2D) {
    if (!mcast) {
      TVM_FFI_THROW(ValueError)
          << "PrimFunc '" << name << "': tt.schedule_policy '"
          << value::kPolicyMcast2D << "' cannot schedule this kernel: " << why
          << ". Use '" << value::kPolicyContiguous << "' or '"
          << value::kPolicyAuto << "'.";
    }
    chosen = value::kPolicyMcast2D;
  } else if (mcast) {
    const BlockWork w = ReadBlockWork(f);
    const ArchSpec &arch = ArchSpecOf(target.arch);
    const double blocks = double(num_blocks), written = blocks * w.mt * w.nt;
    const double contiguous = ModeledSeconds(
        w, arch, ranges[0][1]->value, blocks * (w.mt + w.nt) * w.kt, written);
    const double a_reads =
        double(w.mt) * w.kt * grid.grid_y * mcast->cols; // per core row
    const double b_reads =
        double(w.nt) * w.kt * grid.grid_x * mcast->rows; // per core column
    const double multicast =
        ModeledSeconds(w, arch, mcast->count(), a_reads + b_reads, written);
    if (multicast <= contiguous) {
      chosen = value::kPolicyMcast2D;
    }
  }
  if (chosen == value::kPolicyMcast2D) {
    ranges = {};
    for (int64_t y = 0; y < mcast->cores_y; ++y) {
      for (int64_t x = 0; x < mcast->cores_x; ++x) {
        const int64_t start = y * mcast->rows * grid.grid_x + x * mcast->cols;
        ranges.push_back({tvm::Integer(start), tvm::Integer(mcast->count())});
      }
    }
  }
  // Step 3
  Map<String, Any> schedule;
  schedule.Set(field::kFieldPolicy, String(chosen));
  schedule.Set(field::kFieldOrder, order.value());
  schedule.Set(field::kFieldGridX, grid.grid_x);
  schedule.Set(field::kFieldGridY, grid.grid_y);
  schedule.Set(field::kFieldNumBlocks, num_blocks);
  schedule.Set(field::kFieldNumCores, target.num_cores());
  schedule.Set(field::kFieldActiveCores, static_cast<int64_t>(ranges.size()));
  schedule.Set(field::kFieldRanges, ranges);
  Array<String> runtime_args{ir::kArgStartId, ir::kArgCount, ir::kArgGridX,
                             ir::kArgGridY};
  if (chosen == value::kPolicyMcast2D) {
    schedule.Set(field::kFieldCoresX, mcast->cores_x);
    schedule.Set(field::kFieldCoresY, mcast->cores_y);
    schedule.Set(field::kFieldCoreBlockRows, mcast->rows);
    schedule.Set(field::kFieldCoreBlockCols, mcast->cols);
    runtime_args.push_back(ir::kArgCoreBlockCols);
  }
  f = tvm::WithAttr(std::move(f), attr::kSchedule, schedule);
  return tvm::WithAttr(std::move(f), attr::kRuntimeArgs, runtime_args);
}

} // namespace

namespace transform {

Pass InferDefaultTTSchedule() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return InferSchedule(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(
      pass_func, 0, "tl.tt.InferDefaultTTSchedule", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def(
      "tl.tt.transform.InferDefaultTTSchedule", InferDefaultTTSchedule);
}

} // namespace transform
} // namespace tilelang_tt
