"""Simulator throughput: simulated tile matmuls per second vs NumPy's fp32 matmul.

    python benchmarks/sim_throughput.py [--sizes 256 1024 2048] [--repeat 3]

Prints a table and writes benchmarks/results/sim_throughput.json. Compile time
is excluded: each program is simulated once to warm the kernel cache, then
timed. Two times per size, medians of the repetitions:

- ``sim s``: the simulated program (``SimResult.run_seconds``: the host
  program's process -- tilize, DRAM writes, every kernel of every core, the
  read back); tiles/s and the ratio to NumPy use it;
- ``simulate() s``: the harness end to end, adding the seeded inputs and the
  NumPy check of the result (a reference matmul and its error bound).

A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import tilelang_tt  # noqa: E402
from gemm import matmul  # noqa: E402
from tilelang_tt.sim import simulate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 2048])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            out = Path(tmp) / f"gemm{n}"
            tilelang_tt.lower(matmul(n, n, n)).write(out)
            result = simulate(out)  # warm-up: compiles and caches
            times, run_times = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                run_times.append(simulate(out).run_seconds)
                times.append(time.perf_counter() - start)
            a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
            np_times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                a @ a
                np_times.append(time.perf_counter() - start)
            tiles = sum(c["matmul_tiles"] for c in result.stats["cores"])
            sim_s, np_s = statistics.median(run_times), statistics.median(np_times)
            rows.append({"size": n, "matmul_tiles": tiles, "sim_seconds": sim_s, "tiles_per_second": tiles / sim_s,
                         "simulate_seconds": statistics.median(times), "numpy_seconds": np_s,
                         "ratio_to_numpy": sim_s / np_s, "ok": result.ok})  # fmt: skip
    print(
        f"{'size':>6} {'tiles':>8} {'sim s':>8} {'tiles/s':>10} {'simulate() s':>13} {'numpy s':>9} {'sim/numpy':>10}"
    )
    for r in rows:
        print(
            f"{r['size']:>6} {r['matmul_tiles']:>8} {r['sim_seconds']:>8.3f} {r['tiles_per_second']:>10.0f} "
            f"{r['simulate_seconds']:>13.3f} {r['numpy_seconds']:>9.4f} {r['ratio_to_numpy']:>10.1f}"
        )
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "sim_throughput.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
