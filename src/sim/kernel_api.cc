// The kernel-side API of the simulator (tt_sim/kernel_api.hpp): every call
// acts on the calling thread's core and is checked against the protocol.

#include <cstring>

#include "tt_sim/kernel_api.hpp"
#include "tt_sim/runtime.hpp"
#include "tt_sim/tile.hpp"

namespace tt_sim {

KernelContext &Ctx() {
  thread_local KernelContext ctx;
  return ctx;
}

void KernelFault(const std::string &what) {
  KernelContext &c = Ctx();
  std::string msg = (c.core ? c.core->Where() : std::string("host")) + " " +
                    c.name + ": " + what;
  if (c.monitor) {
    std::lock_guard<std::mutex> lock(c.monitor->mu);
    c.monitor->Fail(msg);
  }
  throw Fault(msg);
}

namespace {

CircularBuffer &CB(uint32_t id) {
  Core *core = Ctx().core;
  if (id >= kNumCBs || !core->cbs[id].configured()) {
    KernelFault("CB c_" + std::to_string(id) +
                " was not created on this core (CreateCircularBuffer)");
  }
  return core->cbs[id];
}

/// Pointer to `bytes` of this core's L1 at address `addr`, bounds-checked.
uint8_t *L1(uint32_t addr, uint32_t bytes) {
  Core *core = Ctx().core;
  const uint32_t l1_bytes = Ctx().device->arch().l1_bytes;
  if (addr < core->l1_base ||
      addr + uint64_t(bytes) > uint64_t(core->l1_base) + l1_bytes) {
    KernelFault("L1 address " + std::to_string(addr) +
                " is outside this core's L1");
  }
  return core->l1 + (addr - core->l1_base);
}

void RequireCompute(const char *what) {
  if (Ctx().name != "compute")
    KernelFault(std::string(what) + " called outside the compute kernel");
}

/// Transfers of `list` that touch the pages of `cb`.
size_t InFlight(const std::vector<PendingTransfer> &list, uint32_t cb_id) {
  const CircularBuffer &cb = CB(cb_id);
  size_t n = 0;
  for (const PendingTransfer &t : list) {
    if (t.l1_addr >= cb.base() && t.l1_addr < cb.base() + cb.bytes()) {
      ++n;
    }
  }
  return n;
}
size_t InFlightReads(uint32_t cb) { return InFlight(Ctx().reads, cb); }
size_t InFlightWrites(uint32_t cb) { return InFlight(Ctx().writes, cb); }

} // namespace

namespace kapi {

uint32_t RuntimeArg(int index) {
  const auto *args = Ctx().runtime_args;
  if (args == nullptr || index < 0 ||
      static_cast<size_t>(index) >= args->size()) {
    KernelFault("get_arg_val(" + std::to_string(index) + ") but the host set " +
                std::to_string(args ? args->size() : 0) +
                " runtime args (SetRuntimeArgs)");
  }

  return (*args)[index];
}

void CbReserveBack(uint32_t cb, uint32_t n) {
  CB(cb).reserve_back(*Ctx().monitor, n, Ctx().name);
}
void CbPushBack(uint32_t cb, uint32_t n) {
  if (size_t pending = InFlightReads(cb)) {
    KernelFault("cb_push_back on CB c_" + std::to_string(cb) + " with " +
                std::to_string(pending) +
                " NoC reads into its pages still in flight (missing "
                "noc_async_read_barrier)");
  }
  CB(cb).push_back(*Ctx().monitor, n, Ctx().name);
}
void CbWaitFront(uint32_t cb, uint32_t n) {
  CB(cb).wait_front(*Ctx().monitor, n, Ctx().name);
}
void CbPopFront(uint32_t cb, uint32_t n) {
  if (size_t pending = InFlightWrites(cb)) {
    KernelFault("cb_pop_front on CB c_" + std::to_string(cb) + " with " +
                std::to_string(pending) +
                " NoC writes from its pages still in flight (missing "
                "noc_async_write_barrier)");
  }
  CB(cb).pop_front(*Ctx().monitor, n, Ctx().name);
}
uint32_t CbWritePtr(uint32_t cb) { return CB(cb).write_ptr(); }
uint32_t CbReadPtr(uint32_t cb) { return CB(cb).read_ptr(); }

void CheckAccessor(uint32_t tag, uint32_t buffer_id, uint32_t addr,
                   uint32_t page_bytes) {
  if (tag != 0x7A5C0000u) {
    KernelFault("TensorAccessorArgs read the wrong compile-time args (tag " +
                std::to_string(tag) +
                "); check the next_compile_time_args_offset() chain");
  }
  const DramBuffer &buf = Ctx().device->buffer(buffer_id);
  if (addr != buf.base) {
    KernelFault("TensorAccessor for buffer " + std::to_string(buffer_id) +
                " got address " + std::to_string(addr) + ", the buffer is at " +
                std::to_string(buf.base));
  }
  if (page_bytes != buf.page_bytes) {
    KernelFault("TensorAccessor page size " + std::to_string(page_bytes) +
                " != buffer page size " + std::to_string(buf.page_bytes));
  }
}

// NoC transfers are asynchronous: a read lands in L1 only at the next
// noc_async_read_barrier, a write leaves L1 only at noc_async_write_barrier.
// Pushing (popping) CB pages while reads into (writes from) them are in
// flight, or finishing with transfers in flight, is reported: it is the race
// a missing barrier causes on hardware.
void ReadPage(uint32_t buffer_id, uint32_t page, uint32_t l1_addr) {
  KernelContext &c = Ctx();
  const DramBuffer &buf = c.device->buffer(buffer_id);
  uint8_t *src;
  try {
    src = c.device->Page(buf, page, "noc_async_read_page");
  } catch (const Fault &f) {
    KernelFault(f.what());
  }
  PendingTransfer t;
  t.dst = L1(l1_addr, buf.page_bytes);
  t.data.assign(src, src + buf.page_bytes);
  t.l1_addr = l1_addr;
  t.bytes = buf.page_bytes;
  c.reads.push_back(std::move(t));
  c.core->stats.tiles_read++;
  c.core->stats.noc_bytes += buf.page_bytes;
}

void WritePage(uint32_t buffer_id, uint32_t page, uint32_t l1_addr) {
  KernelContext &c = Ctx();
  const DramBuffer &buf = c.device->buffer(buffer_id);
  PendingTransfer t;
  try {
    t.dst = c.device->Page(buf, page, "noc_async_write_page");
  } catch (const Fault &f) {
    KernelFault(f.what());
  }
  t.src = L1(l1_addr, buf.page_bytes);
  t.l1_addr = l1_addr;
  t.bytes = buf.page_bytes;
  c.writes.push_back(std::move(t));
  c.core->stats.tiles_written++;
  c.core->stats.noc_bytes += buf.page_bytes;
}

void ReadBarrier() {
  for (PendingTransfer &t : Ctx().reads) {
    std::memcpy(t.dst, t.data.data(), t.bytes);
  }
  Ctx().reads.clear();
}

void WriteBarrier() {
  for (PendingTransfer &t : Ctx().writes) {
    std::memcpy(t.dst, t.src, t.bytes);
  }
  Ctx().writes.clear();
}

void CheckNoTransfersInFlight() {
  if (!Ctx().reads.empty() || !Ctx().writes.empty()) {
    KernelFault("finished with " + std::to_string(Ctx().reads.size()) +
                " NoC reads and " + std::to_string(Ctx().writes.size()) +
                " writes in flight (missing noc_async_read_barrier / "
                "noc_async_write_barrier)");
  }
}

void HwStartup(uint32_t in0, uint32_t in1, uint32_t out) {
  RequireCompute("compute_kernel_hw_startup");
  CB(in0), CB(in1), CB(out);
  Ctx().core->hw_configured = true;
}

void MatmulInit(uint32_t in0, uint32_t in1, uint32_t transpose) {
  RequireCompute("matmul_init");
  if (!Ctx().core->hw_configured)
    KernelFault("matmul_init before compute_kernel_hw_startup");
  if (transpose != 0)
    KernelFault("matmul_init with transpose is not simulated");
  CB(in0), CB(in1);
  Ctx().core->matmul_configured = true;
}

namespace {
void ExpectDst(DstState want, const char *op) {
  DstState have = Ctx().core->dst.state;
  if (have != want) {
    KernelFault(std::string(op) + " while DST is " + DstStateName(have) +
                " (needs " + DstStateName(want) + ")");
  }
}
} // namespace

void TileRegsAcquire() {
  RequireCompute("tile_regs_acquire");
  ExpectDst(DstState::kIdle, "tile_regs_acquire");
  auto &dst = Ctx().core->dst;
  for (auto &tile : dst.tiles)
    tile.fill(0.0f);
  dst.state = DstState::kMath;
}

void TileRegsCommit() {
  ExpectDst(DstState::kMath, "tile_regs_commit");
  Ctx().core->dst.state = DstState::kCommitted;
}

void TileRegsWait() {
  ExpectDst(DstState::kCommitted, "tile_regs_wait");
  Ctx().core->dst.state = DstState::kPacking;
}

void TileRegsRelease() {
  ExpectDst(DstState::kPacking, "tile_regs_release");
  Ctx().core->dst.state = DstState::kIdle;
}

void MatmulTiles(uint32_t in0, uint32_t in1, uint32_t i0, uint32_t i1,
                 uint32_t dst_index) {
  Core *core = Ctx().core;
  if (!core->matmul_configured)
    KernelFault("matmul_tiles before matmul_init");
  ExpectDst(DstState::kMath, "matmul_tiles");
  if (dst_index >= kDstTiles) {
    KernelFault("matmul_tiles into DST[" + std::to_string(dst_index) +
                "]; DST holds " + std::to_string(kDstTiles) +
                " tiles in half-sync mode");
  }
  CircularBuffer &a_cb = CB(in0);
  CircularBuffer &b_cb = CB(in1);
  uint32_t a_filled, b_filled;
  {
    std::lock_guard<std::mutex> lock(Ctx().monitor->mu);
    a_filled = a_cb.filled_pages();
    b_filled = b_cb.filled_pages();
  }
  if (i0 >= a_filled || i1 >= b_filled) {
    KernelFault("matmul_tiles reads tile " + std::to_string(i0) + " of c_" +
                std::to_string(in0) + " and tile " + std::to_string(i1) +
                " of c_" + std::to_string(in1) + " but only " +
                std::to_string(a_filled) + " and " + std::to_string(b_filled) +
                " pages are at their fronts (cb_wait_front)");
  }
  const auto *a =
      reinterpret_cast<const uint16_t *>(L1(a_cb.read_page(i0), kTileBytes));
  const auto *b =
      reinterpret_cast<const uint16_t *>(L1(b_cb.read_page(i1), kTileBytes));
  float af[kTileDim][kTileDim], bf[kTileDim][kTileDim];
  for (uint32_t r = 0; r < kTileDim; ++r) {
    for (uint32_t c = 0; c < kTileDim; ++c) {
      af[r][c] = Bf16ToFloat(a[FaceIndex(r, c)]);
      bf[r][c] = Bf16ToFloat(b[FaceIndex(r, c)]);
    }
  }
  // Row r of the product: sum[c] accumulates a[r][k] * b[k][c] for k = 0..31
  // in order (the same fp32 sums as a dot product per element), with the c
  // loop innermost so it vectorizes; then DST += the row.
  auto &acc = core->dst.tiles[dst_index];
  for (uint32_t r = 0; r < kTileDim; ++r) {
    float sum[kTileDim] = {};
    for (uint32_t k = 0; k < kTileDim; ++k) {
      const float a_rk = af[r][k];
      for (uint32_t c = 0; c < kTileDim; ++c) {
        sum[c] += a_rk * bf[k][c];
      }
    }
    for (uint32_t c = 0; c < kTileDim; ++c) {
      acc[FaceIndex(r, c)] += sum[c];
    }
  }
  core->stats.matmul_tiles++;
}

void PackTile(uint32_t dst_index, uint32_t cb, uint32_t out_index) {
  ExpectDst(DstState::kPacking, "pack_tile");
  if (dst_index >= kDstTiles)
    KernelFault("pack_tile from DST[" + std::to_string(dst_index) + "]");
  CircularBuffer &out = CB(cb);
  auto *dst =
      reinterpret_cast<uint16_t *>(L1(out.write_page(out_index), kTileBytes));
  const auto &acc = Ctx().core->dst.tiles[dst_index];
  for (uint32_t i = 0; i < kTileDim * kTileDim; ++i)
    dst[i] = FloatToBf16(acc[i]);
}

} // namespace kapi
} // namespace tt_sim
