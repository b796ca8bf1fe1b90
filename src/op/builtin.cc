/*!
 * \file builtin.cc
 * \brief Registers the TT intrinsics of tilelang_tt/builtin.h as TVM Ops.
 */

#include "tilelang_tt/builtin.h"

#include <tvm/ir/op.h>
#include <tvm/tirx/op_attr_types.h>

namespace tilelang_tt {
namespace builtin {

#define TILELANG_TT_REGISTER_BUILTIN(name, num_inputs, doc)                    \
  const tvm::Op &name() {                                                      \
    static const tvm::Op &op = tvm::Op::Get("tl.tt." #name);                   \
    return op;                                                                 \
  }                                                                            \
  TVM_REGISTER_OP("tl.tt." #name)                                              \
      .set_num_inputs(num_inputs)                                              \
      .describe(doc)                                                           \
      .set_attr<tvm::tirx::TScriptPrinterName>("TScriptPrinterName",           \
                                               "tt_" #name)                    \
      .set_attr<tvm::tirx::TCallEffectKind>(                                   \
          "TCallEffectKind",                                                   \
          tvm::Integer(tvm::tirx::CallEffectKind::kOpaque));

TILELANG_TT_BUILTINS(TILELANG_TT_REGISTER_BUILTIN)

#undef TILELANG_TT_REGISTER_BUILTIN

} // namespace builtin
} // namespace tilelang_tt
