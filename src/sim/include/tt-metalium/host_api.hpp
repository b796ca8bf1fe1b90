// Simulated <tt-metalium/host_api.hpp>: the subset of the TT-Metalium host API
// the programs emitted by tilelang-tt use (docs/tenstorrent/simulator.md).
//
// Every function here that the release exports from libtt_metal.so is declared
// with the release's parameter types, so the symbols a program compiled
// against these headers needs are exactly the release's symbols (checked by
// scripts/tt_conformance.py, docs/tenstorrent/api_conformance.md). Like
// TT-Metalium's own host headers, this one needs C++20 (std::span).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "tt_sim/cb_index.hpp"
#include "tt_sim/dst_register_file.hpp"

namespace tt {

enum class DataFormat : uint8_t {
  Float32 = 0,
  Float16 = 1,
  Float16_b = 5,
  Invalid = 0xff
};

/// A pair of coordinates; TT-Metalium's CoreCoord is this type.
struct xy_pair {
  std::size_t x = 0, y = 0;
  constexpr xy_pair() = default;
  constexpr xy_pair(std::size_t x_, std::size_t y_) : x(x_), y(y_) {}
};

namespace tt_metal {

using CoreCoord = tt::xy_pair;

struct CoreRange {
  CoreCoord start_coord, end_coord;
  CoreRange(const CoreCoord &start, const CoreCoord &end);
};

class CoreRangeSet {
public:
  CoreRangeSet() = default;
  CoreRangeSet(const CoreRange &range);          // NOLINT: implicit, as in TT
  CoreRangeSet(std::vector<CoreRange> &&ranges); // NOLINT
  const std::vector<CoreRange> &ranges() const { return ranges_; }
  /// Every core of every range, (x, y) pairs.
  std::vector<std::pair<uint32_t, uint32_t>> cores() const;

private:
  std::vector<CoreRange> ranges_;
};

/// Where a kernel, CB or runtime-arg set applies: one core, a range or a set.
using CoreSpec = std::variant<CoreCoord, CoreRange, CoreRangeSet>;

enum class BufferType { DRAM, L1 };
enum class DataMovementProcessor { RISCV_0, RISCV_1 };
enum class NOC { RISCV_0_default, RISCV_1_default, NOC_0, NOC_1 };
enum class MathFidelity { LoFi = 0, HiFi2 = 2, HiFi3 = 3, HiFi4 = 4 };
using KernelHandle = uint32_t;
using CBHandle = uintptr_t;

class CircularBufferConfig {
public:
  CircularBufferConfig(uint32_t total_size,
                       const std::map<uint8_t, tt::DataFormat> &formats);
  CircularBufferConfig &set_page_size(uint8_t index, uint32_t page_size);
  uint32_t total_size() const { return total_size_; }
  const std::map<uint8_t, tt::DataFormat> &formats() const { return formats_; }
  const std::map<uint8_t, uint32_t> &page_sizes() const { return page_sizes_; }

private:
  uint32_t total_size_;
  std::map<uint8_t, tt::DataFormat> formats_;
  std::map<uint8_t, uint32_t> page_sizes_;
};

enum class NOC_MODE : uint8_t { DM_DEDICATED_NOC = 0, DM_DYNAMIC_NOC = 1 };
enum class UnpackToDestMode : uint8_t { Default, UnpackToDestFp32 };
enum class KernelBuildOptLevel : uint8_t { O1, O2, O3, O0, Os, Ofast, Oz };

// The two kernel configs have the release's fields in the release's order
// (tt_metal/api/tt-metalium/kernel_types.hpp), so designated initializers
// that compile here compile there. Fields the simulator does not model are
// rejected by CreateKernel when set (device.cc).
struct DataMovementConfig {
  DataMovementProcessor processor = DataMovementProcessor::RISCV_0;
  NOC noc = NOC::RISCV_0_default;
  NOC_MODE noc_mode = NOC_MODE::DM_DEDICATED_NOC;
  std::vector<uint32_t> compile_args;
  std::map<std::string, std::string> defines;
  std::unordered_map<std::string, uint32_t> named_compile_args;
  KernelBuildOptLevel opt_level = KernelBuildOptLevel::O2;
};

struct ComputeConfig {
  MathFidelity math_fidelity = MathFidelity::HiFi4;
  bool fp32_dest_acc_en = false;
  bool dst_full_sync_en = false;
  std::vector<UnpackToDestMode> unpack_to_dest_mode;
  bool bfp8_pack_precise = false;
  bool math_approx_mode = false;
  std::vector<uint32_t> compile_args;
  std::map<std::string, std::string> defines;
  std::unordered_map<std::string, uint32_t> named_compile_args;
  KernelBuildOptLevel opt_level = KernelBuildOptLevel::O3;
};

/// A program: CBs, kernels and runtime args, run by EnqueueMeshWorkload.
class Program {
public:
  struct CB {
    CoreRangeSet cores;
    uint8_t index;
    uint32_t total_size, page_size;
    tt::DataFormat format;
  };
  struct Kernel {
    std::string path, kind; // kind: reader / writer / compute
    CoreRangeSet cores;
    std::vector<uint32_t> compile_args;
    /// Compute kernels: the DST mode its ComputeConfig asks for, and the CBs
    /// whose unpack_to_dest_mode is UnpackToDestFp32.
    tt_sim::DstMode dst_mode;
    std::vector<bool> unpack_to_dest_fp32;
    /// Set through a const Program& (SetRuntimeArgs), as in TT-Metalium.
    mutable std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>>
        runtime_args;
    void (*entry)() = nullptr; // kernel_main of the compiled kernel
  };
  /// CreateSemaphore: semaphore `id` on each of `cores`, starting at
  /// `initial_value` when the program runs.
  struct Semaphore {
    CoreRangeSet cores;
    uint32_t id, initial_value;
  };
  std::vector<CB> cbs;
  std::vector<Kernel> kernels;
  std::vector<Semaphore> semaphores;
};

Program CreateProgram();
CBHandle CreateCircularBuffer(Program &program, const CoreSpec &cores,
                              const CircularBufferConfig &config);
KernelHandle
CreateKernel(Program &program, const std::string &file, const CoreSpec &cores,
             const std::variant<DataMovementConfig, ComputeConfig> &config);
/// A 4-byte semaphore on every core of `core_spec`: the smallest id free on
/// all of them (a core has at most eight); kernels get its L1 address with
/// get_semaphore(id).
uint32_t CreateSemaphore(Program &program,
                         const std::variant<CoreRange, CoreRangeSet> &core_spec,
                         uint32_t initial_value);
void SetRuntimeArgs(const Program &program, KernelHandle kernel,
                    const CoreSpec &cores,
                    std::span<const uint32_t> runtime_args);
void SetRuntimeArgs(const Program &program, KernelHandle kernel,
                    const CoreSpec &cores,
                    std::initializer_list<uint32_t> runtime_args);

} // namespace tt_metal
} // namespace tt
