"""Print a digest of TileLang's CUDA source for the example GEMM.

Run as a subprocess by test_target_registration.py, once with and once without
``import tilelang_tt``: the two digests must be equal.

    python _lower_cuda_gemm.py [--with-tt]
"""

from __future__ import annotations

import hashlib
import sys

import tilelang
from conftest import load_example
from tvm.target import Target

if "--with-tt" in sys.argv:
    import tilelang_tt  # noqa: F401

gemm = load_example("gemm").matmul(256, 256, 256)
target = Target({"kind": "cuda", "arch": "sm_90"})
# tilelang 0.1.15's tilelang.lower needs the target as the current context
# when lowering for CUDA (Target.current() is read during LowerTileOp).
with target:
    source = tilelang.lower(gemm, target=target).kernel_source
print(len(source), hashlib.sha256(source.encode()).hexdigest())
