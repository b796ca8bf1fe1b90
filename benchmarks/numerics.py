"""Accuracy of the simulated GEMM by DST mode: fp32 DST against 16-bit DST (a figure, not a test).

    python benchmarks/numerics.py [--m 128] [--n 128] [--seed 0]

For K = 256, 1024 and 4096 the example GEMM is lowered twice, with a float32 accumulator (the
host asks for fp32_dest_acc_en, DST holds fp32) and with a bfloat16 one (16-bit DST), and both
run on the simulator with the same seeded uniform [-1, 1) bf16 inputs. Each output is compared
with the exact float64 product of those inputs. Printed per K and mode:

- ``max err / (|A|@|B|)``: the largest error in the scale the tolerance uses;
- ``rms rel err``: root-mean-square of error / |reference| over elements with |reference| > 1e-3 x
  (|A|@|B|) (away from cancellation);
- ``max bf16 ulp``: distance from the exact product rounded to bf16, in bf16 values;
- ``outside fp32 tol``: the share of elements outside the fp32-DST tolerance
  (1 bf16 ulp + 2*K*2^-24 * (|A|@|B|)), i.e. what 16-bit accumulation would fail if it were
  judged like fp32 accumulation.

The simulator models the chip's numerics as docs/tenstorrent/simulator.md describes them (each
K-face of 16 products and each fidelity phase is one write to DST, rounded to bf16 in 16-bit
mode); the table in that document comes from this script.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import tilelang_tt
from _common import save
from gemm import matmul  # examples/gemm.py
from tilelang_tt.sim import FP32_EPS, bf16_ulp, bf16_ulp_distance, simulate, to_bf16_bits


def measure(m: int, n: int, k: int, accum: str, seed: int, work: Path) -> dict:
    out = work / f"{accum}_{k}"
    tilelang_tt.lower(matmul(m, n, k, 32, 32, 32, "bfloat16", accum)).write(out)
    result = simulate(out, seed=seed)
    ref = result.reference
    a_abs_b = result.reference_scale
    err = np.abs(result.output.astype(np.float64) - ref)
    away = np.abs(ref) > 1e-3 * a_abs_b
    fp32_tol = bf16_ulp(np.abs(ref).astype(np.float32)) + 2 * k * FP32_EPS * a_abs_b
    ulps = bf16_ulp_distance(to_bf16_bits(result.output), to_bf16_bits(ref.astype(np.float32)))
    return {
        "K": k,
        "dst": "fp32" if accum == "float32" else "16-bit",
        "max_err_scaled": float((err / a_abs_b).max()),
        "rms_rel_err": float(np.sqrt(np.mean((err[away] / np.abs(ref[away])) ** 2))),
        "max_bf16_ulp": int(ulps.max()),
        "outside_fp32_tol": float((err > fp32_tol).mean()),
        "verdict": "MATCH" if result.ok else "MISMATCH",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, default=128)
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in (256, 1024, 4096):
            for accum in ("float32", "bfloat16"):
                rows.append(measure(args.m, args.n, k, accum, args.seed, Path(tmp)))
    print(f"GEMM {args.m} x {args.n} x K, bf16 inputs uniform in [-1, 1), seed {args.seed}, HiFi4")
    print(f"{'K':>5} {'DST':>7} {'max err/(|A|@|B|)':>18} {'rms rel err':>12} {'max bf16 ulp':>13} "
          f"{'outside fp32 tol':>17} {'verdict':>8}")  # fmt: skip
    for r in rows:
        print(f"{r['K']:>5} {r['dst']:>7} {r['max_err_scaled']:>18.2e} {r['rms_rel_err']:>12.2e} "
              f"{r['max_bf16_ulp']:>13} {r['outside_fp32_tol']:>16.1%} {r['verdict']:>8}")  # fmt: skip
    print(f"wrote {save('numerics', rows)}")


if __name__ == "__main__":
    main()
