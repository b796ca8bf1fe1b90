/*!
 * \file infer_tt_schedule_test.cc
 * \brief InferDefaultTTSchedule: contiguous split, uneven split, fewer blocks
 *        than cores, order, errors.
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
using tvm::Integer;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::Map;
using tvm::ffi::String;

Map<String, Any> Schedule(const GemmSpec &spec,
                          Map<String, Any> target_options = {}) {
  auto f = testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm(spec), target_options),
      {transform::AnnotateTTDefaults(), transform::InferDefaultTTSchedule()});
  return f->GetAttr<Map<String, Any>>(attr::kSchedule).value();
}

std::vector<std::pair<int64_t, int64_t>> Ranges(const Map<String, Any> &s) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto &r :
       s.at(field::kFieldRanges).cast<Array<Array<Integer>>>()) {
    out.push_back({r[0]->value, r[1]->value});
  }
  return out;
}

int64_t Int(const Map<String, Any> &s, const char *key) {
  return s.at(key).cast<int64_t>();
}

TEST(InferDefaultTTSchedule, OneBlockPerCore) {
  // 256x256 output, 32x32 blocks: 8x8 = 64 blocks on 64 cores.
  auto s = Schedule({256, 256, 64});
  EXPECT_EQ(Int(s, field::kFieldGridX), 8);
  EXPECT_EQ(Int(s, field::kFieldGridY), 8);
  EXPECT_EQ(Int(s, field::kFieldNumBlocks), 64);
  EXPECT_EQ(Int(s, field::kFieldActiveCores), 64);
  auto ranges = Ranges(s);
  ASSERT_EQ(ranges.size(), 64u);
  for (int64_t i = 0; i < 64; ++i) {
    EXPECT_EQ(ranges[i], std::make_pair(i, int64_t(1)));
  }
  EXPECT_EQ(s.at(field::kFieldPolicy).cast<String>(), "contiguous");
  EXPECT_EQ(s.at(field::kFieldOrder).cast<String>(), "row_major");
}

TEST(InferDefaultTTSchedule, UnevenSplitGivesFirstCoresOneMore) {
  // 320x320 output: 10x10 = 100 blocks on 64 cores: 36 cores take 2, 28 take 1.
  auto ranges = Ranges(Schedule({320, 320, 64}));
  ASSERT_EQ(ranges.size(), 64u);
  EXPECT_EQ(ranges[0], std::make_pair(int64_t(0), int64_t(2)));
  EXPECT_EQ(ranges[35], std::make_pair(int64_t(70), int64_t(2)));
  EXPECT_EQ(ranges[36], std::make_pair(int64_t(72), int64_t(1)));
  EXPECT_EQ(ranges[63], std::make_pair(int64_t(99), int64_t(1)));
}

TEST(InferDefaultTTSchedule, FewerBlocksThanCores) {
  // 32x320 output: 10 blocks, 10 active cores with one block each.
  auto s = Schedule({32, 320, 64});
  EXPECT_EQ(Int(s, field::kFieldActiveCores), 10);
  EXPECT_EQ(Int(s, field::kFieldNumCores), 64);
  auto ranges = Ranges(s);
  ASSERT_EQ(ranges.size(), 10u);
  EXPECT_EQ(ranges[9], std::make_pair(int64_t(9), int64_t(1)));
}

TEST(InferDefaultTTSchedule, CoreCountComesFromTheTarget) {
  auto s = Schedule({256, 256, 64}, {{"arch", String("blackhole")}});
  EXPECT_EQ(Int(s, field::kFieldNumCores), 110);
  EXPECT_EQ(Int(s, field::kFieldActiveCores), 64);
  auto four = Schedule({256, 256, 64}, {{"core_grid_x", int64_t(2)},
                                        {"core_grid_y", int64_t(2)}});
  EXPECT_EQ(Ranges(four), (std::vector<std::pair<int64_t, int64_t>>{
                              {0, 16}, {16, 16}, {32, 16}, {48, 16}}));
}

TEST(InferDefaultTTSchedule, WritesTheRuntimeArgSchema) {
  auto f = testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm({})),
      {transform::AnnotateTTDefaults(), transform::InferDefaultTTSchedule()});
  auto args = f->GetAttr<Array<String>>(attr::kRuntimeArgs).value();
  EXPECT_EQ(testing::JsonText(args),
            R"(("start_id", "count", "grid_x", "grid_y"))");
}

// MemorySpaceLowerTT replaces any launch grid by the output's 2-D block grid;
// a blockIdx.z loop here means it did not run.
TEST(InferDefaultTTSchedule, RequiresTheOutputBlockGrid) {
  GemmSpec spec;
  spec.grid_z = 2;
  ExpectFfiError(
      [&] {
        testing::RunPasses(testing::WithTTTarget(testing::MakeGemm(spec)),
                           {transform::AnnotateTTDefaults(),
                            transform::InferDefaultTTSchedule()});
      },
      "ValueError", {"'gemm'", "blockIdx.z", "run it first"});
}

TEST(InferDefaultTTSchedule, NamesTheMissingPrerequisites) {
  ExpectFfiError(
      [] {
        testing::RunPasses(testing::MakeGemm({}),
                           {transform::InferDefaultTTSchedule()});
      },
      "ValueError", {"InferDefaultTTSchedule", "tirx.BindTarget"});
  ExpectFfiError(
      [] {
        testing::RunPasses(testing::WithTTTarget(testing::MakeGemm({})),
                           {transform::InferDefaultTTSchedule()});
      },
      "ValueError", {"run AnnotateTTDefaults first"});
}

} // namespace
} // namespace tilelang_tt
