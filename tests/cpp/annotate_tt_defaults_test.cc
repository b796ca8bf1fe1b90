/*!
 * \file annotate_tt_defaults_test.cc
 * \brief AnnotateTTDefaults: defaults stamped, user values kept, bad values
 *        rejected, second run a no-op.
 */

#include <gtest/gtest.h>
#include <tvm/ir/module.h>
#include <tvm/tirx/buffer.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/stmt.h>

#include "test_util.h"
#include "tilelang_tt/attr.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using testing::ExpectFfiError;
using tvm::Integer;
using tvm::IRModule;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::String;
using tvm::tirx::PrimFunc;

/*! \brief `def toy(A: T.Buffer((32, 32), "bfloat16")): T.evaluate(0)` */
PrimFunc MakeToyFunc() {
  tvm::tirx::Var handle("A_handle", tvm::DataType::Handle());
  tvm::tirx::Buffer buffer = tvm::tirx::decl_buffer(
      {Integer(32), Integer(32)}, tvm::DataType::BFloat(16), "A");
  PrimFunc f({handle}, tvm::tirx::Evaluate(0), tvm::VoidType(),
             {{handle, buffer}});
  return tvm::WithAttr(std::move(f), tvm::attr::kGlobalSymbol, String("toy"));
}

PrimFunc RunPass(PrimFunc f) {
  IRModule mod({{tvm::GlobalVar("toy"), f}});
  mod = transform::AnnotateTTDefaults()(mod);
  return tvm::Downcast<PrimFunc>(mod->Lookup("toy"));
}

std::string AttrString(const PrimFunc &f, const char *key) {
  return f->GetAttr<String>(key).value();
}

TEST(AnnotateTTDefaults, StampsEveryDefault) {
  PrimFunc f = RunPass(MakeToyFunc());
  EXPECT_EQ(AttrString(f, attr::kSchedulePolicy), "auto");
  EXPECT_EQ(AttrString(f, attr::kScheduleOrder), "row_major");
  EXPECT_EQ(AttrString(f, attr::kLayout), "dram_interleaved");
  auto tile = f->GetAttr<Array<Integer>>(attr::kTileShape).value();
  ASSERT_EQ(tile.size(), 2u);
  EXPECT_EQ(tile[0]->value, 32);
  EXPECT_EQ(tile[1]->value, 32);
  auto filled = f->GetAttr<Array<String>>(attr::kDefaultsApplied).value();
  EXPECT_EQ(filled.size(), 4u);
}

TEST(AnnotateTTDefaults, ExpectedIRText) {
  PrimFunc f = RunPass(MakeToyFunc());
  const std::string expected = R"(# from tvm.script import tirx as T

@T.prim_func
def toy(A: T.Buffer((32, 32), "bfloat16")):
    T.func_attr({"tt.defaults_applied": ["tt.schedule_policy", "tt.schedule_order", "tt.layout", "tt.tile_shape"], "tt.layout": "dram_interleaved", "tt.schedule_order": "row_major", "tt.schedule_policy": "auto", "tt.tile_shape": [32, 32]})
    T.evaluate(0))";
  EXPECT_EQ(f->Script(), expected);
}

TEST(AnnotateTTDefaults, KeepsUserGivenValues) {
  PrimFunc f = tvm::WithAttr(MakeToyFunc(), attr::kScheduleOrder,
                             String(value::kOrderColumnMajor));
  f = RunPass(f);
  EXPECT_EQ(AttrString(f, attr::kScheduleOrder), "column_major");
  auto filled = f->GetAttr<Array<String>>(attr::kDefaultsApplied).value();
  for (const String &key : filled) {
    EXPECT_NE(key, attr::kScheduleOrder) << "user value reported as default";
  }
  EXPECT_EQ(filled.size(), 3u);
}

TEST(AnnotateTTDefaults, SecondRunChangesNothing) {
  PrimFunc once = RunPass(MakeToyFunc());
  PrimFunc twice = RunPass(once);
  EXPECT_TRUE(once.same_as(twice));
}

TEST(AnnotateTTDefaults, RejectsUnsupportedPolicy) {
  PrimFunc f = tvm::WithAttr(MakeToyFunc(), attr::kSchedulePolicy,
                             String("round_robin"));
  ExpectFfiError([&] { RunPass(f); }, "ValueError",
                 {"toy", "tt.schedule_policy", "round_robin", "'contiguous'"});
}

TEST(AnnotateTTDefaults, RejectsNonStringLayout) {
  PrimFunc f = tvm::WithAttr(MakeToyFunc(), attr::kLayout, Integer(3));
  ExpectFfiError([&] { RunPass(f); }, "ValueError",
                 {"tt.layout", "'dram_interleaved'"});
}

TEST(AnnotateTTDefaults, RejectsOtherTileShapes) {
  PrimFunc f = tvm::WithAttr(MakeToyFunc(), attr::kTileShape,
                             Array<Integer>{Integer(16), Integer(16)});
  ExpectFfiError([&] { RunPass(f); }, "ValueError",
                 {"tt.tile_shape", "[32, 32]"});
}

} // namespace
} // namespace tilelang_tt
