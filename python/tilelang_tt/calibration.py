"""The cost model against ttnn's published matmul measurements (docs/performance.md, "Calibration").

tt-metal's ``tech_reports/GEMM_FLOPS/GEMM_FLOPS.md`` ("Manually Tuned" tables, bfloat16 operands and
output in DRAM, no trace) gives per shape and fidelity the host-timed TFLOP/s and a *device based
utilization*: the ideal matmul cycles over the math RISC-V's kernel duration read from the device
profiler. The kernel time is therefore ideal / utilization, the quantity our cost model predicts
(it leaves out host dispatch, which the host-timed figure includes).

The program configurations are those of tt-metal's benchmark script
(``tests/ttnn/unit_tests/benchmarks/test_benchmark.py``, ``test_matmul_2d_host_perf``): per_core_M =
M / 32 / grid_y, per_core_N = N / 32 / grid_x, in0_block_w = K / 32 / grid_x / in0_block_w_div,
out_block = per_core / num_out_blocks, the first subblock of its preference list that divides
out_block, bf16 DST, packer L1 accumulation. The Wormhole rows' divisors are that script's; the
Blackhole rows' are not listed there for the 11 x 10 grid, so they are assumed to be 1 (marked).
"""

from __future__ import annotations

from dataclasses import dataclass

from .estimate import TtnnMatmulConfig, model_ttnn_matmul
from .target import device_facts

#: ttnn's subblock preference (h x w, at most 8 tiles of bf16 DST), the benchmark's order.
SUBBLOCKS = [(4, 2), (2, 4), (8, 1), (1, 8), (7, 1), (1, 7), (3, 2), (2, 3), (6, 1), (1, 6), (5, 1), (1, 5),
             (2, 2), (4, 1), (1, 4), (3, 1), (1, 3), (2, 1), (1, 2), (1, 1)]  # fmt: skip

#: GEMM_FLOPS.md's boards and the target's arch of each.
ARCH = {"n150": "wormhole_b0", "p150": "blackhole"}


@dataclass(frozen=True)
class Row:
    board: str
    grid: tuple[int, int]  # x, y
    m: int
    k: int
    n: int
    in0_block_w_div: int
    num_out_blocks: tuple[int, int]  # h, w
    #: Device based utilization [%] by fidelity, as published.
    utilization: dict
    #: Host-timed TFLOP/s by fidelity, as published.
    host_tflops: dict
    divisors_assumed: bool = False

    @property
    def per_core(self) -> tuple[int, int]:
        return self.m // 32 // self.grid[1], self.n // 32 // self.grid[0]

    @property
    def in0_block_w(self) -> int:
        return self.k // 32 // self.grid[0] // self.in0_block_w_div

    @property
    def out_block(self) -> tuple[int, int]:
        (pm, pn), (bh, bw) = self.per_core, self.num_out_blocks
        return pm // bh, pn // bw

    @property
    def subblock(self) -> tuple[int, int]:
        h, w = self.out_block
        return next(s for s in SUBBLOCKS if h % s[0] == 0 and w % s[1] == 0)


#: GEMM_FLOPS.md, "N150 Manually Tuned Configurations" and "P150 Manually Tuned Configurations (11x10
#: grid)": bfloat16, DRAM / DRAM / DRAM, use_trace False.
ROWS = [
    Row("n150", (8, 8), 3072, 3072, 4096, 2, (1, 1), {"HiFi4": 91.69, "HiFi2": 74.19},
        {"HiFi4": 47.06, "HiFi2": 67.22}),
    Row("n150", (8, 8), 3072, 4096, 4096, 2, (1, 1), {"HiFi4": 92.18, "HiFi2": 75.09},
        {"HiFi4": 51.16, "HiFi2": 74.20}),
    Row("n150", (8, 8), 4096, 4096, 4096, 1, (2, 2), {"HiFi4": 83.21, "HiFi2": 59.50},
        {"HiFi4": 50.54, "HiFi2": 68.37}),
    Row("n150", (8, 8), 8192, 8192, 8192, 2, (4, 4), {"HiFi4": 88.69, "HiFi2": 66.47},
        {"HiFi4": 52.72, "HiFi2": 81.00}),
    Row("n150", (8, 8), 16384, 16384, 16384, 4, (8, 8), {"HiFi4": 91.45, "HiFi2": 71.34},
        {"HiFi4": 54.31, "HiFi2": 85.30}),
    Row("p150", (11, 10), 3840, 4224, 5632, 1, (1, 1), {"HiFi4": 94.46, "HiFi2": 89.47},
        {"HiFi4": 131.21, "HiFi2": 226.74}, divisors_assumed=True),
    Row("p150", (11, 10), 5120, 5632, 5632, 1, (1, 1), {"HiFi4": 90.37, "HiFi2": 80.51},
        {"HiFi4": 136.35, "HiFi2": 239.33}, divisors_assumed=True),
]  # fmt: skip


def measured_kernel_seconds(row: Row, fidelity: str) -> float:
    """ttnn's kernel time: the ideal matmul cycles (GEMM_FLOPS.md's formula) over the device utilization."""
    device = device_facts(ARCH[row.board])
    cores = row.grid[0] * row.grid[1]
    ideal_cycles = row.m * row.k * row.n / 32**3 * device["cycles_per_tile_matmul"][fidelity] / cores
    return ideal_cycles / (row.utilization[fidelity] / 100) / (device["clock_mhz"] * 1e6)


def calibration_table() -> list[dict]:
    """Per published row and fidelity: ttnn's configuration, its measured kernel time, our model's."""
    out = []
    for row in ROWS:
        for fidelity in row.utilization:
            config = TtnnMatmulConfig(row.m, row.k, row.n, row.grid, row.in0_block_w, row.out_block, row.subblock)
            model = model_ttnn_matmul(device_facts(ARCH[row.board]), fidelity, config)
            measured = measured_kernel_seconds(row, fidelity)
            out.append({
                "board": row.board, "m": row.m, "k": row.k, "n": row.n, "fidelity": fidelity,
                "in0_block_w": row.in0_block_w, "out_block": list(row.out_block), "subblock": list(row.subblock),
                "divisors_assumed": row.divisors_assumed,
                "measured_s": measured, "measured_tflops": 2 * row.m * row.k * row.n / measured / 1e12,
                "host_tflops": row.host_tflops[fidelity],
                "model_s": model["seconds"], "model_tflops": model["tflops"], "bound": model["bound"],
                "error": model["seconds"] / measured - 1,
            })  # fmt: skip
    return out
