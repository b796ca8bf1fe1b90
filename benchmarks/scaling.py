"""Scaling: lowering time and tt.plan.json size from 256^3 to 16384^3 and 65536 x 65536 x 256.

    python benchmarks/scaling.py [--repeat 3]

Goal (issue #8): both grow with cores, not with tiles: <= 2x from the smallest
to the largest shape. Prints a table, writes benchmarks/results/scaling.json.
"""

from __future__ import annotations

import argparse

import tilelang_tt
from _common import machine, median_seconds, save
from gemm import matmul

SHAPES = [(256, 256, 256), (1024, 1024, 1024), (4096, 4096, 4096), (16384, 16384, 16384), (65536, 65536, 256)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for m, n, k in SHAPES:
        kernel = matmul(m, n, k, 64, 64, 32)
        tilelang_tt.lower(kernel)  # warm-up
        seconds = median_seconds(lambda kernel=kernel: tilelang_tt.lower(kernel), args.repeat)
        plan = tilelang_tt.lower(kernel).files["tt.plan.json"]
        tiles = (m // 32) * (n // 32)
        rows.append({"shape": [m, n, k], "output_tiles": tiles, "lower_seconds": seconds, "plan_bytes": len(plan)})
    base = rows[0]
    print(f"# {machine()}")
    print(f"{'shape':>22} {'out tiles':>10} {'lower ms':>9} {'x':>5} {'plan B':>7} {'x':>5}")
    for r in rows:
        shape = "x".join(map(str, r["shape"]))
        print(
            f"{shape:>22} {r['output_tiles']:>10} {1e3 * r['lower_seconds']:>9.1f} "
            f"{r['lower_seconds'] / base['lower_seconds']:>5.2f} {r['plan_bytes']:>7} "
            f"{r['plan_bytes'] / base['plan_bytes']:>5.2f}"
        )
    print(f"wrote {save('scaling', rows)}")


if __name__ == "__main__":
    main()
