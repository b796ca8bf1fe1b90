// The kernel-side API of the simulator (tt_sim/kernel_api.hpp): every call
// acts on the calling thread's core and is checked against the protocol.

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "tt_sim/kernel_api.hpp"
#include "tt_sim/matrix_unit.hpp"
#include "tt_sim/noc.hpp"
#include "tt_sim/runtime.hpp"
#include "tt_sim/tile.hpp"

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

/// Pointer to `bytes` of this core's L1 at address `addr`, bounds-checked:
/// inside L1 and above the region reserved for firmware and kernel config.
uint8_t *L1(uint32_t addr, uint32_t bytes) {
  Core *core = Ctx().core;
  const ArchConfig &arch = Ctx().device->arch();
  if (addr < core->l1_base ||
      addr + uint64_t(bytes) > uint64_t(core->l1_base) + arch.l1_bytes) {
    KernelFault("L1 address " + std::to_string(addr) +
                " is outside this core's L1");
  }
  if (addr - core->l1_base < arch.l1_unreserved_base) {
    KernelFault("L1 offset " + std::to_string(addr - core->l1_base) +
                " is in the region reserved for firmware and kernel config "
                "(below " +
                std::to_string(arch.l1_unreserved_base) + ")");
  }
  return core->l1 + (addr - core->l1_base);
}

/// The CB of this core whose pages hold L1 address `addr`, or nullptr.
CircularBuffer *CBAt(uint32_t addr) {
  for (CircularBuffer &cb : Ctx().core->cbs) {
    if (cb.configured() && cb.PageFrom(addr, false) >= 0)
      return &cb;
  }
  return nullptr;
}

/// A NoC transfer of `bytes` at L1 address `addr` must cover whole pages of
/// one CB that the kernel holds: reserved ones for a read into L1 (the
/// producer's), waited-for ones for a write out of L1 (the consumer's).
void CheckCBPages(uint32_t addr, uint32_t bytes, bool into_l1,
                  const char *what) {
  CircularBuffer *cb = CBAt(addr);
  if (cb == nullptr) {
    KernelFault(std::string(what) + " at L1 offset " +
                std::to_string(addr - Ctx().core->l1_base) +
                ", which is in no circular buffer");
  }
  const int64_t page = cb->PageFrom(addr, !into_l1);
  const uint32_t held = into_l1 ? cb->reserved_pages() : cb->waited_pages();
  const uint32_t pages = (bytes + cb->page_bytes() - 1) / cb->page_bytes();
  if (uint64_t(addr) + bytes > uint64_t(cb->base()) + cb->bytes()) {
    KernelFault(std::string(what) + " of " + std::to_string(bytes) +
                " bytes runs past the end of CB c_" + std::to_string(cb->id()));
  }
  if (!cb->PageAligned(addr) || page + pages > held) {
    KernelFault(std::string(what) + " touches page " + std::to_string(page) +
                (pages > 1 ? " (+" + std::to_string(pages - 1) + ")" : "") +
                " of CB c_" + std::to_string(cb->id()) + ", but the kernel " +
                (into_l1 ? "reserved " : "waited for ") + std::to_string(held) +
                " page(s) there" +
                (cb->PageAligned(addr) ? "" : " (and not at a page start)") +
                (into_l1 ? " (cb_reserve_back)" : " (cb_wait_front)"));
  }
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

uint32_t CheckAccessor(uint32_t cta_offset, uint32_t args_config,
                       uint32_t aligned_page_size, uint32_t addr,
                       uint32_t page_size) {
  const std::string who =
      "TensorAccessorArgs<" + std::to_string(cta_offset) + ">";
  const DramBuffer *buf = Ctx().device->BufferAt(addr);
  if (buf == nullptr) {
    KernelFault("TensorAccessor at address " + std::to_string(addr) +
                ": no DRAM buffer starts there (runtime arg mix-up?)");
  }
  constexpr uint32_t kIsDram = 2; // ArgConfig::IsDram; every buffer is DRAM
  if (args_config != kIsDram) {
    KernelFault(who + " reads ArgsConfig " + std::to_string(args_config) +
                " for the DRAM buffer at " + std::to_string(addr) +
                ", which needs " + std::to_string(kIsDram) +
                " (interleaved, IsDram); check the "
                "next_compile_time_args_offset() chain against the host's "
                "append_to order");
  }
  if (aligned_page_size != buf->aligned_page()) {
    KernelFault(who + " reads page size " + std::to_string(aligned_page_size) +
                " for the buffer at " + std::to_string(addr) +
                " whose aligned page is " +
                std::to_string(buf->aligned_page()) +
                "; check the compile-time args chain");
  }
  if (page_size != buf->aligned_page()) {
    KernelFault("TensorAccessor page size " + std::to_string(page_size) +
                " != the aligned page size " +
                std::to_string(buf->aligned_page()) + " of the buffer at " +
                std::to_string(addr));
  }
  return buf->id;
}

// NoC transfers are asynchronous: a read lands in L1 only at the next
// noc_async_read_barrier, a write leaves L1 only at noc_async_write_barrier
// (both move their bytes there, the latest moment the hardware may).
// Pushing (popping) CB pages while reads into (writes from) them are in
// flight, or finishing with transfers in flight, is reported: it is the race
// a missing barrier causes on hardware.
namespace {
/// DRAM side of a page transfer: `bytes` at `offset` into page `page`, which
/// must stay inside that page.
uint8_t *DramSide(const DramBuffer &buf, uint32_t page, uint32_t offset,
                  uint32_t bytes, uint32_t noc, const char *what) {
  if (noc > 1)
    KernelFault(std::string(what) + " on NoC " + std::to_string(noc) +
                "; there are NoCs 0 and 1");
  if (uint64_t(offset) + bytes > buf.aligned_page()) {
    KernelFault(std::string(what) + " of " + std::to_string(bytes) +
                " bytes at offset " + std::to_string(offset) +
                " runs past the end of the " +
                std::to_string(buf.aligned_page()) + "-byte page");
  }
  try {
    return Ctx().device->Page(buf, page, what) + offset;
  } catch (const Fault &f) {
    KernelFault(f.what());
  }
}
} // namespace

void ReadPage(uint32_t buffer_id, uint32_t page, uint32_t l1_addr,
              uint32_t offset, uint32_t noc) {
  KernelContext &c = Ctx();
  const DramBuffer &buf = c.device->buffer(buffer_id);
  // The release reads the accessor's (aligned) page size from the page's
  // address plus `offset`.
  const uint32_t bytes = buf.aligned_page();
  PendingTransfer t;
  t.src = DramSide(buf, page, offset, bytes, noc, "noc_async_read_page");
  t.dst = L1(l1_addr, bytes);
  CheckCBPages(l1_addr, bytes, true, "noc_async_read_page into L1");
  t.l1_addr = l1_addr;
  t.bytes = bytes;
  c.reads.push_back(std::move(t));
  c.core->stats.tiles_read++;
  c.core->stats.noc_bytes += bytes;
}

void WritePage(uint32_t buffer_id, uint32_t page, uint32_t l1_addr,
               uint32_t size, uint32_t offset, uint32_t noc) {
  KernelContext &c = Ctx();
  const DramBuffer &buf = c.device->buffer(buffer_id);
  const uint32_t bytes = size != 0 ? size : buf.aligned_page();
  PendingTransfer t;
  t.dst = DramSide(buf, page, offset, bytes, noc, "noc_async_write_page");
  t.src = L1(l1_addr, bytes);
  CheckCBPages(l1_addr, bytes, false, "noc_async_write_page from L1");
  t.l1_addr = l1_addr;
  t.bytes = bytes;
  c.writes.push_back(std::move(t));
  c.core->stats.tiles_written++;
  c.core->stats.noc_bytes += bytes;
}

void ReadBarrier() {
  for (PendingTransfer &t : Ctx().reads) {
    std::memcpy(t.dst, t.src, t.bytes);
  }
  Ctx().reads.clear();
}

namespace {
/// The id of the semaphore whose slot starts at L1 `offset` of `core`, or
/// nullopt when no semaphore the program created there starts at it.
std::optional<uint32_t> SemaphoreAt(const Core &core, uint32_t offset) {
  const uint32_t base = SemaphoreBase(Ctx().device->arch());
  if (offset < base || (offset - base) % kSemaphoreStride != 0)
    return std::nullopt;
  const uint32_t id = (offset - base) / kSemaphoreStride;
  if (!core.HasSemaphore(id))
    return std::nullopt;
  return id;
}

/// A write from this core into `core`'s L1 at `offset` must hit what the
/// protocol has that core hold there: a semaphore the program created on
/// it (4 bytes, the start of its slot), or whole pages of one CB that the
/// core's producer reserved (cb_reserve_back) and has not pushed -- when
/// the write is issued and again when it lands.
void CheckRemoteL1(const Core &core, uint32_t offset, uint32_t bytes,
                   bool semaphore, const char *what) {
  const std::string where = std::string(what) + " into " + core.Where() +
                            " at L1 offset " + std::to_string(offset);
  if (semaphore) {
    if (!SemaphoreAt(core, offset) || bytes != 4) {
      KernelFault(where + ", which is no semaphore of that core (it has " +
                  std::to_string(core.semaphore_count()) +
                  "; CreateSemaphore on its cores, get_semaphore(id) for the "
                  "address)");
    }
    return;
  }
  const uint32_t addr = core.l1_base + offset;
  for (const CircularBuffer &cb : core.cbs) {
    if (!cb.configured() || cb.PageFrom(addr, false) < 0)
      continue;
    const int64_t page = cb.PageFrom(addr, false);
    const uint32_t pages = (bytes + cb.page_bytes() - 1) / cb.page_bytes();
    if (uint64_t(addr) + bytes > uint64_t(cb.base()) + cb.bytes() ||
        !cb.PageAligned(addr) || page + pages > cb.reserved_pages()) {
      KernelFault(where + " (page " + std::to_string(page) + " of CB c_" +
                  std::to_string(cb.id()) + ", " + std::to_string(pages) +
                  " page(s)), but that core reserved " +
                  std::to_string(cb.reserved_pages()) +
                  " page(s) there: a receiver must cb_reserve_back before "
                  "the data can land");
    }
    return;
  }
  KernelFault(where + ", which is in no circular buffer or semaphore there");
}

/// The offset into this core's L1 of address `addr` (the reserved region
/// included: semaphores live there).
uint32_t OwnL1Offset(uint32_t addr, uint32_t bytes, const char *what) {
  const Core &core = *Ctx().core;
  if (addr < core.l1_base ||
      uint64_t(addr) + bytes >
          uint64_t(core.l1_base) + Ctx().device->arch().l1_bytes) {
    KernelFault(std::string(what) + ": L1 address " + std::to_string(addr) +
                " is outside this core's L1 (a NoC address is made from an "
                "address of the calling core: get_write_ptr, "
                "get_semaphore)");
  }
  return addr - core.l1_base;
}

void CheckNoc(uint32_t noc, const char *what) {
  if (noc > 1)
    KernelFault(std::string(what) + " on NoC " + std::to_string(noc) +
                "; there are NoCs 0 and 1");
}

/// The cores a NoC address names: a unicast's core, or every core of a
/// multicast rectangle but the caller, checked against `num_dests`.
std::vector<Core *> Destinations(const NocAddress &a, uint32_t num_dests,
                                 uint32_t noc, const char *what) {
  Device &dev = *Ctx().device;
  const ArchConfig &arch = dev.arch();
  const std::string name = std::string(what) + " to " + NocAddressName(a);
  auto core_at = [&](uint32_t x, uint32_t y) -> Core * {
    const auto logical = LogicalOfNoc(arch, x, y);
    if (!logical) {
      // Blackhole's columns 8 and 9 are no Tensix columns; a rectangle
      // across them reaches only the Tensix cores (model). A unicast there
      // names no core.
      if (arch.blackhole && (x == 8 || x == 9) && a.multicast)
        return nullptr;
      KernelFault(name + ": NoC coordinate (" + std::to_string(x) + ", " +
                  std::to_string(y) +
                  ") is no worker core of the device (NoC coordinates come "
                  "from the host's worker_core_from_logical_core, not the "
                  "logical grid)");
    }
    return &dev.core(logical->x, logical->y);
  };
  std::vector<Core *> out;
  if (!a.multicast) {
    if (Core *c = core_at(a.x_start, a.y_start))
      out.push_back(c);
    return out;
  }
  // NoC 0 travels towards larger coordinates, NoC 1 towards smaller: a
  // rectangle starts at the corner its NoC leaves from.
  const bool forward = noc == 0;
  const bool ok = forward ? a.x_start <= a.x_end && a.y_start <= a.y_end
                          : a.x_start >= a.x_end && a.y_start >= a.y_end;
  if (!ok) {
    KernelFault(name + " on NoC " + std::to_string(noc) +
                ": the rectangle runs against the NoC's direction (NoC 0 "
                "from the smaller coordinates to the larger, NoC 1 the "
                "other way; on the chip it would wrap around)");
  }
  for (uint32_t y = std::min(a.y_start, a.y_end);
       y <= std::max(a.y_start, a.y_end); ++y) {
    for (uint32_t x = std::min(a.x_start, a.x_end);
         x <= std::max(a.x_start, a.x_end); ++x) {
      Core *c = core_at(x, y);
      if (c != nullptr && c != Ctx().core)
        out.push_back(c);
    }
  }
  if (out.empty() || out.size() != num_dests) {
    KernelFault(name + " with num_dests " + std::to_string(num_dests) +
                ", but the rectangle holds " + std::to_string(out.size()) +
                " core(s) besides the sender (num_dests counts them; the "
                "sender is not written)");
  }
  return out;
}

/// The word of this core's semaphore at `addr`, checked.
volatile uint32_t *OwnSemaphore(volatile uint32_t *addr, const char *what,
                                uint32_t *id) {
  const Core &core = *Ctx().core;
  const uint32_t a = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(addr));
  const uint32_t offset = OwnL1Offset(a, 4, what);
  const std::optional<uint32_t> found = SemaphoreAt(core, offset);
  if (!found) {
    KernelFault(std::string(what) + " at L1 offset " + std::to_string(offset) +
                ", which is no semaphore of this core (it has " +
                std::to_string(core.semaphore_count()) + ")");
  }
  *id = *found;
  return addr;
}
} // namespace

void WriteBarrier() {
  for (PendingTransfer &t : Ctx().writes) {
    if (t.remote != nullptr) {
      CheckRemoteL1(*t.remote, t.remote_offset, t.bytes, t.semaphore,
                    "a NoC write landing");
      t.remote->stats.l1_bytes_received += t.bytes;
    }
    std::memcpy(t.dst, t.src, t.bytes);
  }
  Ctx().writes.clear();
}

uint32_t Semaphore(uint32_t id) {
  const Core &core = *Ctx().core;
  if (!core.HasSemaphore(id)) {
    KernelFault("get_semaphore(" + std::to_string(id) + ") but the program " +
                "created " + std::to_string(core.semaphore_count()) +
                " semaphore(s) on this core (CreateSemaphore)");
  }
  return core.l1_base + SemaphoreBase(Ctx().device->arch()) +
         id * kSemaphoreStride;
}

uint64_t NocAddr(uint32_t x, uint32_t y, uint32_t addr, uint32_t noc) {
  CheckNoc(noc, "get_noc_addr");
  NocAddress a;
  a.x_start = a.x_end = x;
  a.y_start = a.y_end = y;
  a.l1_offset = OwnL1Offset(addr, 1, "get_noc_addr");
  return EncodeNocAddress(a);
}

uint64_t NocMulticastAddr(uint32_t x_start, uint32_t y_start, uint32_t x_end,
                          uint32_t y_end, uint32_t addr, uint32_t noc) {
  CheckNoc(noc, "get_noc_multicast_addr");
  NocAddress a;
  a.multicast = true;
  a.x_start = x_start;
  a.y_start = y_start;
  a.x_end = x_end;
  a.y_end = y_end;
  a.l1_offset = OwnL1Offset(addr, 1, "get_noc_multicast_addr");
  return EncodeNocAddress(a);
}

void WriteL1(uint32_t l1_addr, uint64_t noc_addr, uint32_t bytes,
             uint32_t num_dests, bool multicast, bool semaphore, uint32_t noc,
             const char *what) {
  KernelContext &c = Ctx();
  CheckNoc(noc, what);
  const NocAddress a = DecodeNocAddress(noc_addr);
  if (a.multicast != multicast) {
    KernelFault(std::string(what) + " with " + NocAddressName(a) +
                (a.multicast ? " (use noc_async_write_multicast)"
                             : " (get_noc_multicast_addr makes a rectangle)"));
  }
  if (semaphore) {
    uint32_t id = 0;
    OwnSemaphore(reinterpret_cast<volatile uint32_t *>(uintptr_t(l1_addr)),
                 what, &id);
  }
  const uint8_t *src = semaphore
                           ? c.core->l1 + OwnL1Offset(l1_addr, bytes, what)
                           : L1(l1_addr, bytes);
  for (Core *dst : Destinations(a, num_dests, noc, what)) {
    CheckRemoteL1(*dst, a.l1_offset, bytes, semaphore, what);
    PendingTransfer t;
    t.dst = dst->l1 + a.l1_offset;
    t.src = src;
    t.l1_addr = l1_addr;
    t.bytes = bytes;
    t.remote = dst;
    t.remote_offset = a.l1_offset;
    t.semaphore = semaphore;
    c.writes.push_back(std::move(t));
  }
  c.core->stats.l1_bytes_sent += bytes;
}

void SemaphoreInc(uint64_t noc_addr, uint32_t incr, uint32_t noc) {
  CheckNoc(noc, "noc_semaphore_inc");
  const NocAddress a = DecodeNocAddress(noc_addr);
  if (a.multicast)
    KernelFault("noc_semaphore_inc to a multicast " + NocAddressName(a));
  for (Core *dst : Destinations(a, 1, noc, "noc_semaphore_inc")) {
    CheckRemoteL1(*dst, a.l1_offset, 4, true, "noc_semaphore_inc");
    uint32_t word;
    std::memcpy(&word, dst->l1 + a.l1_offset, 4);
    word += incr; // 32-bit wrap, as the release's atomic
    std::memcpy(dst->l1 + a.l1_offset, &word, 4);
    Ctx().core->stats.l1_bytes_sent += 4;
    dst->stats.l1_bytes_received += 4;
  }
}

void SemaphoreWait(volatile uint32_t *addr, uint32_t value, bool at_least) {
  const char *what = at_least ? "noc_semaphore_wait_min" : "noc_semaphore_wait";
  uint32_t id = 0;
  OwnSemaphore(addr, what, &id);
  KernelContext &c = Ctx();
  c.scheduler->Wait([&] { return at_least ? *addr >= value : *addr == value; },
                    [&] {
                      return c.core->Where() + " " + c.name + ": " + what +
                             "(semaphore " + std::to_string(id) + ", " +
                             std::to_string(value) + ") reads " +
                             std::to_string(*addr);
                    });
}

void SemaphoreSet(volatile uint32_t *addr, uint32_t value) {
  uint32_t id = 0;
  *OwnSemaphore(addr, "noc_semaphore_set", &id) = value;
}

void CheckNoTransfersInFlight() {
  if (!Ctx().reads.empty() || !Ctx().writes.empty()) {
    KernelFault("finished with " + std::to_string(Ctx().reads.size()) +
                " NoC reads and " + std::to_string(Ctx().writes.size()) +
                " writes in flight (missing noc_async_read_barrier / "
                "noc_async_write_barrier)");
  }
}

// Data formats and the unpacker's op: tt_sim/data_format.hpp.
namespace {
std::string CBName(uint32_t cb) {
  return "c_" + std::to_string(cb) + " (" + FormatName(CB(cb).format()) + ")";
}

/// A CB a tile op unpacks from or packs into holds whole tiles of its format.
void CheckTilePages(uint32_t cb, const char *op) {
  const CircularBuffer &b = CB(cb);
  if (b.page_bytes() != TileBytesOf(b.format())) {
    KernelFault(std::string(op) + " on CB " + CBName(cb) + " whose pages are " +
                std::to_string(b.page_bytes()) + " bytes; a " +
                FormatName(b.format()) + " tile is " +
                std::to_string(TileBytesOf(b.format())));
  }
}

EngineConfig &Engines(const char *op) {
  RequireCompute(op);
  EngineConfig &e = Ctx().core->engines;
  if (!e.hw_configured)
    KernelFault(std::string(op) + " before compute_kernel_hw_startup");
  return e;
}

/// The release's PoolType and ReduceDim values the simulator models.
constexpr uint32_t kPoolSum = 0, kPoolMax = 2, kReduceRow = 0, kReduceCol = 1;

/// reduce_init's / reduce_tile's template arguments, for messages.
std::string ReduceName(uint32_t type, uint32_t dim) {
  static const char *types[] = {"SUM", "AVG", "MAX", "MIN"};
  static const char *dims[] = {"REDUCE_ROW", "REDUCE_COL", "REDUCE_SCALAR"};
  return std::string("<PoolType::") + (type < 4 ? types[type] : "?") +
         ", ReduceDim::" + (dim < 3 ? dims[dim] : "?") + ">";
}

/// What the unpacker is set up for, for messages.
std::string UnpackerOp(const EngineConfig &e) {
  switch (e.op) {
  case EngineConfig::Op::kMatmul:
    return "matmul_tiles on c_" + std::to_string(e.in0) + ", c_" +
           std::to_string(e.in1) + " (matmul_init)";
  case EngineConfig::Op::kCopy:
    return "copy_tile from c_" + std::to_string(e.in0) + " (copy_init)";
  case EngineConfig::Op::kTranspose:
    return "transpose_tile from c_" + std::to_string(e.in0) +
           " (transpose_init)";
  case EngineConfig::Op::kBcast:
    return "unary_bcast<" + std::string(e.bcast == 1 ? "COL" : "ROW") +
           "> from c_" + std::to_string(e.in0) + " (unary_bcast_init)";
  case EngineConfig::Op::kSfpu:
    return std::string("an SFPU op (") + SfpuInitName(e.sfpu) +
           ", which reprograms state the FPU ops use)";
  case EngineConfig::Op::kReduce:
    return "reduce_tile" + ReduceName(e.reduce_type, e.reduce_dim) + " on c_" +
           std::to_string(e.in0) + ", c_" + std::to_string(e.in1) +
           " (reduce_init)";
  case EngineConfig::Op::kNone:
    break;
  }
  return "no op";
}

/// The format the unpacker feeds a source register with must be the CB's.
void CheckSrcFormat(Format configured, uint32_t cb, const char *src,
                    const char *op) {
  if (configured != CB(cb).format()) {
    KernelFault(std::string(op) + " unpacks CB " + CBName(cb) + " into " + src +
                ", which is configured for " + FormatName(configured) +
                " (compute_kernel_hw_startup / reconfig_data_format)");
  }
}
} // namespace

namespace {
/// The unpackers feed SrcA from `srca_cb`'s format (straight to DST for an
/// UnpackToDestFp32 CB) and SrcB from `srcb_cb`'s.
void SetSourceFormats(EngineConfig &e, uint32_t srca_cb, uint32_t srcb_cb) {
  e.srca = CB(srca_cb).format();
  e.srca_to_dest = e.unpack_to_dest_fp32[srca_cb];
  e.srcb = CB(srcb_cb).format();
  e.srcb_to_dest = e.unpack_to_dest_fp32[srcb_cb];
}
} // namespace

void HwStartup(uint32_t in0, uint32_t in1, uint32_t out, bool reverse) {
  RequireCompute("compute_kernel_hw_startup");
  EngineConfig &e = Ctx().core->engines;
  SetSourceFormats(e, reverse ? in1 : in0, reverse ? in0 : in1);
  e.pack = CB(out).format();
  e.op = EngineConfig::Op::kNone;
  e.sfpu = SfpuInit::kNone;
  e.hw_configured = true;
  // 16-bit DST holds what the sources hold (SrcASrcB.md): FP16 for Float16.
  Ctx().core->dst.mode.fp16 = IsExpAFormat(e.srca);
}

void MatmulInit(uint32_t in0, uint32_t in1, uint32_t transpose) {
  EngineConfig &e = Engines("matmul_init");
  e.ct_dim = e.rt_dim = e.kt_dim = 1;
  e.sfpu = SfpuInit::kNone; // an FPU init reprograms what SFPU ops use
  CB(in0), CB(in1);
  e.transpose_in1 = transpose != 0;
  e.op = EngineConfig::Op::kMatmul;
  e.in0 = in0;
  e.in1 = in1;
}

void CopyInit(uint32_t cb, uint32_t transpose, uint32_t transpose_in_face) {
  EngineConfig &e = Engines("copy_init");
  e.sfpu = SfpuInit::kNone; // an FPU init reprograms what SFPU ops use
  if (transpose != 0 || transpose_in_face != 0)
    KernelFault("copy_init with transpose is not simulated");
  CB(cb);
  e.op = EngineConfig::Op::kCopy;
  e.in0 = cb;
  e.transpose_in1 = false;
}

void TransposeInit(uint32_t cb) {
  EngineConfig &e = Engines("transpose_init");
  e.sfpu = SfpuInit::kNone; // an FPU init reprograms what SFPU ops use
  CB(cb);
  e.op = EngineConfig::Op::kTranspose;
  e.in0 = cb;
  e.transpose_in1 = false;
}

void BcastInit(uint32_t cb, uint32_t type) {
  EngineConfig &e = Engines("unary_bcast_init");
  e.sfpu = SfpuInit::kNone; // an FPU init reprograms what SFPU ops use
  if (type != 1 && type != 2)
    KernelFault("unary_bcast_init<BroadcastType " + std::to_string(type) +
                ">: only COL and ROW are simulated");
  CB(cb);
  e.op = EngineConfig::Op::kBcast;
  e.in0 = cb;
  e.bcast = type;
  e.transpose_in1 = false;
}

void SfpuSetUp(SfpuInit init) {
  EngineConfig &e = Engines(SfpuInitName(init));
  e.sfpu = init;
  e.op = EngineConfig::Op::kSfpu;
}

void ReconfigSrcA(int64_t old_cb, uint32_t new_cb) {
  EngineConfig &e = Engines("reconfig_data_format_srca");
  const Format next = CB(new_cb).format();
  // The release compares the CBs' unpack source and destination formats;
  // UnpackToDestFp32 changes the destination of a Float32 CB.
  auto key = [&](uint32_t cb) {
    return std::pair{CB(cb).format(), e.unpack_to_dest_fp32[cb]};
  };
  if (old_cb < 0 || key(static_cast<uint32_t>(old_cb)) != key(new_cb)) {
    e.srca = next;
    e.srca_to_dest = e.unpack_to_dest_fp32[new_cb];
  }
}

void PackReconfig(int64_t old_cb, uint32_t new_cb) {
  EngineConfig &e = Engines("pack_reconfig_data_format");
  const Format next = CB(new_cb).format();
  if (old_cb < 0 || CB(static_cast<uint32_t>(old_cb)).format() != next)
    e.pack = next;
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
  for (uint32_t i = 0; i < dst.mode.capacity(); ++i) {
    dst.tiles[i].fill(0.0f);
    dst.undefined[i] = true;
  }
  dst.state = DstState::kMath;
}

namespace {
/// A DST tile index the current mode has room for.
void CheckDstIndex(uint32_t index, const char *op) {
  const DstMode &mode = Ctx().core->dst.mode;
  if (index >= mode.capacity()) {
    KernelFault(std::string(op) + " uses DST[" + std::to_string(index) +
                "]; DST holds " + std::to_string(mode.capacity()) +
                " tiles in this mode (" + mode.name() +
                "; ComputeConfig fp32_dest_acc_en / dst_full_sync_en)");
  }
}
} // namespace

namespace {
/// With 16-bit DST, a tile op moving `format` data in or out of DST needs DST
/// to hold that format: BF16 for Float16_b, FP16 for Float16 (the source
/// formats set it; the JIT never mixes the two in one program).
void CheckDst16Format(Format format, const char *op) {
  const DstMode &mode = Ctx().core->dst.mode;
  if (mode.fp32_dest_acc_en)
    return;
  if ((format == Format::kFloat16) != mode.fp16) {
    KernelFault(std::string(op) + " moves " + FormatName(format) +
                " data, but 16-bit DST holds " + (mode.fp16 ? "FP16" : "BF16") +
                " (the source formats of compute_kernel_hw_startup)");
  }
}
} // namespace

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

namespace {
/// Tile i0 of CB in0 and tile i1 of in1 are among the pages the compute
/// kernel itself waited for: on the chip the unpacker reads whatever is at
/// the front, filled or not.
void CheckWaitedFor(const std::string &name, uint32_t in0, uint32_t i0,
                    uint32_t in1, uint32_t i1) {
  const uint32_t a_waited = CB(in0).waited_pages();
  const uint32_t b_waited = CB(in1).waited_pages();
  if (i0 >= a_waited || i1 >= b_waited) {
    KernelFault(name + " reads tile " + std::to_string(i0) + " of c_" +
                std::to_string(in0) + " and tile " + std::to_string(i1) +
                " of c_" + std::to_string(in1) + " but the kernel waited for " +
                std::to_string(a_waited) + " and " + std::to_string(b_waited) +
                " pages at their fronts (cb_wait_front)");
  }
}

/// The unpacker and FPU are set up for a matmul of in0 by in1 (`init`: the
/// call that sets them up).
EngineConfig &MatmulEngines(const char *name, const char *init, uint32_t in0,
                            uint32_t in1) {
  EngineConfig &e = Engines(name);
  if (e.op != EngineConfig::Op::kMatmul || e.in0 != in0 || e.in1 != in1) {
    KernelFault(std::string(name) + "(c_" + std::to_string(in0) + ", c_" +
                std::to_string(in1) + ") but the unpacker is set up for " +
                UnpackerOp(e) + "; call " + init + "(c_" + std::to_string(in0) +
                ", c_" + std::to_string(in1) + ") first");
  }
  return e;
}

/// One tile product of matmul_tiles / matmul_block (`name`), with their
/// checks: DST[dst_index] += tile i0 of in0 @ tile i1 of in1.
void MatmulProduct(const char *name, const EngineConfig &e, uint32_t in0,
                   uint32_t in1, uint32_t i0, uint32_t i1, uint32_t dst_index) {
  Core *core = Ctx().core;
  // Matmul unpacks in0 into SrcB and in1 into SrcA.
  CheckSrcFormat(e.srcb, in0, "SrcB", name);
  CheckSrcFormat(e.srca, in1, "SrcA", name);
  for (uint32_t cb : {in0, in1}) {
    CheckTilePages(cb, name);
    if (CB(cb).format() != Format::kFloat32)
      continue;
    // A Float32 operand unpacks to TF32 in its source register, which the
    // LLK allows only with fp32 DST; an UnpackToDestFp32 CB would not.
    if (!Ctx().core->dst.mode.fp32_dest_acc_en)
      KernelFault(std::string(name) + " on Float32 CB c_" + std::to_string(cb) +
                  " with 16-bit DST: TF32 sources need fp32_dest_acc_en");
    if (e.unpack_to_dest_fp32[cb])
      KernelFault(std::string(name) + " on Float32 CB c_" + std::to_string(cb) +
                  ", whose unpack_to_dest_mode is UnpackToDestFp32: it would "
                  "bypass the source registers");
    // Beside a Float16 CB the JIT's conditional unpack format is Float16,
    // not TF32: the unpacker's FP32 -> FP16 conversion, whose rounding and
    // range the ISA pages do not give.
    if (core->float16_cb >= 0)
      KernelFault(std::string(name) + " on Float32 CB c_" + std::to_string(cb) +
                  " beside Float16 CB c_" + std::to_string(core->float16_cb) +
                  ": TT-Metalium's JIT unpacks a Float32 CB into the source "
                  "registers as Float16 in such a program (not TF32), a "
                  "conversion not simulated");
  }
  if (e.srca_to_dest) {
    KernelFault(std::string(name) +
                " with SrcA's unpacker set up to unpack straight "
                "to DST (an UnpackToDestFp32 CB); reconfig_data_format_srca "
                "to c_" +
                std::to_string(in1) + " first");
  }
  if (e.srcb_to_dest) {
    KernelFault(std::string(name) +
                " with SrcB's unpacker set up to unpack straight to DST (an "
                "UnpackToDestFp32 CB); reconfig_data_format to c_" +
                std::to_string(in1) + " and c_" + std::to_string(in0) +
                " first");
  }
  if (CB(in0).format() != CB(in1).format()) {
    KernelFault(std::string(name) + " multiplies " + CBName(in0) + " by " +
                CBName(in1) + "; the matrix unit needs one source format");
  }
  CheckDst16Format(CB(in0).format(), name);
  ExpectDst(DstState::kMath, name);
  CheckDstIndex(dst_index, name);
  CircularBuffer &a_cb = CB(in0);
  CircularBuffer &b_cb = CB(in1);
  CheckWaitedFor(name, in0, i0, in1, i1);
  const Format fa = a_cb.format(), fb = b_cb.format();
  const uint8_t *a = L1(a_cb.read_page(i0), TileBytesOf(fa));
  const uint8_t *b = L1(b_cb.read_page(i1), TileBytesOf(fb));
  if (e.transpose_in1) {
    // The unpacker transposes the faces and each face: the tile's transpose.
    const uint32_t size = TileBytesOf(fb) / (kTileDim * kTileDim);
    uint8_t bt[4 * kTileDim * kTileDim];
    for (uint32_t r = 0; r < kTileDim; ++r)
      for (uint32_t c = 0; c < kTileDim; ++c)
        std::memcpy(bt + FaceIndex(r, c) * size, b + FaceIndex(c, r) * size,
                    size);
    MatmulTile(a, fa, bt, fb, core->dst.tiles[dst_index].data(),
               core->dst.mode);
  } else {
    MatmulTile(a, fa, b, fb, core->dst.tiles[dst_index].data(), core->dst.mode);
  }
  core->dst.undefined[dst_index] = false;
  core->stats.matmul_tiles++;
}
} // namespace

void MatmulTiles(uint32_t in0, uint32_t in1, uint32_t i0, uint32_t i1,
                 uint32_t dst_index) {
  const EngineConfig &e =
      MatmulEngines("matmul_tiles", "matmul_init", in0, in1);
  if (e.ct_dim != 1 || e.rt_dim != 1) {
    KernelFault("matmul_tiles but matmul_block_init set the unpacker and FPU "
                "up for " +
                std::to_string(e.rt_dim) + " x " + std::to_string(e.ct_dim) +
                "-tile sub-blocks (rt_dim x ct_dim); call matmul_init first");
  }
  MatmulProduct("matmul_tiles", e, in0, in1, i0, i1, dst_index);
  // Each call unpacks its tile of in0 into SrcB and its tile of in1 into SrcA.
  Ctx().core->stats.unpacked_bytes +=
      TileBytesOf(CB(in0).format()) + TileBytesOf(CB(in1).format());
}

void MatmulBlockInit(uint32_t in0, uint32_t in1, uint32_t transpose,
                     uint32_t ct_dim, uint32_t rt_dim, uint32_t kt_dim) {
  if (ct_dim < 1 || rt_dim < 1 || kt_dim < 1 || ct_dim > 16 || rt_dim > 16) {
    KernelFault("matmul_block_init(c_" + std::to_string(in0) + ", c_" +
                std::to_string(in1) +
                ", ..., ct_dim = " + std::to_string(ct_dim) +
                ", rt_dim = " + std::to_string(rt_dim) +
                ", kt_dim = " + std::to_string(kt_dim) +
                "): the release allows ct_dim and rt_dim of 1 to 16 and a "
                "positive kt_dim");
  }
  MatmulInit(in0, in1, transpose);
  EngineConfig &e = Ctx().core->engines;
  e.ct_dim = ct_dim;
  e.rt_dim = rt_dim;
  e.kt_dim = kt_dim;
}

void MatmulBlock(uint32_t in0, uint32_t in1, uint32_t i0, uint32_t i1,
                 uint32_t idst, uint32_t transpose, uint32_t ct_dim,
                 uint32_t rt_dim, uint32_t kt_dim) {
  const EngineConfig &e =
      MatmulEngines("matmul_block", "matmul_block_init", in0, in1);
  if (ct_dim != e.ct_dim || rt_dim != e.rt_dim || kt_dim != e.kt_dim ||
      (transpose != 0) != e.transpose_in1) {
    KernelFault("matmul_block(..., transpose = " + std::to_string(transpose) +
                ", ct_dim = " + std::to_string(ct_dim) +
                ", rt_dim = " + std::to_string(rt_dim) +
                ", kt_dim = " + std::to_string(kt_dim) +
                ") but the unpacker and FPU are set up for transpose = " +
                std::to_string(e.transpose_in1 ? 1 : 0) +
                ", ct_dim = " + std::to_string(e.ct_dim) +
                ", rt_dim = " + std::to_string(e.rt_dim) +
                ", kt_dim = " + std::to_string(e.kt_dim) +
                " (matmul_init / matmul_block_init); they must be equal");
  }
  CheckDstIndex(idst + rt_dim * ct_dim - 1, "matmul_block");
  // The release's order (llk_math_matmul.h): output tile (r, c) is
  // A's tile i0 + r * kt_dim times B's i1 + c into DST[idst + r * ct + c].
  for (uint32_t r = 0; r < rt_dim; ++r)
    for (uint32_t c = 0; c < ct_dim; ++c)
      MatmulProduct("matmul_block", e, in0, in1, i0 + r * kt_dim, i1 + c,
                    idst + r * ct_dim + c);
  // The unpacker (llk_unpack_AB_matmul.h) reuses one operand: with
  // ct_dim >= rt_dim A's rt tiles, else B's ct tiles, each unpacked once,
  // two at a time into the source register's two banks; for each pair (or
  // last single) it streams the other operand's tiles once (its MOP).
  const uint64_t a = TileBytesOf(CB(in0).format());
  const uint64_t b = TileBytesOf(CB(in1).format());
  const bool reuse_a = ct_dim >= rt_dim;
  const uint64_t reused = reuse_a ? rt_dim : ct_dim;
  const uint64_t streamed = reuse_a ? ct_dim : rt_dim;
  Ctx().core->stats.unpacked_bytes +=
      reused * (reuse_a ? a : b) +
      (reused + 1) / 2 * streamed * (reuse_a ? b : a);
}

namespace {
/// The packer's edge mask after reduce_init: every datum of a packed tile
/// but column 0 of each row (REDUCE_ROW, `dim` 0) or row 0 of each column
/// (REDUCE_COL, 1) is written as zero.
void MaskReduced(void *tile, uint32_t datum_bytes, int dim) {
  auto *bytes = static_cast<uint8_t *>(tile);
  for (uint32_t r = 0; r < kTileDim; ++r)
    for (uint32_t c = 0; c < kTileDim; ++c)
      if (dim == 0 ? c != 0 : r != 0)
        std::memset(bytes + FaceIndex(r, c) * datum_bytes, 0, datum_bytes);
}
} // namespace

void PackTile(uint32_t dst_index, uint32_t cb, uint32_t out_index,
              bool out_of_order_output, bool is_fp32_dest_acc_en) {
  ExpectDst(DstState::kPacking, "pack_tile");
  CheckDstIndex(dst_index, "pack_tile");
  const DstMode &mode = Ctx().core->dst.mode;
  if (is_fp32_dest_acc_en != mode.fp32_dest_acc_en) {
    KernelFault(std::string("pack_tile<..., is_fp32_dest_acc_en = ") +
                (is_fp32_dest_acc_en ? "true" : "false") + "> but DST is in " +
                mode.name() + " mode");
  }
  CircularBuffer &out = CB(cb);
  const EngineConfig &e = Engines("pack_tile");
  if (e.pack != out.format()) {
    KernelFault("pack_tile into CB " + CBName(cb) +
                " but the packer is configured for " + FormatName(e.pack) +
                " (compute_kernel_hw_startup / pack_reconfig_data_format)");
  }
  CheckTilePages(cb, "pack_tile");
  if (out.format() != Format::kFloat32) {
    CheckDst16Format(out.format(), "pack_tile");
  }
  // The release's pack.h: in order, output_tile_index ignored, unless
  // out_of_order_output.
  const uint32_t page = out_of_order_output ? out_index : out.next_pack_page();
  if (page >= out.reserved_pages()) {
    KernelFault("pack_tile into page " + std::to_string(page) + " of CB c_" +
                std::to_string(cb) + " but the kernel reserved " +
                std::to_string(out.reserved_pages()) + " (cb_reserve_back)");
  }
  const auto &acc = Ctx().core->dst.tiles[dst_index];
  uint8_t *page_bytes = L1(out.write_page(page), out.page_bytes());
  Ctx().core->stats.packed_bytes += out.page_bytes();
  if (out.format() == Format::kFloat32) {
    // DST's values as they are: fp32 DST's exactly, 16-bit DST's bf16 values
    // widened (README: the packer's Float32 output).
    std::memcpy(page_bytes, acc.data(), TileBytesOf(Format::kFloat32));
    if (e.pack_mask >= 0)
      MaskReduced(page_bytes, 4, e.pack_mask);
    return;
  }
  auto *dst = reinterpret_cast<uint16_t *>(page_bytes);
  const bool fp16 = out.format() == Format::kFloat16;
  for (uint32_t i = 0; i < kTileDim * kTileDim; ++i)
    dst[i] = fp16 ? PackToFp16(acc[i], mode) : PackToBf16(acc[i], mode);
  if (e.pack_mask >= 0)
    MaskReduced(dst, 2, e.pack_mask);
}

namespace {
/// What copy_tile and transpose_tile check before they unpack tile `index`
/// of `cb` into DST[dst_index]: the unpacker is set up for `op` on that CB
/// (by `init`), DST is math's, the index fits DST and the kernel waited for
/// the tile; the CB's format is SrcA's. Returns the CB.
CircularBuffer &UnpackToDst(EngineConfig::Op op, const char *name,
                            const char *init, uint32_t cb, uint32_t index,
                            uint32_t dst_index) {
  EngineConfig &e = Engines(name);
  if (e.op != op || e.in0 != cb) {
    KernelFault(std::string(name) + " from c_" + std::to_string(cb) +
                " but the unpacker is set up for " + UnpackerOp(e) + "; call " +
                init + "(c_" + std::to_string(cb) + ") first");
  }
  ExpectDst(DstState::kMath, name);
  CheckDstIndex(dst_index, name);
  CheckTilePages(cb, name);
  CircularBuffer &in = CB(cb);
  if (index >= in.waited_pages()) {
    KernelFault(std::string(name) + " reads tile " + std::to_string(index) +
                " of c_" + std::to_string(cb) + " but the kernel waited for " +
                std::to_string(in.waited_pages()) +
                " pages at its front (cb_wait_front)");
  }
  CheckSrcFormat(e.srca, cb, "SrcA", name);
  Ctx().core->stats.unpacked_bytes += in.page_bytes();
  Ctx().core->dst.undefined[dst_index] = false;
  return in;
}

/// A bf16 value moved from SrcA into DST (the release's A2D datacopy):
/// exact; into fp32 DST the move is an FPU add of a zero SrcB, so -0.0
/// arrives as +0.0 (README).
float Bf16IntoDst(uint16_t v, const DstMode &mode) {
  const float f = Bf16ToFloat(v);
  return mode.fp32_dest_acc_en && f == 0.0f ? 0.0f : f;
}

/// A Float32 tile `op` moves into DST (copy_tile, unary_bcast) takes the
/// release's unpack-to-DST path, exact (README): only from an
/// UnpackToDestFp32 CB into fp32 DST, with SrcA's unpacker set up from such
/// a CB. Through `reg` it would keep TF32 at most, which is not simulated.
void RequireUnpackToDest(const char *op, uint32_t cb, const char *reg) {
  const EngineConfig &e = Ctx().core->engines;
  if (!e.unpack_to_dest_fp32[cb] || !Ctx().core->dst.mode.fp32_dest_acc_en) {
    KernelFault(std::string(op) + " from Float32 CB c_" + std::to_string(cb) +
                " through " + reg +
                ", which keeps TF32 at most (not simulated); set "
                "ComputeConfig::unpack_to_dest_mode[c_" +
                std::to_string(cb) +
                "] = UnpackToDestFp32 with fp32_dest_acc_en");
  }
  if (!e.srca_to_dest) {
    KernelFault(std::string(op) + " from c_" + std::to_string(cb) +
                " (UnpackToDestFp32) while SrcA's unpacker is set up for a CB "
                "through the source registers; reconfig_data_format_srca to "
                "c_" +
                std::to_string(cb) + " first");
  }
}
} // namespace

void CopyTile(uint32_t cb, uint32_t index, uint32_t dst_index) {
  CircularBuffer &in = UnpackToDst(EngineConfig::Op::kCopy, "copy_tile",
                                   "copy_init", cb, index, dst_index);
  Core *core = Ctx().core;
  const DstMode &mode = core->dst.mode;
  auto &tile = core->dst.tiles[dst_index];
  const uint8_t *src = L1(in.read_page(index), in.page_bytes());
  if (in.format() == Format::kFloat32) {
    RequireUnpackToDest("copy_tile", cb, "SrcA");
    std::memcpy(tile.data(), src, TileBytesOf(Format::kFloat32));
    return;
  }
  if (in.format() == Format::kFloat16) {
    // fp16 moves exactly into DST of either mode as the coprocessor reads
    // it (exponent 31 finite), an exponent-0 datum as +0 (the move's zero
    // flag; README).
    CheckDst16Format(Format::kFloat16, "copy_tile");
    const auto *fp16 = reinterpret_cast<const uint16_t *>(src);
    for (uint32_t i = 0; i < kTileDim * kTileDim; ++i) {
      const float v = Fp16ToFloat(fp16[i]);
      tile[i] = v == 0.0f ? 0.0f : v;
    }
    return;
  }
  CheckDst16Format(Format::kFloat16_b, "copy_tile");
  // bf16 is exact in SrcA and in DST of either mode (but for zero's sign).
  const auto *bf16 = reinterpret_cast<const uint16_t *>(src);
  for (uint32_t i = 0; i < kTileDim * kTileDim; ++i)
    tile[i] = Bf16IntoDst(bf16[i], mode);
}

namespace {
/// The bf16 values of tile `index` of `in` (CB `cb`) for an op that moves
/// them into DST through a source register: a 32-bit tile takes the
/// release's unpack-to-DST path, which is not simulated for `op`.
const uint16_t *Bf16Tile(CircularBuffer &in, uint32_t cb, uint32_t index,
                         const char *op) {
  if (in.format() != Format::kFloat16_b) {
    KernelFault(std::string(op) + " from " + FormatName(in.format()) +
                " CB c_" + std::to_string(cb) +
                ": only bf16 tiles are simulated (a 32-bit tile takes the "
                "release's unpack-to-DST path; an fp16 one cannot be moved "
                "into fp32 DST by MOVB2D)");
  }
  return reinterpret_cast<const uint16_t *>(
      L1(in.read_page(index), kTileBytes));
}
} // namespace

void TransposeTile(uint32_t cb, uint32_t index, uint32_t dst_index) {
  CircularBuffer &in =
      UnpackToDst(EngineConfig::Op::kTranspose, "transpose_tile",
                  "transpose_init", cb, index, dst_index);
  const uint16_t *bf16 = Bf16Tile(in, cb, index, "transpose_tile");
  auto &tile = Ctx().core->dst.tiles[dst_index];
  const DstMode &mode = Ctx().core->dst.mode;
  // The unpacker transposes the faces and each face: the tile's transpose.
  // bf16 is exact in SrcA and DST (but for zero's sign in fp32 DST); whether
  // this init substitutes zeros for denormals is not modelled, so a denormal
  // is a fault, not a guess.
  for (uint32_t r = 0; r < kTileDim; ++r) {
    for (uint32_t c = 0; c < kTileDim; ++c) {
      const uint16_t v = bf16[FaceIndex(c, r)];
      if ((v & 0x7f80u) == 0 && (v & 0x007fu) != 0) {
        KernelFault("transpose_tile of a denormal bf16 value (tile " +
                    std::to_string(index) + " of c_" + std::to_string(cb) +
                    "): not simulated");
      }
      tile[FaceIndex(r, c)] = Bf16IntoDst(v, mode);
    }
  }
}

void BcastTile(uint32_t cb, uint32_t index, uint32_t dst_index, uint32_t type) {
  CircularBuffer &in = UnpackToDst(EngineConfig::Op::kBcast, "unary_bcast",
                                   "unary_bcast_init", cb, index, dst_index);
  const EngineConfig &e = Ctx().core->engines;
  const char *name = type == 1 ? "COL" : "ROW";
  if (e.bcast != type) {
    KernelFault(std::string("unary_bcast<BroadcastType::") + name +
                "> but unary_bcast_init set the unpacker up for " +
                UnpackerOp(e));
  }
  auto &tile = Ctx().core->dst.tiles[dst_index];
  const DstMode &mode = Ctx().core->dst.mode;
  if (in.format() == Format::kFloat32) {
    // 32-bit tiles broadcast through the unpack-to-DST path: exact fp32.
    RequireUnpackToDest("unary_bcast", cb, "SrcB");
    const auto *fp32 = reinterpret_cast<const float *>(
        L1(in.read_page(index), TileBytesOf(Format::kFloat32)));
    for (uint32_t r = 0; r < kTileDim; ++r)
      for (uint32_t c = 0; c < kTileDim; ++c)
        tile[FaceIndex(r, c)] =
            fp32[type == 1 ? FaceIndex(r, 0) : FaceIndex(0, c)];
    return;
  }
  const uint16_t *bf16 = Bf16Tile(in, cb, index, "unary_bcast");
  for (uint32_t r = 0; r < kTileDim; ++r) {
    for (uint32_t c = 0; c < kTileDim; ++c) {
      const uint16_t v = bf16[type == 1 ? FaceIndex(r, 0) : FaceIndex(0, c)];
      tile[FaceIndex(r, c)] = Bf16IntoDst(v, mode);
    }
  }
}

namespace {
/// The Vector Unit runs a tile as 32 iterations of its 32 lanes
/// (VectorUnit.md: 32 lanes; the release's SFPU loops: 8 iterations a face,
/// 4 faces).
constexpr uint32_t kSfpuIterationsPerTile = kTileDim * kTileDim / 32;

/// One tile op's Vector Unit cycles: each iteration issues its loads from
/// DST (SFPLOAD), the routine's instructions and one store (SFPSTORE), one
/// instruction a cycle (VectorUnit.md). The math RISC-V issues a routine's
/// every instruction whatever its lanes' condition flags, so each iteration
/// costs at least what the tile's busiest datum stepped through (`issued`:
/// the most sfpu_isa.hpp instructions any datum ran). A lower bound: the
/// condition-code instructions around a `v_if`, constant loads, integer
/// steps the routines compute in plain C++ and a dependent SFPMAD's second
/// cycle of latency are not counted.
void AddSfpuCycles(uint32_t issued, uint32_t loads) {
  Ctx().core->stats.sfpu_cycles +=
      uint64_t(kSfpuIterationsPerTile) * (loads + issued + 1);
}
} // namespace

void SfpuBinaryTile(SfpuOp op, uint32_t a, uint32_t b, uint32_t out,
                    const char *name) {
  EngineConfig &e = Engines(name);
  ExpectDst(DstState::kMath, name);
  CheckDstIndex(a, name);
  CheckDstIndex(b, name);
  CheckDstIndex(out, name);
  const SfpuInit init = BinaryInitOf(op);
  if (init == SfpuInit::kNone) {
    KernelFault(std::string(name) + " is not simulated");
  }
  if (e.sfpu != init) {
    KernelFault(std::string(name) + " after " + SfpuInitName(e.sfpu) +
                "; call " + SfpuInitName(init) + " first");
  }
  auto &regs = Ctx().core->dst;
  const bool fp32 = regs.mode.fp32_dest_acc_en;
  const auto &x = regs.tiles[a];
  const auto &y = regs.tiles[b];
  auto &z = regs.tiles[out];
  uint32_t issued = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    isa::issued = 0;
    const float v = SfpuBinaryApply(op, x[i], y[i], fp32);
    z[i] = StoreToDst(v, fp32, regs.mode.fp16);
    issued = std::max(issued, isa::issued);
  }
  regs.undefined[out] = false;
  AddSfpuCycles(issued, 2);
}

void SfpuTile(SfpuOp op, uint32_t dst, uint32_t param, const char *name) {
  EngineConfig &e = Engines(name);
  ExpectDst(DstState::kMath, name);
  CheckDstIndex(dst, name);
  if (e.sfpu != InitOf(op)) {
    KernelFault(std::string(name) + " after " + SfpuInitName(e.sfpu) +
                "; call " + SfpuInitName(InitOf(op)) + " first");
  }
  auto &regs = Ctx().core->dst;
  const bool fp32 = regs.mode.fp32_dest_acc_en;
  if (op == SfpuOp::kGelu && !fp32) {
    KernelFault(std::string(name) +
                " on 16-bit DST: the release's piecewise bf16 GELU is not "
                "simulated (only its fp32 DST routine is)");
  }
  if (op == SfpuOp::kRsqrt && !fp32) {
    KernelFault(std::string(name) +
                " on 16-bit DST: the release's result rounded to bf16 is not "
                "simulated (only the fp32 DST routine is)");
  }
  if (op == SfpuOp::kRecip && !fp32) {
    KernelFault(std::string(name) +
                " on 16-bit DST: the release's one-step reciprocal rounded "
                "to bf16 (with its own seed) is not simulated (only the fp32 "
                "DST routine is)");
  }
  uint32_t issued = 0;
  for (float &v : regs.tiles[dst]) {
    isa::issued = 0;
    v = StoreToDst(SfpuApply(op, v, param, fp32), fp32, regs.mode.fp16);
    issued = std::max(issued, isa::issued);
  }
  regs.undefined[dst] = false;
  // A fill stores its constant (loaded once, SFPLOADI) without a load.
  AddSfpuCycles(issued, op == SfpuOp::kFill ? 0 : 1);
}

namespace {

/// The DST mode a reduce call was compiled for must be DST's (the release
/// picks its MOPs and data paths from is_fp32_dest_acc_en).
void CheckReduceDstMode(const char *op, bool is_fp32_dest_acc_en) {
  const DstMode &mode = Ctx().core->dst.mode;
  if (is_fp32_dest_acc_en != mode.fp32_dest_acc_en) {
    KernelFault(std::string(op) + "<..., is_fp32_dest_acc_en = " +
                (is_fp32_dest_acc_en ? "true" : "false") + "> but DST is in " +
                mode.name() + " mode");
  }
}
} // namespace

void ReduceInit(uint32_t type, uint32_t dim, uint32_t icb, uint32_t scaler_cb,
                uint32_t ocb, bool is_fp32_dest_acc_en) {
  EngineConfig &e = Engines("reduce_init");
  if ((type != kPoolSum && type != kPoolMax) ||
      (dim != kReduceRow && dim != kReduceCol)) {
    KernelFault("reduce_init" + ReduceName(type, dim) +
                ": only SUM and MAX along rows or columns (REDUCE_ROW, "
                "REDUCE_COL) are simulated");
  }
  CheckReduceDstMode("reduce_init", is_fp32_dest_acc_en);
  CB(icb), CB(scaler_cb), CB(ocb);
  e.sfpu = SfpuInit::kNone; // an FPU init reprograms what SFPU ops use
  e.op = EngineConfig::Op::kReduce;
  e.in0 = icb;
  e.in1 = scaler_cb;
  e.reduce_type = type;
  e.reduce_dim = dim;
  e.transpose_in1 = false;
  e.pack_mask = static_cast<int>(dim);
}

void ReduceTile(uint32_t type, uint32_t dim, uint32_t icb, uint32_t scaler_cb,
                uint32_t itile, uint32_t itile_scaler, uint32_t dst_index,
                bool is_fp32_dest_acc_en) {
  const std::string name = "reduce_tile" + ReduceName(type, dim);
  EngineConfig &e = Engines(name.c_str());
  if (e.op != EngineConfig::Op::kReduce || e.in0 != icb || e.in1 != scaler_cb ||
      e.reduce_type != type || e.reduce_dim != dim) {
    KernelFault(name + "(c_" + std::to_string(icb) + ", c_" +
                std::to_string(scaler_cb) +
                ") but the unpacker is set up for " + UnpackerOp(e) +
                "; call reduce_init" + ReduceName(type, dim) +
                " with these CBs first");
  }
  CheckReduceDstMode(name.c_str(), is_fp32_dest_acc_en);
  ExpectDst(DstState::kMath, name.c_str());
  CheckDstIndex(dst_index, name.c_str());
  for (uint32_t cb : {icb, scaler_cb}) {
    CheckTilePages(cb, name.c_str());
  }
  // The data: bf16, or Float32 unpacked as TF32 into its source register
  // (fp32 DST only; an UnpackToDestFp32 CB cannot feed a source register);
  // the scaler: bf16, which the matrix unit mixes with TF32 (README). (A
  // Float32 CB beside a Float16 one, which the JIT would unpack as FP16,
  // cannot reach here: the bf16 scaler and a Float16 CB cannot share a
  // program, RunProgram.)
  const Format fd = CB(icb).format();
  if (CB(scaler_cb).format() != Format::kFloat16_b ||
      (fd != Format::kFloat16_b && fd != Format::kFloat32)) {
    KernelFault(name + " on CBs " + CBName(icb) + " and " + CBName(scaler_cb) +
                ": only Float16_b or Float32 data with a Float16_b scaler "
                "tile are simulated");
  }
  if (fd == Format::kFloat32 && e.unpack_to_dest_fp32[icb]) {
    KernelFault(name + " on CB " + CBName(icb) +
                ", which is UnpackToDestFp32: its tiles unpack straight into "
                "DST, not into a source register (a reduction's input needs "
                "ComputeConfig::unpack_to_dest_mode Default for it)");
  }
  if (fd == Format::kFloat32 && !Ctx().core->dst.mode.fp32_dest_acc_en) {
    KernelFault(name + " on Float32 CB " + CBName(icb) +
                ": TF32 source data needs fp32 DST (fp32_dest_acc_en)");
  }
  // SUM along rows multiplies with MVMUL, the scaler in SrcA and the data in
  // SrcB (reduce.h: reconfig_data_format(icb_scaler, icb) first); MAX, and
  // SUM along columns (GAPOOL), pool the data in SrcA with the scaler in
  // SrcB.
  const bool sum = type == kPoolSum;
  const bool swapped = sum && dim == kReduceRow;
  CheckSrcFormat(swapped ? e.srca : e.srcb, scaler_cb,
                 swapped ? "SrcA" : "SrcB", name.c_str());
  CheckSrcFormat(swapped ? e.srcb : e.srca, icb, swapped ? "SrcB" : "SrcA",
                 name.c_str());
  if (e.srca_to_dest || e.srcb_to_dest) {
    KernelFault(name + ": " + (e.srca_to_dest ? "SrcA" : "SrcB") +
                "'s unpacker is set up for unpacking straight to DST (from "
                "an UnpackToDestFp32 CB); reconfig_data_format to these CBs "
                "first");
  }
  CheckDst16Format(Format::kFloat16_b, name.c_str());
  CheckWaitedFor(name, icb, itile, scaler_cb, itile_scaler);
  CircularBuffer &in = CB(icb);
  CircularBuffer &sc = CB(scaler_cb);
  const void *data = L1(in.read_page(itile), TileBytesOf(fd));
  const auto *scaler = reinterpret_cast<const uint16_t *>(
      L1(sc.read_page(itile_scaler), kTileBytes));
  Core *core = Ctx().core;
  if (!sum) {
    // GMPOOL scales each datum by 2^exponent of its scaler datum (row 0 of
    // the scaler's faces); only 1.0, the release's advice for MAX, is
    // simulated.
    for (uint32_t f = 0; f < 4; ++f)
      for (uint32_t c = 0; c < kFaceDim; ++c)
        if (scaler[f * kFaceDim * kFaceDim + c] != 0x3f80u)
          KernelFault(name + ": the scaler tile (c_" +
                      std::to_string(scaler_cb) +
                      ") must hold 1.0 in the first row of each face; other "
                      "scalers of MAX are not simulated");
  }
  float *acc = core->dst.tiles[dst_index].data();
  if (sum && dim == kReduceRow) {
    ReduceRowSumTile(data, fd, scaler, Format::kFloat16_b, acc, core->dst.mode);
  } else if (sum) {
    ReduceColSumTile(data, fd, scaler, acc, core->dst.mode);
  } else {
    ReduceMaxTile(data, fd, acc, core->dst.undefined[dst_index],
                  dim == kReduceCol, core->dst.mode);
  }
  core->dst.undefined[dst_index] = false;
  // The unpackers read the data tile and the scaler tile for each call.
  core->stats.unpacked_bytes += TileBytesOf(fd) + kTileBytes;
}

void ReduceUninit(uint32_t /*icb*/) {
  EngineConfig &e = Engines("reduce_uninit");
  e.pack_mask = -1;
}

void ReconfigSrcs(uint32_t srca_cb, uint32_t srcb_cb) {
  SetSourceFormats(Engines("reconfig_data_format"), srca_cb, srcb_cb);
}

} // namespace kapi
} // namespace tt_sim
