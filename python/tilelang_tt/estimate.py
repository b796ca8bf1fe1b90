"""A cost model of an emitted program: where its time would go on the device.

    tilelang-tt estimate DIR [--fidelity HiFi4|HiFi3|HiFi2|LoFi]

Per core it counts DRAM bytes (tiles read and written), bytes multicast to other cores, tile matmuls
and the compute kernel's L1 traffic (bytes its unpackers read, bytes its packers write) -- from the
simulator's statistics when DIR/sim/sim_stats.json exists and records this plan's digest, otherwise
derived from the plan by the same rules the kernels follow (the SFPU's cycles only from the simulator,
which counts the instructions its routines issue). A core's modeled time is the longest of
  compute: max(its matmuls at the fidelity's cycles a tile + its SFPU cycles, its unpacking at the
           unpackers' rate) + its packing at the packers' rate (the pack of partial sums sits on the
           compute path),
  data movement: its busier data-movement kernel at one core's DRAM and multicast rates,
  DRAM: its share of the board's measured bandwidth;
the device time is the slowest core's. The same model times ttnn's published matmul configurations
(``ttnn_matmul_core_stats``), which is how it is calibrated (docs/performance.md, "Calibration").
Constants and their sources: docs/performance.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import TTError
from .plan import matrix_shape, plan_digest, read_plan_text, stored_shape

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
    #: The matrix engine's time, the unpackers' and the packers' (compute kernel).
    fpu_s: float
    unpack_s: float
    pack_s: float
    dram_s: float
    #: The busier data-movement kernel: the reader's DRAM reads and multicasts, or the writer's writes.
    noc_s: float = 0.0
    #: The Vector Unit's (SFPU's) tile ops, counted by the simulator (a lower bound: sim_stats'
    #: ``sfpu_cycles``). The math RISC-V issues them and the matrix unit's ops in turn, so they add up.
    sfpu_s: float = 0.0

    @property
    def compute_s(self) -> float:
        return max(self.fpu_s + self.sfpu_s, self.unpack_s) + self.pack_s

    @property
    def time_s(self) -> float:
        return max(self.compute_s, self.dram_s, self.noc_s)

    @property
    def bound(self) -> str:
        math = "FPU" if self.fpu_s >= self.sfpu_s else "SFPU"
        compute = math if self.fpu_s + self.sfpu_s >= self.unpack_s else "unpack"
        return max((self.compute_s, compute), (self.dram_s, "DRAM"), (self.noc_s, "NoC"))[1]


def arch_facts(device: dict) -> dict:
    """The plan's ``device`` section as the cost model uses it (rates per second or per cycle)."""
    return {
        "clock_hz": device["clock_mhz"] * 1e6,
        "dram_bytes_per_s": device["dram_measured_gb_per_s"] * 1e9,
        **{k: device[k] for k in ("core_dram_read_bytes_per_cycle", "core_dram_write_bytes_per_cycle",
                                  "core_multicast_bytes_per_cycle", "unpack_bytes_per_cycle",
                                  "pack_bytes_per_cycle", "cycles_per_tile_matmul")},
    }  # fmt: skip


#: Bytes a cycle the packers accumulate into L1 (packer L1 accumulation, which ttnn's tuned matmuls use and
#: our kernels do not): four packers, one 128-bit non-atomic accumulate every two cycles each
#: (tt-isa-documentation WormholeB0/TensixTile/L1.md).
PACK_L1_ACC_BYTES_PER_CYCLE = 32


def core_cost(
    s: dict, arch: dict, fidelity: str, dram_share_bytes_per_s: float, page: int, out_page: int, blocks: int = 0
) -> CoreCost:
    """One core's modeled times from its counts ``s`` (a sim_stats.json core, or ttnn_matmul_core_stats):
    the reader's DRAM reads and multicasts and the writer's writes on separate data-movement RISC-Vs
    unless ``s`` gives ``dm_cycles`` itself."""
    clock = arch["clock_hz"]
    dram = s["tiles_read"] * page + s["tiles_written"] * out_page
    sent = s.get("l1_bytes_sent", 0)
    if "dm_cycles" in s:
        dm_cycles = s["dm_cycles"]
    else:
        reader = s["tiles_read"] * page / arch["core_dram_read_bytes_per_cycle"] + sent / arch[
            "core_multicast_bytes_per_cycle"]  # fmt: skip
        writer = s["tiles_written"] * out_page / arch["core_dram_write_bytes_per_cycle"]
        dm_cycles = max(reader, writer)
    pack_cycles = s["packed_bytes"] / arch["pack_bytes_per_cycle"] + s.get("packed_acc_bytes", 0) / (
        PACK_L1_ACC_BYTES_PER_CYCLE)  # fmt: skip
    return CoreCost(s["x"], s["y"], blocks, dram, s.get("noc_bytes", dram), s["matmul_tiles"], sent,
                    fpu_s=s["matmul_tiles"] * arch["cycles_per_tile_matmul"][fidelity] / clock,
                    unpack_s=s["unpacked_bytes"] / arch["unpack_bytes_per_cycle"] / clock,
                    pack_s=pack_cycles / clock, dram_s=dram / dram_share_bytes_per_s,
                    noc_s=dm_cycles / clock, sfpu_s=s.get("sfpu_cycles", 0) / clock)  # fmt: skip


@dataclass(frozen=True)
class TtnnMatmulConfig:
    """One of ttnn's 2-D multicast matmuls: the shape, the core grid (x, y) and the program configuration
    (``MatmulMultiCoreReuseMultiCastProgramConfig``: in0_block_w, the output block and subblock in tiles)."""

    m: int
    k: int
    n: int
    grid: tuple[int, int]
    in0_block_w: int
    out_block: tuple[int, int]
    subblock: tuple[int, int]


def ttnn_matmul_core_stats(device: dict, c: TtnnMatmulConfig) -> dict:
    """The busiest core's counts under ttnn's 2-D multicast matmul (``MatmulMultiCoreReuseMultiCastProgramConfig``
    with bf16 operands and output, bf16 DST, packer L1 accumulation -- the configuration of tt-metal's
    GEMM_FLOPS benchmark): per core a per_core_M x per_core_N tile block walked in out_block blocks; per
    output block and K block of in0_block_w tiles the first core of a row reads A's out_block_h x
    in0_block_w tiles and multicasts them along the row on one data-movement RISC-V, the first core of a
    column B's down the column on the other, which also writes the output. Compute multiplies each
    subblock with matmul_block (its unpacking: ``matmul_block_unpacked``) and packs each output block once
    per K block: the first plainly, the rest accumulating in L1."""
    tile = 2048
    gx, gy = c.grid
    mt, kt, nt = c.m // 32, c.k // 32, c.n // 32
    per_m, per_n = mt // gy, nt // gx
    (obh, obw), (sh, sw), in0_block_w = c.out_block, c.subblock, c.in0_block_w
    kblocks = kt // in0_block_w
    out_blocks = (per_m // obh) * (per_n // obw)
    steps = out_blocks * kblocks
    a_block, b_block = obh * in0_block_w, in0_block_w * obw
    # matmul_block per K tile and subblock (sh = rt, sw = ct), counted as the release's unpacker does it.
    unpacked = steps * (obh * obw // (sh * sw)) * in0_block_w * matmul_block_unpacked(sh, sw, tile, tile)
    # A sender reads its block from DRAM, then multicasts it.
    step_cycles = tile * (1 / device["core_dram_read_bytes_per_cycle"] + 1 / device["core_multicast_bytes_per_cycle"])
    a_cycles, b_cycles = steps * a_block * step_cycles, steps * b_block * step_cycles
    writes = per_m * per_n * tile / device["core_dram_write_bytes_per_cycle"]
    return {
        "x": 0, "y": 0,
        "tiles_read": steps * (a_block + b_block), "tiles_written": per_m * per_n,
        "matmul_tiles": per_m * per_n * kt, "l1_bytes_sent": steps * (a_block + b_block) * tile,
        "unpacked_bytes": unpacked, "packed_bytes": out_blocks * obh * obw * tile,
        "packed_acc_bytes": out_blocks * (kblocks - 1) * obh * obw * tile,
        "dm_cycles": max(a_cycles, b_cycles + writes),
        # All cores' DRAM traffic: A's blocks by the gy row senders, B's by the gx column senders.
        "board_dram_bytes": (gy * steps * a_block + gx * steps * b_block + mt * nt) * tile,
    }  # fmt: skip


def model_ttnn_matmul(device: dict, fidelity: str, config: TtnnMatmulConfig) -> dict:
    """The modeled kernel time of one of ttnn's matmul configurations (see ``ttnn_matmul_core_stats``):
    the busiest core's time or the board's DRAM time, whichever is longer."""
    arch = arch_facts(device)
    s = ttnn_matmul_core_stats(device, config)
    cost = core_cost(s, arch, fidelity, float("inf"), 2048, 2048)
    board_dram_s = s["board_dram_bytes"] / arch["dram_bytes_per_s"]
    seconds = max(cost.time_s, board_dram_s)
    return {"seconds": seconds, "tflops": 2 * config.m * config.n * config.k / seconds / 1e12,
            "bound": cost.bound if cost.time_s >= board_dram_s else "DRAM", "core": cost.__dict__}  # fmt: skip


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def matmul_block_unpacked(rt: int, ct: int, a_bytes: int, b_bytes: int) -> int:
    """Bytes one matmul_block of an rt x ct sub-block unpacks, as the release's llk_unpack_AB_matmul.h does:
    it reuses A's rt tiles when ct >= rt, else B's ct tiles, each unpacked once, two at a time (the source
    register's two banks), and for each pair (or last single) streams the other operand's tiles once."""
    reuse_a = ct >= rt
    reused, streamed = (rt, ct) if reuse_a else (ct, rt)
    reused_bytes, streamed_bytes = (a_bytes, b_bytes) if reuse_a else (b_bytes, a_bytes)
    return reused * reused_bytes + -(-reused // 2) * streamed * streamed_bytes


def _compute_traffic(plan: dict, mt: int, nt: int, kb: int, steps: int) -> tuple[int, int]:
    """Bytes the compute kernel's unpackers read from L1 and its packers write into L1 for one output
    block (mt x nt tiles, `steps` K steps of kb tiles), as the emitted kernel does it (every block whole,
    padding included): each matmul_tiles unpacks one tile of each operand; with partial sums every K
    step but the first reloads the block's partials and every one but the last packs them; a transposed
    A goes through DST into cb_transposed each K step; an epilogue operand is loaded after the last."""
    page = {cb["role"] if cb["role"] in ("partials", "transposed", "output") else cb["tensor"]: cb["page_bytes"]
            for cb in plan["cbs"]}  # fmt: skip
    compute = plan["compute"]
    a_page = page["transposed"] if compute["transpose_a"] else page[compute["a"]]
    b_page = page[compute["b"]]
    tiles = mt * nt
    sub_m, sub_n = compute["subblock"]
    subblocks = tiles // (sub_m * sub_n)
    if sub_m * sub_n > 1 and not compute["transpose_b"]:
        unpacked = steps * kb * subblocks * matmul_block_unpacked(sub_m, sub_n, a_page, b_page)
    else:  # matmul_tiles: both tiles of every product
        unpacked = steps * kb * tiles * (a_page + b_page)
    packed = tiles * page["output"]
    if compute["partials"]:
        unpacked += (steps - 1) * tiles * page["partials"]
        packed += (steps - 1) * tiles * page["partials"]
    if compute["transpose_a"]:  # transpose_tile from A's CB, pack_tile into cb_transposed
        unpacked += steps * mt * kb * page[compute["a"]]
        packed += steps * mt * kb * page["transposed"]
    # An operand's tile is loaded into DST once per tile of each DST sub-block, a broadcast bias once per
    # tile row (a column vector) or tile column (a row vector) of it.
    per_subblock = {"col": sub_m, "row": sub_n, "none": sub_m * sub_n}
    for step in compute["epilogue"]:
        if "operand" in step:
            loads = subblocks * per_subblock[step["broadcast"]]
            unpacked += loads * page[step["operand"]]
    return unpacked, packed


def derived_stats(plan: dict) -> list[dict]:
    """Per-core counters the program would produce, from the plan alone (a GEMM's): DRAM tiles read and
    written (and their bytes, ``noc_bytes``), tile matmuls, and under the mcast2d schedule the bytes each
    core multicasts to / receives from the others (``l1_bytes_sent`` / ``l1_bytes_received``)."""
    # A's and B's matmul CBs are the first input CBs of their tensors (an epilogue that reads A again has
    # a CB of its own after them).
    cb_of = {}
    for cb in plan["cbs"]:
        cb_of.setdefault(cb["tensor"], cb)
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
    block_unpacked, block_packed = _compute_traffic(plan, mt, nt, kb, steps)
    out = []
    for core in plan["cores"]:
        read = written = matmuls = sent = received = unpacked = packed = 0
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
            unpacked += block_unpacked
            packed += block_packed
        out.append({"x": core["x"], "y": core["y"], "tiles_read": read, "tiles_written": written,
                    "noc_bytes": read * in_page + written * out_page, "matmul_tiles": matmuls,
                    "l1_bytes_sent": sent, "l1_bytes_received": received,
                    "unpacked_bytes": unpacked, "packed_bytes": packed})  # fmt: skip
    return sorted(out, key=lambda s: (s["x"], s["y"]))  # the simulator's order


def _rows_times_iterations(rows: int, loop: dict) -> int:
    """The rows a stage computes times the iterations it computes them in: every row in each of the loop's
    iterations, or, in a loop bounded per output block (a causal flash attention's), each block's rows in its
    own count of iterations."""
    bound = loop.get("bound")
    if bound is None:
        return rows * loop.get("extent", 1)
    step = bound["block_rows"]
    return sum(
        min(step, rows - r0) * min(loop["extent"], -(-(r0 + bound["add"]) // bound["div"]))
        for r0 in range(0, rows, step)
    )


def stage_flops(plan: dict) -> int:
    """The matrix unit's useful work in a staged program: 2 * M * N * K of each matmul stage each time it
    runs (once, or once an iteration of its loop, on that iteration's slices; a loop bounded per output block
    runs each block's rows its own count of times), for each matrix of a batched program (flash attention's
    forward: 4 * batch * heads * seq^2 * dim; causal, about half of it: the blocks of keys past the diagonal
    are not computed, the masked half of each diagonal block is)."""
    compute = plan["compute"]
    shapes = {name: matrix_shape(buf) for name, buf in plan["buffers"].items()}
    flops = 0
    for stage in compute["stages"]:
        loop = stage.get("loop") or {}
        sliced = {sl["tensor"]: [sl["size"] if axis == sl["axis"] else d for axis, d in enumerate(shapes[sl["tensor"]])]
                  for sl in loop.get("slices", [])}  # fmt: skip
        if stage["op"] in ("fill", "mask"):
            shapes[stage["out"]] = list(stage["shape"])
            continue
        a = sliced.get(stage["in"], shapes[stage["in"]])
        if stage["op"] == "matmul":
            b = sliced.get(stage["b"], shapes[stage["b"]])
            b = b[::-1] if stage["transpose_b"] else b
            flops += 2 * a[1] * b[1] * _rows_times_iterations(a[0], loop)
            shapes[stage["out"]] = [a[0], b[1]]
        elif stage["op"] == "reduce":
            shapes[stage["out"]] = a[:1] if stage["reduce_dim"] == "row" else a[1:]
        else:
            shapes[stage["out"]] = a
    return flops * compute["batch"]


def estimate(artifact_dir, fidelity: str | None = None) -> dict:
    """The cost model of the program in ``artifact_dir`` (see the module doc); ``fidelity``: the math
    fidelity to time the matmuls at (default: the plan's). A staged program with matmul stages (attention)
    is timed from the simulator's statistics: its matmuls, its SFPU functions (exp2, reciprocals: the
    instructions the simulator counts, one a cycle), unpacking, packing and data movement, not the FPU's
    element-wise and reduce passes nor an SFPMAD's second cycle of latency, so its time is a lower bound
    (``lower_bound``)."""
    artifact_dir = Path(artifact_dir)
    plan, plan_text = read_plan_text(artifact_dir)
    staged = plan["compute"]["op"] == "stages" and any(st["op"] == "matmul" for st in plan["compute"]["stages"])
    if plan["compute"]["op"] != "matmul" and not staged:
        raise TTError(
            f"{artifact_dir}: the plan computes {plan['compute']['op']!r}; the cost model covers GEMMs and "
            "programs with T.gemm stages (attention) only (an element-wise kernel or a reduction is "
            "DRAM-bound: its tiles read and written are in the simulator's statistics, sim/sim_stats.json)"
        )
    fidelity = fidelity or plan["compute"]["math_fidelity"]
    device = plan["device"]
    if fidelity not in device["cycles_per_tile_matmul"]:
        raise TTError(f"unknown fidelity {fidelity!r}; choose one of {', '.join(device['cycles_per_tile_matmul'])}")
    arch = arch_facts(device)
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
    if stats is None and staged:
        raise TTError(
            f"{artifact_dir}: a program of stages is timed from the simulator's statistics; run "
            f"`tilelang-tt simulate {artifact_dir}` first ({source})"
        )
    if stats is None:
        stats = derived_stats(plan)
    by_xy = {(s["x"], s["y"]): s for s in stats}
    # Reads are of the operands' tiles (epilogue tensors have the same size); the output's may differ.
    page = plan["buffers"][plan["compute"]["a"]]["page_bytes"]
    out_page = plan["buffers"][plan["compute"]["c"]]["page_bytes"]
    active = len(plan["cores"])
    share = arch["dram_bytes_per_s"] / active
    cycles = arch["cycles_per_tile_matmul"][fidelity]
    cores = [core_cost(by_xy[(core["x"], core["y"])], arch, fidelity, share, page, out_page, core["count"])
             for core in plan["cores"]]  # fmt: skip
    slowest = max(cores, key=lambda c: c.time_s)
    device_s = slowest.time_s
    a, c = (plan["buffers"][plan["compute"][x]] for x in "ac")
    if staged:
        m, n, k = None, None, None
        flops = stage_flops(plan)
    else:
        m, k = stored_shape(a)[-2:][::-1] if plan["compute"]["transpose_a"] else stored_shape(a)[-2:]
        n = stored_shape(c)[-1]
        flops = 2 * m * n * k * plan["compute"]["batch"]
    grid = plan["core_grid"]["x"] * plan["core_grid"]["y"]
    peak_flops = grid * TILE_FLOPS / cycles * arch["clock_hz"]
    total_dram = sum(c.dram_bytes for c in cores)
    # Every tensor's tiles moved once: the least traffic any schedule of this computation needs.
    min_dram = sum(b["num_tiles"] * b["page_bytes"] for b in plan["buffers"].values() if b["role"] != "unused")
    # The device's roofline, not the program's: its peak FPU rate, or the board's DRAM bandwidth at the
    # minimal traffic's arithmetic intensity, whichever binds (a schedule that re-reads its operands
    # cannot look better than it is).
    roofline = min(peak_flops, flops / min_dram * device["dram_gb_per_s"] * 1e9)
    counts = [c.blocks for c in cores]
    return {
        "kernel": plan["kernel_name"],
        "arch": plan["arch"],
        "schedule": plan["schedule"]["policy"],
        "fidelity": fidelity,
        "source": source,
        "shape": None if staged else [m, n, k],
        "batch": plan["compute"]["batch"],
        "flops": flops,
        "lower_bound": staged,
        # Derived from the plan, a GEMM's epilogue runs on the SFPU uncounted (its count is the simulator's).
        "sfpu_not_counted": source != "simulator statistics" and bool(plan["compute"].get("epilogue")),
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
        "cores": [c.__dict__ | {"compute_s": c.compute_s, "time_s": c.time_s, "bound": c.bound} for c in cores],
    }


def summary(est: dict) -> str:
    batch = f"{est['batch']} x " if est.get("batch", 1) > 1 else ""
    if est["shape"]:
        m, n, k = est["shape"]
        what = f"{batch}{m}x{n}x{k}"
    else:
        on = f" on {est['batch']} matrices" if est.get("batch", 1) > 1 else ""
        what = f"stages{on} ({est['flops'] / 1e9:.3g} GFLOP in matmul stages)"
    at_least, at_most = ("at least ", "at most ") if est.get("lower_bound") else ("", "")
    lines = [
        f"{est['kernel']} {what} on {est['active_cores']} {est['arch']} cores, "
        f"{est['schedule']} schedule, {est['fidelity']} ({est['source']})",
        f"modeled device time {at_least}{1e3 * est['device_seconds']:.3f} ms -> {at_most}{est['tflops']:.2f} "
        f"TFLOP/s ({est['percent_of_roofline']:.0f}% of the {est['roofline_tflops']:.2f} TFLOP/s roofline; "
        f"peak {est['peak_tflops']:.1f})",
    ]
    if est.get("sfpu_not_counted"):
        lines.append(
            "not counted: the epilogue's SFPU ops (the simulator counts them: run `tilelang-tt simulate` first)"
        )
    if est.get("lower_bound"):
        lines.append("the SFPU's functions (exp2, reciprocals) counted as the instructions they issue, one "
                     "a cycle; not modeled: the FPU's element-wise and reduce passes between the stages")  # fmt: skip
    return "\n".join([
        *lines,
        f"binding limit: {est['binding_limit']}; DRAM traffic {est['dram_bytes_over_minimum']:.1f}x the minimum; "
        f"load imbalance (max/mean blocks) {est['load_imbalance']:.2f}",
    ])  # fmt: skip
