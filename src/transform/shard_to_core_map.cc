/*!
 * \file shard_to_core_map.cc
 * \brief Place the schedule's per-core work on logical Tensix cores.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/transform.h>

#include "common.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::Integer;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;
using tvm::tirx::PrimFunc;

namespace {

constexpr const char *kPassName = "TTShardToCoreMap";

/*!
 * \brief Attach tt.core_ranges and tt.core_assignments.
 *
 * Step 1: schedule entry i goes to logical core (i % cols, i / cols),
 *         filling the core grid row by row; cols is the target's grid width,
 *         or the mcast2d schedule's cores_x.
 * Step 2: the active cores form at most two rectangles: the full rows, and
 *         the partly filled last row.
 */
PrimFunc MapToCores(PrimFunc f) {
  const TTTargetInfo target = detail::RequireTTTarget(f, kPassName);
  Map<String, Any> schedule = detail::RequireMapAttr(
      f, attr::kSchedule, kPassName, "InferDefaultTTSchedule");
  auto ranges = schedule.at(field::kFieldRanges).cast<Array<Array<Integer>>>();
  const int64_t active = static_cast<int64_t>(ranges.size());
  if (active > target.num_cores()) {
    TVM_FFI_THROW(ValueError)
        << kPassName << ": PrimFunc '" << detail::FuncName(f) << "' schedules "
        << active << " cores but the target grid has " << target.num_cores()
        << "; re-run InferDefaultTTSchedule for this target.";
  }
  // Step 1 (mcast2d: row-major on its own cores_x-wide grid, so that the
  // cores of one block row of the output share a core row).
  const bool mcast =
      detail::StrField(schedule, field::kFieldPolicy) == value::kPolicyMcast2D;
  const int64_t cols = mcast ? detail::IntField(schedule, field::kFieldCoresX)
                             : target.core_grid_x;
  Array<Array<Integer>> assignments;
  for (int64_t i = 0; i < active; ++i) {
    assignments.push_back(
        {Integer(i % cols), Integer(i / cols), ranges[i][0], ranges[i][1]});
  }
  // Step 2
  Array<Array<Integer>> rects;
  const int64_t full_rows = active / cols;
  const int64_t rest = active % cols;
  if (full_rows > 0) {
    rects.push_back(
        {Integer(0), Integer(0), Integer(cols - 1), Integer(full_rows - 1)});
  }
  if (rest > 0) {
    rects.push_back({Integer(0), Integer(full_rows), Integer(rest - 1),
                     Integer(full_rows)});
  }
  f = tvm::WithAttr(std::move(f), attr::kCoreRanges, rects);
  return tvm::WithAttr(std::move(f), attr::kCoreAssignments, assignments);
}

} // namespace

namespace transform {

Pass TTShardToCoreMap() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return MapToCores(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(pass_func, 0,
                                                  "tl.tt.TTShardToCoreMap", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.TTShardToCoreMap",
                                        TTShardToCoreMap);
}

} // namespace transform
} // namespace tilelang_tt
