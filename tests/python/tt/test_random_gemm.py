"""Random GEMMs, lowered and simulated, must match NumPy (issue #7).

A seeded property-based test: M, N, K in [1, 600], a supported block shape
and an arch, drawn by hypothesis. TT_RANDOM_SEED (default below) and
TT_RANDOM_CASES (default 24: about 6 s a case, the test command's share of
CI time) choose the run; a failure prints the shape and the seed to
reproduce it:

    TT_RANDOM_SEED=<seed> python -m pytest tests/python/tt/test_random_gemm.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from kernels import gemm_kernel

import tilelang_tt
from tilelang_tt.sim import simulate

SEED = int(os.environ.get("TT_RANDOM_SEED", "20261124"))
CASES = int(os.environ.get("TT_RANDOM_CASES", "24"))
# (block_M, block_N, block_K): multiples of 32 whose output block fits DST.
BLOCKS = [(32, 32, 32), (64, 64, 32), (32, 64, 64), (64, 128, 32), (128, 64, 32), (32, 32, 96)]
dims = st.integers(min_value=1, max_value=600)


@seed(SEED)
@settings(max_examples=CASES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(M=dims, N=dims, K=dims, block=st.sampled_from(BLOCKS), arch=st.sampled_from(["wormhole_b0", "blackhole"]))
def test_random_gemm_matches_numpy(M, N, K, block, arch):  # noqa: N803
    repro = f"M={M} N={N} K={K} block={block} arch={arch} (TT_RANDOM_SEED={SEED})"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "a"
        tilelang_tt.lower(gemm_kernel(M, N, K, *block), target={"kind": "tenstorrent", "arch": arch}).write(out)
        result = simulate(out, seed=M * 1000003 + N * 1009 + K)
    assert result.ok, f"{repro}: {result.summary()}"
    assert result.output.shape == (M, N), repro
