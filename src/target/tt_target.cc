/*!
 * \file tt_target.cc
 * \brief Registers the `tenstorrent` TVM target kind and its canonicalizer.
 *
 * `Target("tenstorrent")` (or `{"kind": "tenstorrent", "arch": ...}`) is a
 * kDLExtDev target whose options are the architecture facts the TT passes
 * read: core grid, DRAM bank count, L1 bytes per core and tile shape. Each
 * fact defaults to the value of the chosen `arch` and can be overridden, e.g.
 * `{"kind": "tenstorrent", "core_grid_x": 4, "core_grid_y": 1}` to plan for
 * four cores.
 */

#include <tvm/ffi/reflection/registry.h>
#include <tvm/target/target.h>
#include <tvm/target/target_kind.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "tilelang_tt/attr.h"
#include "tilelang_tt/target.h"

namespace tilelang_tt {

// TVM_REGISTER_TARGET_KIND spells `ffi::` unqualified.
namespace ffi = tvm::ffi;
using tvm::Target;
using tvm::ffi::Any;
using tvm::ffi::Map;
using tvm::ffi::String;

const std::vector<ArchSpec> &KnownArchs() {
  // Wormhole n150 and Blackhole p150: compute grid, DRAM banks and L1 as
  // published in tt-metal's Blackhole bring-up programming guide; DRAM per
  // bank from the boards' totals (n150: 12 GiB in 12 banks, p150: 32 GiB in
  // 8 banks). The unreserved L1 base is tt-metal's HAL DEFAULT_UNRESERVED:
  // ((MEM_MAP_END + 69 KiB - 1) | (alignment - 1)) + 1 with MEM_MAP_END of
  // v0.81.1's dev_mem_map.h (Wormhole 35168, Blackhole 41088) and the DRAM
  // alignment (32, 64).
  constexpr int64_t kGiB = int64_t(1) << 30;
  static const std::vector<ArchSpec> archs = {
      // clock, DRAM bandwidth: the boards' published figures; per-core
      // rates: tt-metal's data-movement measurements (ideal_performance.md);
      // measured DRAM bandwidth: tt-metal's Saturating_DRAM_bandwidth
      // reports; unpacker and packer rates: tt-isa-documentation's
      // UNPACR_Regular.md and L1.md (docs/performance.md).
      {"wormhole_b0", "n150", 8, 8, 12, 1464 * 1024, 1 * kGiB, 105824, 1000,
       288, 22, 21, 15, 267, 64, 64},
      {"blackhole", "p150", 11, 10, 8, 1464 * 1024, 4 * kGiB, 111744, 1350, 512,
       33, 34, 24, 500, 64, 64},
  };
  return archs;
}

std::string DeviceFactsJson(const ArchSpec &spec) {
  auto u = [](int64_t v) { return std::to_string(v); };
  std::string cycles;
  for (const char *f : {value::kFidelityHiFi4, value::kFidelityHiFi3,
                        value::kFidelityHiFi2, value::kFidelityLoFi}) {
    cycles += std::string(cycles.empty() ? "" : ", ") + "\"" + f +
              "\": " + u(CyclesPerTileMatmul(f));
  }
  return std::string("{\"board\": \"") + spec.board +
         "\", \"clock_mhz\": " + u(spec.clock_mhz) +
         ", \"dram_gb_per_s\": " + u(spec.dram_gb_per_s) +
         ", \"core_dram_read_bytes_per_cycle\": " +
         u(spec.core_dram_read_bytes_per_cycle) +
         ", \"core_dram_write_bytes_per_cycle\": " +
         u(spec.core_dram_write_bytes_per_cycle) +
         ", \"core_multicast_bytes_per_cycle\": " +
         u(spec.core_multicast_bytes_per_cycle) +
         ", \"dram_measured_gb_per_s\": " + u(spec.dram_measured_gb_per_s) +
         ", \"unpack_bytes_per_cycle\": " + u(spec.unpack_bytes_per_cycle) +
         ", \"pack_bytes_per_cycle\": " + u(spec.pack_bytes_per_cycle) +
         ", \"cycles_per_tile_matmul\": {" + cycles + "}}";
}

std::string KnownArchNames() {
  std::ostringstream os;
  for (size_t i = 0; i < KnownArchs().size(); ++i) {
    os << (i ? ", " : "") << KnownArchs()[i].name;
  }
  return os.str();
}

const ArchSpec &ArchSpecOf(const std::string &arch) {
  for (const ArchSpec &spec : KnownArchs()) {
    if (arch == spec.name) {
      return spec;
    }
  }
  TVM_FFI_THROW(ValueError)
      << "Unknown Tenstorrent arch '" << arch
      << "' in target 'tenstorrent'. Valid values: " << KnownArchNames() << ".";
  TVM_FFI_UNREACHABLE();
}

namespace {

/*!
 * \brief Use the user's value of an integer option, or the arch default.
 *
 * A user-given value must be positive; the error names the option.
 */
void SetOrCheckPositive(Map<String, Any> *config, const char *key,
                        int64_t arch_default) {
  auto it = config->find(key);
  if (it == config->end()) {
    config->Set(key, arch_default);
    return;
  }
  int64_t value = (*it).second.cast<int64_t>();
  if (value <= 0) {
    TVM_FFI_THROW(ValueError)
        << "Target 'tenstorrent' option '" << key
        << "' must be a positive integer, got " << value << ".";
  }
}

/*!
 * \brief The limits every tool downstream can represent, checked in one
 *        place: L1 and DRAM-bank addresses are 32-bit in the kernels
 *        (uint32_t), L1 must hold more than its reserved region, and the
 *        simulator maps every core's L1 into the low 2 GiB of its address
 *        space (MAP_32BIT), which the program shares with its own code and
 *        heap (about 1 GiB is left in practice), so the grid's L1 together
 *        must fit 768 MiB.
 */
void CheckRepresentable(const Map<String, Any> &config, const ArchSpec &spec) {
  auto get = [&](const char *key) { return config.at(key).cast<int64_t>(); };
  // Byte counts whose addresses (0 .. count - 1) fit in 32 bits.
  constexpr int64_t kMax32 = int64_t(1) << 32;
  constexpr int64_t kSimL1Total = int64_t(768) << 20; // 768 MiB
  for (const char *key :
       {target_option::kL1Bytes, target_option::kDramBankBytes}) {
    if (get(key) > kMax32) {
      TVM_FFI_THROW(ValueError)
          << "Target 'tenstorrent' option '" << key << "' = " << get(key)
          << " does not fit the kernels' 32-bit addresses; at most " << kMax32
          << ".";
    }
  }
  if (get(target_option::kL1Bytes) <= spec.l1_unreserved_base) {
    TVM_FFI_THROW(ValueError)
        << "Target 'tenstorrent' option 'l1_bytes' = "
        << get(target_option::kL1Bytes) << " leaves nothing for circular "
        << "buffers: the first " << spec.l1_unreserved_base << " bytes of a "
        << spec.name << " core's L1 are reserved for firmware.";
  }
  const int64_t cores =
      get(target_option::kCoreGridX) * get(target_option::kCoreGridY);
  if (cores * get(target_option::kL1Bytes) > kSimL1Total) {
    TVM_FFI_THROW(ValueError)
        << "Target 'tenstorrent': " << cores << " cores of "
        << get(target_option::kL1Bytes)
        << " bytes of L1 exceed what the simulator maps (" << kSimL1Total
        << " bytes of L1 in all, e.g. "
        << kSimL1Total / get(target_option::kL1Bytes)
        << " cores of this L1); use a smaller core_grid_x / core_grid_y.";
  }
}

/*! \brief The values of the `math_fidelity` option, default first. */
const std::vector<std::string> &KnownFidelities() {
  static const std::vector<std::string> values = {
      value::kFidelityHiFi4, value::kFidelityHiFi3, value::kFidelityHiFi2,
      value::kFidelityLoFi};
  return values;
}

/*!
 * \brief Canonicalizer of the `tenstorrent` target kind.
 *
 * Step 1: default `arch` to the first KnownArchs() and validate it, and
 *         `math_fidelity` to HiFi4.
 * Step 2: fill each architecture fact the user did not give.
 * Step 3: reject facts the kernels, the host program or the simulator
 *         cannot represent (CheckRepresentable).
 * Step 4: reject tile shapes other than 32x32, the only one lowered.
 *
 * The `arch` default is set here rather than with
 * `add_attr_option(..., DefaultValue(String))`: with the tvm-ffi release the
 * TileLang wheel pins, an object-valued DefaultValue is released one time too
 * many by TVM's ConfigSchema and reads back as garbage.
 */
Map<String, Any> CanonicalizeTTTarget(Map<String, Any> config) {
  // Step 1
  if (config.find(target_option::kArch) == config.end()) {
    config.Set(target_option::kArch, String(KnownArchs().front().name));
  }
  std::string arch = config.at(target_option::kArch).cast<String>();
  const ArchSpec &spec = ArchSpecOf(arch);
  if (config.find(target_option::kMathFidelity) == config.end()) {
    config.Set(target_option::kMathFidelity, String(KnownFidelities()[0]));
  }
  const std::string fidelity =
      config.at(target_option::kMathFidelity).cast<String>();
  const auto &fidelities = KnownFidelities();
  if (std::find(fidelities.begin(), fidelities.end(), fidelity) ==
      fidelities.end()) {
    std::ostringstream names;
    for (size_t i = 0; i < fidelities.size(); ++i) {
      names << (i ? ", " : "") << fidelities[i];
    }
    TVM_FFI_THROW(ValueError)
        << "Target 'tenstorrent' option 'math_fidelity' = '" << fidelity
        << "' is not a math fidelity; valid values: " << names.str() << ".";
  }
  // Step 2
  SetOrCheckPositive(&config, target_option::kCoreGridX, spec.core_grid_x);
  SetOrCheckPositive(&config, target_option::kCoreGridY, spec.core_grid_y);
  SetOrCheckPositive(&config, target_option::kDramBanks, spec.dram_banks);
  SetOrCheckPositive(&config, target_option::kL1Bytes, spec.l1_bytes);
  SetOrCheckPositive(&config, target_option::kDramBankBytes,
                     spec.dram_bank_bytes);
  SetOrCheckPositive(&config, target_option::kTileRows, kTileSize);
  SetOrCheckPositive(&config, target_option::kTileCols, kTileSize);
  // Step 3
  CheckRepresentable(config, spec);
  // Step 4
  int64_t rows = config.at(target_option::kTileRows).cast<int64_t>();
  int64_t cols = config.at(target_option::kTileCols).cast<int64_t>();
  if (rows != kTileSize || cols != kTileSize) {
    TVM_FFI_THROW(ValueError) << "Target 'tenstorrent' tile shape " << rows
                              << "x" << cols << " is not supported; only "
                              << kTileSize << "x" << kTileSize << " tiles are.";
  }
  return config;
}

} // namespace

TTTargetInfo TTTargetInfo::FromTarget(const Target &target) {
  if (target->kind->name != kTargetKindName) {
    TVM_FFI_THROW(ValueError)
        << "Expected a '" << kTargetKindName << "' target, got '"
        << target->kind->name << "' (" << target->str() << ").";
  }
  auto get_int = [&](const char *key) {
    return target->GetAttr<int64_t>(key).value();
  };
  TTTargetInfo info;
  info.arch = target->GetAttr<String>(target_option::kArch).value();
  info.core_grid_x = get_int(target_option::kCoreGridX);
  info.core_grid_y = get_int(target_option::kCoreGridY);
  info.dram_banks = get_int(target_option::kDramBanks);
  info.l1_bytes = get_int(target_option::kL1Bytes);
  info.dram_bank_bytes = get_int(target_option::kDramBankBytes);
  info.l1_unreserved_base = ArchSpecOf(info.arch).l1_unreserved_base;
  info.tile_rows = get_int(target_option::kTileRows);
  info.tile_cols = get_int(target_option::kTileCols);
  info.math_fidelity =
      target->GetAttr<String>(target_option::kMathFidelity).value();
  return info;
}

TVM_REGISTER_TARGET_KIND(kTargetKindName, kDLExtDev)
    .add_attr_option<String>(target_option::kArch)
    .add_attr_option<int64_t>(target_option::kCoreGridX)
    .add_attr_option<int64_t>(target_option::kCoreGridY)
    .add_attr_option<int64_t>(target_option::kDramBanks)
    .add_attr_option<int64_t>(target_option::kL1Bytes)
    .add_attr_option<int64_t>(target_option::kDramBankBytes)
    .add_attr_option<int64_t>(target_option::kTileRows)
    .add_attr_option<int64_t>(target_option::kTileCols)
    .add_attr_option<String>(target_option::kMathFidelity)
    .set_default_keys({kTargetKindName})
    .set_target_canonicalizer(CanonicalizeTTTarget);

TVM_FFI_STATIC_INIT_BLOCK() {
  namespace refl = tvm::ffi::reflection;
  refl::GlobalDef()
      .def("tl.tt.TargetInfo",
           [](const Target &target) {
             TTTargetInfo info = TTTargetInfo::FromTarget(target);
             Map<String, Any> out;
             out.Set(target_option::kArch, String(info.arch));
             out.Set(target_option::kCoreGridX, info.core_grid_x);
             out.Set(target_option::kCoreGridY, info.core_grid_y);
             out.Set(target_option::kDramBanks, info.dram_banks);
             out.Set(target_option::kL1Bytes, info.l1_bytes);
             out.Set(target_option::kDramBankBytes, info.dram_bank_bytes);
             out.Set(target_option::kTileRows, info.tile_rows);
             out.Set(target_option::kTileCols, info.tile_cols);
             out.Set(target_option::kMathFidelity, String(info.math_fidelity));
             return out;
           })
      .def("tl.tt.DeviceFacts",
           [](const String &arch) {
             return String(DeviceFactsJson(ArchSpecOf(arch)));
           })
      .def("tl.tt.KnownArchs", []() {
        tvm::ffi::Array<String> names;
        for (const ArchSpec &spec : KnownArchs()) {
          names.push_back(spec.name);
        }
        return names;
      });
}

} // namespace tilelang_tt
