/*!
 * \file annotate_tt_kernel_entry_test.cc
 * \brief AnnotateTTKernelEntry marks PrimFuncs as device kernel launches.
 */

#include <gtest/gtest.h>
#include <tvm/ir/function.h>
#include <tvm/ir/module.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/stmt.h>

#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace {

using tvm::Integer;
using tvm::IRModule;
using tvm::tirx::PrimFunc;

PrimFunc RunPass(PrimFunc f) {
  IRModule mod({{tvm::GlobalVar("k"), f}});
  mod = transform::AnnotateTTKernelEntry()(mod);
  return tvm::Downcast<PrimFunc>(mod->Lookup("k"));
}

TEST(AnnotateTTKernelEntry, SetsDeviceKernelLaunch) {
  PrimFunc f = RunPass(PrimFunc({}, tvm::tirx::Evaluate(0)));
  auto conv = f->GetAttr<Integer>(tvm::attr::kCallingConv);
  ASSERT_TRUE(conv.has_value());
  EXPECT_EQ(conv.value()->value,
            static_cast<int>(tvm::CallingConv::kDeviceKernelLaunch));
}

TEST(AnnotateTTKernelEntry, AlreadyMarkedIsUnchanged) {
  PrimFunc once = RunPass(PrimFunc({}, tvm::tirx::Evaluate(0)));
  EXPECT_TRUE(RunPass(once).same_as(once));
}

} // namespace
} // namespace tilelang_tt
