/*!
 * \file metadata_passes_keep_body_test.cc
 * \brief The metadata passes (AnnotateTTDefaults, InferDefaultTTShard,
 *        InferDefaultTTSchedule, TTShardToCoreMap) only add attributes: the
 *        body they return is the body they were given.
 */

#include <gtest/gtest.h>

#include "gemm_ir.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

TEST(MetadataPasses, LeaveTheBodyUntouched) {
  auto before = testing::WithTTTarget(testing::MakeGemm({100, 70, 50}));
  auto after = testing::RunPasses(before, {transform::AnnotateTTDefaults(),
                                           transform::InferDefaultTTShard(),
                                           transform::InferDefaultTTSchedule(),
                                           transform::TTShardToCoreMap()});
  EXPECT_TRUE(after->body.same_as(before->body));
  EXPECT_EQ(testing::BodyScript(after), testing::BodyScript(before));
}

} // namespace
} // namespace tilelang_tt
