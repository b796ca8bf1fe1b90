/*!
 * \file verify_test.cc
 * \brief VerifyTTIR: accepts the pipeline's output, names what is wrong.
 */

#include <gtest/gtest.h>
#include <tvm/tirx/stmt_functor.h>

#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/builtin.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using testing::ExpectFfiError;
using testing::GemmSpec;

std::vector<tvm::transform::Pass> Pipeline() {
  return {transform::AnnotateTTDefaults(),
          transform::InferDefaultTTShard(),
          transform::InferDefaultTTSchedule(),
          transform::TTShardToCoreMap(),
          transform::MemorySpaceLowerTT(),
          transform::TilePadTT(),
          transform::TensorizeTT(),
          transform::GridToPersistentTT()};
}

tvm::tirx::PrimFunc
Lowered(const GemmSpec &spec,
        tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any> target_options = {}) {
  return testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm(spec), target_options),
      Pipeline());
}

void Verify(const tvm::tirx::PrimFunc &f) {
  testing::RunPasses(f, {transform::VerifyTTIR()});
}

TEST(VerifyTTIR, AcceptsThePipelineOutput) {
  Verify(Lowered({64, 64, 64}));
  Verify(Lowered({100, 70, 50, 64, 64, 32}));
  Verify(Lowered({320, 320, 64}, {{"arch", tvm::ffi::String("blackhole")}}));
}

TEST(VerifyTTIR, NamesAMissingAttribute) {
  auto f = Lowered({64, 64, 64});
  f.CopyOnWrite()->attrs = tvm::DictAttrs([&] {
    auto dict = f->attrs->dict;
    dict.erase(attr::kCBs);
    return dict;
  }());
  ExpectFfiError([&] { Verify(f); }, "ValueError",
                 {"'gemm'", "tt.cbs", "MemorySpaceLowerTT"});
}

/*! \brief Drops every cb_pop_front of one CB from the body. */
class PopRemover : public tvm::tirx::StmtMutator {
  tvm::tirx::Stmt VisitStmt_(const tvm::tirx::EvaluateNode *op) final {
    const auto *call = op->value.as<tvm::tirx::CallNode>();
    if (call && call->op.same_as(builtin::cb_pop_front()) &&
        tvm::Downcast<tvm::IntImm>(call->args[0])->value == 1) {
      return tvm::tirx::Evaluate(0);
    }
    return tvm::ffi::GetRef<tvm::tirx::Stmt>(op);
  }
};

TEST(VerifyTTIR, NamesACBWithoutConsumerPop) {
  auto f = Lowered({64, 64, 64});
  f.CopyOnWrite()->body = PopRemover()(f->body);
  ExpectFfiError([&] { Verify(f); }, "ValueError",
                 {"CB c_1 (cb_in1)", "consumed (wait/pop) by the compute",
                  "compute:wait"});
}

TEST(VerifyTTIR, RejectsCBsThatOverflowL1) {
  // 64x64 blocks with block_K = 4096: 2 x 256 tiles of A and of B, 2 MiB.
  auto f = Lowered({64, 64, 4096, 64, 64, 4096});
  ExpectFfiError([&] { Verify(f); }, "ValueError",
                 {"2113536 bytes of L1", "cb_in0 1048576", "1499136"});
}

/*! \brief `f` with tt.compute's field `key` set to `value`. */
tvm::tirx::PrimFunc WithComputeField(tvm::tirx::PrimFunc f, const char *key,
                                     tvm::ffi::Any value) {
  auto compute =
      f->GetAttr<tvm::ffi::Map<tvm::ffi::String, tvm::ffi::Any>>(attr::kCompute)
          .value();
  compute.Set(key, value);
  return tvm::WithAttr(std::move(f), attr::kCompute, compute);
}

TEST(VerifyTTIR, RejectsADstTileCountThatIsNotTheModes) {
  auto f = WithComputeField(Lowered({64, 64, 64}), field::kFieldDstTiles,
                            int64_t(8));
  ExpectFfiError([&] { Verify(f); }, "ValueError",
                 {"tt.compute says DST holds 8 tiles",
                  "(fp32 DST, half-sync) it holds 4"});
}

TEST(VerifyTTIR, RejectsDstIndicesPastTheModesCapacity) {
  // 64x128 blocks: 8 fp32 tiles, in full-sync mode; claim half-sync (4).
  auto f = Lowered({128, 256, 64, 64, 128, 32});
  f = WithComputeField(f, field::kFieldDstFullSyncEn, false);
  f = WithComputeField(f, field::kFieldDstTiles, int64_t(4));
  ExpectFfiError(
      [&] { Verify(f); }, "ValueError",
      {"can use DST tile 7", "DST holds tiles 0..3", "fp32 DST, half-sync"});
}

TEST(VerifyTTIR, RejectsLeftoverStages) {
  auto f = testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm({64, 64, 64})),
      {transform::AnnotateTTDefaults(), transform::InferDefaultTTShard(),
       transform::InferDefaultTTSchedule(), transform::TTShardToCoreMap(),
       transform::MemorySpaceLowerTT()});
  ExpectFfiError([&] { Verify(f); }, "ValueError", {"runtime arg 0"});
}

} // namespace
} // namespace tilelang_tt
