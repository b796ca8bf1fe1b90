"""Metadata the inference passes attach to a lowered GEMM (issue #3)."""

from __future__ import annotations

import pytest
import tilelang
from kernels import gemm_kernel

from tilelang_tt.attrs import Field, FuncAttr


def plain(value):
    """A TVM attribute value as plain Python (str / int / list / dict)."""
    if isinstance(value, str):
        return str(value)
    if hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "__len__"):
        return [plain(v) for v in value]
    return int(value)


def lowered_attrs(M, N, K, block=32, target="tenstorrent", policy=None):  # noqa: N803
    kernel = gemm_kernel(M, N, K, block, block, 32)
    if policy:
        kernel = kernel.with_attr("tt.schedule_policy", policy)
    artifact = tilelang.lower(kernel, target=target)
    (func,) = artifact.device_mod.functions.values()
    return {str(k): plain(func.attrs[k]) for k in func.attrs.keys() if str(k).startswith("tt.")}


def test_64_blocks_on_64_cores():
    """One block a core either way, so the backend multicasts (mcast2d): the 8 x 8 blocks on the 8 x 8
    core grid, core (x, y) taking block (x, y)."""
    attrs = lowered_attrs(256, 256, 64)
    schedule = attrs[FuncAttr.kSchedule]
    assert {k: v for k, v in schedule.items() if k != Field.kFieldRanges} == {
        "policy": "mcast2d",
        "order": "row_major",
        "grid_x": 8,
        "grid_y": 8,
        "num_blocks": 64,
        "num_cores": 64,
        "active_cores": 64,
        "cores_x": 8,
        "cores_y": 8,
        "core_block_rows": 1,
        "core_block_cols": 1,
    }
    assert schedule[Field.kFieldRanges] == [[i, 1] for i in range(64)]
    assert attrs[FuncAttr.kCoreRanges] == [[0, 0, 7, 7]]
    assert attrs[FuncAttr.kRuntimeArgs] == ["start_id", "count", "grid_x", "grid_y", "core_block_cols"]


def test_multicast_rectangles_are_row_major_on_their_own_core_grid():
    """16 x 8 blocks of 32 x 32 on 8 x 8 cores: each core a 1 x 2 rectangle; the 8-wide core grid is the
    target's here, and core (x, y) starts at block row y, column 2x."""
    attrs = lowered_attrs(256, 512, 64)
    assert attrs[FuncAttr.kCoreAssignments][:3] == [[0, 0, 0, 2], [1, 0, 2, 2], [2, 0, 4, 2]]
    assert attrs[FuncAttr.kCoreAssignments][9] == [1, 1, 18, 2]


def test_100_blocks_on_64_cores():
    """100 = 64 + 36: cores 0..35 take two blocks, cores 36..63 one (the contiguous split, forced: the
    backend would multicast on 5 x 5 cores)."""
    schedule = lowered_attrs(320, 320, 64, policy="contiguous")[FuncAttr.kSchedule]
    expected = [[2 * i, 2] for i in range(36)] + [[72 + i, 1] for i in range(28)]
    assert schedule[Field.kFieldRanges] == expected
    assert schedule[Field.kFieldActiveCores] == 64


def test_10_blocks_on_64_cores():
    attrs = lowered_attrs(32, 320, 64, policy="contiguous")
    assert attrs[FuncAttr.kSchedule][Field.kFieldRanges] == [[i, 1] for i in range(10)]
    assert attrs[FuncAttr.kSchedule][Field.kFieldActiveCores] == 10
    assert attrs[FuncAttr.kCoreRanges] == [[0, 0, 7, 0], [0, 1, 1, 1]]
    assert attrs[FuncAttr.kCoreAssignments] == [[i % 8, i // 8, i, 1] for i in range(10)]


def test_schedule_size_grows_with_cores_not_tiles():
    small = lowered_attrs(256, 256, 256)
    large = lowered_attrs(4096, 4096, 256, block=64)  # 4096 blocks of 2x2 tiles
    assert len(large[FuncAttr.kSchedule][Field.kFieldRanges]) == 64
    assert large[FuncAttr.kSchedule][Field.kFieldRanges][0] == [0, 64]
    assert len(repr(large[FuncAttr.kSchedule])) < 2 * len(repr(small[FuncAttr.kSchedule]))


@pytest.mark.parametrize(
    ("arch", "banks", "cores"),
    [("wormhole_b0", 12, 64), ("blackhole", 8, 110)],
)
def test_shards_of_a_shape_that_is_not_a_tile_multiple(arch, banks, cores):
    attrs = lowered_attrs(100, 70, 50, target={"kind": "tenstorrent", "arch": arch})
    common = {
        "dtype": "bfloat16",
        "layout": "dram_interleaved",
        "tile": [32, 32],
        "page_bytes": 2048,
        "dram_banks": banks,
        "padded_axes": [1, 1],
    }
    assert attrs[FuncAttr.kBuffers] == {
        "A": {**common, "shape": [100, 50], "padded_shape": [128, 64], "tiles": [4, 2], "num_tiles": 8},
        "B": {**common, "shape": [50, 70], "padded_shape": [64, 96], "tiles": [2, 3], "num_tiles": 6},
        "C": {**common, "shape": [100, 70], "padded_shape": [128, 96], "tiles": [4, 3], "num_tiles": 12},
    }
    assert attrs[FuncAttr.kSchedule][Field.kFieldNumCores] == cores


def test_tile_multiple_shapes_are_not_marked_padded():
    buffers = lowered_attrs(256, 128, 64)[FuncAttr.kBuffers]
    assert {name: d["padded_axes"] for name, d in buffers.items()} == {"A": [0, 0], "B": [0, 0], "C": [0, 0]}
    assert buffers["A"]["tiles"] == [8, 2]
