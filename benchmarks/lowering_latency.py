"""Lowering latency: tilelang.lower of the canonical GEMM for Tenstorrent vs CUDA source.

    python benchmarks/lowering_latency.py [--sizes 256 1024 4096 16384] [--repeat 5]

Both go through tilelang.lower in the same process: target="tenstorrent"
(our pipeline and codegen, five artifacts) and {"kind": "cuda", "arch":
"sm_90"} (TileLang's CUDA pipeline and source codegen; nvcc is not run).
Median of --repeat runs after one warm-up. Prints a table, writes
benchmarks/results/lowering_latency.json. Goal (issue #8): TT / CUDA <= 0.5.
"""

from __future__ import annotations

import argparse

import tilelang
from tvm.target import Target

import tilelang_tt  # noqa: F401
from _common import machine, median_seconds, save
from gemm import matmul


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 4096, 16384])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cuda = Target({"kind": "cuda", "arch": "sm_90"})
    rows = []
    for n in args.sizes:
        kernel = matmul(n, n, n, 64, 64, 32)

        def lower_tt(kernel=kernel):
            tilelang.lower(kernel, target="tenstorrent")

        def lower_cuda(kernel=kernel):
            with cuda:
                tilelang.lower(kernel, target=cuda)

        lower_tt(), lower_cuda()  # warm-up
        tt_s = median_seconds(lower_tt, args.repeat)
        cuda_s = median_seconds(lower_cuda, args.repeat)
        rows.append({"size": n, "tt_seconds": tt_s, "cuda_seconds": cuda_s, "ratio": tt_s / cuda_s})
    print(f"# {machine()}")
    print(f"{'size':>7} {'TT ms':>9} {'CUDA ms':>9} {'TT/CUDA':>8}")
    for r in rows:
        print(f"{r['size']:>7} {1e3 * r['tt_seconds']:>9.1f} {1e3 * r['cuda_seconds']:>9.1f} {r['ratio']:>8.2f}")
    print(f"wrote {save('lowering_latency', rows)}")


if __name__ == "__main__":
    main()
