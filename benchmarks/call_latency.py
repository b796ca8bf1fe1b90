"""Latency of tilelang.compile and of calling the kernel with torch tensors, on the simulator (#16).

    python benchmarks/call_latency.py [--repeat 10]

For the canonical GEMM (TileLang's default 128 x 128 x 32 blocks) at 256^3 and 1024^3, in an empty
build cache of its own:

- compile (cold): lowering, codegen and building the host program;
- first call: the simulator compiles the three kernels, then runs;
- steady call: the median of --repeat later calls (nothing is built);
- sim run: the simulated program's own wall time in a steady call (``kernel.last_run_seconds``), so
  the difference to the steady call is the kernel object's cost (argument checks, writing the
  inputs, reading the output);
- compile (new process): ``tilelang.compile`` of the same kernel in a fresh process, which finds
  the program on disk (timed inside that process, imports excluded).

Figures, not a test; the latest are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import REPO, machine, save

CHILD = """
import json, sys, time
sys.path.insert(0, {examples!r})
import tilelang, tilelang_tt
from gemm import matmul
func = matmul({n}, {n}, {n}, 128, 128, 32)
start = time.perf_counter()
tilelang.compile(func, out_idx=[-1], target="tenstorrent")
print(json.dumps({{"seconds": time.perf_counter() - start, "counters": dict(tilelang_tt.cache.counters)}}))
"""


def measure(n: int, repeat: int) -> dict:
    import tilelang
    import torch

    from gemm import matmul
    from tilelang_tt import cache

    func = matmul(n, n, n, 128, 128, 32)
    start = time.perf_counter()
    kernel = tilelang.compile(func, out_idx=[-1], target="tenstorrent")
    compile_s = time.perf_counter() - start
    a = torch.randn(n, n).bfloat16()
    b = torch.randn(n, n).bfloat16()
    start = time.perf_counter()
    kernel(a, b)
    first_s = time.perf_counter() - start
    steady, runs = [], []
    before = cache.counters.copy()
    for _ in range(repeat):
        start = time.perf_counter()
        kernel(a, b)
        steady.append(time.perf_counter() - start)
        runs.append(kernel.last_run_seconds)
    built = {k: v for k, v in (cache.counters - before).items() if k != "runs"}
    assert not built, f"a steady call built something: {built}"
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(examples=str(REPO / "examples"), n=n)],
        capture_output=True, text=True, check=True, env=dict(os.environ),
    )  # fmt: skip
    reloaded = json.loads(child.stdout.strip().splitlines()[-1])
    assert reloaded["counters"].get("programs_lowered", 0) == 0, reloaded
    return {
        "n": n,
        "compile_cold_s": compile_s,
        "first_call_s": first_s,
        "steady_call_s": statistics.median(steady),
        "sim_run_s": statistics.median(runs),
        "compile_new_process_s": reloaded["seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tt-call-latency-") as tmp:
        os.environ["TILELANG_TT_CACHE_DIR"] = tmp
        rows = [measure(n, args.repeat) for n in (256, 1024)]
    print(f"machine: {machine()}")
    print("| size | compile (cold) s | first call s | steady call s | sim run s | compile (new process) s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['n']}³ | {r['compile_cold_s']:.3f} | {r['first_call_s']:.3f} | {r['steady_call_s']:.4f} | "
              f"{r['sim_run_s']:.4f} | {r['compile_new_process_s']:.3f} |")  # fmt: skip
    print(f"wrote {save('call_latency', rows)}")


if __name__ == "__main__":
    main()
