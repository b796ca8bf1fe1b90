"""python/tilelang_tt/attrs.py mirrors include/tilelang_tt/attr.h exactly."""

from __future__ import annotations

import tilelang  # noqa: F401  (puts TileLang's tvm on the path)
import tvm_ffi
from tvm.target import TargetKind

import tilelang_tt  # noqa: F401  (loads the C++ library)
from tilelang_tt import attrs


def cpp_registry() -> dict[str, dict[str, str]]:
    registry = tvm_ffi.get_global_func("tl.tt.AttrRegistry")()
    return {str(group): {str(k): str(v) for k, v in table.items()} for group, table in registry.items()}


def test_func_attrs_match_cpp():
    assert attrs.table(attrs.FuncAttr) == cpp_registry()["func_attrs"]


def test_values_match_cpp():
    assert attrs.table(attrs.Value) == cpp_registry()["values"]


def test_target_options_match_cpp():
    assert attrs.table(attrs.TargetOption) == cpp_registry()["target_options"]


def test_fields_match_cpp():
    assert attrs.table(attrs.Field) == cpp_registry()["fields"]


def test_ir_names_match_cpp():
    assert attrs.table(attrs.IRName) == cpp_registry()["ir_names"]


def test_every_cpp_table_is_mirrored():
    assert set(cpp_registry()) == {"func_attrs", "values", "target_options", "fields", "ir_names"}


def test_target_options_are_the_target_kinds_options():
    """Every option we name is one the registered target kind accepts, with the right type."""
    options = TargetKind.options_from_name(attrs.TARGET_KIND)
    ours = attrs.table(attrs.TargetOption).values()
    assert {name: str(options[name]) for name in ours} == {
        "arch": "str",
        "core_grid_x": "int",
        "core_grid_y": "int",
        "dram_banks": "int",
        "l1_bytes": "int",
        "dram_bank_bytes": "int",
        "tile_rows": "int",
        "tile_cols": "int",
        "math_fidelity": "str",
    }
