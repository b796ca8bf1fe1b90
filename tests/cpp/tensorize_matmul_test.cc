/*!
 * \file tensorize_matmul_test.cc
 * \brief TensorizeTT: matmul_tiles loops, matmul_init, DST capacity.
 */

#include <gtest/gtest.h>

#include <utility>

#include "../../src/transform/stages.h"
#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/target.h"
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

TEST(TensorizeTT, WalksBlocksLargerThanDstInSubblocks) {
  // 128 x 128 fp32 (16 tiles) in 2 x 2 sub-blocks: reload the partials after
  // the first K step, pack into the output CB in the last, else into c_24;
  // each sub-block is one matmul_block per K tile (A's rows sm * 2.., B's
  // columns sn * 2..), set up again after the reload.
  std::string text =
      testing::BodyScript(Tensorized({256, 256, 64, 128, 128, 32}));
  for (const char *want :
       {"for sm, sn in T.grid(2, 2)", "if not k == 0", "tt_copy_init(24)",
        "tt_copy_tile(24, t, t)", "tt_reconfig_srca(1, 24)",
        "tt_reconfig_srca(24, 1)", "tt_matmul_block_reinit(0, 1, 0, 2, 2, 1)",
        "T.tt_matmul_block(0, 1, sm * 2, sn * 2, 0, 0, 2, 2, 1)",
        "T.tt_matmul_block_init(0, 1, 16, 0, 2, 2, 1)",
        "tt_pack_reconfig(16, 24)", "tt_pack_tile(t, 24, t)"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
}

TEST(TensorizeTT, TransposesABlockThroughDstBeforeTheMatmul) {
  // A is K x M: 2 x 2-tile blocks of it (64 x 64) become the transposed
  // block in c_25, tile (q % 2) * 2 + q / 2 into slot q, in groups DST holds
  // (fp32 half-sync: 4 tiles, the whole block); then the matmul reads c_25
  // after a re-init, DST taken per K step even though the block fits it.
  GemmSpec spec{128, 128, 128, 64, 64, 64};
  spec.transpose_a = true;
  std::string text = testing::BodyScript(Tensorized(spec));
  for (const char *want :
       {"T.tt_transpose_init(0)", "T.tt_cb_reserve_back(25, 4)",
        "T.tt_transpose_tile(0, T.truncmod(gt, 2) * 2 + T.Div(gt, 2), gt)",
        "T.tt_pack_tile(gt, 25, gt)", "T.tt_cb_push_back(25, 4)",
        "T.tt_matmul_block_reinit(25, 1, 0, 2, 2, 2)",
        "T.tt_matmul_block(25, 1, kk, kk * 2, 0, 0, 2, 2, 2)",
        "tt_copy_tile(24, t, t)"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  EXPECT_EQ(text.find("tt_transpose_block"), std::string::npos);
  EXPECT_TRUE(PlanDst(2, 2, true, /*dst_free_between_steps=*/true).subblocked);
}

TEST(TensorizeTT, PlanDstPicksTheLargestSquarestSubblock) {
  EXPECT_FALSE(PlanDst(2, 2, true).subblocked); // 4 tiles: half-sync
  EXPECT_TRUE(PlanDst(2, 4, true).full_sync);   // 8: full-sync
  const DstPlan p = PlanDst(4, 4, true);        // 16 > 8
  EXPECT_TRUE(p.subblocked && !p.full_sync);
  EXPECT_EQ(std::make_pair(p.sub_h, p.sub_w),
            std::make_pair(int64_t(2), int64_t(2)));
  const DstPlan q = PlanDst(3, 3, true); // 9 > 8: 1 x 3
  EXPECT_EQ(std::make_pair(q.sub_h, q.sub_w),
            std::make_pair(int64_t(1), int64_t(3)));
  const DstPlan r = PlanDst(4, 8, false); // 16-bit: 32 > 16
  EXPECT_EQ(r.sub_h * r.sub_w, 8);
  EXPECT_EQ(std::make_pair(r.sub_h, r.sub_w),
            std::make_pair(int64_t(2), int64_t(4)));
}

TEST(TensorizeTT, PlanDstLeavesTheScratchTilesFree) {
  // An epilogue operand takes one DST tile beside the accumulator's.
  EXPECT_TRUE(PlanDst(2, 2, true, false, /*scratch=*/1).full_sync); // 5 > 4
  EXPECT_FALSE(PlanDst(2, 2, true, false, 1).subblocked);
  const DstPlan p = PlanDst(4, 4, true, false, 1); // 3 tiles of room: 1 x 2
  EXPECT_TRUE(p.subblocked);
  EXPECT_EQ(std::make_pair(p.sub_h, p.sub_w),
            std::make_pair(int64_t(1), int64_t(2)));
  const DstPlan q = PlanDst(2, 4, false, false, 1); // 16-bit: 8 + 1 > 8
  EXPECT_TRUE(q.full_sync && !q.subblocked);
}

TEST(TensorizeTT, EightTilesFit) {
  // A 2 x 4-tile block in full-sync fp32 DST: one matmul_block (rt 2, ct 4)
  // per K tile.
  std::string text =
      testing::BodyScript(Tensorized({128, 256, 64, 64, 128, 32}));
  EXPECT_NE(text.find("T.tt_matmul_block(0, 1, 0, 0, 0, 0, 4, 2, 1)"),
            std::string::npos)
      << text;
}

TEST(TensorizeTT, TransposedBKeepsMatmulTiles) {
  // B stored N x K: a K row's tiles are not side by side, which matmul_block
  // needs, so each product is its own matmul_tiles.
  GemmSpec spec{128, 128, 64, 64, 64, 32};
  spec.transpose_b = true;
  std::string text = testing::BodyScript(Tensorized(spec));
  EXPECT_NE(text.find("T.tt_matmul_tiles(0, 1,"), std::string::npos) << text;
  EXPECT_EQ(text.find("tt_matmul_block"), std::string::npos) << text;
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
      {"sub-block of 2x2 tiles", "more than the 2 tiles DST holds",
       "tt.compute"});
}

TEST(TensorizeTT, AppliesTheEpilogueToEachSubblockInTheLastKStep) {
  // tt.compute's epilogue, on a block walked in sub-blocks: per sub-block,
  // in the last K step only, each op's SFPU init and the op on each of its 4
  // DST tiles (the constant as fp32 bits: 0.5f is 0x3F000000), then the
  // matmul set up again, before the pack.
  auto f = testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm({256, 256, 64, 128, 128, 32})),
      {transform::MemorySpaceLowerTT()});
  using tvm::ffi::Any;
  using tvm::ffi::Map;
  using tvm::ffi::String;
  auto compute = f->GetAttr<Map<String, Any>>(attr::kCompute).value();
  tvm::ffi::Array<Map<String, Any>> epilogue;
  for (const auto &[op, v] : {std::pair{value::kEpilogueMul, 0.5},
                              std::pair{value::kEpilogueRelu, 0.0}}) {
    Map<String, Any> step;
    step.Set(field::kFieldOp, String(op));
    step.Set(field::kFieldValue, v);
    epilogue.push_back(step);
  }
  compute.Set(field::kFieldEpilogue, epilogue);
  f = tvm::WithAttr(std::move(f), attr::kCompute, compute);
  const std::string text =
      testing::BodyScript(testing::RunPasses(f, {transform::TensorizeTT()}));
  const size_t last = text.find("if k == 1:");
  const size_t mul = text.find("T.tt_sfpu_init(\"mul\")");
  const size_t tiles =
      text.find("T.tt_sfpu_tile(\"mul\", t, T.uint32(1056964608))");
  const size_t relu = text.find("T.tt_sfpu_init(\"relu\")");
  const size_t reinit =
      text.find("T.tt_matmul_block_reinit(0, 1, 0, 2, 2, 1)", relu);
  const size_t commit = text.find("T.tt_tile_regs_commit()", relu);
  ASSERT_NE(last, std::string::npos) << text;
  EXPECT_TRUE(last < mul && mul < tiles && tiles < relu && relu < reinit &&
              reinit < commit)
      << text;
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

// --- the CB versions of a staged program (stages.h WaitsAndPops) -----------

namespace {

tilelang_tt::detail::ComputeStage Stage(const std::string &op, int64_t in,
                                        int64_t out,
                                        std::vector<int64_t> operands = {}) {
  tilelang_tt::detail::ComputeStage s;
  s.op = op;
  s.cb_in = in;
  s.cb_out = out;
  for (int64_t cb : operands) {
    tilelang_tt::detail::EpilogueOp e;
    e.op = "add";
    e.operand = "v";
    e.cb = cb;
    s.epilogue.push_back(e);
  }
  return s;
}

} // namespace

TEST(StageCBVersions, FirstReaderWaitsLastReaderPops) {
  using tilelang_tt::detail::WaitsAndPops;
  // A softmax's shape: max of c_0 into c_26; exp(c_0 - c_26) into c_27;
  // sum of c_27 into c_28; c_27 / c_28 into c_16.
  const std::vector<tilelang_tt::detail::ComputeStage> stages = {
      Stage("reduce", 0, 26), Stage("eltwise", 0, 27, {26}),
      Stage("reduce", 27, 28), Stage("eltwise", 27, 16, {28})};
  EXPECT_EQ(WaitsAndPops(stages, 0).waits, std::vector<int64_t>{0});
  EXPECT_TRUE(WaitsAndPops(stages, 0).pops.empty());
  EXPECT_EQ(WaitsAndPops(stages, 1).waits, std::vector<int64_t>{26});
  EXPECT_EQ(WaitsAndPops(stages, 1).pops, (std::vector<int64_t>{0, 26}));
  EXPECT_EQ(WaitsAndPops(stages, 3).waits, std::vector<int64_t>{28});
  EXPECT_EQ(WaitsAndPops(stages, 3).pops, (std::vector<int64_t>{27, 28}));
}

TEST(StageCBVersions, AnInPlaceUpdateReadsAndPopsTheVersionBefore) {
  using tilelang_tt::detail::WaitsAndPops;
  // rms_norm_splitk: fill c_26; in the loop c_26 = c_0 * c_0 + c_26; then
  // the row sum of c_26 into c_16.
  const std::vector<tilelang_tt::detail::ComputeStage> stages = {
      Stage("fill", -1, 26), Stage("eltwise", 0, 26, {0, 26}),
      Stage("reduce", 26, 16)};
  EXPECT_TRUE(WaitsAndPops(stages, 0).waits.empty());
  EXPECT_EQ(WaitsAndPops(stages, 1).waits, (std::vector<int64_t>{0, 26}));
  EXPECT_EQ(WaitsAndPops(stages, 1).pops, (std::vector<int64_t>{0, 26}));
  // The reduction after the loop reads the last version: it waits, pops.
  EXPECT_EQ(WaitsAndPops(stages, 2).waits, std::vector<int64_t>{26});
  EXPECT_EQ(WaitsAndPops(stages, 2).pops, std::vector<int64_t>{26});
}

TEST(StageCBVersions, AValueMadeBeforeALoopIsPoppedAfterIt) {
  using tilelang_tt::detail::WaitsAndPops;
  // rms_norm_splitk whole: fill c_26, the loop 0 update of c_26, its row
  // sum into c_27, the rsqrt into c_28; then in loop 1 c_2 * c_28 into c_16.
  std::vector<tilelang_tt::detail::ComputeStage> stages = {
      Stage("fill", -1, 26), Stage("eltwise", 0, 26, {0, 26}),
      Stage("reduce", 26, 27), Stage("eltwise", 27, 28),
      Stage("eltwise", 2, 16, {28})};
  stages[1].loop.id = 0;
  stages[1].loop.extent = 4;
  stages[4].loop.id = 1;
  stages[4].loop.extent = 4;
  const auto use = WaitsAndPops(stages, 4);
  EXPECT_EQ(use.waits, (std::vector<int64_t>{2, 28}));
  // The loop's own block each iteration; the vector once, after the loop.
  EXPECT_EQ(use.pops, std::vector<int64_t>{2});
  EXPECT_EQ(use.pops_after_loop, std::vector<int64_t>{28});
  // The carried value's update pops the version before its own in the loop.
  EXPECT_TRUE(WaitsAndPops(stages, 1).pops_after_loop.empty());
  // Made in the same loop: popped in it.
  stages[3].loop.id = 1;
  stages[3].loop.extent = 4;
  EXPECT_EQ(WaitsAndPops(stages, 4).pops, (std::vector<int64_t>{2, 28}));
}

TEST(StageCBVersions, FlashAttentionsQBlockAndAccumulator) {
  using tilelang_tt::detail::WaitsAndPops;
  // acc_o (c_26) filled; in loop 0 of 4: S = Q (c_0, copied before the
  // loop) @ K (c_1, a block an iteration) into c_27, P = f(S) into c_28,
  // acc_o = acc_o + P @ V (c_2) in place; after the loop O = acc_o.
  std::vector<tilelang_tt::detail::ComputeStage> stages = {
      Stage("fill", -1, 26), Stage("matmul", 0, 27), Stage("eltwise", 27, 28),
      Stage("matmul", 28, 26), Stage("eltwise", 26, 16)};
  stages[1].cb_b = 1;
  stages[3].cb_b = 2;
  stages[3].accumulate = true;
  stages[3].cb_acc = 26; // (a value the loop carries: its own CB)
  for (size_t s = 1; s <= 3; ++s) {
    stages[s].loop.id = 0;
    stages[s].loop.extent = 4;
  }
  stages[1].loop.fixed = {0};
  // Q's block, pushed once: waited for in each iteration (at once after the
  // first), popped after the loop; K's, pushed each iteration, popped there.
  const auto scores = WaitsAndPops(stages, 1);
  EXPECT_EQ(scores.waits, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(scores.pops, std::vector<int64_t>{1});
  EXPECT_EQ(scores.pops_after_loop, std::vector<int64_t>{0});
  // The product added into acc_o reads the version before its own, and
  // pops it; P and V are its own too.
  const auto product = WaitsAndPops(stages, 3);
  EXPECT_EQ(product.waits, (std::vector<int64_t>{28, 2, 26}));
  EXPECT_EQ(product.pops, (std::vector<int64_t>{28, 2, 26}));
  EXPECT_TRUE(product.fault.empty());
  // Without `fixed`, Q's block would be a block an iteration (one push per
  // iteration): popped in the loop.
  stages[1].loop.fixed.clear();
  EXPECT_EQ(WaitsAndPops(stages, 1).pops, (std::vector<int64_t>{0, 1}));
}

TEST(StageCBVersions, AMaskIsAVersionItsProductReadsAndPops) {
  using tilelang_tt::detail::WaitsAndPops;
  // A causal flash attention's scores: in loop 0 the reader's mask into
  // c_2, then S = mask + Q (c_0, fixed) @ K (c_1) into c_27, read by P =
  // f(S) into c_28.
  std::vector<tilelang_tt::detail::ComputeStage> stages = {
      Stage("fill", -1, 26), Stage("mask", -1, 2), Stage("matmul", 0, 27),
      Stage("eltwise", 27, 28), Stage("eltwise", 26, 16, {28})};
  stages[2].cb_b = 1;
  stages[2].accumulate = true;
  stages[2].cb_acc = 2;
  for (size_t s = 1; s <= 3; ++s) {
    stages[s].loop.id = 0;
    stages[s].loop.extent = 3;
  }
  stages[2].loop.fixed = {0};
  // The mask reads nothing; the product waits for it with its operands and
  // pops it with K's block: a version a step, like K's.
  EXPECT_TRUE(WaitsAndPops(stages, 1).waits.empty());
  EXPECT_TRUE(WaitsAndPops(stages, 1).pops.empty());
  const auto scores = WaitsAndPops(stages, 2);
  EXPECT_EQ(scores.waits, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(scores.pops, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(scores.pops_after_loop, std::vector<int64_t>{0});
  EXPECT_TRUE(scores.fault.empty());
  EXPECT_EQ(tilelang_tt::detail::StageReads(stages[2]),
            (std::vector<int64_t>{0, 1, 2}));
  // It moves the mask into DST: a Float32 mask CB unpacks to DST.
  EXPECT_TRUE(tilelang_tt::detail::ReadsOf(stages, 2).moved);
  EXPECT_FALSE(tilelang_tt::detail::ReadsOf(stages, 2).reduced);
}

TEST(StageCBVersions, AMaskAndALoopBoundSurviveTheAttribute) {
  // tt.compute's stages to the attribute and back: the mask's fields, the
  // product's cb_acc and the loop's bound per output block.
  std::vector<tilelang_tt::detail::ComputeStage> stages = {
      Stage("mask", -1, 2), Stage("matmul", 0, 27)};
  stages[0].value = 0;
  stages[0].otherwise = -1.5;
  stages[0].shape = {256, 64};
  stages[0].row_offset = -1;
  stages[0].col_step = 64;
  stages[0].col_start = 3;
  stages[1].cb_b = 1;
  stages[1].accumulate = true;
  stages[1].cb_acc = 2;
  for (auto &s : stages) {
    s.loop.id = 0;
    s.loop.extent = 4;
    s.loop.bound_rows = 64;
    s.loop.bound_add = 64;
    s.loop.bound_div = 64;
  }
  tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> compute;
  compute.Set(tilelang_tt::field::kFieldStages,
              tilelang_tt::detail::StagesAttr(stages));
  const auto back = tilelang_tt::detail::StagesFromAttr(compute);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].otherwise, -1.5);
  EXPECT_EQ(back[0].shape, (std::vector<int64_t>{256, 64}));
  EXPECT_EQ(back[0].row_offset, -1);
  EXPECT_EQ(back[0].col_step, 64);
  EXPECT_EQ(back[0].col_start, 3);
  EXPECT_EQ(back[1].cb_acc, 2);
  EXPECT_TRUE(back[1].loop.bounded());
  EXPECT_EQ(back[1].loop.bound_rows, 64);
  EXPECT_EQ(back[1].loop.bound_add, 64);
  EXPECT_EQ(back[1].loop.bound_div, 64);
}

TEST(StageCBVersions, ARunningValueIsReadBeforeAndAfterItsUpdate) {
  using tilelang_tt::detail::WaitsAndPops;
  // An online softmax's maximum: fill c_27; in loop 0 copy it into c_28,
  // reduce c_0 into c_29, update c_27 = max(c_27, c_29) in place, then
  // read it (c_27 * s into c_30); nothing after the loop reads it.
  std::vector<tilelang_tt::detail::ComputeStage> stages = {
      Stage("fill", -1, 27),          Stage("eltwise", 27, 28),
      Stage("reduce", 0, 29),         Stage("eltwise", 27, 27, {29}),
      Stage("eltwise", 27, 30, {28}), Stage("eltwise", 0, 16, {30})};
  for (size_t s = 1; s < stages.size(); ++s) {
    stages[s].loop.id = 0;
    stages[s].loop.extent = 5;
  }
  // The copy reads the version before the update first: it waits, and
  // leaves it for the update, which pops it once its own is pushed.
  EXPECT_EQ(WaitsAndPops(stages, 1).waits, std::vector<int64_t>{27});
  EXPECT_TRUE(WaitsAndPops(stages, 1).pops.empty());
  EXPECT_TRUE(WaitsAndPops(stages, 3).waits == std::vector<int64_t>{29});
  EXPECT_EQ(WaitsAndPops(stages, 3).pops, (std::vector<int64_t>{27, 29}));
  // The reader after the update waits for the new version and leaves it to
  // the next iteration's copy; the last iteration's, which it reads last,
  // it pops after the loop.
  const auto after = WaitsAndPops(stages, 4);
  EXPECT_EQ(after.waits, (std::vector<int64_t>{27, 28}));
  EXPECT_EQ(after.pops, std::vector<int64_t>{28});
  EXPECT_EQ(after.pops_after_loop, std::vector<int64_t>{27});
  EXPECT_TRUE(WaitsAndPops(stages, 3).pops_after_loop.empty());
  // With no reader after the update, the update pops its last one itself.
  stages.erase(stages.begin() + 4);
  stages[4] = Stage("eltwise", 0, 16, {28});
  stages[4].loop.id = 0;
  stages[4].loop.extent = 5;
  EXPECT_EQ(WaitsAndPops(stages, 3).pops_after_loop, std::vector<int64_t>{27});
  // (which it waits for first: no stage did.)
  EXPECT_EQ(WaitsAndPops(stages, 3).waits_after_loop, std::vector<int64_t>{27});
  // A copy made each iteration but read only after the loop: no rule.
  stages[1] = Stage("eltwise", 27, 28);
  stages[1].loop.id = 0;
  stages[1].loop.extent = 5;
  stages[4] = Stage("eltwise", 0, 16);
  stages[4].loop.id = 0;
  stages[4].loop.extent = 5;
  stages.push_back(Stage("eltwise", 28, 17));
  EXPECT_FALSE(WaitsAndPops(stages, 1).fault.empty());
}
