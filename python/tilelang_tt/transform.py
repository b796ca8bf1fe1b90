"""Python handles of the TT passes implemented in C++ (src/transform/).

Each function returns a ``tvm.transform.Pass``; the order the passes run in is
written down once, in ``tilelang_tt.pipeline``.
"""

from __future__ import annotations

import tvm_ffi

from . import _lib

_lib.load()


def _pass(name: str):
    return tvm_ffi.get_global_func(f"tl.tt.transform.{name}")()


def AnnotateTTDefaults():  # noqa: N802 (TVM pass naming)
    """Fill in tt.schedule_policy/order, tt.layout and tt.tile_shape where the user gave none."""
    return _pass("AnnotateTTDefaults")


def AnnotateTTKernelEntry():  # noqa: N802
    """Mark every PrimFunc as a device kernel launch so the TT device codegen receives it."""
    return _pass("AnnotateTTKernelEntry")
