"""The DRAM pages the emitted reader and writer visit, per core (issue #4).

Each emitted data-movement kernel is compiled with g++ against a recording
stand-in of the dataflow API (dataflow_stub/) and run once per core with the
plan's runtime args. The page ids it reads/writes, pushed through the
interleaving rule (bank = id % banks, offset = id // banks * page bytes),
must equal the hand-computed sequence.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from kernels import gemm_kernel

import tilelang_tt

STUB = Path(__file__).resolve().parent / "dataflow_stub"
SIM_INCLUDE = Path(__file__).resolve().parents[3] / "src" / "sim" / "include"
PAGE = 2048

# A: 128 x 256 (4 x 8 tiles), B: 256 x 64 (8 x 2), C: 128 x 64 (4 x 2);
# 64 x 32 x 128 blocks: a 2 x 2 grid of blocks, each K step 2 x 4 tiles of A
# and 4 x 1 tiles of B; one block per core on a 4-core target.
SHAPE = dict(M=128, N=64, K=256, block_M=64, block_N=32, block_K=128)
CORES = {"core_grid_x": 4, "core_grid_y": 1}


def run_kernel(tmp_path: Path, source: str, name: str, args: list[int]) -> list[tuple[str, int, int, int]]:
    src = tmp_path / f"{name}.cpp"
    src.write_text(source)
    exe = tmp_path / name
    if not exe.exists():
        subprocess.run(
            [
                "g++",
                "-std=c++17",
                "-O0",
                f"-I{STUB}",
                f"-I{SIM_INCLUDE}",
                str(src),
                str(STUB / "harness.cpp"),
                "-o",
                str(exe),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    out = subprocess.run([str(exe), *map(str, args)], check=True, capture_output=True, text=True).stdout
    return [(w[0], int(w[1]), int(w[2]), int(w[3])) for w in (line.split() for line in out.splitlines())]


def interleave(page_id: int, banks: int) -> tuple[int, int]:
    return page_id % banks, page_id // banks * PAGE


@pytest.fixture(params=[("wormhole_b0", 12), ("blackhole", 8)], ids=["wormhole", "blackhole"])
def lowered(request):
    arch, banks = request.param
    artifacts = tilelang_tt.lower(gemm_kernel(**SHAPE), target={"kind": "tenstorrent", "arch": arch, **CORES})
    return artifacts, banks


def core_args(plan, kernel, core, addresses):
    """The runtime args the host passes `kernel` on `core`: tensor addresses first, then its schema args."""
    shared = plan["runtime_args"]["shared_values"]
    values = {"start_id": core["start_id"], "count": core["count"], **shared}
    names = next(k["runtime_args"] for k in plan["kernels"] if k["name"] == kernel)
    tensor_args = [n for n in names if n.endswith("_addr")]
    assert len(tensor_args) == len(addresses)
    return [*addresses, *(values[name] for name in names[len(tensor_args) :])]


def test_reader_visits_the_hand_computed_pages(lowered, tmp_path):
    artifacts, banks = lowered
    plan = artifacts.plan
    assert [(c["x"], c["y"], c["start_id"], c["count"]) for c in plan["cores"]] == [
        (0, 0, 0, 1),
        (1, 0, 1, 1),
        (2, 0, 2, 1),
        (3, 0, 3, 1),
    ]
    for core in plan["cores"]:
        block = core["start_id"]
        by, bx = divmod(block, 2)
        visits = run_kernel(tmp_path, artifacts.files["reader.cpp"], "reader", core_args(plan, "reader", core, [0, 0]))
        expected = []
        for k in range(2):  # K steps of 4 tiles
            expected += [("read", 0, (2 * by + r) * 8 + 4 * k + c, 4 * r + c) for r in range(2) for c in range(4)]
            expected += [("read", 1, (4 * k + r) * 2 + bx, r) for r in range(4)]
        assert visits == expected, f"core {core}"


def test_pages_land_in_the_hand_computed_banks(lowered, tmp_path):
    """Core 3 (block by=1, bx=1), written out by hand for both bank counts."""
    artifacts, banks = lowered
    core = artifacts.plan["cores"][3]
    visits = run_kernel(
        tmp_path, artifacts.files["reader.cpp"], "reader", core_args(artifacts.plan, "reader", core, [0, 0])
    )
    a_pages = [interleave(page, banks) for kind, ordinal, page, _ in visits if ordinal == 0]
    b_pages = [interleave(page, banks) for kind, ordinal, page, _ in visits if ordinal == 1]
    if banks == 12:
        # A pages 16..19, 24..27, then 20..23, 28..31; B pages 1, 3, 5, 7, then 9, 11, 13, 15.
        assert a_pages[:8] == [(4, 2048), (5, 2048), (6, 2048), (7, 2048), (0, 4096), (1, 4096), (2, 4096), (3, 4096)]
        assert a_pages[8:] == [(8, 2048), (9, 2048), (10, 2048), (11, 2048), (4, 4096), (5, 4096), (6, 4096), (7, 4096)]
        assert b_pages == [(1, 0), (3, 0), (5, 0), (7, 0), (9, 0), (11, 0), (1, 2048), (3, 2048)]
    else:
        assert a_pages[:8] == [(0, 4096), (1, 4096), (2, 4096), (3, 4096), (0, 6144), (1, 6144), (2, 6144), (3, 6144)]
        assert a_pages[8:] == [(4, 4096), (5, 4096), (6, 4096), (7, 4096), (4, 6144), (5, 6144), (6, 6144), (7, 6144)]
        assert b_pages == [(1, 0), (3, 0), (5, 0), (7, 0), (1, 2048), (3, 2048), (5, 2048), (7, 2048)]


def test_writer_writes_each_output_tile_once(lowered, tmp_path):
    artifacts, banks = lowered
    plan = artifacts.plan
    written = []
    for core in plan["cores"]:
        visits = run_kernel(tmp_path, artifacts.files["writer.cpp"], "writer", core_args(plan, "writer", core, [0]))
        by, bx = divmod(core["start_id"], 2)
        assert visits == [("write", 0, (2 * by + r) * 2 + bx, r) for r in range(2)]
        written += [page for _, _, page, _ in visits]
    assert sorted(written) == list(range(8))  # C is 4 x 2 tiles
