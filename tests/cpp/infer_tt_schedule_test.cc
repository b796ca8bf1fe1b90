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

/*! \brief The schedule of a GEMM after MemorySpaceLowerTT (which records
 *         tt.compute), as the pipeline runs it; `policy` forces one. */
Map<String, Any> GemmSchedule(const GemmSpec &spec,
                              const char *policy = nullptr) {
  tvm::tirx::PrimFunc f = testing::MakeGemm(spec);
  if (policy != nullptr) {
    f = tvm::WithAttr(std::move(f), attr::kSchedulePolicy, String(policy));
  }
  f = testing::RunPasses(
      testing::WithTTTarget(f),
      {transform::AnnotateTTDefaults(), transform::InferDefaultTTShard(),
       transform::MemorySpaceLowerTT(), transform::InferDefaultTTSchedule()});
  return f->GetAttr<Map<String, Any>>(attr::kSchedule).value();
}

TEST(InferDefaultTTSchedule, AutoTilesAGemmOverA2DCoreGridForMulticast) {
  // 256 x 512 output, 32 x 32 blocks: 16 x 8 blocks on 8 x 8 cores, 2 each
  // either way, so mcast2d only removes DRAM traffic: each core a 1 x 2
  // rectangle.
  auto s = GemmSchedule({256, 512, 64});
  EXPECT_EQ(s.at(field::kFieldPolicy).cast<String>(), "mcast2d");
  EXPECT_EQ(Int(s, field::kFieldCoresX), 8);
  EXPECT_EQ(Int(s, field::kFieldCoresY), 8);
  EXPECT_EQ(Int(s, field::kFieldCoreBlockRows), 1);
  EXPECT_EQ(Int(s, field::kFieldCoreBlockCols), 2);
  auto ranges = Ranges(s);
  ASSERT_EQ(ranges.size(), 64u);
  // Core (x, y) = entry y * 8 + x starts at block row y, column 2 x.
  EXPECT_EQ(ranges[9], std::make_pair(int64_t(1 * 16 + 2), int64_t(2)));
  EXPECT_EQ(ranges[63], std::make_pair(int64_t(7 * 16 + 14), int64_t(2)));
}

TEST(InferDefaultTTSchedule, AutoWeighsCoreLoadAgainstDramTraffic) {
  // 10 x 10 blocks of 32 x 32: the 5 x 5 core grid mcast2d needs (10 divides
  // by 5, not by 8) gives each core 4 blocks against contiguous's 2, but
  // both are DRAM-bound and mcast2d moves far less: it wins.
  auto s = GemmSchedule({320, 320, 64});
  EXPECT_EQ(s.at(field::kFieldPolicy).cast<String>(), "mcast2d");
  EXPECT_EQ(Int(s, field::kFieldCoresX), 5);
  EXPECT_EQ(Int(s, field::kFieldActiveCores), 25);
  EXPECT_EQ(Ranges(s)[6], std::make_pair(int64_t(2 * 10 + 2), int64_t(4)));
  // 13 x 8 blocks of 128 x 128, K = 4096: 13 rows tile onto one core row
  // only, 13 blocks a core against 2; the matmuls bind: contiguous.
  auto deep = GemmSchedule({1664, 1024, 4096, 128, 128, 32});
  EXPECT_EQ(deep.at(field::kFieldPolicy).cast<String>(), "contiguous");
  auto forced = GemmSchedule({1664, 1024, 4096, 128, 128, 32}, "mcast2d");
  EXPECT_EQ(forced.at(field::kFieldPolicy).cast<String>(), "mcast2d");
  EXPECT_EQ(Int(forced, field::kFieldCoresY), 1);
  EXPECT_EQ(Int(forced, field::kFieldCoreBlockRows), 13);
  auto contiguous = GemmSchedule({256, 512, 64}, "contiguous");
  EXPECT_EQ(contiguous.at(field::kFieldPolicy).cast<String>(), "contiguous");
}

TEST(InferDefaultTTSchedule, Mcast2DNeedsTwoCoresOfTheBlockGrid) {
  // One block: no core grid of two cores tiles it.
  EXPECT_EQ(GemmSchedule({32, 32, 64}).at(field::kFieldPolicy).cast<String>(),
            "contiguous");
  ExpectFfiError([] { GemmSchedule({32, 32, 64}, "mcast2d"); }, "ValueError",
                 {"'gemm'", "tt.schedule_policy 'mcast2d'", "1 x 1",
                  "'contiguous' or 'auto'"});
}

} // namespace
} // namespace tilelang_tt
