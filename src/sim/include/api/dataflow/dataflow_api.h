// Simulated "api/dataflow/dataflow_api.h": the data-movement kernel API
// (runtime args, circular buffers, TensorAccessor page reads/writes over the
// NoC). A read lands in L1 at the next noc_async_read_barrier, a write leaves
// L1 at the next noc_async_write_barrier (tt_sim/kernel_api.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tt_sim/kernel_api.hpp"

#define tt_l1_ptr

inline uint32_t get_write_ptr(uint32_t cb) {
  return tt_sim::kapi::CbWritePtr(cb);
}
inline uint32_t get_read_ptr(uint32_t cb) {
  return tt_sim::kapi::CbReadPtr(cb);
}

/// Compile-time args of one interleaved accessor, in the release's encoding
/// (api/tensor/tensor_accessor_args.h): word 0 the ArgsConfig flags
/// (hostdevcommon/tensor_accessor/arg_config.hpp: Sharded = 1, IsDram = 2,
/// Runtime* = 4..128), read as a uint8_t as the release does; word 1 the
/// aligned page size. Sharded and runtime-valued accessors are not
/// simulated. The buffer is found at run time by its address, so args read
/// at the wrong offset are caught by the checks in TensorAccessor.
template <uint32_t CTA_OFFSET> struct TensorAccessorArgs {
  static_assert(
      CTA_OFFSET + 2 <= kernel_compile_time_arg_count,
      "TensorAccessorArgs offset is past the kernel's compile-time args");
  static constexpr uint32_t args_config =
      static_cast<uint8_t>(kernel_compile_time_args[CTA_OFFSET]);
  static constexpr uint32_t AlignedPageSize =
      kernel_compile_time_args[CTA_OFFSET + 1];
  static constexpr uint32_t num_compile_time_args() { return 2; }
  static constexpr uint32_t next_compile_time_args_offset() {
    return CTA_OFFSET + num_compile_time_args();
  }
};

class TensorAccessor {
public:
  template <uint32_t CTA_OFFSET>
  TensorAccessor(
      const TensorAccessorArgs<CTA_OFFSET> &args, size_t bank_base_address,
      uint32_t page_size = TensorAccessorArgs<CTA_OFFSET>::AlignedPageSize)
      : buffer_id_(tt_sim::kapi::CheckAccessor(
            CTA_OFFSET, args.args_config, args.AlignedPageSize,
            static_cast<uint32_t>(bank_base_address), page_size)),
        aligned_page_size_(page_size) {}
  uint32_t buffer_id() const { return buffer_id_; }
  uint32_t get_aligned_page_size() const { return aligned_page_size_; }

private:
  uint32_t buffer_id_;
  uint32_t aligned_page_size_;
};

/// The NoC the calling kernel uses by default (0 for the writer on RISCV_0,
/// 1 for the reader on RISCV_1 in the emitted programs); only checked to be
/// 0 or 1 here.
constexpr uint8_t noc_index = 0;

/// Read one page into L1: the page's address plus `offset` is the source
/// (the release applies `offset` to the page, not to L1), the accessor's
/// page size the length.
inline void noc_async_read_page(uint32_t id, const TensorAccessor &addrgen,
                                uint32_t dst_local_l1_addr, uint32_t offset = 0,
                                uint8_t noc = noc_index) {
  tt_sim::kapi::ReadPage(addrgen.buffer_id(), id, dst_local_l1_addr, offset,
                         noc);
}

/// Write `size` bytes (0: the page size) from L1 to the page's address plus
/// `offset`.
inline void noc_async_write_page(uint32_t id, const TensorAccessor &addrgen,
                                 uint32_t src_local_l1_addr, uint32_t size = 0,
                                 uint32_t offset = 0, uint8_t noc = noc_index) {
  tt_sim::kapi::WritePage(addrgen.buffer_id(), id, src_local_l1_addr, size,
                          offset, noc);
}

inline void noc_async_read_barrier() { tt_sim::kapi::ReadBarrier(); }
inline void noc_async_write_barrier() { tt_sim::kapi::WriteBarrier(); }
