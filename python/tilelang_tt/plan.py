"""Reading ``tt.plan.json``: the one place every consumer (simulate, plan, estimate) reads a plan.

A plan is checked against its JSON schema (``schema/tt_plan.schema.json``), then for the facts a schema
cannot state: tile counts agree with the shapes, the operands of ``compute`` exist and chain, every core
is on the grid and the cores cover every block once. Any failure is a ``PlanError`` naming the file and
the field.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from .errors import TTError

PLAN_FILE = "tt.plan.json"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "tt_plan.schema.json"
TILE = 32


@dataclass(frozen=True)
class TileFormat:
    """How a dtype's tensors are stored: TT-Metalium DataFormat, tile page bytes, the tensor file's suffix and
    the NumPy dtype of its raw values (the C++ side's table: include/tilelang_tt/data_format.h)."""

    data_format: str
    page_bytes: int
    suffix: str
    numpy_dtype: str


#: dtype -> its tile format; float16 files hold IEEE float16 values.
TILE_FORMATS = {
    "bfloat16": TileFormat("Float16_b", 2048, ".bf16", "<u2"),
    "float16": TileFormat("Float16", 2048, ".f16", "<f2"),
    "float32": TileFormat("Float32", 4096, ".f32", "<f4"),
}


class PlanError(TTError):
    """A tt.plan.json that cannot be read or is not a valid tilelang-tt plan."""


def plan_digest(text: str) -> str:
    """SHA-256 of a plan's text: what simulator statistics record to say which plan they belong to."""
    return hashlib.sha256(text.encode()).hexdigest()


def read_plan_text(artifact_dir) -> tuple[dict, str]:
    """(the validated plan, its text) of ``artifact_dir``."""
    path = Path(artifact_dir) / PLAN_FILE
    try:
        text = path.read_text()
    except OSError as err:
        raise PlanError(
            f"{path}: cannot read the plan ({err.strerror or err}); write it with tilelang-tt dry-run"
        ) from None
    try:
        plan = json.loads(text)
    except ValueError as err:
        raise PlanError(f"{path}: not a tilelang-tt plan (not JSON: {err})") from None
    check_plan(plan, path)
    return plan, text


def read_plan(artifact_dir) -> dict:
    """The validated plan of ``artifact_dir``."""
    return read_plan_text(artifact_dir)[0]


def stored_shape(buf: dict) -> list:
    """A tensor's shape in its stored order: a batched tensor's ``matrix`` (its axes reordered), else its
    own shape (a 1-D tensor stays a vector)."""
    return buf.get("matrix", buf["shape"]) if len(buf["shape"]) >= 3 else buf["shape"]


def matrix_shape(buf: dict) -> list:
    """The shape one matrix's computation sees of a tensor: a batched tensor's stored matrix, else its shape."""
    shape = stored_shape(buf)
    return shape[-2:] if len(shape) >= 3 else shape


def _check_stages(plan, fail) -> None:
    """A staged program's stages chain: each reads input tensors or earlier stages' values, of the
    shapes its op needs, and the last one makes c; a value between stages has an intermediate CB."""
    compute, buffers = plan["compute"], plan["buffers"]
    cbs = {cb["index"]: cb for cb in plan["cbs"]}
    shapes = {name: matrix_shape(buf) for name, buf in buffers.items() if buf["role"] == "input"}
    vectors = {}  # a reduction's value -> the broadcast that reads it (one value per row: col)
    stages = compute["stages"]
    made_in = {}  # a value -> the CB its latest version is in (what an accumulating matmul reads)
    loops_done = set()  # the loops of stages before the current one (a loop's stages are consecutive)
    for n, stage in enumerate(stages):
        last = n + 1 == len(stages)
        what = f"stage {n} ({stage['op']} into {stage['out']!r})"
        loop = stage.get("loop")
        if n and stages[n - 1].get("loop") and stages[n - 1]["loop"]["id"] != (loop or {}).get("id"):
            loops_done.add(stages[n - 1]["loop"]["id"])
        if loop and loop["id"] in loops_done:
            fail(f"{what} runs in loop {loop['id']}, whose stages are not consecutive")
        sliced = {}
        for sl in (loop or {}).get("slices", []):
            buf = buffers.get(sl["tensor"])
            written = last and sl["tensor"] == compute["c"]  # the last stage writes c a block an iteration
            matrix = matrix_shape(buf) if buf else []
            if buf is None or (buf["role"] != "input" and not written) or sl["axis"] >= len(matrix):
                fail(f"{what} slices {sl['tensor']!r} along axis {sl['axis']}, not an input tensor's axis")
            blocks = [sl["step"] * k + sl["start"] for k in range(loop["extent"])]
            padded = buf["padded_shape"][-len(matrix) :] if len(buf["shape"]) >= 3 else buf["padded_shape"]
            if min(blocks) < 0 or (max(blocks) + 1) * sl["size"] > padded[sl["axis"]]:
                fail(f"{what} reads blocks {blocks} of {sl['size']} along axis {sl['axis']} of {sl['tensor']!r}, "
                     f"beyond its padded shape {buf['padded_shape']}")  # fmt: skip
            if written and sorted(blocks) != list(range(-(-matrix[sl["axis"]] // sl["size"]))):
                fail(f"{what} writes blocks {blocks} of {sl['size']} along axis {sl['axis']} of {sl['tensor']!r} "
                     f"{matrix}; the loop writes each of its blocks once")  # fmt: skip
            sliced[sl["tensor"]] = [sl["size"] if a == sl["axis"] else d for a, d in enumerate(matrix)]
        bound = (loop or {}).get("bound")
        if bound and last:
            fail(f"{what} writes {compute['c']!r} in a loop counted per block of rows; such a loop makes values only")
        if bound and stage["op"] == "reduce" and stage["reduce_dim"] != "row":
            fail(f"{what} reduces along columns in a loop counted per block of rows; each block's rows are its own")
        if last and loop and compute["c"] not in sliced:
            fail(f"{what} runs in loop {loop['id']} but writes no block of {compute['c']!r} an iteration")
        if stage["op"] == "fill":  # a constant block, or a vector of one value per row
            if last or cbs.get(stage["cb_out"], {}).get("role") != "intermediate":
                fail(f"{what}: a fill packs into an intermediate CB a later stage reads")
            shapes[stage["out"]] = list(stage["shape"])
            if len(stage["shape"]) == 1:
                vectors[stage["out"]] = "col"
            made_in[stage["out"]] = stage["cb_out"]
            continue
        if stage["op"] == "mask":  # a block the reader writes each iteration of its loop
            if last or not loop or len(stage["shape"]) != 2 or cbs.get(stage["cb_out"], {}).get("role") != "mask":
                fail(f"{what}: a mask is a 2-D block in a loop, written into a mask CB a later stage reads")
            shapes[stage["out"]] = list(stage["shape"])
            made_in[stage["out"]] = stage["cb_out"]
            continue
        if stage["in"] not in shapes:
            fail(f"{what} reads {stage['in']!r}, neither an input tensor nor an earlier stage's value")
        shape = sliced.get(stage["in"], shapes[stage["in"]])
        if stage["op"] == "matmul":  # in @ b, or in @ b^T
            if stage["b"] not in shapes:
                fail(f"{what} multiplies by {stage['b']!r}, neither an input tensor nor an earlier stage's value")
            b = sliced.get(stage["b"], shapes[stage["b"]])
            b = b[::-1] if stage["transpose_b"] else b
            if len(shape) != 2 or len(b) != 2 or shape[1] != b[0]:
                fail(f"{what} multiplies {stage['in']!r} of shape {shape} by {stage['b']!r} of shape {b}"
                     f"{' (transposed)' if stage['transpose_b'] else ''}; their shapes do not chain")  # fmt: skip
            if stage["accumulate"] and shapes.get(stage["out"]) not in (None, [shape[0], b[1]]):
                fail(f"{what} adds its product {[shape[0], b[1]]} into {stage['out']!r} of shape "
                     f"{shapes[stage['out']]}")  # fmt: skip
            if stage["accumulate"] and stage["out"] not in shapes:
                fail(f"{what} adds into {stage['out']!r}, which no earlier stage made")
            if stage["accumulate"] and stage["cb_acc"] != made_in.get(stage["out"]):
                fail(f"{what} reads the value it adds into from CB {stage['cb_acc']}, not from CB "
                     f"{made_in.get(stage['out'])} where {stage['out']!r} was made")  # fmt: skip
            made_in[stage["out"]] = stage["cb_out"]
            shapes[stage["out"]] = [shape[0], b[1]]
            if last or cbs.get(stage["cb_out"], {}).get("role") != "intermediate":
                fail(f"{what}: a matmul stage packs into an intermediate CB a later stage reads")
            continue
        if stage["op"] == "reduce":
            rows = stage["reduce_dim"] == "row"
            if len(shape) != 2:
                fail(f"{what} reduces {stage['in']!r} of shape {shape}; a reduction reads a 2-D value")
            out = shape[:1] if rows else shape[1:]
            vectors[stage["out"]] = "col" if rows else "row"
            if any("operand" in step for step in stage.get("epilogue", [])):
                fail(f"{what} applies an op with a tensor to its result; a reduction's ops take constants")
        else:
            out = shape
            if stage["in"] in vectors:  # an update of a reduction's vector
                vectors[stage["out"]] = vectors[stage["in"]]
            for step in stage["epilogue"]:
                if "operand" not in step:
                    continue
                broadcast = step["broadcast"]
                want = shape if broadcast == "none" else [shape[-1] if broadcast == "row" else shape[-2]]
                have = sliced.get(step["operand"], shapes.get(step["operand"], want))
                if step["operand"] not in shapes or (have is not None and have != want):
                    fail(f"{what} takes {step['operand']!r} as {broadcast!r}; it needs a value of shape {want}")
                # A vector stage reads vectors along its own axis; a block's update broadcasts them along theirs.
                along = vectors.get(stage["in"], broadcast) if broadcast == "none" else broadcast
                if vectors.get(step["operand"], along) != along:
                    fail(f"{what} takes the reduction {step['operand']!r} as {broadcast!r}, not along its axis")
        role = cbs.get(stage["cb_out"], {}).get("role")
        if role != ("output" if last else "intermediate"):
            fail(f"{what} packs into CB {stage['cb_out']}, not an {'output' if last else 'intermediate'} CB")
        if last and (
            stage["out"] != compute["c"] or out != sliced.get(compute["c"], matrix_shape(buffers[compute["c"]]))
        ):
            fail(f"the last stage makes {stage['out']!r} of shape {out}; c is {compute['c']!r}")
        shapes[stage["out"]] = out
        made_in[stage["out"]] = stage["cb_out"]


def check_plan(plan, path) -> None:
    """Raise PlanError unless ``plan`` is a valid plan (schema and cross-field facts)."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(plan))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise PlanError(f"{path}: not a tilelang-tt plan: at {where}: {error.message}")

    def fail(what: str):
        raise PlanError(f"{path}: inconsistent plan: {what}")

    for name, buf in plan["buffers"].items():
        # A batched tensor: its matrices one after another, each in whole tiles, its axes in the order
        # of axes (the rows' axis moved before the last: what the host program's FileRow lays out).
        # A 1-D tensor is stored as the matrix (1, n) or (n, 1).
        matrix, shape = buf.get("matrix", buf["shape"]), buf["shape"]
        if len(shape) == 1 and sorted(matrix) != sorted([1] + shape):
            fail(f"buffer {name!r} has shape {shape} but is stored as the matrix {matrix}")
        if "axes" in buf:
            axes, rank = buf["axes"], len(shape)
            row = axes[-2] if len(axes) == rank else None
            moved = [a for a in range(rank - 1) if a != row] + [row, rank - 1]
            if rank < 3 or axes != moved or row == rank - 2 or matrix != [shape[a] for a in axes]:
                fail(f"buffer {name!r} of shape {shape} is stored in the order {axes} as {matrix}")
        elif "matrix" in buf and len(shape) != 1:
            fail(f"buffer {name!r} of shape {shape} has a matrix; only 1-D and reordered tensors do")
        batch = matrix[:-2]
        tiles = batch + [-(-extent // TILE) for extent in matrix[-2:]]
        if buf["tiles"] != tiles or buf["padded_shape"] != batch + [t * TILE for t in tiles[-2:]]:
            fail(f"buffer {name!r} has shape {buf['shape']} but tiles {buf['tiles']} / padded {buf['padded_shape']}")
        if buf["num_tiles"] != math.prod(tiles):
            fail(f"buffer {name!r} has {buf['num_tiles']} tiles, its tile grid {tiles} has {math.prod(tiles)}")
        fmt = TILE_FORMATS[buf["dtype"]]
        if buf["page_bytes"] != fmt.page_bytes or not buf["file"].endswith(fmt.suffix):
            fail(f"buffer {name!r} of {buf['dtype']} has {buf['page_bytes']}-byte pages in {buf['file']!r}")
        if buf["dram_banks"] != plan["dram_banks"]:
            fail(f"buffer {name!r} is interleaved over {buf['dram_banks']} banks, the device has {plan['dram_banks']}")
    compute = plan["compute"]
    matmul = compute["op"] == "matmul"
    for operand, role in (("a", "input"), ("b", "input"), ("c", "output")):
        if operand not in compute:  # an element-wise kernel has no b
            continue
        name = compute[operand]
        if name not in plan["buffers"] or plan["buffers"][name]["role"] != role:
            fail(f"compute.{operand} = {name!r} is not an {role} buffer")
    a, c = (stored_shape(plan["buffers"][compute[x]]) for x in "ac")
    batch = c[:-2]
    if matmul:
        b = stored_shape(plan["buffers"][compute["b"]])
        a = a[:-2] + a[-2:][::-1] if compute["transpose_a"] else a
        b = b[:-2] + b[-2:][::-1] if compute["transpose_b"] else b
        if a[-1] != b[-2] or c[-2:] != [a[-2], b[-1]] or any(x[:-2] not in ([], batch) for x in (a, b)):
            fail(f"compute does not chain: a {a} @ b {b} -> c {c}")
    elif compute["op"] == "reduce":
        rows = compute["reduce_dim"] == "row"
        if len(a) != 2 or c != (a[:1] if rows else a[1:]):
            what = "row" if rows else "column"
            fail(f"the reduction of a {a} gives one value per {what}; c is {c}")
    elif compute["op"] == "stages":
        _check_stages(plan, fail)
    elif a != c:
        fail(f"the element-wise compute reads a {a} for c {c}; they must have one shape")
    if compute["batch"] != math.prod(batch):
        fail(f"compute.batch is {compute['batch']} but c has shape {c}")
    for step in compute["epilogue"]:
        if "operand" not in step:
            continue
        name = step["operand"]
        if name not in plan["buffers"] or plan["buffers"][name]["role"] != "input":
            fail(f"the epilogue adds {name!r}, which is not an input buffer")
        want = {"row": [c[-1]], "col": [c[-2]], "none": c}[step["broadcast"]]
        if stored_shape(plan["buffers"][name]) != want:
            fail(
                f"the epilogue adds {name!r} of shape {plan['buffers'][name]['shape']} as {step['broadcast']!r}; "
                f"c {c} needs {want}"
            )
    pages = {f.data_format: f.page_bytes for f in TILE_FORMATS.values()}
    for cb in plan["cbs"]:
        if cb["role"] not in ("partials", "scaler", "intermediate", "mask") and cb["tensor"] not in plan["buffers"]:
            fail(f"CB {cb['name']} moves tensor {cb['tensor']!r}, which buffers does not describe")
        if cb["page_bytes"] != pages[cb["data_format"]]:
            fail(f"CB {cb['name']} has {cb['page_bytes']}-byte pages for {cb['data_format']} tiles")
    if compute["partials"] != any(cb["role"] == "partials" for cb in plan["cbs"]):
        fail(
            f"compute.partials is {compute['partials']} but the cbs {'lack' if compute['partials'] else 'have'} "
            "a partials CB"
        )
    grid = plan["core_grid"]
    schedule = plan["schedule"]
    if schedule["policy"] == "mcast2d" and (
        schedule["cores_x"] * schedule["core_block_cols"] != schedule["grid_x"]
        or schedule["cores_y"] * schedule["core_block_rows"] != schedule["grid_y"]
    ):
        fail("the mcast2d rectangles do not tile the block grid")
    if len({(c["x"], c["y"]) for c in plan["cores"]}) != len(plan["cores"]):
        fail("a core appears twice in cores")
    covered = 0
    for core in sorted(plan["cores"], key=lambda c: c["start_id"]):
        if core["x"] >= grid["x"] or core["y"] >= grid["y"]:
            fail(f"core ({core['x']}, {core['y']}) is outside the {grid['x']} x {grid['y']} grid")
        if schedule["policy"] == "mcast2d":  # core (x, y): the rectangle at block row y * rows, column x * cols
            rows, cols = schedule["core_block_rows"], schedule["core_block_cols"]
            want = (core["y"] * rows * schedule["grid_x"] + core["x"] * cols, rows * cols)
            if (core["start_id"], core["count"]) != want or not (
                core["x"] < schedule["cores_x"] and core["y"] < schedule["cores_y"]
            ):
                fail(
                    f"core ({core['x']}, {core['y']}) has blocks {core['start_id']} + {core['count']}; its mcast2d "
                    f"rectangle starts at {want[0]} with {want[1]}"
                )
        elif core["start_id"] != covered:
            fail(f"core ({core['x']}, {core['y']}) starts at block {core['start_id']}, expected {covered}")
        covered += core["count"]
    if covered != plan["schedule"]["num_blocks"]:
        fail(f"the cores cover {covered} blocks, the schedule has {plan['schedule']['num_blocks']}")
    if plan["l1_unreserved_base"] >= plan["l1_bytes_per_core"]:
        fail(f"l1_unreserved_base {plan['l1_unreserved_base']} is not below l1_bytes_per_core")
