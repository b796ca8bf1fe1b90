// Test-only stand-in for TT-Metalium's dataflow API: it runs an emitted
// reader or writer kernel on the host for ONE core and RECORDS the DRAM pages
// it touches (tests/python/tt/test_tensor_accessor_interleaving.py). It models
// no timing and no circular-buffer flow control; the functional simulator
// (src/sim, issue #5) is the faithful model.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define tt_l1_ptr

#include "tt_sim/cb_index.hpp" // tt::CBIndex, shared with the simulator

// Runtime args of the core being run, set by the harness.
extern std::vector<uint32_t> g_runtime_args;

template <typename T> T get_arg_val(int index) {
  return static_cast<T>(g_runtime_args.at(index));
}

// One compile-time arg per accessor in this stub: the accessor's ordinal.
template <uint32_t Offset> struct TensorAccessorArgs {
  static constexpr uint32_t next_compile_time_args_offset() {
    return Offset + 1;
  }
};

struct TensorAccessor {
  uint32_t ordinal, addr, page_bytes;
  template <uint32_t Offset>
  TensorAccessor(TensorAccessorArgs<Offset>, uint32_t a, uint32_t p)
      : ordinal(Offset), addr(a), page_bytes(p) {}
};

// A fake L1 in the low 2 GiB, so the kernels' uint32_t addresses are real.
inline uint32_t stub_l1_base() {
  static void *l1 = mmap(nullptr, 1 << 21, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (l1 == MAP_FAILED)
    std::abort();
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(l1));
}

inline void cb_reserve_back(uint32_t, uint32_t) {}
inline void cb_push_back(uint32_t, uint32_t) {}
inline void cb_wait_front(uint32_t, uint32_t) {}
inline void cb_pop_front(uint32_t, uint32_t) {}
inline uint32_t get_write_ptr(uint32_t cb) {
  return stub_l1_base() + cb * 65536;
}
inline uint32_t get_read_ptr(uint32_t cb) {
  return stub_l1_base() + cb * 65536;
}

// Each access prints "<read|write> <accessor ordinal> <page id> <slot>".
inline void noc_async_read_page(uint32_t id, const TensorAccessor &t,
                                uint32_t l1) {
  std::printf("read %u %u %u\n", t.ordinal, id,
              (l1 - stub_l1_base()) % 65536 / t.page_bytes);
}
inline void noc_async_write_page(uint32_t id, const TensorAccessor &t,
                                 uint32_t l1) {
  std::printf("write %u %u %u\n", t.ordinal, id,
              (l1 - stub_l1_base()) % 65536 / t.page_bytes);
}
inline void noc_async_read_barrier() {}
inline void noc_async_write_barrier() {}
