// Shim for the SFPI toolchain's <lltt.h> (scripts/tt_conformance.py).
//
// lltt.h ships with Tenstorrent's RISC-V compiler, not with the ttnn wheel.
// It wraps the Tensix replay-buffer instructions, which only that compiler
// can encode. The LLK headers the matmul path includes (e.g.
// llk_unpack_AB_matmul.h) use exactly these four names; the shim declares
// them with the argument lists those call sites use, and does nothing.
#pragma once

#include <cstdint>

namespace lltt {

/// Whether record() also executes the instructions it records.
enum ExecBool : bool { NoExec = false, Exec = true };

/// Record the next `len` instructions into the replay buffer at `start`.
template <ExecBool exec = NoExec>
inline void record(std::uint32_t start, std::uint32_t len) {}

/// Replay `len` recorded instructions from `start`.
inline void replay(std::uint32_t start, std::uint32_t len) {}

/// The instruction word that replays `len` instructions from `start`.
inline constexpr std::uint32_t replay_insn(std::uint32_t start,
                                           std::uint32_t len) {
  return 0;
}

} // namespace lltt
