/*!
 * \file infer_tt_shard_test.cc
 * \brief InferDefaultTTShard: descriptors, padding marks, bad tensors.
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
using tvm::ffi::Any;
using tvm::ffi::Map;
using tvm::ffi::String;

Map<String, Any> Buffers(const GemmSpec &spec,
                         Map<String, Any> target_options = {}) {
  auto f = testing::RunPasses(
      testing::WithTTTarget(testing::MakeGemm(spec), target_options),
      {transform::InferDefaultTTShard()});
  return f->GetAttr<Map<String, Any>>(attr::kBuffers).value();
}

TEST(InferDefaultTTShard, DescribesEachGlobalBuffer) {
  auto buffers = Buffers({256, 128, 64});
  ASSERT_EQ(buffers.size(), 3u);
  const std::string expected_a =
      R"({"dtype": "bfloat16", "layout": "dram_interleaved", "tile": (32, 32), "page_bytes": 2048, "shape": (256, 64), "padded_shape": (256, 64), "tiles": (8, 2), "num_tiles": 16, "dram_banks": 12, "padded_axes": (0, 0)})";
  EXPECT_EQ(testing::JsonText(buffers.at("A")), expected_a);
  const std::string expected_c =
      R"({"dtype": "bfloat16", "layout": "dram_interleaved", "tile": (32, 32), "page_bytes": 2048, "shape": (256, 128), "padded_shape": (256, 128), "tiles": (8, 4), "num_tiles": 32, "dram_banks": 12, "padded_axes": (0, 0)})";
  EXPECT_EQ(testing::JsonText(buffers.at("C")), expected_c);
}

TEST(InferDefaultTTShard, MarksAxesThatNeedPadding) {
  auto buffers = Buffers({100, 70, 50}, {{"arch", String("blackhole")}});
  const std::string expected_a =
      R"({"dtype": "bfloat16", "layout": "dram_interleaved", "tile": (32, 32), "page_bytes": 2048, "shape": (100, 50), "padded_shape": (128, 64), "tiles": (4, 2), "num_tiles": 8, "dram_banks": 8, "padded_axes": (1, 1)})";
  EXPECT_EQ(testing::JsonText(buffers.at("A")), expected_a);
  const std::string expected_b =
      R"({"dtype": "bfloat16", "layout": "dram_interleaved", "tile": (32, 32), "page_bytes": 2048, "shape": (50, 70), "padded_shape": (64, 96), "tiles": (2, 3), "num_tiles": 6, "dram_banks": 8, "padded_axes": (1, 1)})";
  EXPECT_EQ(testing::JsonText(buffers.at("B")), expected_b);
}

TEST(InferDefaultTTShard, RejectsDtypesWithoutATileFormat) {
  GemmSpec spec;
  spec.dtype = tvm::DataType::Int(8);
  ExpectFfiError(
      [&] { Buffers(spec); }, "ValueError",
      {"buffer 'A'", "int8", "supports bfloat16, float16 and float32"});
}

TEST(InferDefaultTTShard, Float16TilesAre2048Bytes) {
  GemmSpec spec;
  spec.dtype = tvm::DataType::Float(16);
  const std::string a = testing::JsonText(Buffers(spec).at("A"));
  EXPECT_NE(a.find(R"("dtype": "float16")"), std::string::npos) << a;
  EXPECT_NE(a.find(R"("page_bytes": 2048)"), std::string::npos) << a;
}

TEST(InferDefaultTTShard, RejectsDynamicShapes) {
  tvm::tirx::Var m("m", tvm::DataType::Int(32));
  tvm::tirx::Var h("A_handle", tvm::DataType::Handle());
  auto buf = tvm::tirx::decl_buffer({m, testing::I32(64)},
                                    tvm::DataType::BFloat(16), "A");
  tvm::tirx::PrimFunc f({h}, tvm::tirx::Evaluate(0), tvm::VoidType(),
                        {{h, buf}});
  ExpectFfiError(
      [&] {
        testing::RunPasses(testing::WithTTTarget(f),
                           {transform::InferDefaultTTShard()});
      },
      "ValueError", {"buffer 'A'", "dynamic shape", "static shapes only"});
}

TEST(InferDefaultTTShard, RejectsEmptyTensors) {
  ExpectFfiError([] { Buffers({0, 64, 64}); }, "ValueError",
                 {"buffer 'A'", "(0, 64)", "empty axis"});
}

TEST(InferDefaultTTShard, RejectsTensorsThatOverflowTheBanks) {
  // 65536^3: A, B and C are 4 Mi tiles each, 349526 pages of 2 KiB per bank
  // each: 2 GiB per bank in all, a Wormhole bank holds 1 GiB.
  ExpectFfiError([] { Buffers({65536, 65536, 65536}); }, "ValueError",
                 {"'gemm'", "2147487744 bytes in each of the 12 DRAM banks",
                  "wormhole_b0 bank holds 1073741824"});
}

TEST(InferDefaultTTShard, RejectsBankOffsetOverflow) {
  // 65536 x 65536 bf16 = 4M tiles; 12 banks hold 349526 pages of 2 KiB each:
  // 682 MiB per bank, fits. 2^20 x 2^18 does not.
  ExpectFfiError([] { Buffers({int64_t(1) << 20, 64, int64_t(1) << 18}); },
                 "ValueError", {"buffer 'A'", "32-bit bank offset"});
}

/*! \brief A function of the (2, 96, 3, 64) tensor X whose body is `body`
 *         (its T.copy regions and element reads decide X's layout). */
tvm::tirx::PrimFunc OfX(const tvm::tirx::Buffer &x, tvm::tirx::Stmt body) {
  tvm::tirx::Var h("X_handle", tvm::DataType::Handle());
  return testing::WithTTTarget(
      tvm::tirx::PrimFunc({h}, body, tvm::VoidType(), {{h, x}}));
}

TEST(InferDefaultTTShard, StoresABatchedTensorAsTheMatricesItsCopiesTake) {
  // T.copy(X[b, 0:32, h, :], X_shared): rows along axis 1, so X is stored as
  // its (2, 3) matrices of (96, 64): axes (0, 2, 1, 3).
  using testing::I32;
  auto x = tvm::tirx::decl_buffer({I32(2), I32(96), I32(3), I32(64)},
                                  tvm::DataType::BFloat(16), "X");
  auto xs = tvm::tirx::decl_buffer(
      {I32(32), I32(64)}, tvm::DataType::BFloat(16), "X_shared", "shared.dyn");
  auto copy = testing::TileOp(
      "copy",
      {testing::Region(x, {I32(1), I32(32), I32(2), I32(0)}, 1, {1, 32, 1, 64}),
       testing::Region(xs, {I32(0), I32(0)}, 2, {32, 64})});
  auto f = testing::RunPasses(OfX(x, copy), {transform::InferDefaultTTShard()});
  const std::string desc = testing::JsonText(
      f->GetAttr<Map<String, Any>>(attr::kBuffers).value().at("X"));
  for (const char *field :
       {R"("shape": (2, 96, 3, 64))", R"("matrix": (2, 3, 96, 64))",
        R"("axes": (0, 2, 1, 3))", R"("padded_shape": (2, 3, 96, 64))",
        R"("tiles": (2, 3, 3, 2))", R"("num_tiles": 36)"}) {
    EXPECT_NE(desc.find(field), std::string::npos) << field << " in " << desc;
  }
}

TEST(InferDefaultTTShard, RejectsCopiesOfOneTensorAlongTwoRowAxes) {
  using testing::I32;
  auto x = tvm::tirx::decl_buffer({I32(2), I32(96), I32(3), I32(64)},
                                  tvm::DataType::BFloat(16), "X");
  auto xs = tvm::tirx::decl_buffer(
      {I32(32), I32(64)}, tvm::DataType::BFloat(16), "X_shared", "shared.dyn");
  auto copy = [&](std::vector<int64_t> extents) {
    return testing::TileOp(
        "copy", {testing::Region(x, {I32(0), I32(0), I32(0), I32(0)}, 1,
                                 std::move(extents)),
                 testing::Region(xs, {I32(0), I32(0)}, 2, {32, 64})});
  };
  auto body = tvm::tirx::SeqStmt({copy({1, 32, 1, 64}), copy({1, 1, 32, 64})});
  ExpectFfiError(
      [&] {
        testing::RunPasses(OfX(x, body), {transform::InferDefaultTTShard()});
      },
      "ValueError",
      {"buffer 'X' is accessed as blocks (1, 32, 1, 64) (rows along axis 1)",
       "as blocks (1, 1, 32, 64) (rows along axis 2)"});
}

} // namespace
} // namespace tilelang_tt
