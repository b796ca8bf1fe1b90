"""The canonical TileLang GEMM under each schedule, beside ttnn's published figures.

    python benchmarks/gemm_schedules.py [--fidelity HiFi4 HiFi2]

For each (arch, shape): the schedule the backend picks (``auto``) and the contiguous split, both
lowered from the same kernel (128 x 128 x 32 blocks, float32 accumulator, as a TileLang user writes
it) and modeled from their plans (tilelang-tt estimate; the counts are the ones the simulator
produces, tests/python/tt/test_estimate.py): DRAM bytes over the minimum, bytes multicast between
cores, modeled TFLOP/s, % of the FPU peak, the binding limit, and ttnn's measured TFLOP/s for that
shape and fidelity from tt-metal's tech_reports/GEMM_FLOPS/GEMM_FLOPS.md ("Manually Tuned"
tables, bfloat16, DRAM in / DRAM out, no trace; p150 from its 11 x 10-grid table). Writes
benchmarks/results/gemm_schedules.json.

A benchmark, not a test: it asserts nothing. The cost model is the calibrated one (docs/performance.md,
"Calibration"); ttnn's figures here are host-timed, its kernel times are in cost_model_calibration.py.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import tilelang_tt
from _common import machine, save
from gemm import matmul
from tilelang_tt.estimate import estimate

#: ttnn's measured TFLOP/s (GEMM_FLOPS.md, manually tuned, BFLOAT16, DRAM / DRAM / DRAM, no trace):
#: (arch, M, K, N) -> {fidelity: TFLOP/s}; p150 rows from the 11 x 10 grid table.
TTNN = {
    ("wormhole_b0", 3072, 4096, 4096): {"HiFi4": 51.16, "HiFi2": 74.20},
    ("wormhole_b0", 4096, 4096, 4096): {"HiFi4": 50.54, "HiFi2": 68.37},
    ("wormhole_b0", 8192, 8192, 8192): {"HiFi4": 52.72, "HiFi2": 81.00},
    ("blackhole", 3840, 4224, 5632): {"HiFi4": 131.21, "HiFi2": 226.74},
    ("blackhole", 5120, 5632, 5632): {"HiFi4": 136.35, "HiFi2": 239.33},
}
#: (arch, M, K, N): ttnn's shapes, which 128 x 128 blocks tile onto the whole core grid.
SHAPES = [key for key in TTNN]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fidelity", nargs="+", default=["HiFi4", "HiFi2"])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for arch, m, k, n in SHAPES:
            for policy in ("auto", "contiguous"):
                kernel = matmul(m, n, k, 128, 128, 32)
                if policy != "auto":
                    kernel = kernel.with_attr("tt.schedule_policy", policy)
                out = Path(tmp) / f"{arch}_{m}_{k}_{n}_{policy}"
                tilelang_tt.lower(kernel, target=tilelang_tt.make_target(arch)).write(out)
                for fidelity in args.fidelity:
                    est = estimate(out, fidelity)
                    rows.append({
                        "arch": arch, "m": m, "k": k, "n": n, "policy": policy, "schedule": est["schedule"],
                        "fidelity": fidelity, "tflops": est["tflops"], "peak_tflops": est["peak_tflops"],
                        "dram_over_min": est["dram_bytes_over_minimum"],
                        "multicast_mib": sum(c["l1_bytes_sent"] for c in est["cores"]) / 2**20,
                        "binding_limit": est["binding_limit"],
                        "ttnn_tflops": TTNN[(arch, m, k, n)][fidelity],
                    })  # fmt: skip
    print(f"# {machine()}; 128 x 128 x 32 blocks, float32 accumulator; modeled, not measured")
    print(
        f"{'arch':<12} {'M x K x N':<17} {'schedule':<11} {'fid':<6} {'DRAM/min':>8} {'mcast MiB':>10} "
        f"{'TFLOP/s':>8} {'%peak':>6} {'bound':>6} {'ttnn':>7}"
    )
    for r in rows:
        shape = f"{r['m']}x{r['k']}x{r['n']}"
        print(
            f"{r['arch']:<12} {shape:<17} {r['schedule']:<11} {r['fidelity']:<6} {r['dram_over_min']:>8.2f} "
            f"{r['multicast_mib']:>10.0f} {r['tflops']:>8.2f} {100 * r['tflops'] / r['peak_tflops']:>6.0f} "
            f"{r['binding_limit']:>6} {r['ttnn_tflops']:>7.2f}"
        )
    print(f"wrote {save('gemm_schedules', rows)}")


if __name__ == "__main__":
    main()
