/*!
 * \file tensorize_matmul_test.cc
 * \brief TensorizeTT: matmul_tiles loops, matmul_init, DST capacity.
 */

#include <gtest/gtest.h>

#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using testing::GemmSpec;

tvm::tirx::PrimFunc Tensorized(const GemmSpec &spec) {
  return testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm(spec)),
      {transform::MemorySpaceLowerTT(), transform::TensorizeTT()});
}

TEST(TensorizeTT, ExpectedIR) {
  auto f = Tensorized({128, 128, 128, 64, 64, 64});
  testing::ExpectMatchesGolden("tensorize_matmul.tir", testing::BodyScript(f));
}

TEST(TensorizeTT, OneTileBlockIsOneMatmul) {
  std::string text = testing::BodyScript(Tensorized({64, 64, 64}));
  EXPECT_NE(text.find("T.tt_matmul_tiles(0, 1, 0, 0, 0)"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("tt_gemm_block"), std::string::npos);
}

TEST(TensorizeTT, RejectsOutputBlocksLargerThanDst) {
  testing::ExpectFfiError(
      [] { Tensorized({256, 256, 64, 128, 128, 32}); }, "ValueError",
      {"'gemm'", "128x128", "16 tiles", "8 tiles DST holds"});
}

TEST(TensorizeTT, EightTilesFit) {
  std::string text =
      testing::BodyScript(Tensorized({128, 256, 64, 64, 128, 32}));
  EXPECT_NE(text.find("mi * 4 + ni"), std::string::npos) << text;
}

TEST(TensorizeTT, NeedsTheCBPlan) {
  testing::ExpectFfiError(
      [] {
        testing::RunPasses(testing::WithTTTarget(testing::MakeGemm({})),
                           {transform::TensorizeTT()});
      },
      "ValueError", {"tt.cbs", "run MemorySpaceLowerTT first"});
}

} // namespace
} // namespace tilelang_tt
