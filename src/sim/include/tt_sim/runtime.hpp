// tt_sim/runtime.hpp -- the simulated device, programs and the kernel context.
//
// Models: one device (a unit mesh) with interleaved DRAM banks, one L1 per
// active core (mapped below 4 GiB so the kernels' uint32_t L1 addresses are
// real pointers), the circular buffers and DST of each core, and programs of
// reader / writer / compute kernels. Each kernel file is compiled by g++ into
// a shared object (cached by content hash) and each core runs its kernels as
// fibers that take turns (sync.hpp: blocking and deadlock reports); the cores
// are spread over a few OS threads (program_runner.cc).
//
// Kernel-side API calls find their core through Ctx(): the KernelContext of
// the kernel running on the calling thread.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tt_sim/arch.hpp"
#include "tt_sim/circular_buffer.hpp"
#include "tt_sim/data_format.hpp"
#include "tt_sim/dst_register_file.hpp"
#include "tt_sim/sync.hpp"

namespace tt_sim {

/// An interleaved DRAM buffer: page p in bank p % banks at base + (p / banks) *
/// aligned page.
struct DramBuffer {
  uint32_t id = 0;
  uint32_t base = 0;
  uint32_t page_bytes = 0;
  uint32_t num_pages = 0;
  uint32_t aligned_page() const {
    return (page_bytes + kDramAlignment - 1) / kDramAlignment * kDramAlignment;
  }
};

/// Per-core counters, written to TT_SIM_STATS.
/// tiles_read / tiles_written / noc_bytes: DRAM pages and their bytes;
/// l1_bytes_sent: bytes this core's kernels wrote into other cores' L1 (a
/// multicast counted once, as the NoC carries it), l1_bytes_received: bytes
/// other cores wrote into this one's (semaphore words included).
struct CoreStats {
  uint64_t tiles_read = 0, tiles_written = 0, noc_bytes = 0, matmul_tiles = 0;
  uint64_t l1_bytes_sent = 0, l1_bytes_received = 0;
  /// Bytes the unpackers read from L1 (into SrcA / SrcB or straight into
  /// DST) and bytes the packers wrote from DST into L1: the compute kernel's
  /// traffic, which the cost model times at the unpackers' and packers' rates.
  uint64_t unpacked_bytes = 0, packed_bytes = 0;
  /// Cycles of the Vector Unit (SFPU) tile ops: 32 iterations a tile, each
  /// its loads, the instructions the tile's busiest datum ran and a store,
  /// one a cycle (a lower bound; kernel_api.cc, AddSfpuCycles).
  uint64_t sfpu_cycles = 0;
};

struct Core {
  uint32_t x = 0, y = 0;
  uint8_t *l1 = nullptr; // l1_bytes, below 4 GiB
  uint32_t l1_base = 0;
  std::array<CircularBuffer, kNumCBs> cbs{};
  DstRegisterFile dst;
  EngineConfig engines;
  CoreStats stats;
  /// Bit i: the program created semaphore i on this core (CreateSemaphore);
  /// it lives in L1 slot i from SemaphoreBase (noc.hpp).
  uint32_t semaphore_ids = 0;
  /// A Float16 CB of the program (its index), or -1: beside one the JIT
  /// makes Float16 the unpack format of every Float32 CB read through a
  /// source register (data_format.hpp).
  int float16_cb = -1;
  bool HasSemaphore(uint32_t id) const {
    return id < 32 && (semaphore_ids >> id & 1) != 0;
  }
  uint32_t semaphore_count() const { return __builtin_popcount(semaphore_ids); }
  std::string Where() const {
    return "core (" + std::to_string(x) + ", " + std::to_string(y) + ")";
  }
};

class Device {
public:
  explicit Device(ArchConfig arch);
  ~Device();
  const ArchConfig &arch() const { return arch_; }
  Core &core(uint32_t x, uint32_t y);
  const DramBuffer &AllocateBuffer(uint32_t size, uint32_t page_bytes);
  const DramBuffer &buffer(uint32_t id) const;
  /// The buffer whose bank base address is `addr`, or nullptr.
  const DramBuffer *BufferAt(uint32_t addr) const;
  /// Bank-local bytes of page `page` of `buf` (bounds-checked).
  uint8_t *Page(const DramBuffer &buf, uint32_t page, const std::string &who);
  void WriteBuffer(const DramBuffer &buf, const void *data, size_t bytes);
  void ReadBuffer(const DramBuffer &buf, void *data, size_t bytes);
  std::map<std::pair<uint32_t, uint32_t>, std::unique_ptr<Core>> &cores() {
    return cores_;
  }

private:
  ArchConfig arch_;
  std::vector<std::vector<uint8_t>> banks_;
  std::deque<DramBuffer> buffers_; // deque: references stay valid
  uint32_t next_base_ = 0;
  std::map<std::pair<uint32_t, uint32_t>, std::unique_ptr<Core>> cores_;
};

/// A NoC transfer started but not yet waited for with a barrier. It moves its
/// bytes at the barrier: the latest moment the hardware may (reads: DRAM page
/// -> L1, writes: L1 -> DRAM page).
struct PendingTransfer {
  uint8_t *dst = nullptr;
  const uint8_t *src = nullptr;
  uint32_t l1_addr = 0, bytes = 0; // the L1 side, for the in-flight checks
  /// A write into another core's L1: that core and the L1 offset there,
  /// checked again when the bytes land (kernel_api.cc, CheckRemoteL1).
  Core *remote = nullptr;
  uint32_t remote_offset = 0;
  bool semaphore = false; // into a semaphore (else into CB pages)
};

/// What the thread running a kernel knows.
struct KernelContext {
  Device *device = nullptr;
  Core *core = nullptr;
  CoreScheduler *scheduler = nullptr; // the core's; records its failure
  const std::vector<uint32_t> *runtime_args = nullptr;
  std::string name; // "reader", "compute", "writer"
  /// NoC reads / writes in flight (land at noc_async_{read,write}_barrier).
  std::vector<PendingTransfer> reads, writes;
};

/// The context of the kernel running on this thread (a thread-local default
/// for calls made outside a kernel, e.g. from tests).
KernelContext &Ctx();

/// Raise a Fault that names the core and kernel (and stops the run).
[[noreturn]] void KernelFault(const std::string &what);

/// Compile a kernel source with g++ (or reuse the cached shared object) and
/// return its kernel_main (program_runner.cc).
using KernelMain = void (*)();
KernelMain CompileAndLoadKernel(const std::string &path,
                                const std::string &kind,
                                const std::vector<uint32_t> &compile_args,
                                const std::string &defines);

namespace kapi {
/// Called when a kernel returns: no NoC transfer may still be in flight.
void CheckNoTransfersInFlight();
} // namespace kapi

/// The device of the process (created by MeshDevice::create_unit_mesh).
Device &TheDevice();

/// Create a fresh device from the environment (MeshDevice::create_unit_mesh).
void ResetDevice();

} // namespace tt_sim
