/*!
 * \file build_tilelang_tt.cc
 * \brief Device codegen entry points of the TT target and the runtime module
 *        that carries the generated artifacts.
 *
 * TileLang's backend registry calls `target.build.tilelang_tt` (compile) or
 * `target.build.tilelang_tt_without_compile` (source only) with the device
 * IRModule after the TT pipeline. Both return a TTArtifactModule: a set of
 * named text files. There is no device compiler here, so the two entries
 * produce the same module.
 *
 * Today the only artifact is `lowered_tir.py`, the TT-annotated TIR that the
 * kernel, host-program and plan emitters of issue #4 will consume.
 */

#include <tvm/ffi/container/map.h>
#include <tvm/ffi/extra/module.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ffi/string.h>
#include <tvm/ir/module.h>
#include <tvm/target/target.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "tilelang_tt/attr.h"
#include "tilelang_tt/target.h"

namespace tilelang_tt {
namespace {

using tvm::ffi::Function;
using tvm::ffi::Map;
using tvm::ffi::Optional;
using tvm::ffi::String;

/*!
 * \brief Runtime module holding the named text artifacts of one lowering.
 *
 * Not executable (there is no device here): it answers `get_artifacts`
 * (file name -> text) and `InspectSource`, which concatenates the files in
 * name order, each under a `// ==== <name> ====` banner.
 */
class TTArtifactModuleObj : public tvm::ffi::ModuleObj {
public:
  explicit TTArtifactModuleObj(Map<String, String> artifacts)
      : artifacts_(std::move(artifacts)) {}

  const char *kind() const final { return "tilelang_tt"; }

  Optional<Function> GetFunction(const String &name) final {
    if (name == "get_artifacts") {
      Map<String, String> artifacts = artifacts_;
      return Function::FromTyped([artifacts]() { return artifacts; });
    }
    return std::nullopt;
  }

  String InspectSource(const String &format) const final {
    if (auto it = artifacts_.find(format); it != artifacts_.end()) {
      return (*it).second;
    }
    std::ostringstream os;
    for (const auto &name : SortedNames()) {
      os << "// ==== " << name << " ====\n" << artifacts_.at(name) << "\n";
    }
    return os.str();
  }

private:
  std::vector<std::string> SortedNames() const {
    std::vector<std::string> names;
    for (const auto &kv : artifacts_) {
      names.push_back(kv.first);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  /*! \brief File name -> file text. */
  Map<String, String> artifacts_;
};

/*! \brief Emit the artifacts of a lowered device module. */
tvm::ffi::Module BuildTileLangTT(const tvm::IRModule &mod,
                                 const tvm::Target &target) {
  // Validates that the target really is a tenstorrent one.
  TTTargetInfo::FromTarget(target);
  Map<String, String> artifacts;
  artifacts.Set("lowered_tir.py", mod->Script());
  return tvm::ffi::Module(
      tvm::ffi::make_object<TTArtifactModuleObj>(std::move(artifacts)));
}

} // namespace

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef()
      .def("target.build.tilelang_tt", BuildTileLangTT)
      .def("target.build.tilelang_tt_without_compile", BuildTileLangTT);
}

} // namespace tilelang_tt
