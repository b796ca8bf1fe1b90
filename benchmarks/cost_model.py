"""The cost model for M = N = K = 4096 with 32x32, 64x64 and 128x128 TileLang blocks.

    python benchmarks/cost_model.py [--arch wormhole_b0|blackhole] [--fidelity HiFi4]

Lowers each variant, estimates it from the plan (tilelang-tt estimate: no
simulation needed at this size), prints the modeled TFLOP/s, % of roofline,
DRAM traffic over the minimum, load imbalance and the binding limit. Writes
benchmarks/results/cost_model_<arch>.json.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import tilelang_tt
from _common import machine, save
from gemm import matmul
from tilelang_tt.estimate import estimate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="wormhole_b0")
    parser.add_argument("--fidelity", default="HiFi4")
    parser.add_argument("--size", type=int, default=4096)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for block in (32, 64, 128):
            try:
                artifacts = tilelang_tt.lower(matmul(args.size, args.size, args.size, block, block, 32),
                                              target=tilelang_tt.make_target(args.arch))  # fmt: skip
            except tilelang_tt.TTError as err:
                rows.append({"block": block, "error": str(err)})
                continue
            out = Path(tmp) / f"b{block}"
            artifacts.write(out)
            est = estimate(out, args.fidelity)
            rows.append({"block": block, **{k: v for k, v in est.items() if k != "cores"}})
    print(f"# {machine()}; {args.arch}, {args.fidelity}, M = N = K = {args.size}")
    print(f"{'block':>6} {'TFLOP/s':>8} {'%roof':>6} {'DRAM/min':>9} {'imbal':>6} {'bound':>6}")
    for r in rows:
        if "error" in r:
            print(f"{r['block']:>6}  not lowered: {r['error'][:90]}")
            continue
        print(
            f"{r['block']:>6} {r['tflops']:>8.2f} {r['percent_of_roofline']:>6.0f} "
            f"{r['dram_bytes_over_minimum']:>9.1f} {r['load_imbalance']:>6.2f} {r['binding_limit']:>6}"
        )
    print(f"wrote {save(f'cost_model_{args.arch}', rows)}")


if __name__ == "__main__":
    main()
