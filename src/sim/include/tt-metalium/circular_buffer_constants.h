// Simulated <tt-metalium/circular_buffer_constants.h>: the host's CB count.
// As in the release, host code sizes per-CB tables (e.g.
// ComputeConfig::unpack_to_dest_mode) for the largest architecture: 64 CBs;
// a Wormhole core has 32 (tt_sim::kNumCBs).
#pragma once

#include <cstdint>

inline constexpr std::uint32_t NUM_CIRCULAR_BUFFERS = 64;
