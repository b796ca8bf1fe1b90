// Simulated <tt-metalium/tensor_accessor_args.hpp>: the compile-time args that
// let a kernel's TensorAccessor address an interleaved buffer. The simulator
// appends two words, a tag and the buffer id (the release appends two for an
// interleaved buffer too: its ArgsConfig and the aligned page size); a kernel
// that reads them at the wrong offset gets a Fault, not silently wrong data.
// The constructor and append_to have the release's signatures.
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
/// hostdevcommon/tensor_accessor/arg_config.hpp); only None is simulated.
enum class ArgConfig : uint8_t { None = 0, Sharded = 1, IsDram = 2 };
using ArgsConfig = Flags<ArgConfig>;
} // namespace tensor_accessor

namespace tt::tt_metal {

/// First word of a simulated accessor's compile-time args.
constexpr uint32_t kTensorAccessorTag = 0x7A5C0000u;

class TensorAccessorArgs {
public:
  explicit TensorAccessorArgs(const distributed::MeshBuffer &buffer,
                              tensor_accessor::ArgsConfig args_config =
                                  tensor_accessor::ArgConfig::None);
  void append_to(std::vector<uint32_t> &compile_time_args) const;

private:
  uint32_t buffer_id_;
};

} // namespace tt::tt_metal
