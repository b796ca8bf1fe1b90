// tt_sim/arch.hpp -- the simulated device's architecture facts.
//
// Models: the numbers the emitted program depends on -- compute grid, DRAM
// bank count and size, L1 bytes per core and the reserved region at its
// bottom. They come from the plan: the harness (tilelang_tt.sim) sets
// TT_SIM_ARCH, TT_SIM_GRID_X, TT_SIM_GRID_Y, TT_SIM_DRAM_BANKS, TT_SIM_L1_BYTES
// and TT_SIM_L1_UNRESERVED_BASE from tt.plan.json; without them the simulator
// is a Wormhole n150. (DST capacity is in dst_register_file.hpp.)
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>

namespace tt_sim {

/// Bytes of one bf16 32x32 tile.
constexpr uint32_t kTileBytes = 2048;
/// Elements of one tile edge and of one face edge.
constexpr uint32_t kTileDim = 32;
constexpr uint32_t kFaceDim = 16;
/// Bytes of each simulated DRAM bank (1 GiB on Wormhole n150).
constexpr uint64_t kDramBankBytes = uint64_t(1) << 30;
/// DRAM page alignment of interleaved buffers.
constexpr uint32_t kDramAlignment = 32;
/// Circular buffer ids run 0..31.
constexpr uint32_t kNumCBs = 32;

struct ArchConfig {
  uint32_t grid_x = 8, grid_y = 8;
  uint32_t dram_banks = 12;
  uint32_t l1_bytes = 1464 * 1024;
  /// L1 below this address holds the firmware (MEM_MAP_END of the release's
  /// dev_mem_map.h) and the 69 KiB kernel-config window (tt-metal's HAL
  /// DEFAULT_UNRESERVED); CBs start here and no kernel may touch L1 below.
  /// Wormhole: 105824, Blackhole: 111744.
  uint32_t l1_unreserved_base = 105824;
  /// Blackhole (TT_SIM_ARCH=blackhole): its NoC coordinates (noc.hpp).
  bool blackhole = false;

  static ArchConfig FromEnv() {
    ArchConfig c;
    auto read = [](const char *name, uint32_t *out) {
      if (const char *v = std::getenv(name)) {
        *out = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
      }
    };
    read("TT_SIM_GRID_X", &c.grid_x);
    read("TT_SIM_GRID_Y", &c.grid_y);
    read("TT_SIM_DRAM_BANKS", &c.dram_banks);
    read("TT_SIM_L1_BYTES", &c.l1_bytes);
    read("TT_SIM_L1_UNRESERVED_BASE", &c.l1_unreserved_base);
    if (const char *v = std::getenv("TT_SIM_ARCH"))
      c.blackhole = std::string(v) == "blackhole";
    return c;
  }
};

} // namespace tt_sim
