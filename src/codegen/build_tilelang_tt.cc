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
 * The artifacts: reader.cpp, compute.cpp, writer.cpp (TT-Metalium kernels),
 * main.cpp (the host program) and tt.plan.json (the plan), emitted from the
 * TT-annotated PrimFunc (docs/tenstorrent/tt_ir.md).
 */

#include <tvm/ffi/container/map.h>
#include <tvm/ffi/extra/module.h>
#include <tvm/ffi/function.h>
#include <tvm/ffi/reflection/registry.h>
#include <tvm/ffi/string.h>
#include <tvm/ir/module.h>
#include <tvm/target/target.h>
#include <tvm/tirx/function.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "emitters.h"
#include "kernel_emitter.h"
#include "program_info.h"
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

/*! \brief Emit the artifacts of a lowered device module (one kernel). */
tvm::ffi::Module BuildTileLangTT(const tvm::IRModule &mod,
                                 const tvm::Target &target) {
  // Validates that the target really is a tenstorrent one.
  TTTargetInfo::FromTarget(target);
  std::vector<tvm::tirx::PrimFunc> funcs;
  for (const auto &kv : mod->functions) {
    if (auto f = kv.second.as<tvm::tirx::PrimFunc>()) {
      funcs.push_back(f.value());
    }
  }
  if (funcs.size() != 1) {
    TVM_FFI_THROW(ValueError)
        << "TT codegen: expected exactly one kernel in the device module, got "
        << funcs.size() << "; lower one T.prim_func at a time.";
  }
  const tvm::tirx::PrimFunc &f = funcs.front();
  codegen::ProgramInfo info = codegen::ReadProgramInfo(f);
  // Each kernel is passed exactly the runtime args its projection reads.
  for (const char *role :
       {ir::kRoleReader, ir::kRoleCompute, ir::kRoleWriter}) {
    info.schema_read[role] = codegen::SchemaArgsRead(info, f, role);
  }
  Map<String, String> artifacts;
  artifacts.Set("reader.cpp", codegen::EmitReader(info, f));
  artifacts.Set("compute.cpp", codegen::EmitCompute(info, f));
  artifacts.Set("writer.cpp", codegen::EmitWriter(info, f));
  artifacts.Set("main.cpp", codegen::EmitHostProgram(info));
  artifacts.Set("tt.plan.json", codegen::EmitPlanJson(info));
  return tvm::ffi::Module(
      tvm::ffi::make_object<TTArtifactModuleObj>(std::move(artifacts)));
}

} // namespace

TVM_FFI_STATIC_INIT_BLOCK() {
  tvm::ffi::reflection::GlobalDef()
      .def("target.build.tilelang_tt", BuildTileLangTT)
      .def("target.build.tilelang_tt_without_compile", BuildTileLangTT)
      // The artifact module of given files: the Python glue rebuilds the
      // module with its C++ sources clang-formatted (codegen.py).
      .def("tl.tt.ArtifactModule", [](Map<String, String> artifacts) {
        return tvm::ffi::Module(
            tvm::ffi::make_object<TTArtifactModuleObj>(std::move(artifacts)));
      });
}

} // namespace tilelang_tt
