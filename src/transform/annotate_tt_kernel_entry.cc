/*!
 * \file annotate_tt_kernel_entry.cc
 * \brief Mark every PrimFunc as a device kernel launch for the TT codegen.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/function.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/transform.h>

#include "tilelang_tt/transform.h"

namespace tilelang_tt {
namespace transform {

using tvm::tirx::PrimFunc;

Pass AnnotateTTKernelEntry() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    auto conv = f->GetAttr<tvm::Integer>(tvm::attr::kCallingConv);
    if (conv && conv.value()->value ==
                    static_cast<int>(tvm::CallingConv::kDeviceKernelLaunch)) {
      return f;
    }
    return tvm::WithAttr(
        std::move(f), tvm::attr::kCallingConv,
        tvm::Integer(static_cast<int>(tvm::CallingConv::kDeviceKernelLaunch)));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(
      pass_func, 0, "tl.tt.AnnotateTTKernelEntry", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.AnnotateTTKernelEntry",
                                        AnnotateTTKernelEntry);
}

} // namespace transform
} // namespace tilelang_tt
