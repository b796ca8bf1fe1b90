/*!
 * \file infer_tt_schedule.cc
 * \brief Split the kernel's output blocks over the Tensix cores.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/transform.h>

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

/*!
 * \brief Compute tt.schedule and tt.runtime_args for one PrimFunc.
 *
 * Step 1: read the launch grid (grid_x = blockIdx.x extent, grid_y =
 *         blockIdx.y extent) and the core count of the bound target.
 * Step 2: split the grid_x * grid_y blocks contiguously over the cores.
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
  // Step 2 (AnnotateTTDefaults admits only the contiguous policy).
  Array<Array<tvm::Integer>> ranges =
      ContiguousRanges(num_blocks, target.num_cores());
  // Step 3
  Map<String, Any> schedule;
  schedule.Set(field::kFieldPolicy, policy.value());
  schedule.Set(field::kFieldOrder, order.value());
  schedule.Set(field::kFieldGridX, grid.grid_x);
  schedule.Set(field::kFieldGridY, grid.grid_y);
  schedule.Set(field::kFieldNumBlocks, num_blocks);
  schedule.Set(field::kFieldNumCores, target.num_cores());
  schedule.Set(field::kFieldActiveCores, static_cast<int64_t>(ranges.size()));
  schedule.Set(field::kFieldRanges, ranges);
  Array<String> runtime_args{ir::kArgStartId, ir::kArgCount, ir::kArgGridX,
                             ir::kArgGridY};
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
