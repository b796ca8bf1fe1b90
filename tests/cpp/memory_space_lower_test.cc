/*!
 * \file memory_space_lower_test.cc
 * \brief MemorySpaceLowerTT: CB plan, the CB protocol in the body, errors.
 */

#include <gtest/gtest.h>

#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using testing::ExpectFfiError;
using testing::GemmSpec;

tvm::tirx::PrimFunc Lowered(const GemmSpec &spec) {
  return testing::RunPasses(testing::WithTTTarget(testing::MakeGemm(spec)),
                            {transform::MemorySpaceLowerTT()});
}

TEST(MemorySpaceLowerTT, PlansOneCBPerOperand) {
  auto f = Lowered({128, 128, 128, 64, 32, 64});
  EXPECT_EQ(
      testing::JsonText(f->attrs->dict.at(attr::kCBs)),
      "({\"index\": 0, \"name\": \"cb_in0\", \"role\": \"input\", "
      "\"buffer\": \"A_shared\", \"tensor\": \"A\", \"dtype\": "
      "\"bfloat16\", \"data_format\": \"Float16_b\", \"page_bytes\": 2048, "
      "\"block_tiles\": 4, \"num_pages\": 8}, {\"index\": 1, \"name\": "
      "\"cb_in1\", \"role\": \"input\", \"buffer\": \"B_shared\", "
      "\"tensor\": \"B\", \"dtype\": \"bfloat16\", \"data_format\": "
      "\"Float16_b\", \"page_bytes\": 2048, \"block_tiles\": 2, "
      "\"num_pages\": 4}, {\"index\": 16, \"name\": \"cb_out0\", \"role\": "
      "\"output\", \"buffer\": \"C_local\", \"tensor\": \"C\", \"dtype\": "
      "\"bfloat16\", \"data_format\": \"Float16_b\", \"page_bytes\": 2048, "
      "\"block_tiles\": 2, \"num_pages\": 4})");
}

TEST(MemorySpaceLowerTT, RecordsWhatTheKernelComputes) {
  // A float32 accumulator keeps DST in fp32; a 2-tile block fits half-sync.
  auto f = Lowered({128, 128, 128, 64, 32, 64});
  EXPECT_EQ(testing::JsonText(f->attrs->dict.at(attr::kCompute)),
            "{\"op\": \"matmul\", \"a\": \"A\", \"b\": \"B\", \"c\": "
            "\"C\", \"transpose_a\": False, \"transpose_b\": False, "
            "\"accumulator\": \"float32\", \"fp32_dest_acc_en\": True, "
            "\"dst_full_sync_en\": False, \"dst_tiles\": 4, "
            "\"math_fidelity\": \"HiFi4\", \"subblock\": (2, 1), "
            "\"partials\": False, \"batch\": 1}");
}

TEST(MemorySpaceLowerTT, BlocksLargerThanDstGetSubblocksAndPartials) {
  // 128 x 128 fp32 = 16 tiles > 8: 2 x 2 sub-blocks in half-sync DST, and a
  // Float32 partials CB of one block (16 pages of 4096 bytes) for 4 K steps.
  auto f = Lowered({256, 256, 128, 128, 128, 32});
  const std::string compute =
      testing::JsonText(f->attrs->dict.at(attr::kCompute));
  EXPECT_NE(compute.find("\"dst_full_sync_en\": False, \"dst_tiles\": 4"),
            std::string::npos)
      << compute;
  EXPECT_NE(compute.find("\"subblock\": (2, 2), \"partials\": True"),
            std::string::npos)
      << compute;
  const std::string cbs = testing::JsonText(f->attrs->dict.at(attr::kCBs));
  EXPECT_NE(cbs.find("{\"index\": 24, \"name\": \"cb_partials\", \"role\": "
                     "\"partials\", \"buffer\": \"C_local\", \"tensor\": "
                     "\"C_local\", \"dtype\": \"float32\", \"data_format\": "
                     "\"Float32\", \"page_bytes\": 4096, \"block_tiles\": 16, "
                     "\"num_pages\": 16}"),
            std::string::npos)
      << cbs;
  // One K step: sub-blocks, but nothing to carry between steps.
  auto single = Lowered({128, 128, 32, 128, 128, 32});
  EXPECT_EQ(
      testing::JsonText(single->attrs->dict.at(attr::kCBs)).find("cb_partials"),
      std::string::npos);
}

TEST(MemorySpaceLowerTT, UsesFullSyncDstWhenHalfIsTooSmall) {
  // 64x128 = 8 tiles: more than fp32 half-sync DST's 4, as many as full-sync.
  auto f = Lowered({128, 256, 64, 64, 128, 32});
  const std::string text = testing::JsonText(f->attrs->dict.at(attr::kCompute));
  EXPECT_NE(text.find("\"dst_full_sync_en\": True, \"dst_tiles\": 8"),
            std::string::npos)
      << text;
}

TEST(MemorySpaceLowerTT, ExpectedIR) {
  // 128^3 with 64x32x64 blocks: A blocks of 2x2 tiles, B of 2x1, C of 2x1.
  auto f = Lowered({128, 128, 128, 64, 32, 64});
  testing::ExpectMatchesGolden("memory_space_lower.tir",
                               testing::BodyScript(f));
}

TEST(MemorySpaceLowerTT, LowersTransposedB) {
  // B is N x K: its block is read as (bx, k) and gemm_block says so.
  GemmSpec spec;
  spec.transpose_b = true;
  auto f = Lowered(spec);
  const std::string compute =
      testing::JsonText(f->attrs->dict.at(attr::kCompute));
  EXPECT_NE(compute.find("\"transpose_b\": True"), std::string::npos)
      << compute;
  const std::string body = testing::BodyScript(f);
  EXPECT_NE(body.find("T.tt_gemm_block(0, 1, 1, 1, 1, 1)"), std::string::npos)
      << body;
}

TEST(MemorySpaceLowerTT, RejectsBlocksThatAreNotTileMultiples) {
  ExpectFfiError([] { Lowered({96, 96, 96, 48, 48, 32}); }, "ValueError",
                 {"'A_shared'", "48x32", "multiples of 32"});
}

// Tiles take the tensors' formats (data_format.h): float16 operands and C
// are Float16 CBs; float32 ones Float32, which the matrix engine reads as
// TF32, but not through transpose_tile.
TEST(MemorySpaceLowerTT, CBsTakeTheirTensorsFormats) {
  GemmSpec spec;
  spec.dtype = tvm::DataType::Float(16);
  const std::string f16 =
      testing::JsonText(Lowered(spec)->attrs->dict.at(attr::kCBs));
  EXPECT_EQ(f16.find("Float16_b"), std::string::npos) << f16;
  EXPECT_NE(f16.find(R"("dtype": "float16", "data_format": "Float16")"),
            std::string::npos)
      << f16;
  spec.dtype = tvm::DataType::Float(32);
  const std::string f32 =
      testing::JsonText(Lowered(spec)->attrs->dict.at(attr::kCBs));
  EXPECT_NE(f32.find(R"("data_format": "Float32", "page_bytes": 4096)"),
            std::string::npos)
      << f32;
  spec.transpose_a = true;
  ExpectFfiError([&] { Lowered(spec); }, "ValueError",
                 {"transpose_A with float32 operands is not supported yet"});
}

// The launch grid is one part of the block nest: a blockIdx.z that places
// nothing makes two points write each output block, which the proof names.
TEST(MemorySpaceLowerTT, RefusesANestThatWritesABlockTwice) {
  GemmSpec spec;
  spec.grid_z = 2;
  testing::ExpectFfiError(
      [&] {
        testing::RunPasses(testing::WithTTTarget(testing::MakeGemm(spec)),
                           {transform::MemorySpaceLowerTT()});
      },
      "ValueError",
      {"blocks (bx=0, by=0, bz=0) and (bx=0, by=0, bz=1) both write"});
}

// transpose_A: the compute side transposes A's K x M block into c_25, which
// the gemm_block reads; tt.compute says so.
TEST(MemorySpaceLowerTT, TransposedAGoesThroughATransposedCB) {
  GemmSpec spec{64, 64, 64, 32, 32, 32};
  spec.transpose_a = true;
  auto f = testing::RunPasses(testing::WithTTTarget(testing::MakeGemm(spec)),
                              {transform::MemorySpaceLowerTT()});
  std::string text = testing::BodyScript(f);
  EXPECT_NE(text.find("T.tt_transpose_block(0, 25, 1, 1)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("T.tt_gemm_block(25, 1, 1, 1, 1, 0)"), std::string::npos)
      << text;
  const std::string compute =
      testing::JsonText(f->attrs->dict.at(attr::kCompute));
  EXPECT_NE(compute.find("\"transpose_a\": True"), std::string::npos)
      << compute;
  EXPECT_NE(compute.find("\"subblock\": (1, 1)"), std::string::npos);
}

} // namespace
} // namespace tilelang_tt
