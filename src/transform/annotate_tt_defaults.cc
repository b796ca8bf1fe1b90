/*!
 * \file annotate_tt_defaults.cc
 * \brief Fill in the TT schedule and layout attributes the user did not give.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/ir/transform.h>
#include <tvm/tirx/function.h>
#include <tvm/tirx/transform.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tilelang_tt/attr.h"
#include "tilelang_tt/target.h"
#include "tilelang_tt/transform.h"

namespace tilelang_tt {

using tvm::Integer;
using tvm::ffi::Any;
using tvm::ffi::Array;
using tvm::ffi::String;
using tvm::tirx::PrimFunc;

namespace {

/*! \brief One string-valued attribute: its key, default and allowed values. */
struct StringAttrRule {
  const char *key;
  const char *default_value;
  std::vector<const char *> allowed;
};

/*! \brief The string-valued attributes, in the order they are checked. */
const std::vector<StringAttrRule> &StringAttrRules() {
  static const std::vector<StringAttrRule> rules = {
      {attr::kSchedulePolicy,
       value::kPolicyAuto,
       {value::kPolicyAuto, value::kPolicyContiguous, value::kPolicyMcast2D}},
      {attr::kScheduleOrder,
       value::kOrderRowMajor,
       {value::kOrderRowMajor, value::kOrderColumnMajor}},
      {attr::kLayout,
       value::kLayoutDramInterleaved,
       {value::kLayoutDramInterleaved}},
  };
  return rules;
}

std::string Join(const std::vector<const char *> &items) {
  std::ostringstream os;
  for (size_t i = 0; i < items.size(); ++i) {
    os << (i ? ", " : "") << "'" << items[i] << "'";
  }
  return os.str();
}

std::string FuncName(const PrimFunc &f) {
  auto name = f->GetAttr<String>(tvm::attr::kGlobalSymbol);
  return name ? std::string(name.value()) : std::string("<anonymous>");
}

/*! \brief Check a user-given string attribute against its rule. */
void CheckStringAttr(const PrimFunc &f, const StringAttrRule &rule,
                     const Any &given) {
  auto as_str = given.try_cast<String>();
  if (as_str) {
    for (const char *allowed : rule.allowed) {
      if (as_str.value() == allowed) {
        return;
      }
    }
  }
  TVM_FFI_THROW(ValueError)
      << "PrimFunc '" << FuncName(f) << "': attribute '" << rule.key
      << "' = " << given
      << " is not supported. Supported values: " << Join(rule.allowed) << ".";
}

/*! \brief Check a user-given tile shape: only [32, 32] is supported. */
void CheckTileShape(const PrimFunc &f, const Any &given) {
  auto shape = given.try_cast<Array<Integer>>();
  if (shape && shape.value().size() == 2 &&
      shape.value()[0]->value == kTileSize &&
      shape.value()[1]->value == kTileSize) {
    return;
  }
  TVM_FFI_THROW(ValueError)
      << "PrimFunc '" << FuncName(f) << "': attribute '" << attr::kTileShape
      << "' = " << given << " is not supported. Supported: [" << kTileSize
      << ", " << kTileSize << "].";
}

/*!
 * \brief Validate user-given TT attrs and fill in the missing ones.
 *
 * Step 1: each string attribute is checked if given, else defaulted.
 * Step 2: the tile shape likewise.
 * Step 3: the keys that were defaulted are recorded in tt.defaults_applied,
 *         so later tools can tell user choices from defaults.
 */
PrimFunc AnnotateDefaults(PrimFunc f) {
  auto user_value = [&](const char *key) -> std::optional<Any> {
    if (!f->attrs.defined()) {
      return std::nullopt;
    }
    auto it = f->attrs->dict.find(key);
    if (it == f->attrs->dict.end()) {
      return std::nullopt;
    }
    return (*it).second;
  };
  Array<String> filled;
  // Step 1
  for (const StringAttrRule &rule : StringAttrRules()) {
    if (auto given = user_value(rule.key)) {
      CheckStringAttr(f, rule, given.value());
    } else {
      f = tvm::WithAttr(std::move(f), rule.key, String(rule.default_value));
      filled.push_back(rule.key);
    }
  }
  // Step 2
  if (auto given = user_value(attr::kTileShape)) {
    CheckTileShape(f, given.value());
  } else {
    Array<Integer> tile{Integer(kTileSize), Integer(kTileSize)};
    f = tvm::WithAttr(std::move(f), attr::kTileShape, tile);
    filled.push_back(attr::kTileShape);
  }
  // Step 3
  if (!filled.empty()) {
    f = tvm::WithAttr(std::move(f), attr::kDefaultsApplied, filled);
  }
  return f;
}

} // namespace

namespace transform {

Pass AnnotateTTDefaults() {
  auto pass_func = [](PrimFunc f, const tvm::IRModule &,
                      const tvm::transform::PassContext &) {
    return AnnotateDefaults(std::move(f));
  };
  return tvm::tirx::transform::CreatePrimFuncPass(
      pass_func, 0, "tl.tt.AnnotateTTDefaults", {});
}

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef().def("tl.tt.transform.AnnotateTTDefaults",
                                        AnnotateTTDefaults);
}

} // namespace transform
} // namespace tilelang_tt
