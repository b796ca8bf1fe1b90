"""tilelang-tt: the Tenstorrent (TT-Metalium) backend for TileLang.

``import tilelang_tt`` loads the C++ core (after tilelang, so both share one
TVM registry) and registers the ``tenstorrent`` backend with TileLang. Then::

    import tilelang, tilelang_tt
    artifacts = tilelang_tt.lower(my_kernel)          # reader/compute/writer.cpp, main.cpp, tt.plan.json
    artifacts.write("out/")
    artifact = tilelang.lower(my_kernel, target="tenstorrent")  # the same, via TileLang
    kernel = tilelang.compile(my_kernel, out_idx=[-1], target="tenstorrent")
    c = kernel(a, b)                                  # torch tensors, on the simulator (jit.py)
"""

from __future__ import annotations

import tilelang  # noqa: F401  (must be imported before our library is loaded)

from . import _lib

_lib.load()

from . import attrs, backend, cache, codegen, device, jit, pipeline, transform  # noqa: E402
from .codegen import TTArtifacts, lower  # noqa: E402
from .errors import TTError, TTTargetError  # noqa: E402
from .jit import TTCallError, TTKernel  # noqa: E402
from .target import TTTargetInfo, apply_tt_defaults, known_archs, make_target, target_info  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "TTCallError",
    "TTError",
    "TTTargetError",
    "TTArtifacts",
    "TTKernel",
    "TTTargetInfo",
    "apply_tt_defaults",
    "attrs",
    "backend",
    "cache",
    "codegen",
    "device",
    "jit",
    "known_archs",
    "lower",
    "make_target",
    "pipeline",
    "target_info",
    "transform",
]
