// Simulated <tt-metalium/tensor_accessor_args.hpp>: the compile-time args that
// let a kernel's TensorAccessor address an interleaved buffer. As in the
// release, append_to adds two words for an interleaved buffer: its ArgsConfig
// flags (IsDram for a DRAM buffer) and its aligned page size; the kernel side
// (api/dataflow/dataflow_api.h) decodes them the same way, so a kernel that
// reads them at the wrong offset gets a Fault, not silently wrong data. The
// constructor and append_to have the release's signatures.
#pragma once

#include <cstdint>
#include <vector>

#include "tt-metalium/distributed.hpp"

/// A set of enum flags (TT-Metalium: hostdevcommon/flags.hpp).
template <typename E> class Flags {
public:
  using Underlying = std::underlying_type_t<E>;
  constexpr Flags() = default;
  constexpr Flags(E e) : bits_(static_cast<Underlying>(e)) {} // NOLINT
  constexpr Underlying raw() const { return bits_; }

private:
  Underlying bits_ = 0;
};

namespace tensor_accessor {
/// What a tensor accessor's args say (TT-Metalium:
/// hostdevcommon/tensor_accessor/arg_config.hpp); only None is simulated as
/// a user choice (IsDram follows from the buffer).
enum class ArgConfig : uint8_t {
  None = 0,
  Sharded = 1 << 0,
  IsDram = 1 << 1,
  RuntimeRank = 1 << 2,
  RuntimeNumBanks = 1 << 3,
  RuntimeTensorShape = 1 << 4,
  RuntimeShardShape = 1 << 5,
  RuntimeBankCoords = 1 << 6,
  RuntimePageSize = 1 << 7
};
using ArgsConfig = Flags<ArgConfig>;
} // namespace tensor_accessor

namespace tt::tt_metal {

class TensorAccessorArgs {
public:
  explicit TensorAccessorArgs(const distributed::MeshBuffer &buffer,
                              tensor_accessor::ArgsConfig args_config =
                                  tensor_accessor::ArgConfig::None);
  void append_to(std::vector<uint32_t> &compile_time_args) const;

private:
  uint32_t args_config_, aligned_page_size_;
};

} // namespace tt::tt_metal
