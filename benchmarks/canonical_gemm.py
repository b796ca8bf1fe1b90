"""The canonical TileLang GEMM (128 x 128 x 32 blocks, float32 accumulator) at 1024^3 and 4096^3.

    python benchmarks/canonical_gemm.py [--sizes 1024 4096] [--arch wormhole_b0|blackhole]

For each size: the lowering time (tilelang_tt.lower, codegen included), the simulator time
(simulate(): the host program with every kernel of every core, plus the harness's NumPy check), the
simulation's verdict, and the modeled device time from the cost model (tilelang-tt estimate, fed
with the simulated counts). Writes benchmarks/results/canonical_gemm_<arch>.json.

A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import tilelang_tt
from _common import machine, save
from gemm import matmul
from tilelang_tt.estimate import estimate
from tilelang_tt.sim import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--arch", default="wormhole_b0")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            start = time.perf_counter()
            artifacts = tilelang_tt.lower(matmul(n, n, n, 128, 128, 32), target=tilelang_tt.make_target(args.arch))
            lower_s = time.perf_counter() - start
            out = Path(tmp) / f"n{n}"
            artifacts.write(out)
            start = time.perf_counter()
            result = simulate(out, timeout=3600)
            sim_s = time.perf_counter() - start
            est = estimate(out)
            rows.append({"size": n, "lower_s": lower_s, "simulate_s": sim_s, "verdict_ok": result.ok,
                         "modeled_ms": est["device_seconds"] * 1e3, "tflops": est["tflops"],
                         "binding_limit": est["binding_limit"]})  # fmt: skip
    print(f"# {machine()}; {args.arch}, HiFi4, 128 x 128 x 32 blocks, float32 accumulator")
    print(
        f"{'size':>6} {'lower s':>8} {'simulate s':>11} {'verdict':>8} {'modeled ms':>11} {'TFLOP/s':>8} {'bound':>6}"
    )
    for r in rows:
        print(
            f"{r['size']:>6} {r['lower_s']:>8.2f} {r['simulate_s']:>11.1f} {'MATCH' if r['verdict_ok'] else 'FAIL':>8} "
            f"{r['modeled_ms']:>11.3f} {r['tflops']:>8.2f} {r['binding_limit']:>6}"
        )
    print(f"wrote {save(f'canonical_gemm_{args.arch}', rows)}")


if __name__ == "__main__":
    main()
