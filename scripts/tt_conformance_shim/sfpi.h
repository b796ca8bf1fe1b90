// Shim for the SFPI toolchain's <sfpi.h> (scripts/tt_conformance.py).
//
// sfpi.h ships with Tenstorrent's RISC-V compiler, not with the ttnn wheel,
// and declares the SFPU vector types and __builtin_rvtt_* intrinsics that
// only that compiler knows. The LLK headers include it for SFPU operations;
// none of the emitted kernels calls one. The shim declares only the names
// that the matmul path reaches from non-template code, so a kernel that does
// use an SFPU operation fails the check with an undeclared sfpi:: name
// instead of passing on a made-up declaration.
#pragma once

namespace sfpi {

/// SFPLOADI instruction mode "load a bf16 (FP16b) immediate"; used by
/// Blackhole's ckernel_sfpu_load_config.h (_restore_lconst_neg1_).
constexpr unsigned SFPLOADI_MOD0_FLOATB = 0;

} // namespace sfpi
