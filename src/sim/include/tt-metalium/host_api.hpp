// Simulated <tt-metalium/host_api.hpp>: the subset of the TT-Metalium host API
// the programs emitted by tilelang-tt use (docs/tenstorrent/simulator.md).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tt_sim/cb_index.hpp"

namespace tt {

enum class DataFormat : uint8_t { Float16_b = 5 };

namespace tt_metal {

struct CoreCoord {
  std::size_t x = 0, y = 0;
  CoreCoord() = default;
  CoreCoord(std::size_t x_, std::size_t y_) : x(x_), y(y_) {}
};

struct CoreRange {
  CoreCoord start_coord, end_coord;
  CoreRange(CoreCoord start, CoreCoord end)
      : start_coord(start), end_coord(end) {}
};

class CoreRangeSet {
public:
  CoreRangeSet() = default;
  CoreRangeSet(const CoreRange &range) : ranges_{range} {} // NOLINT
  CoreRangeSet(const std::vector<CoreRange> &ranges)
      : ranges_(ranges) {} // NOLINT
  const std::vector<CoreRange> &ranges() const { return ranges_; }
  /// Every core of every range, (x, y) pairs.
  std::vector<std::pair<uint32_t, uint32_t>> cores() const;

private:
  std::vector<CoreRange> ranges_;
};

enum class BufferType { DRAM, L1 };
enum class DataMovementProcessor { RISCV_0, RISCV_1 };
enum class NOC { RISCV_0_default, RISCV_1_default, NOC_0, NOC_1 };
enum class MathFidelity { LoFi, HiFi2, HiFi3, HiFi4 };
using KernelHandle = uint32_t;

class CircularBufferConfig {
public:
  CircularBufferConfig(uint32_t total_size,
                       const std::map<uint8_t, tt::DataFormat> &formats)
      : total_size_(total_size), formats_(formats) {}
  CircularBufferConfig &set_page_size(uint8_t index, uint32_t page_size) {
    page_sizes_[index] = page_size;
    return *this;
  }
  uint32_t total_size() const { return total_size_; }
  const std::map<uint8_t, tt::DataFormat> &formats() const { return formats_; }
  const std::map<uint8_t, uint32_t> &page_sizes() const { return page_sizes_; }

private:
  uint32_t total_size_;
  std::map<uint8_t, tt::DataFormat> formats_;
  std::map<uint8_t, uint32_t> page_sizes_;
};

struct DataMovementConfig {
  DataMovementProcessor processor = DataMovementProcessor::RISCV_0;
  NOC noc = NOC::RISCV_0_default;
  std::vector<uint32_t> compile_args;
};

struct ComputeConfig {
  MathFidelity math_fidelity = MathFidelity::HiFi4;
  std::vector<uint32_t> compile_args;
};

/// A program: CBs, kernels and runtime args, run by EnqueueMeshWorkload.
class Program {
public:
  struct CB {
    CoreRangeSet cores;
    uint8_t index;
    uint32_t total_size, page_size;
  };
  struct Kernel {
    std::string path, kind; // kind: reader / writer / compute
    CoreRangeSet cores;
    std::vector<uint32_t> compile_args;
    std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> runtime_args;
    void (*entry)() = nullptr; // kernel_main of the compiled kernel
  };
  std::vector<CB> cbs;
  std::vector<Kernel> kernels;
};

Program CreateProgram();
uint32_t CreateCircularBuffer(Program &program, const CoreRangeSet &cores,
                              const CircularBufferConfig &config);
KernelHandle CreateKernel(Program &program, const std::string &file,
                          const CoreRangeSet &cores,
                          const DataMovementConfig &config);
KernelHandle CreateKernel(Program &program, const std::string &file,
                          const CoreRangeSet &cores,
                          const ComputeConfig &config);
void SetRuntimeArgs(Program &program, KernelHandle kernel,
                    const CoreCoord &core, const std::vector<uint32_t> &args);

} // namespace tt_metal
} // namespace tt
