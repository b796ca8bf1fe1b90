"""tilelang-tt: the Tenstorrent (TT-Metalium) backend for TileLang.

``import tilelang_tt`` loads the C++ core (after tilelang, so both share one
TVM registry) and registers the ``tenstorrent`` backend with TileLang. Then::

    import tilelang, tilelang_tt
    artifacts = tilelang_tt.lower(my_kernel)          # reader/compute/writer.cpp, main.cpp, tt.plan.json
    artifacts.write("out/")
    artifact = tilelang.lower(my_kernel, target="tenstorrent")  # the same, via TileLang
"""

from __future__ import annotations

import tilelang  # noqa: F401  (must be imported before our library is loaded)

from . import _lib

_lib.load()

from . import attrs, backend, codegen, pipeline, transform  # noqa: E402
from .codegen import TTArtifacts, lower  # noqa: E402
from .errors import TTError, TTTargetError  # noqa: E402
from .target import TTTargetInfo, apply_tt_defaults, known_archs, make_target, target_info  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "TTError",
    "TTTargetError",
    "TTArtifacts",
    "TTTargetInfo",
    "apply_tt_defaults",
    "attrs",
    "backend",
    "codegen",
    "known_archs",
    "lower",
    "make_target",
    "pipeline",
    "target_info",
    "transform",
]
