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

/// The NoC the kernel was created on (DataMovementConfig::noc): the host
/// compiles each data-movement kernel with -DNOC_INDEX, as the JIT build
/// does.
#ifndef NOC_INDEX
#define NOC_INDEX 0
#endif
constexpr uint8_t noc_index = NOC_INDEX;

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
inline void noc_async_writes_flushed(uint8_t noc = noc_index) {
  tt_sim::kapi::WriteBarrier();
}
/// Atomics land at once in the simulator (noc_semaphore_inc).
inline void noc_async_atomic_barrier(uint8_t noc_idx = noc_index) {}

// Semaphores and core-to-core writes (tt_sim/noc.hpp): addresses are NoC
// coordinates the host passes (worker_core_from_logical_core) plus an L1
// address of the calling core, the same on every core.
inline uintptr_t get_semaphore(uint32_t id) {
  return tt_sim::kapi::Semaphore(id);
}
inline uint64_t get_noc_addr(uint32_t noc_x, uint32_t noc_y, uint32_t addr,
                             uint8_t noc = noc_index) {
  return tt_sim::kapi::NocAddr(noc_x, noc_y, addr, noc);
}
inline uint64_t get_noc_multicast_addr(uint32_t noc_x_start,
                                       uint32_t noc_y_start, uint32_t noc_x_end,
                                       uint32_t noc_y_end, uint32_t addr,
                                       uint8_t noc = noc_index) {
  return tt_sim::kapi::NocMulticastAddr(noc_x_start, noc_y_start, noc_x_end,
                                        noc_y_end, addr, noc);
}
/// L1 of this core -> L1 of the core at `dst_noc_addr` (get_noc_addr).
inline void noc_async_write(uint32_t src_local_l1_addr, uint64_t dst_noc_addr,
                            uint32_t size, uint8_t noc = noc_index) {
  tt_sim::kapi::WriteL1(src_local_l1_addr, dst_noc_addr, size, 1, false, false,
                        noc, "noc_async_write");
}
/// L1 of this core -> the same L1 address of every core of the rectangle
/// but this one; `num_dests` counts them.
inline void noc_async_write_multicast(uint32_t src_local_l1_addr,
                                      uint64_t dst_noc_addr_multicast,
                                      uint32_t size, uint32_t num_dests,
                                      bool linked = false,
                                      uint8_t noc = noc_index) {
  tt_sim::kapi::WriteL1(src_local_l1_addr, dst_noc_addr_multicast, size,
                        num_dests, true, false, noc,
                        "noc_async_write_multicast");
}
/// The 4-byte word at `src_local_l1_addr` into a semaphore of every core
/// of the rectangle but this one.
inline void noc_semaphore_set_multicast(uint32_t src_local_l1_addr,
                                        uint64_t dst_noc_addr_multicast,
                                        uint32_t num_dests, bool linked = false,
                                        uint8_t noc = noc_index) {
  tt_sim::kapi::WriteL1(src_local_l1_addr, dst_noc_addr_multicast, 4, num_dests,
                        true, true, noc, "noc_semaphore_set_multicast");
}
template <bool posted = false>
inline void noc_semaphore_inc(uint64_t addr, uint32_t incr,
                              uint8_t noc_id = noc_index) {
  tt_sim::kapi::SemaphoreInc(addr, incr, noc_id);
}
inline void noc_semaphore_wait(volatile uint32_t *sem_addr, uint32_t val) {
  tt_sim::kapi::SemaphoreWait(sem_addr, val, false);
}
inline void noc_semaphore_wait_min(volatile uint32_t *sem_addr, uint32_t val) {
  tt_sim::kapi::SemaphoreWait(sem_addr, val, true);
}
inline void noc_semaphore_set(volatile uint32_t *sem_addr, uint32_t val) {
  tt_sim::kapi::SemaphoreSet(sem_addr, val);
}
