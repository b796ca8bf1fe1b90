// tt_sim/noc.hpp -- the NoC as kernels address it: worker coordinates,
// unicast and multicast addresses, and the semaphores in each core's L1.
//
// Models (sources in src/sim/README.md, "NoC, semaphores and multicast"):
// - A worker core's NoC coordinate is what the host's
//   MeshDevice::worker_core_from_logical_core returns, the chip's translated
//   coordinate: on Wormhole logical (x, y) is (18 + x, 18 + y); on Blackhole
//   the x of the Tensix columns in order (1..7, 10..16), y from 2. Kernels
//   get them from the host as runtime args; a logical coordinate used as a
//   NoC coordinate names no core.
// - get_noc_addr / get_noc_multicast_addr encode (x, y) or a rectangle with
//   an L1 address. L1 addresses are the same number on every core; the
//   simulator maps each core's L1 at its own host address, so an encoded
//   address keeps the offset into L1 and each destination core adds its own
//   base.
// - A multicast rectangle runs from its start to its end in the direction
//   the NoC travels: increasing coordinates on NoC 0, decreasing on NoC 1 (a
//   start past the end wraps around the torus on the chip; the simulator
//   refuses it).
// - Semaphores: at most eight a core, 4 bytes each, one per L1_ALIGNMENT (16
//   bytes) slot in the kernel-config region (below the unreserved base).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tt_sim/arch.hpp"

namespace tt_sim {

/// Semaphores a core may have (CreateSemaphore), their slot stride and the
/// L1 offset of slot 0 (a model choice inside the reserved region).
constexpr uint32_t kMaxSemaphores = 8;
constexpr uint32_t kSemaphoreStride = 16;
inline uint32_t SemaphoreBase(const ArchConfig &arch) {
  return arch.l1_unreserved_base - kMaxSemaphores * kSemaphoreStride;
}

struct NocCoord {
  uint32_t x = 0, y = 0;
};

/// The NoC coordinate of logical worker core (x, y).
inline NocCoord WorkerNocCoord(const ArchConfig &arch, uint32_t x, uint32_t y) {
  if (!arch.blackhole)
    return {18 + x, 18 + y};
  // Blackhole's Tensix columns, harvested ones moved to the end.
  constexpr uint32_t kColumns[] = {1,  2,  3,  4,  5,  6,  7,
                                   10, 11, 12, 13, 14, 15, 16};
  return {x < 14 ? kColumns[x] : 100 + x, 2 + y};
}

/// The logical worker core at NoC coordinate (x, y) of the device's grid.
inline std::optional<NocCoord> LogicalOfNoc(const ArchConfig &arch, uint32_t x,
                                            uint32_t y) {
  for (uint32_t lx = 0; lx < arch.grid_x; ++lx) {
    for (uint32_t ly = 0; ly < arch.grid_y; ++ly) {
      const NocCoord c = WorkerNocCoord(arch, lx, ly);
      if (c.x == x && c.y == y)
        return NocCoord{lx, ly};
    }
  }
  return std::nullopt;
}

/// A decoded NoC address: a rectangle of NoC coordinates (one core for a
/// unicast address) and an offset into each core's L1.
struct NocAddress {
  bool multicast = false;
  uint32_t x_start = 0, y_start = 0, x_end = 0, y_end = 0;
  uint32_t l1_offset = 0;
};

// Encoding: bits 0..31 the L1 offset, 32..39 x start, 40..47 y start,
// 48..55 x end, 56..62 y end, bit 63 multicast.
inline uint64_t EncodeNocAddress(const NocAddress &a) {
  return uint64_t(a.l1_offset) | uint64_t(a.x_start & 0xff) << 32 |
         uint64_t(a.y_start & 0xff) << 40 | uint64_t(a.x_end & 0xff) << 48 |
         uint64_t(a.y_end & 0x7f) << 56 | uint64_t(a.multicast) << 63;
}
inline NocAddress DecodeNocAddress(uint64_t v) {
  NocAddress a;
  a.l1_offset = static_cast<uint32_t>(v);
  a.x_start = (v >> 32) & 0xff;
  a.y_start = (v >> 40) & 0xff;
  a.x_end = (v >> 48) & 0xff;
  a.y_end = (v >> 56) & 0x7f;
  a.multicast = (v >> 63) != 0;
  return a;
}

inline std::string NocAddressName(const NocAddress &a) {
  auto xy = [](uint32_t x, uint32_t y) {
    return "(" + std::to_string(x) + ", " + std::to_string(y) + ")";
  };
  return (a.multicast ? "NoC rectangle " + xy(a.x_start, a.y_start) + ".." +
                            xy(a.x_end, a.y_end)
                      : "NoC core " + xy(a.x_start, a.y_start)) +
         " L1 offset " + std::to_string(a.l1_offset);
}

} // namespace tt_sim
