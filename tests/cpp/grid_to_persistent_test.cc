/*!
 * \file grid_to_persistent_test.cc
 * \brief GridToPersistentTT: persistent loop, block coordinates, orders.
 */

#include <gtest/gtest.h>

#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using testing::GemmSpec;

tvm::tirx::PrimFunc Persistent(tvm::tirx::PrimFunc f) {
  return testing::RunPasses(
      testing::WithTTTarget(f),
      {transform::AnnotateTTDefaults(), transform::InferDefaultTTSchedule(),
       transform::MemorySpaceLowerTT(), transform::TensorizeTT(),
       transform::GridToPersistentTT()});
}

TEST(GridToPersistentTT, ExpectedIR) {
  auto f = Persistent(testing::MakeGemm({64, 64, 64}));
  testing::ExpectMatchesGolden("grid_to_persistent.tir",
                               testing::BodyScript(f));
}

TEST(GridToPersistentTT, ColumnMajorOrder) {
  auto f = tvm::WithAttr(testing::MakeGemm({64, 64, 64}), attr::kScheduleOrder,
                         tvm::ffi::String(value::kOrderColumnMajor));
  std::string text = testing::BodyScript(Persistent(f));
  EXPECT_NE(text.find("by: T.int32 = T.truncmod(block_id, grid_y)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("bx: T.int32 = T.Div(block_id, grid_y)"),
            std::string::npos)
      << text;
}

TEST(GridToPersistentTT, NeedsTheSchedule) {
  testing::ExpectFfiError(
      [] {
        testing::RunPasses(testing::WithTTTarget(testing::MakeGemm({})),
                           {transform::GridToPersistentTT()});
      },
      "ValueError", {"GridToPersistentTT", "InferDefaultTTSchedule"});
}

} // namespace
} // namespace tilelang_tt
