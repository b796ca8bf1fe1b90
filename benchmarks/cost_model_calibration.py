"""The cost model against ttnn's published matmul kernel times (its calibration).

    python benchmarks/cost_model_calibration.py

For each row of tt-metal's tech_reports/GEMM_FLOPS/GEMM_FLOPS.md ("Manually Tuned" tables, bfloat16,
DRAM in and out) and each fidelity: ttnn's program configuration (from tt-metal's benchmark script),
its kernel time (ideal matmul cycles over the published device based utilization), the time our cost
model gives that configuration, the error, and what binds in the model. The rows and the method:
python/tilelang_tt/calibration.py; the constants: docs/performance.md. Writes
benchmarks/results/cost_model_calibration.json.

A benchmark, not a test: it asserts nothing (tests/python/tt/test_estimate.py pins which rows are
within 15 %).
"""

from __future__ import annotations

from _common import save
from tilelang_tt.calibration import calibration_table


def main() -> None:
    rows = calibration_table()
    print("# ttnn's kernel time (GEMM_FLOPS.md, device based utilization) against the cost model")
    print(
        f"{'board':<5} {'M x K x N':<18} {'fid':<6} {'in0_w':>5} {'out blk':>8} {'subblk':>6} "
        f"{'ttnn ms':>8} {'model ms':>9} {'error':>7} {'bound':>6} {'ttnn TF/s':>9} {'host TF/s':>9}"
    )
    for r in rows:
        shape = f"{r['m']}x{r['k']}x{r['n']}"
        out_block = "x".join(map(str, r["out_block"]))
        subblock = "x".join(map(str, r["subblock"]))
        mark = "*" if r["divisors_assumed"] else " "
        print(
            f"{r['board']:<5} {shape:<18} {r['fidelity']:<6} {r['in0_block_w']:>4}{mark} {out_block:>8} {subblock:>6} "
            f"{1e3 * r['measured_s']:>8.3f} {1e3 * r['model_s']:>9.3f} {100 * r['error']:>+6.1f}% {r['bound']:>6} "
            f"{r['measured_tflops']:>9.1f} {r['host_tflops']:>9.2f}"
        )
    within = sum(abs(r["error"]) <= 0.15 for r in rows)
    print(f"{within} of {len(rows)} rows within 15 %  (* in0_block_w assumed: the script lists no divisor)")
    print(f"wrote {save('cost_model_calibration', rows)}")


if __name__ == "__main__":
    main()
