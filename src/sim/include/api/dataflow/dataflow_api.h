// Simulated "api/dataflow/dataflow_api.h": the data-movement kernel API
// (runtime args, circular buffers, TensorAccessor page reads/writes over the
// NoC). A read lands in L1 at the next noc_async_read_barrier, a write leaves
// L1 at the next noc_async_write_barrier (tt_sim/kernel_api.hpp).
#pragma once

#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#define tt_l1_ptr

inline uint32_t get_write_ptr(uint32_t cb) {
  return tt_sim::kapi::CbWritePtr(cb);
}
inline uint32_t get_read_ptr(uint32_t cb) {
  return tt_sim::kapi::CbReadPtr(cb);
}

/// Compile-time args of one accessor: a tag and the buffer id (see the host's
/// TensorAccessorArgs). Reading them at the wrong offset fails to compile (out
/// of range) or faults at run time (wrong tag).
template <uint32_t Offset> struct TensorAccessorArgs {
  static_assert(
      Offset + 2 <= kernel_compile_time_arg_count,
      "TensorAccessorArgs offset is past the kernel's compile-time args");
  static constexpr uint32_t tag = kernel_compile_time_args[Offset];
  static constexpr uint32_t buffer_id = kernel_compile_time_args[Offset + 1];
  static constexpr uint32_t next_compile_time_args_offset() {
    return Offset + 2;
  }
};

class TensorAccessor {
public:
  template <uint32_t Offset>
  TensorAccessor(TensorAccessorArgs<Offset> args, uint32_t addr,
                 uint32_t page_size)
      : buffer_id_(args.buffer_id) {
    tt_sim::kapi::CheckAccessor(args.tag, args.buffer_id, addr, page_size);
  }
  uint32_t buffer_id() const { return buffer_id_; }

private:
  uint32_t buffer_id_;
};

inline void noc_async_read_page(uint32_t page, const TensorAccessor &accessor,
                                uint32_t l1_addr, uint32_t offset = 0) {
  tt_sim::kapi::ReadPage(accessor.buffer_id(), page, l1_addr + offset);
}

inline void noc_async_write_page(uint32_t page, const TensorAccessor &accessor,
                                 uint32_t l1_addr) {
  tt_sim::kapi::WritePage(accessor.buffer_id(), page, l1_addr);
}

inline void noc_async_read_barrier() { tt_sim::kapi::ReadBarrier(); }
inline void noc_async_write_barrier() { tt_sim::kapi::WriteBarrier(); }
