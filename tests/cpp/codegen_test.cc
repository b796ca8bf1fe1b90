/*!
 * \file codegen_test.cc
 * \brief The TT codegen entry: five artifacts from a pipeline-lowered GEMM,
 *        identifier hygiene, and a clear error for an unlowered function.
 */

#include <gtest/gtest.h>
#include <tvm/ffi/extra/module.h>
#include <tvm/ffi/function.h>

#include "../../src/codegen/program_info.h"
#include "gemm_ir.h"
#include "test_util.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using tvm::ffi::Map;
using tvm::ffi::String;

tvm::ffi::Module Build(tvm::tirx::PrimFunc f) {
  tvm::IRModule mod({{tvm::GlobalVar("gemm"), f}});
  static const auto build =
      tvm::ffi::Function::GetGlobalRequired("target.build.tilelang_tt");
  return build(mod, f->GetAttr<tvm::Target>(tvm::attr::kTarget).value())
      .cast<tvm::ffi::Module>();
}

tvm::tirx::PrimFunc Lowered(const testing::GemmSpec &spec) {
  return testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm(spec)),
      {transform::AnnotateTTDefaults(), transform::InferDefaultTTShard(),
       transform::InferDefaultTTSchedule(), transform::TTShardToCoreMap(),
       transform::MemorySpaceLowerTT(), transform::TilePadTT(),
       transform::TensorizeTT(), transform::GridToPersistentTT(),
       transform::VerifyTTIR()});
}

TEST(TTCodegen, EmitsTheFiveArtifacts) {
  auto module = Build(Lowered({128, 128, 128, 64, 64, 32}));
  auto files = module->GetFunction("get_artifacts")
                   .value()()
                   .cast<Map<String, String>>();
  ASSERT_EQ(files.size(), 5u);
  for (const char *name : {"reader.cpp", "compute.cpp", "writer.cpp",
                           "main.cpp", "tt.plan.json"}) {
    ASSERT_TRUE(files.count(name)) << name;
  }
  // A block row offset is parenthesized before it is scaled to a page id.
  EXPECT_NE(std::string(files.at("reader.cpp"))
                .find("noc_async_read_page((by * 2 + r) * A_tiles_per_row + k, "
                      "A_accessor"),
            std::string::npos)
      << files.at("reader.cpp");
  EXPECT_NE(std::string(files.at("compute.cpp"))
                .find("matmul_block(cb_in0, cb_in1, 0, 0, 0, 0, 2, 2, 1);"),
            std::string::npos)
      << files.at("compute.cpp");
}

TEST(TTCodegen, RejectsAFunctionThatWasNotLowered) {
  testing::ExpectFfiError(
      [] { Build(testing::WithTTTarget(testing::MakeGemm({}))); }, "ValueError",
      {"'gemm'", "tt.schedule", "run the TT pass pipeline"});
}

TEST(TTCodegen, SafeIdentAvoidsKeywordsAndOurNames) {
  EXPECT_EQ(codegen::SafeIdent("A"), "A");
  EXPECT_EQ(codegen::SafeIdent("int"), "int_");
  EXPECT_EQ(codegen::SafeIdent("kernel_main"), "kernel_main_");
  EXPECT_EQ(codegen::SafeIdent("cb_in0"), "cb_in0_");
}

} // namespace
} // namespace tilelang_tt
