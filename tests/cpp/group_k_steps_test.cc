/*!
 * \file group_k_steps_test.cc
 * \brief GroupKStepsTT: K steps grouped only where fp32 partials leave DST.
 */

#include <gtest/gtest.h>

#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using testing::GemmSpec;

tvm::tirx::PrimFunc Lowered(const GemmSpec &spec) {
  return testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm(spec)),
      {transform::InferDefaultTTShard(), transform::MemorySpaceLowerTT()});
}

int64_t BlockTiles(const tvm::tirx::PrimFunc &f, size_t cb) {
  auto cbs =
      f->GetAttr<
           tvm::ffi::Array<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>>(
           attr::kCBs)
          .value();
  return cbs[cb].at(field::kFieldBlockTiles).cast<int64_t>();
}

TEST(GroupKStepsTT, ABlockDSTHoldsIsUnchanged) {
  // 64 x 64 blocks: 4 fp32 tiles stay in DST over all of K (no partials).
  auto before = Lowered({256, 256, 512, 64, 64, 32});
  auto after = testing::RunPasses(before, {transform::GroupKStepsTT()});
  EXPECT_EQ(testing::BodyScript(after), testing::BodyScript(before));
}

TEST(GroupKStepsTT, FpThirtyTwoPartialsGroupSixteenKTiles) {
  // 128 x 128 x 32 blocks, K = 1024: 32 steps of one K tile, partials in
  // fp32; 16 steps a push (the deepest step of kMaxKGroupTiles tiles).
  auto f = testing::RunPasses(Lowered({256, 256, 1024, 128, 128, 32}),
                              {transform::GroupKStepsTT()});
  const std::string body = testing::BodyScript(f);
  EXPECT_NE(
      body.find("for k in T.serial(2, annotations={\"tt.k_grouped\": 16})"),
      std::string::npos)
      << body;
  // A's tile (row r, kernel step k * 16 + ks) lands in column ks of row r of
  // the 4 x 16 block; B's (row k * 16 + ks) in row ks of the 16 x 4 block.
  EXPECT_NE(body.find("T.tt_read_tile(A.data, by * 4 + r, k * 16 + ks, 0, "
                      "r * 16 + ks, 0)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("T.tt_read_tile(B.data, k * 16 + ks, bx * 4 + c, 1, "
                      "ks * 4 + c, 0)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("T.tt_gemm_block(0, 1, 4, 4, 16, 0)"), std::string::npos)
      << body;
  EXPECT_NE(body.find("T.tt_cb_wait_front(0, 64)"), std::string::npos) << body;
  EXPECT_EQ(BlockTiles(f, 0), 64);
  EXPECT_EQ(BlockTiles(f, 1), 64);
}

TEST(GroupKStepsTT, TheUsersOneKeepsEveryStep) {
  auto lowered = Lowered({256, 256, 1024, 128, 128, 32});
  auto before = tvm::WithAttr(lowered, attr::kKGroup, tvm::Integer(1));
  auto after = testing::RunPasses(before, {transform::GroupKStepsTT()});
  EXPECT_EQ(testing::BodyScript(after), testing::BodyScript(before));
}

TEST(GroupKStepsTT, AFactorThatDoesNotDivideTheStepsIsAnError) {
  auto f = tvm::WithAttr(Lowered({256, 256, 1024, 128, 128, 32}), attr::kKGroup,
                         tvm::Integer(5));
  testing::ExpectFfiError(
      [&] { testing::RunPasses(f, {transform::GroupKStepsTT()}); },
      "ValueError", {"'tt.k_group' = 5 does not divide", "32 K steps"});
}

} // namespace
} // namespace tilelang_tt
