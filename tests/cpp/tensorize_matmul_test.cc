/*!
 * \file tensorize_matmul_test.cc
 * \brief TensorizeTT: matmul_tiles loops, matmul_init, DST capacity.
 */

#include <gtest/gtest.h>

#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/attr.h"
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
  // A float32 accumulator keeps DST in fp32: 8 tiles at most (full-sync).
  testing::ExpectFfiError([] { Tensorized({256, 256, 64, 128, 128, 32}); },
                          "ValueError",
                          {"'gemm'", "16 tiles", "float32 accumulator",
                           "4 tiles (fp32 DST, half-sync)",
                           "8 (fp32 DST, full-sync)", "bfloat16 accumulator"});
}

TEST(TensorizeTT, EightTilesFit) {
  std::string text =
      testing::BodyScript(Tensorized({128, 256, 64, 64, 128, 32}));
  EXPECT_NE(text.find("mi * 4 + ni"), std::string::npos) << text;
}

TEST(TensorizeTT, ChecksTheBlockAgainstTTCompute) {
  // DST capacity comes from tt.compute: a plan that says 2 tiles refuses a
  // 4-tile block even though MemorySpaceLowerTT chose a mode that fits it.
  auto f = testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm({128, 128, 64, 64, 64, 32})),
      {transform::MemorySpaceLowerTT()});
  auto compute =
      f->GetAttr<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>(attr::kCompute)
          .value();
  compute.Set(field::kFieldDstTiles, int64_t(2));
  f = tvm::WithAttr(std::move(f), attr::kCompute, compute);
  testing::ExpectFfiError(
      [&] { testing::RunPasses(f, {transform::TensorizeTT()}); }, "ValueError",
      {"4 tiles", "more than the 2 tiles DST holds", "tt.compute"});
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
