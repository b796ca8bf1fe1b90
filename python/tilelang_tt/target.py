"""The ``tenstorrent`` target on the Python side.

The target kind itself, its options and their per-arch defaults are C++
(src/target/tt_target.cc); this module only

* normalizes user input (``"tenstorrent"``, a dict, a ``Target``) into a
  ``Target`` for TileLang's ``determine_target``, turning a bad option into a
  :class:`~tilelang_tt.errors.TTTargetError` with the C++ message;
* reads a target's architecture facts into :class:`TTTargetInfo`;
* stamps the default TT attributes onto a module (:func:`apply_tt_defaults`),
  the first step of our lowering after the target is determined.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import tvm_ffi
from tvm import IRModule
from tvm.target import Target

from . import _lib, transform
from .attrs import TARGET_KIND, TargetOption
from .errors import TTTargetError, ffi_message

_lib.load()


@dataclass(frozen=True)
class TTTargetInfo:
    """Architecture facts of a canonicalized ``tenstorrent`` target."""

    arch: str
    core_grid_x: int
    core_grid_y: int
    dram_banks: int
    l1_bytes: int
    dram_bank_bytes: int
    tile_rows: int
    tile_cols: int
    math_fidelity: str = "HiFi4"

    @property
    def num_cores(self) -> int:
        return self.core_grid_x * self.core_grid_y


def known_archs() -> tuple[str, ...]:
    """The accepted values of the ``arch`` option, default first."""
    return tuple(str(name) for name in tvm_ffi.get_global_func("tl.tt.KnownArchs")())


def device_facts(arch: str) -> dict:
    """The cost model's facts of ``arch`` (clock, DRAM and NoC rates, cycles of a tile matmul by fidelity):
    the plan's ``device`` section, from the compiler's one table (target.h ``ArchSpec``)."""
    return json.loads(str(tvm_ffi.get_global_func("tl.tt.DeviceFacts")(arch)))


def make_target(arch: str | None = None, **options: int) -> Target:
    """Build a ``tenstorrent`` target, e.g. ``make_target("blackhole", core_grid_x=4)``."""
    config: dict[str, object] = {"kind": TARGET_KIND}
    if arch is not None:
        config[TargetOption.kArch] = arch
    config.update(options)
    return _build(config)


def _build(spec: str | Mapping[str, object]) -> Target:
    try:
        return Target(dict(spec) if isinstance(spec, Mapping) else spec)
    except (ValueError, TypeError) as err:
        raise TTTargetError(ffi_message(err)) from None


def is_tt_target(target: object) -> bool:
    return isinstance(target, Target) and target.kind.name == TARGET_KIND


def normalize_tt_target(target: object) -> Target | None:
    """Target normalizer registered with ``tilelang.backend.target``.

    Returns a ``Target`` for input that names the ``tenstorrent`` kind and
    ``None`` for everything else, so other backends' targets pass untouched.
    """
    if isinstance(target, Target):
        return target if is_tt_target(target) else None
    if isinstance(target, str):
        text = target.strip()
        if text == TARGET_KIND or text.startswith(TARGET_KIND + " "):
            return _build(text)
        return None
    if isinstance(target, Mapping) and target.get("kind") == TARGET_KIND:
        return _build(target)
    return None


def target_info(target: Target) -> TTTargetInfo:
    """Read the architecture facts of a ``tenstorrent`` target."""
    if not is_tt_target(target):
        raise TTTargetError(f"expected a '{TARGET_KIND}' target, got {target}")
    facts = tvm_ffi.get_global_func("tl.tt.TargetInfo")(target)
    return TTTargetInfo(
        arch=str(facts[TargetOption.kArch]),
        core_grid_x=int(facts[TargetOption.kCoreGridX]),
        core_grid_y=int(facts[TargetOption.kCoreGridY]),
        dram_banks=int(facts[TargetOption.kDramBanks]),
        l1_bytes=int(facts[TargetOption.kL1Bytes]),
        dram_bank_bytes=int(facts[TargetOption.kDramBankBytes]),
        tile_rows=int(facts[TargetOption.kTileRows]),
        tile_cols=int(facts[TargetOption.kTileCols]),
        math_fidelity=str(facts[TargetOption.kMathFidelity]),
    )


def apply_tt_defaults(mod: IRModule) -> IRModule:
    """Stamp the default TT schedule/layout attributes where the user gave none.

    The work is done by the C++ pass ``AnnotateTTDefaults``; a user value that
    is not supported raises :class:`~tilelang_tt.errors.TTError`.
    """
    return transform.AnnotateTTDefaults()(mod)
