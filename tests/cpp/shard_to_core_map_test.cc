/*!
 * \file shard_to_core_map_test.cc
 * \brief TTShardToCoreMap: core placement and core-range rectangles.
 */

#include <gtest/gtest.h>

#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using testing::GemmSpec;
using tvm::Integer;
using tvm::ffi::Array;

tvm::tirx::PrimFunc Mapped(const GemmSpec &spec) {
  return testing::RunPasses(testing::WithTTTarget(testing::MakeGemm(spec)),
                            {transform::AnnotateTTDefaults(),
                             transform::InferDefaultTTSchedule(),
                             transform::TTShardToCoreMap()});
}

std::string Attr(const tvm::tirx::PrimFunc &f, const char *key) {
  return testing::JsonText(f->attrs->dict.at(key));
}

TEST(TTShardToCoreMap, FullGridIsOneRectangle) {
  auto f = Mapped({256, 256, 64});
  EXPECT_EQ(Attr(f, attr::kCoreRanges), "((0, 0, 7, 7),)");
  auto a = f->GetAttr<Array<Array<Integer>>>(attr::kCoreAssignments).value();
  ASSERT_EQ(a.size(), 64u);
  EXPECT_EQ(testing::JsonText(a[9]), "(1, 1, 9, 1)");
}

TEST(TTShardToCoreMap, PartialLastRowIsASecondRectangle) {
  auto f = Mapped({32, 320, 64}); // 10 blocks
  EXPECT_EQ(Attr(f, attr::kCoreRanges), "((0, 0, 7, 0), (0, 1, 1, 1))");
  EXPECT_EQ(Attr(f, attr::kCoreAssignments),
            "((0, 0, 0, 1), (1, 0, 1, 1), (2, 0, 2, 1), (3, 0, 3, 1), "
            "(4, 0, 4, 1), (5, 0, 5, 1), (6, 0, 6, 1), (7, 0, 7, 1), "
            "(0, 1, 8, 1), (1, 1, 9, 1))");
}

TEST(TTShardToCoreMap, FewCoresInOneRow) {
  auto f = Mapped({64, 96, 64}); // 3x2 = 6 blocks
  EXPECT_EQ(Attr(f, attr::kCoreRanges), "((0, 0, 5, 0),)");
}

TEST(TTShardToCoreMap, NeedsTheSchedule) {
  testing::ExpectFfiError(
      [] {
        testing::RunPasses(testing::WithTTTarget(testing::MakeGemm({})),
                           {transform::TTShardToCoreMap()});
      },
      "ValueError", {"tt.schedule", "run InferDefaultTTSchedule first"});
}

} // namespace
} // namespace tilelang_tt
