"""Load the tilelang-tt C++ library into the process.

The library registers the ``tenstorrent`` target kind, the TT passes and the
TT codegen with TVM's global registries when it is loaded. It links the same
``libtvm_compiler`` / ``libtilelang`` / ``libtvm_ffi`` that ``import tilelang``
loads, so it must be loaded after tilelang: then both share one registry.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import os
from pathlib import Path

LIBRARY_NAME = "libtilelang_tt.so"
#: Set this to a library path to load that one instead of the installed one.
LIBRARY_ENV = "TILELANG_TT_LIBRARY"

_handle: ctypes.CDLL | None = None


def _candidates() -> list[Path]:
    found = []
    if os.environ.get(LIBRARY_ENV):
        found.append(Path(os.environ[LIBRARY_ENV]))
    # A regular install: beside this file.
    found.append(Path(__file__).resolve().parent / "lib" / LIBRARY_NAME)
    # An editable install: the package's Python files stay in the source tree
    # and the library is installed into site-packages.
    try:
        dist = importlib.metadata.distribution("tilelang-tt")
        found.append(Path(str(dist.locate_file(f"tilelang_tt/lib/{LIBRARY_NAME}"))))
    except importlib.metadata.PackageNotFoundError:
        pass
    return found


def library_path() -> Path:
    """Return the path of the C++ library that will be (or was) loaded."""
    candidates = _candidates()
    for path in candidates:
        if path.is_file():
            return path
    tried = "\n  ".join(str(p) for p in candidates)
    raise ImportError(
        f"tilelang-tt: cannot find {LIBRARY_NAME}. Build and install the package first "
        f"(bash scripts/setup.sh, or pip install --no-build-isolation -e .). Tried:\n  {tried}"
    )


def load() -> ctypes.CDLL:
    """Load the library once; later calls return the same handle."""
    global _handle
    if _handle is None:
        import tilelang  # noqa: F401  (loads libtvm_* and libtilelang first)

        _handle = ctypes.CDLL(str(library_path()))
    return _handle
