"""A cost model of an emitted program: where its time would go on the device.

    tilelang-tt estimate DIR [--fidelity HiFi4|HiFi3|HiFi2|LoFi]

Per core it counts DRAM bytes (tiles read and written), NoC bytes, bytes
multicast to other cores and tile matmuls -- from the simulator's statistics
when DIR/sim/sim_stats.json exists and records this plan's digest, otherwise
derived from the plan by the same rules the kernels follow (tiles past the end
of a tensor are neither read nor written). Its modeled time is max(FPU time,
its share of the DRAM bandwidth, its busier data-movement kernel's time at one
core's NoC rates); the device time is the slowest core's. The FPU time is at the plan's math fidelity (the target's
``math_fidelity``) unless --fidelity asks for another. Constants and their
sources: docs/performance.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import TTError
from .plan import plan_digest, read_plan_text

#: The arch's facts (clock, DRAM bandwidth, one core's NoC rates, cycles of a tile matmul by fidelity)
#: come from the plan's ``device`` section, written from the compiler's one table (target.h ArchSpec).
TILE_FLOPS = 2 * 32 * 32 * 32


@dataclass
class CoreCost:
    x: int
    y: int
    blocks: int
    dram_bytes: int
    noc_bytes: int
    matmul_tiles: int
    l1_bytes_sent: int
    fpu_s: float
    dram_s: float
    #: The busier data-movement kernel: the reader's DRAM reads and multicasts, or the writer's writes.
    noc_s: float = 0.0

    @property
    def time_s(self) -> float:
        return max(self.fpu_s, self.dram_s, self.noc_s)

    @property
    def bound(self) -> str:
        return max((self.fpu_s, "FPU"), (self.dram_s, "DRAM"), (self.noc_s, "NoC"))[1]


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def derived_stats(plan: dict) -> list[dict]:
    """Per-core counters the program would produce, from the plan alone (a GEMM's): DRAM tiles read and
    written (and their bytes, ``noc_bytes``), tile matmuls, and under the mcast2d schedule the bytes each
    core multicasts to / receives from the others (``l1_bytes_sent`` / ``l1_bytes_received``)."""
    cb_of = {cb["tensor"]: cb for cb in plan["cbs"]}
    inputs = [cb_of[plan["compute"]["a"]], cb_of[plan["compute"]["b"]]]
    output = cb_of[plan["compute"]["c"]]
    a, c = plan["buffers"][plan["compute"]["a"]], plan["buffers"][plan["compute"]["c"]]
    # Tiles of one matrix (a batched tensor's tiles are [batch, rows, cols]).
    mt_tiles, nt_tiles = c["tiles"][-2:]
    kt_tiles = a["tiles"][-2] if plan["compute"]["transpose_a"] else a["tiles"][-1]
    # Block shape in tiles from the CB block sizes: A = mt*kb, B = kb*nt, C = mt*nt.
    a_blk, b_blk, c_blk = inputs[0]["block_tiles"], inputs[1]["block_tiles"], output["block_tiles"]
    mt = round((a_blk * c_blk / b_blk) ** 0.5)
    nt, kb = c_blk // mt, a_blk // mt
    steps = _ceil(kt_tiles, kb)
    schedule = plan["schedule"]
    grid_x = schedule["grid_x"]
    row_blocks = _ceil(mt_tiles, mt)  # grid_y is batch * row_blocks: matrix after matrix
    in_page, out_page = inputs[0]["page_bytes"], output["page_bytes"]
    mcast = schedule["policy"] == "mcast2d"
    out = []
    for core in plan["cores"]:
        read = written = matmuls = sent = received = 0
        if mcast:  # core (x, y): a rectangle core_block_cols wide from start_id
            cols_per_core = schedule["core_block_cols"]
            blocks = [
                core["start_id"] + (i // cols_per_core) * grid_x + i % cols_per_core for i in range(core["count"])
            ]
        else:
            blocks = range(core["start_id"], core["start_id"] + core["count"])
        for i, block in enumerate(blocks):
            if schedule["order"] == "row_major":
                by, bx = divmod(block, grid_x)
            else:
                bx, by = divmod(block, schedule["grid_y"])
            by %= row_blocks
            rows = max(0, min(mt, mt_tiles - by * mt))
            cols = max(0, min(nt, nt_tiles - bx * nt))
            if not mcast:
                read += rows * kt_tiles + cols * kt_tiles
            else:
                # Each K step one core of the row reads A's block (its tiles inside the tensor) and
                # multicasts the whole block, then a 4-byte semaphore word, to the others, which each
                # answer with a 4-byte increment; the cores take turns. B's likewise down the column.
                for s in range(steps):
                    t = i * steps + s
                    k_tiles = min(kb, kt_tiles - s * kb)
                    for place, cores, valid, blk in ((core["x"], schedule["cores_x"], rows, a_blk),
                                                     (core["y"], schedule["cores_y"], cols, b_blk)):  # fmt: skip
                        if t % cores == place:
                            read += valid * k_tiles
                            if cores > 1:
                                sent += blk * in_page + 4
                                received += (cores - 1) * 4
                        else:
                            sent += 4
                            received += blk * in_page + 4
            for step in plan["compute"]["epilogue"]:  # an added tensor: the block's tiles of it
                if "operand" in step:
                    read += {"row": cols, "col": rows, "none": rows * cols}[step["broadcast"]]
            written += rows * cols
            matmuls += steps * kb * mt * nt
        out.append({"x": core["x"], "y": core["y"], "tiles_read": read, "tiles_written": written,
                    "noc_bytes": read * in_page + written * out_page, "matmul_tiles": matmuls,
                    "l1_bytes_sent": sent, "l1_bytes_received": received})  # fmt: skip
    return sorted(out, key=lambda s: (s["x"], s["y"]))  # the simulator's order


def estimate(artifact_dir, fidelity: str | None = None) -> dict:
    """The cost model of the program in ``artifact_dir`` (see the module doc); ``fidelity``: the math
    fidelity to time the matmuls at (default: the plan's)."""
    artifact_dir = Path(artifact_dir)
    plan, plan_text = read_plan_text(artifact_dir)
    if plan["compute"]["op"] != "matmul":
        raise TTError(
            f"{artifact_dir}: the plan computes {plan['compute']['op']!r}; the cost model covers GEMMs "
            "only (an element-wise kernel is DRAM-bound: its tiles read and written are in the "
            "simulator's statistics, sim/sim_stats.json)"
        )
    fidelity = fidelity or plan["compute"]["math_fidelity"]
    device = plan["device"]
    cycles_of = device["cycles_per_tile_matmul"]
    if fidelity not in cycles_of:
        raise TTError(f"unknown fidelity {fidelity!r}; choose one of {', '.join(cycles_of)}")
    arch = {
        "clock_hz": device["clock_mhz"] * 1e6,
        "dram_bytes_per_s": device["dram_gb_per_s"] * 1e9,
        **{k: device[k] for k in ("core_dram_read_bytes_per_cycle", "core_dram_write_bytes_per_cycle",
                                  "core_multicast_bytes_per_cycle")},
    }  # fmt: skip
    stats, source = None, "derived from the plan"
    stats_path = artifact_dir / "sim" / "sim_stats.json"
    if stats_path.exists():
        try:
            recorded = json.loads(stats_path.read_text())
        except (OSError, ValueError):
            recorded = {}
        # Only statistics of this very plan count: a later dry-run into the same directory makes
        # the old ones stale.
        if recorded.get("plan_sha256") == plan_digest(plan_text) and "cores" in recorded:
            stats, source = recorded["cores"], "simulator statistics"
        else:
            source = "derived from the plan; the simulator statistics in sim/ are of another plan"
    if stats is None:
        stats = derived_stats(plan)
    by_xy = {(s["x"], s["y"]): s for s in stats}
    # Reads are of the operands' tiles (epilogue tensors have the same size); the output's may differ.
    page = plan["buffers"][plan["compute"]["a"]]["page_bytes"]
    out_page = plan["buffers"][plan["compute"]["c"]]["page_bytes"]
    active = len(plan["cores"])
    share = arch["dram_bytes_per_s"] / active
    cycles = cycles_of[fidelity]
    cores = []
    for core in plan["cores"]:
        s = by_xy[(core["x"], core["y"])]
        dram = s["tiles_read"] * page + s["tiles_written"] * out_page
        sent = s.get("l1_bytes_sent", 0)
        reader_cycles = (
            s["tiles_read"] * page / arch["core_dram_read_bytes_per_cycle"]
            + sent / arch["core_multicast_bytes_per_cycle"]
        )
        writer_cycles = s["tiles_written"] * out_page / arch["core_dram_write_bytes_per_cycle"]
        cores.append(CoreCost(core["x"], core["y"], core["count"], dram, s["noc_bytes"], s["matmul_tiles"], sent,
                              s["matmul_tiles"] * cycles / arch["clock_hz"], dram / share,
                              max(reader_cycles, writer_cycles) / arch["clock_hz"]))  # fmt: skip
    slowest = max(cores, key=lambda c: c.time_s)
    device_s = slowest.time_s
    a, c = (plan["buffers"][plan["compute"][x]] for x in "ac")
    m, k = a["shape"][-2:][::-1] if plan["compute"]["transpose_a"] else a["shape"][-2:]
    n = c["shape"][-1]
    flops = 2 * m * n * k * plan["compute"]["batch"]
    grid = plan["core_grid"]["x"] * plan["core_grid"]["y"]
    peak_flops = grid * TILE_FLOPS / cycles * arch["clock_hz"]
    total_dram = sum(c.dram_bytes for c in cores)
    # Every tensor's tiles moved once: the least traffic any schedule of this computation needs.
    min_dram = sum(b["num_tiles"] * b["page_bytes"] for b in plan["buffers"].values() if b["role"] != "unused")
    # The device's roofline, not the program's: its peak FPU rate, or the DRAM bandwidth at the minimal
    # traffic's arithmetic intensity, whichever binds (a schedule that re-reads its operands cannot look
    # better than it is).
    roofline = min(peak_flops, flops / min_dram * arch["dram_bytes_per_s"])
    counts = [c.blocks for c in cores]
    return {
        "kernel": plan["kernel_name"],
        "arch": plan["arch"],
        "schedule": plan["schedule"]["policy"],
        "fidelity": fidelity,
        "source": source,
        "shape": [m, n, k],
        "batch": plan["compute"]["batch"],
        "active_cores": active,
        "device_seconds": device_s,
        "tflops": flops / device_s / 1e12,
        "peak_tflops": peak_flops / 1e12,
        "roofline_tflops": roofline / 1e12,
        "percent_of_roofline": 100 * (flops / device_s) / roofline,
        "binding_limit": slowest.bound,
        "dram_bytes": total_dram,
        "dram_bytes_over_minimum": total_dram / min_dram,
        "load_imbalance": max(counts) / (sum(counts) / len(counts)),
        "cores": [c.__dict__ | {"time_s": c.time_s, "bound": c.bound} for c in cores],
    }


def summary(est: dict) -> str:
    m, n, k = est["shape"]
    batch = f"{est['batch']} x " if est.get("batch", 1) > 1 else ""
    return "\n".join([
        f"{est['kernel']} {batch}{m}x{n}x{k} on {est['active_cores']} {est['arch']} cores, "
        f"{est['schedule']} schedule, {est['fidelity']} ({est['source']})",
        f"modeled device time {1e3 * est['device_seconds']:.3f} ms -> {est['tflops']:.2f} TFLOP/s "
        f"({est['percent_of_roofline']:.0f}% of the {est['roofline_tflops']:.2f} TFLOP/s roofline; "
        f"peak {est['peak_tflops']:.1f})",
        f"binding limit: {est['binding_limit']}; DRAM traffic {est['dram_bytes_over_minimum']:.1f}x the minimum; "
        f"load imbalance (max/mean blocks) {est['load_imbalance']:.2f}",
    ])  # fmt: skip
