/*!
 * \file tile_pad_test.cc
 * \brief TilePadTT: guards only where a block can leave the tensor.
 */

#include <gtest/gtest.h>

#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using testing::GemmSpec;

tvm::tirx::PrimFunc Padded(const GemmSpec &spec) {
  return testing::RunPasses(testing::WithTTTarget(testing::MakeGemm(spec)),
                            {transform::InferDefaultTTShard(),
                             transform::MemorySpaceLowerTT(),
                             transform::TilePadTT()});
}

TEST(TilePadTT, TileMultiplesAreUnchanged) {
  auto before = testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm({128, 128, 128, 64, 64, 32})),
      {transform::InferDefaultTTShard(), transform::MemorySpaceLowerTT()});
  auto after = testing::RunPasses(before, {transform::TilePadTT()});
  EXPECT_EQ(testing::BodyScript(after), testing::BodyScript(before));
}

TEST(TilePadTT, PaddingInsideTheLastTileNeedsNoGuard) {
  // 100 x 70 x 50 with 32x32x32 blocks: every block starts inside the
  // tensor; the padding lives inside the last tiles (zeros from the host).
  auto f = Padded({100, 70, 50});
  EXPECT_EQ(testing::BodyScript(f).find("tt_zero_tile"), std::string::npos);
}

TEST(TilePadTT, BlocksPastTheLastTileAreGuarded) {
  // N = 70 is 3 tiles; 64-wide blocks reach tile column 3.
  auto f = Padded({100, 70, 50, 64, 64, 32});
  testing::ExpectMatchesGolden("tile_pad.tir", testing::BodyScript(f));
}

} // namespace
} // namespace tilelang_tt
