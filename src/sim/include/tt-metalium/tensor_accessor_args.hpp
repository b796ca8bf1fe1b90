// Simulated <tt-metalium/tensor_accessor_args.hpp>: the compile-time args that
// let a kernel's TensorAccessor address an interleaved buffer. The simulator
// appends two words, a tag and the buffer id; a kernel that reads them at the
// wrong offset gets a Fault, not silently wrong data.
#pragma once

#include <cstdint>
#include <vector>

#include "tt-metalium/distributed.hpp"

namespace tt::tt_metal {

/// First word of a simulated accessor's compile-time args.
constexpr uint32_t kTensorAccessorTag = 0x7A5C0000u;

class TensorAccessorArgs {
public:
  explicit TensorAccessorArgs(const distributed::MeshBuffer &buffer)
      : buffer_id_(buffer.id()) {}
  void append_to(std::vector<uint32_t> &args) const {
    args.push_back(kTensorAccessorTag);
    args.push_back(buffer_id_);
  }

private:
  uint32_t buffer_id_;
};

} // namespace tt::tt_metal
