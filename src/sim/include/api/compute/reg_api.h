// Simulated "api/compute/reg_api.h": the DST acquire / commit / wait / release
// protocol (tt_sim/dst_register_file.hpp).
#pragma once
#include "tt_sim/kernel_api.hpp"

inline void tile_regs_acquire() { tt_sim::kapi::TileRegsAcquire(); }
inline void tile_regs_commit() { tt_sim::kapi::TileRegsCommit(); }
inline void tile_regs_wait() { tt_sim::kapi::TileRegsWait(); }
inline void tile_regs_release() { tt_sim::kapi::TileRegsRelease(); }
