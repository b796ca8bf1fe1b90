// The kernel-side API of the simulator (tt_sim/kernel_api.hpp): every call
// acts on the calling thread's core and is checked against the protocol.

#include <cstring>

#include "tt_sim/kernel_api.hpp"
#include "tt_sim/runtime.hpp"
#include "tt_sim/tile.hpp"

// The tile matmul is the simulator's hot loop: on x86-64 with GCC it is also
// built for AVX2 + FMA and AVX-512, the best clone chosen when the library
// loads; elsewhere the baseline build runs. Every clone computes the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TT_SIM_VECTOR_CLONES                                                   \
  __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define TT_SIM_VECTOR_CLONES
#endif

namespace tt_sim {

KernelContext &Ctx() {
  if (void *running = CoreScheduler::CurrentContext())
    return *static_cast<KernelContext *>(running);
  thread_local KernelContext outside_kernels;
  return outside_kernels;
}

void KernelFault(const std::string &what) {
  KernelContext &c = Ctx();
  std::string msg = (c.core ? c.core->Where() : std::string("host")) + " " +
                    c.name + ": " + what;
  if (c.scheduler)
    c.scheduler->Fail(msg);
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

/// Tiles in row-major fp32, unpacked from the 4-face bf16 layout.
using RowMajorTile = float[kTileDim][kTileDim];

/// Unpack a bf16 tile: face f holds rows 16 * (f / 2) .. + 15 and columns
/// 16 * (f % 2) .. + 15, each face row 16 contiguous elements. Inlined into
/// each clone of TileMatmulAccumulate, so it is vectorized for that target.
__attribute__((always_inline)) inline void Unpack(const uint16_t *tile,
                                                  RowMajorTile out) {
  for (uint32_t f = 0; f < 4; ++f) {
    const uint32_t r0 = (f / 2) * kFaceDim, c0 = (f % 2) * kFaceDim;
    for (uint32_t r = 0; r < kFaceDim; ++r) {
      const uint16_t *src = tile + f * kFaceDim * kFaceDim + r * kFaceDim;
      for (uint32_t c = 0; c < kFaceDim; ++c)
        out[r0 + r][c0 + c] = Bf16ToFloat(src[c]);
    }
  }
}

/// 16 fp32 lanes (GCC / Clang vector extension): half a tile row, one face row.
/// The helpers are always inlined into each clone, so no vector crosses a
/// call boundary and GCC's note about the AVX-512 calling convention
/// (-Wpsabi) does not apply (silenced down to TileMatmulAccumulate).
using Vec16 = float __attribute__((vector_size(16 * sizeof(float))));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
__attribute__((always_inline)) inline Vec16 Load16(const float *p) {
  Vec16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
__attribute__((always_inline)) inline void Store16(float *p, Vec16 v) {
  std::memcpy(p, &v, sizeof(v));
}

/// Output rows computed together: 4 rows x 2 half rows = 8 independent
/// accumulators, enough to keep the multiply-add units busy.
constexpr uint32_t kRowsAtOnce = 4;

/// acc (a DST tile, 4-face layout) += a @ b, for bf16 tiles a and b.
/// Element (r, c) of the product is the fp32 sum of a[r][k] * b[k][c] for
/// k = 0..31 in order, starting from 0 (vectorized across c, so the order of
/// each element's sum is that of a dot product); then DST += that sum. The
/// product of two bf16 values is exact in fp32 (unless it underflows), so a
/// fused multiply-add rounds as a multiply then an add: every clone computes
/// the same bits.
TT_SIM_VECTOR_CLONES void TileMatmulAccumulate(const uint16_t *a,
                                               const uint16_t *b, float *acc) {
  alignas(64) RowMajorTile af, bf;
  Unpack(a, af);
  Unpack(b, bf);
  for (uint32_t r0 = 0; r0 < kTileDim; r0 += kRowsAtOnce) {
    // Accumulators of rows r0..r0+3: columns 0-15 and 16-31.
    Vec16 left[kRowsAtOnce] = {}, right[kRowsAtOnce] = {};
    for (uint32_t k = 0; k < kTileDim; ++k) {
      const Vec16 b_left = Load16(&bf[k][0]);
      const Vec16 b_right = Load16(&bf[k][kFaceDim]);
#pragma GCC unroll 4
      for (uint32_t i = 0; i < kRowsAtOnce; ++i) {
        left[i] += af[r0 + i][k] * b_left;
        right[i] += af[r0 + i][k] * b_right;
      }
    }
    // Row r0 + i of DST: its left half lies in face 0 or 2, its right half
    // in face 1 or 3 (16 contiguous elements each).
#pragma GCC unroll 4
    for (uint32_t i = 0; i < kRowsAtOnce; ++i) {
      float *row_left = acc + FaceIndex(r0 + i, 0);
      float *row_right = acc + FaceIndex(r0 + i, kFaceDim);
      Store16(row_left, Load16(row_left) + left[i]);
      Store16(row_right, Load16(row_right) + right[i]);
    }
  }
}
#pragma GCC diagnostic pop

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
  CB(cb).reserve_back(*Ctx().scheduler, n, Ctx().name);
}
void CbPushBack(uint32_t cb, uint32_t n) {
  if (size_t pending = InFlightReads(cb)) {
    KernelFault("cb_push_back on CB c_" + std::to_string(cb) + " with " +
                std::to_string(pending) +
                " NoC reads into its pages still in flight (missing "
                "noc_async_read_barrier)");
  }
  CB(cb).push_back(*Ctx().scheduler, n, Ctx().name);
}
void CbWaitFront(uint32_t cb, uint32_t n) {
  CB(cb).wait_front(*Ctx().scheduler, n, Ctx().name);
}
void CbPopFront(uint32_t cb, uint32_t n) {
  if (size_t pending = InFlightWrites(cb)) {
    KernelFault("cb_pop_front on CB c_" + std::to_string(cb) + " with " +
                std::to_string(pending) +
                " NoC writes from its pages still in flight (missing "
                "noc_async_write_barrier)");
  }
  CB(cb).pop_front(*Ctx().scheduler, n, Ctx().name);
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
// noc_async_read_barrier, a write leaves L1 only at noc_async_write_barrier
// (both move their bytes there, the latest moment the hardware may).
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
  t.src = src;
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
    std::memcpy(t.dst, t.src, t.bytes);
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
  const uint32_t a_filled = a_cb.filled_pages();
  const uint32_t b_filled = b_cb.filled_pages();
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
  TileMatmulAccumulate(a, b, core->dst.tiles[dst_index].data());
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
