"""Print a digest of every artifact of a few lowered kernels (run by test_determinism.py)."""

from __future__ import annotations

import hashlib

import tilelang  # noqa: F401
from kernels import gemm_kernel

import tilelang_tt

for shape in [(256, 256, 256), (100, 70, 50, 64, 64, 32), (320, 96, 640, 32, 32, 64)]:
    artifacts = tilelang_tt.lower(gemm_kernel(*shape))
    for name in sorted(artifacts.files):
        digest = hashlib.sha256(artifacts.files[name].encode()).hexdigest()
        print(shape, name, digest)
