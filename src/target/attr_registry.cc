/*!
 * \file attr_registry.cc
 * \brief Exposes the names defined in tilelang_tt/attr.h to Python, so the
 *        Python mirror (python/tilelang_tt/attrs.py) can be checked against
 *        the one C++ definition.
 */

#include <tvm/ffi/container/map.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ffi/string.h>

#include "tilelang_tt/attr.h"

namespace tilelang_tt {
namespace {

using tvm::ffi::Map;
using tvm::ffi::String;

/*! \brief {"func_attrs": {CppName: string}, "values": ..., "target_options":
 * ...} */
Map<String, Map<String, String>> AttrRegistry() {
#define TILELANG_TT_ADD_ENTRY(name, str, doc) table.Set(#name, str);
  Map<String, Map<String, String>> out;
  {
    Map<String, String> table;
    TILELANG_TT_FUNC_ATTRS(TILELANG_TT_ADD_ENTRY)
    out.Set("func_attrs", table);
  }
  {
    Map<String, String> table;
    TILELANG_TT_ATTR_VALUES(TILELANG_TT_ADD_ENTRY)
    out.Set("values", table);
  }
  {
    Map<String, String> table;
    TILELANG_TT_TARGET_OPTIONS(TILELANG_TT_ADD_ENTRY)
    out.Set("target_options", table);
  }
  {
    Map<String, String> table;
    TILELANG_TT_FIELDS(TILELANG_TT_ADD_ENTRY)
    out.Set("fields", table);
  }
  {
    Map<String, String> table;
    TILELANG_TT_IR_NAMES(TILELANG_TT_ADD_ENTRY)
    out.Set("ir_names", table);
  }
#undef TILELANG_TT_ADD_ENTRY
  return out;
}

} // namespace

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.AttrRegistry", AttrRegistry);
}

} // namespace tilelang_tt
