"""Python mirror of include/tilelang_tt/attr.h.

Every attribute key, attribute value and target option name is defined once in
that C++ header; these constants mirror it so Python code never spells the
strings itself. ``tests/python/tt/test_attr_mirror.py`` checks that the two
stay equal (through ``tl.tt.AttrRegistry``).
"""

from __future__ import annotations

TARGET_KIND = "tenstorrent"


class FuncAttr:
    """PrimFunc attribute keys (``func.attrs[...]``)."""

    kSchedulePolicy = "tt.schedule_policy"
    kScheduleOrder = "tt.schedule_order"
    kLayout = "tt.layout"
    kTileShape = "tt.tile_shape"
    kDefaultsApplied = "tt.defaults_applied"


class Value:
    """Values the attributes may take."""

    kPolicyContiguous = "contiguous"
    kOrderRowMajor = "row_major"
    kOrderColumnMajor = "column_major"
    kLayoutDramInterleaved = "dram_interleaved"


class TargetOption:
    """Options of the ``tenstorrent`` target kind."""

    kArch = "arch"
    kCoreGridX = "core_grid_x"
    kCoreGridY = "core_grid_y"
    kDramBanks = "dram_banks"
    kL1Bytes = "l1_bytes"
    kTileRows = "tile_rows"
    kTileCols = "tile_cols"


def table(cls: type) -> dict[str, str]:
    """The ``{CppName: string}`` table of one of the classes above."""
    return {name: value for name, value in vars(cls).items() if name.startswith("k")}
