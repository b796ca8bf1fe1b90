"""Python handles of the TT passes implemented in C++ (src/transform/).

Each function returns a :class:`TTPass`: call it on an ``IRModule`` like a
``tvm.transform.Pass``. A pass that rejects its input raises
:class:`~tilelang_tt.errors.TTError` with the C++ message (no C++ backtrace);
``.raw`` is the underlying ``tvm.transform.Pass``. The order the passes run in
is written down once, in ``tilelang_tt.pipeline``.
"""

from __future__ import annotations

import tvm_ffi
from tvm import IRModule

from . import _lib
from .errors import TTError, ffi_message

_lib.load()


class TTPass:
    """A TT pass; calling it runs the C++ pass and translates its errors."""

    def __init__(self, name: str):
        self.name = name
        self.raw = tvm_ffi.get_global_func(f"tl.tt.transform.{name}")()

    def __call__(self, mod: IRModule) -> IRModule:
        try:
            return self.raw(mod)
        except ValueError as err:
            raise TTError(ffi_message(err)) from None

    def __repr__(self) -> str:
        return f"TTPass({self.name})"


def AnnotateTTDefaults() -> TTPass:  # noqa: N802 (TVM pass naming)
    """Fill in tt.schedule_policy/order, tt.layout and tt.tile_shape where the user gave none."""
    return TTPass("AnnotateTTDefaults")


def InferDefaultTTSchedule() -> TTPass:  # noqa: N802
    """Split the output blocks contiguously over the cores (tt.schedule, tt.runtime_args)."""
    return TTPass("InferDefaultTTSchedule")


def InferDefaultTTShard() -> TTPass:  # noqa: N802
    """Describe every global buffer as DRAM-interleaved 32x32 tiles (tt.buffers)."""
    return TTPass("InferDefaultTTShard")


def TTShardToCoreMap() -> TTPass:  # noqa: N802
    """Place the schedule on logical cores (tt.core_ranges, tt.core_assignments)."""
    return TTPass("TTShardToCoreMap")


def MemorySpaceLowerTT() -> TTPass:  # noqa: N802
    """Shared buffers -> circular buffers, accumulator -> DST, T.copy -> CB protocol (tt.cbs)."""
    return TTPass("MemorySpaceLowerTT")


def GroupKStepsTT() -> TTPass:  # noqa: N802
    """Several of the kernel's K steps per CB push where fp32 partial sums leave DST every step."""
    return TTPass("GroupKStepsTT")


def TilePadTT() -> TTPass:  # noqa: N802
    """Guard tile reads/writes that can reach past the tensor (zero fill / skip)."""
    return TTPass("TilePadTT")


def TensorizeTT() -> TTPass:  # noqa: N802
    """gemm_block on CBs -> matmul_tiles loops accumulating in DST."""
    return TTPass("TensorizeTT")


def GridToPersistentTT() -> TTPass:  # noqa: N802
    """Launch grid -> per-core persistent loop driven by runtime args."""
    return TTPass("GridToPersistentTT")


def VerifyTTIR() -> TTPass:  # noqa: N802
    """Check attrs, runtime args, CB protocol and L1 budget before codegen."""
    return TTPass("VerifyTTIR")


def AnnotateTTKernelEntry() -> TTPass:  # noqa: N802
    """Mark every PrimFunc as a device kernel launch so the TT device codegen receives it."""
    return TTPass("AnnotateTTKernelEntry")
