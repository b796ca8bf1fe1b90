// tt_sim/kernel_api.hpp -- what a simulated kernel calls.
//
// The API shims under api/ (the SDK's include paths) forward to these
// functions, implemented in src/sim/kernel_api.cc. They act on the core and
// kernel of the calling thread (tt_sim::Ctx()).
#pragma once

#include <cstdint>

#include "tt_sim/vector_unit.hpp"

#include "tt_sim/cb_index.hpp"

#ifndef KERNEL_COMPILE_TIME_ARGS
#define KERNEL_COMPILE_TIME_ARGS
#endif
/// The kernel's compile-time args (the runtime compiles each kernel with
/// -DKERNEL_COMPILE_TIME_ARGS="a,b,..,"), plus a trailing 0.
constexpr uint32_t kernel_compile_time_args[] = {KERNEL_COMPILE_TIME_ARGS 0u};
constexpr uint32_t kernel_compile_time_arg_count =
    sizeof(kernel_compile_time_args) / sizeof(uint32_t) - 1;
#define get_compile_time_arg_val(i) (kernel_compile_time_args[(i)])

namespace tt_sim::kapi {
uint32_t RuntimeArg(int index);
void CbReserveBack(uint32_t cb, uint32_t n);
void CbPushBack(uint32_t cb, uint32_t n);
void CbWaitFront(uint32_t cb, uint32_t n);
void CbPopFront(uint32_t cb, uint32_t n);
uint32_t CbWritePtr(uint32_t cb);
uint32_t CbReadPtr(uint32_t cb);
/// The DRAM buffer a TensorAccessor addresses, after checking its
/// compile-time args (the release's encoding: ArgsConfig word, aligned page
/// size) and runtime address / page size against the buffer at that address.
uint32_t CheckAccessor(uint32_t cta_offset, uint32_t args_config,
                       uint32_t aligned_page_size, uint32_t addr,
                       uint32_t page_size);
void ReadPage(uint32_t buffer_id, uint32_t page, uint32_t l1_addr,
              uint32_t offset, uint32_t noc);
void WritePage(uint32_t buffer_id, uint32_t page, uint32_t l1_addr,
               uint32_t size, uint32_t offset, uint32_t noc);
void ReadBarrier();
void WriteBarrier();
/// Semaphores and core-to-core writes (noc.hpp): the L1 address of
/// semaphore `id` of this core; a NoC address of another core's L1 (or a
/// rectangle of cores); writes of `bytes` from this core's L1 there (they
/// land at the next write barrier, as noc_async_write_page's do); an atomic
/// increment (it lands at once); a wait until the word at `addr` is `value`
/// (`at_least`: >= `value`); a plain store.
uint32_t Semaphore(uint32_t id);
uint64_t NocAddr(uint32_t x, uint32_t y, uint32_t addr, uint32_t noc);
uint64_t NocMulticastAddr(uint32_t x_start, uint32_t y_start, uint32_t x_end,
                          uint32_t y_end, uint32_t addr, uint32_t noc);
void WriteL1(uint32_t l1_addr, uint64_t noc_addr, uint32_t bytes,
             uint32_t num_dests, bool multicast, bool semaphore, uint32_t noc,
             const char *what);
void SemaphoreInc(uint64_t noc_addr, uint32_t incr, uint32_t noc);
void SemaphoreWait(volatile uint32_t *addr, uint32_t value, bool at_least);
void SemaphoreSet(volatile uint32_t *addr, uint32_t value);
/// Called when a kernel returns: no transfer may still be in flight.
void CheckNoTransfersInFlight();
/// `reverse`: SrcOrder::Reverse (in0 -> SrcB, in1 -> SrcA).
void HwStartup(uint32_t in0, uint32_t in1, uint32_t out, bool reverse);
void MatmulInit(uint32_t in0, uint32_t in1, uint32_t transpose);
void MatmulBlockInit(uint32_t in0, uint32_t in1, uint32_t transpose,
                     uint32_t ct_dim, uint32_t rt_dim, uint32_t kt_dim);
void CopyInit(uint32_t cb, uint32_t transpose, uint32_t transpose_in_face);
void CopyTile(uint32_t cb, uint32_t index, uint32_t dst);
void TransposeInit(uint32_t cb);
void TransposeTile(uint32_t cb, uint32_t index, uint32_t dst);
/// An SFPU init (relu_tile_init, ...) and an SFPU op on DST[dst]
/// (vector_unit.hpp); `name` is the API call, for messages.
void SfpuSetUp(SfpuInit init);
void SfpuTile(SfpuOp op, uint32_t dst, uint32_t param, const char *name);
/// unary_bcast_init / unary_bcast; `type` is the release's BroadcastType
/// value (1 = COL, 2 = ROW).
void BcastInit(uint32_t cb, uint32_t type);
void BcastTile(uint32_t cb, uint32_t index, uint32_t dst, uint32_t type);
/// add_binary_tile: DST[out] = DST[a] + DST[b] on the SFPU.
void SfpuBinaryTile(SfpuOp op, uint32_t a, uint32_t b, uint32_t out,
                    const char *name);
/// reduce_init / reduce_tile / reduce_uninit; `type` and `dim` are the
/// release's PoolType and ReduceDim values.
void ReduceInit(uint32_t type, uint32_t dim, uint32_t icb, uint32_t scaler_cb,
                uint32_t ocb, bool is_fp32_dest_acc_en);
void ReduceTile(uint32_t type, uint32_t dim, uint32_t icb, uint32_t scaler_cb,
                uint32_t itile, uint32_t itile_scaler, uint32_t dst,
                bool is_fp32_dest_acc_en);
void ReduceUninit(uint32_t icb);
/// reconfig_data_format(srca_cb, srcb_cb): both sources' formats.
void ReconfigSrcs(uint32_t srca_cb, uint32_t srcb_cb);
/// reconfig_data_format_srca / pack_reconfig_data_format; `old_cb` < 0 for
/// the one-argument forms (always reconfigure).
void ReconfigSrcA(int64_t old_cb, uint32_t new_cb);
void PackReconfig(int64_t old_cb, uint32_t new_cb);
void TileRegsAcquire();
void TileRegsCommit();
void TileRegsWait();
void TileRegsRelease();
void MatmulTiles(uint32_t in0, uint32_t in1, uint32_t in0_index,
                 uint32_t in1_index, uint32_t dst);
void MatmulBlock(uint32_t in0, uint32_t in1, uint32_t in0_index,
                 uint32_t in1_index, uint32_t idst, uint32_t transpose,
                 uint32_t ct_dim, uint32_t rt_dim, uint32_t kt_dim);
void PackTile(uint32_t dst, uint32_t cb, uint32_t out_index,
              bool out_of_order_output, bool is_fp32_dest_acc_en);
} // namespace tt_sim::kapi

template <typename T> inline T get_arg_val(int index) {
  return static_cast<T>(tt_sim::kapi::RuntimeArg(index));
}

inline void cb_reserve_back(uint32_t cb, uint32_t n) {
  tt_sim::kapi::CbReserveBack(cb, n);
}
inline void cb_push_back(uint32_t cb, uint32_t n) {
  tt_sim::kapi::CbPushBack(cb, n);
}
inline void cb_wait_front(uint32_t cb, uint32_t n) {
  tt_sim::kapi::CbWaitFront(cb, n);
}
inline void cb_pop_front(uint32_t cb, uint32_t n) {
  tt_sim::kapi::CbPopFront(cb, n);
}
