"""The ``tenstorrent`` target and its registration with TileLang (issue #2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tilelang
from kernels import toy_gemm
from tilelang.backend.module import list_backends
from tilelang.backend.target import determine_target
from tvm.target import Target

import tilelang_tt
from tilelang_tt.attrs import Field, FuncAttr, Value

HERE = Path(__file__).resolve().parent


def plain(value):
    """A TVM attribute value as a plain Python str / int / list."""
    if isinstance(value, str):
        return str(value)
    if hasattr(value, "__len__"):
        return [plain(v) for v in value]
    return int(value)


def tt_attrs(func) -> dict[str, object]:
    """The tt.* attributes of a PrimFunc as plain Python values."""
    return {str(k): plain(func.attrs[k]) for k in func.attrs.keys() if str(k).startswith("tt.")}


def only_function(mod):
    funcs = list(mod.functions.values())
    assert len(funcs) == 1, mod
    return funcs[0]


# (a) ------------------------------------------------------------------------


def test_determine_target_returns_tenstorrent_kind():
    """determine_target("tenstorrent", return_object=True) gives a tenstorrent Target."""
    target = determine_target("tenstorrent", return_object=True)
    assert isinstance(target, Target)
    assert target.kind.name == "tenstorrent"
    assert list(target.keys) == ["tenstorrent"]
    assert target.get_target_device_type() == 12  # kDLExtDev, not kDLCPU (1)


def test_determine_target_accepts_a_dict_with_arch():
    target = determine_target({"kind": "tenstorrent", "arch": "blackhole"}, return_object=True)
    assert tilelang_tt.target_info(target) == tilelang_tt.TTTargetInfo(
        arch="blackhole",
        core_grid_x=11,
        core_grid_y=10,
        dram_banks=8,
        l1_bytes=1464 * 1024,
        dram_bank_bytes=4 << 30,
        tile_rows=32,
        tile_cols=32,
    )


def test_default_arch_is_wormhole_n150():
    info = tilelang_tt.target_info(tilelang_tt.make_target())
    assert (info.arch, info.core_grid_x, info.core_grid_y, info.num_cores) == ("wormhole_b0", 8, 8, 64)
    assert (info.dram_banks, info.l1_bytes, info.tile_rows, info.tile_cols) == (12, 1499136, 32, 32)


def test_math_fidelity_defaults_to_hifi4_and_can_be_chosen():
    assert tilelang_tt.target_info(tilelang_tt.make_target()).math_fidelity == "HiFi4"
    assert tilelang_tt.target_info(tilelang_tt.make_target(math_fidelity="HiFi2")).math_fidelity == "HiFi2"


def test_arch_facts_can_be_overridden():
    info = tilelang_tt.target_info(tilelang_tt.make_target("blackhole", core_grid_x=4, core_grid_y=2, dram_banks=6))
    assert (info.arch, info.num_cores, info.dram_banks, info.l1_bytes) == ("blackhole", 8, 6, 1499136)


def test_known_archs_default_first():
    assert tilelang_tt.known_archs() == ("wormhole_b0", "blackhole")


# (b) ------------------------------------------------------------------------


def test_lowering_a_toy_kernel_stamps_the_default_attrs():
    """tilelang.lower(..., target="tenstorrent") runs our pipeline and stamps the defaults."""
    artifact = tilelang.lower(toy_gemm(), target="tenstorrent")
    assert artifact.target.kind.name == "tenstorrent"
    func = only_function(artifact.device_mod)
    defaults = {
        k: v
        for k, v in tt_attrs(func).items()
        if k
        in (
            FuncAttr.kSchedulePolicy,
            FuncAttr.kScheduleOrder,
            FuncAttr.kLayout,
            FuncAttr.kTileShape,
            FuncAttr.kDefaultsApplied,
        )
    }
    assert defaults == {
        FuncAttr.kSchedulePolicy: Value.kPolicyAuto,
        FuncAttr.kScheduleOrder: Value.kOrderRowMajor,
        FuncAttr.kLayout: Value.kLayoutDramInterleaved,
        FuncAttr.kTileShape: [32, 32],
        FuncAttr.kDefaultsApplied: [
            FuncAttr.kSchedulePolicy,
            FuncAttr.kScheduleOrder,
            FuncAttr.kLayout,
            FuncAttr.kTileShape,
        ],
    }
    assert func.attrs["target"].kind.name == "tenstorrent"
    # The whole kernel goes to the TT device codegen; TVM keeps no host function.
    assert len(artifact.host_mod.functions) == 0


def test_lowering_the_example_gemm_reaches_our_codegen(gemm_example):
    artifact = tilelang.lower(gemm_example.matmul(256, 256, 256), target="tenstorrent")
    func = only_function(artifact.device_mod)
    # The default policy lets the backend pick: 8 x 8 blocks of 32 x 32 tile onto the 8 x 8 cores.
    assert tt_attrs(func)[FuncAttr.kSchedulePolicy] == Value.kPolicyAuto
    assert str(func.attrs[FuncAttr.kSchedule][Field.kFieldPolicy]) == Value.kPolicyMcast2D
    # The TT codegen's module: every artifact under a banner, in name order.
    assert artifact.kernel_source.startswith("// ==== compute.cpp ====\n")
    assert "// ==== tt.plan.json ====\n" in artifact.kernel_source


def test_lowering_with_an_arch_binds_that_arch(gemm_example):
    artifact = tilelang.lower(gemm_example.matmul(64, 64, 64), target={"kind": "tenstorrent", "arch": "blackhole"})
    func = only_function(artifact.device_mod)
    assert tilelang_tt.target_info(func.attrs["target"]).arch == "blackhole"


# (c) ------------------------------------------------------------------------


def test_user_given_attrs_survive():
    kernel = toy_gemm(func_attrs={FuncAttr.kScheduleOrder: Value.kOrderColumnMajor})
    func = only_function(tilelang.lower(kernel, target="tenstorrent").device_mod)
    attrs = tt_attrs(func)
    assert attrs[FuncAttr.kScheduleOrder] == Value.kOrderColumnMajor
    assert FuncAttr.kScheduleOrder not in attrs[FuncAttr.kDefaultsApplied]
    assert attrs[FuncAttr.kSchedulePolicy] == Value.kPolicyAuto
    # mcast2d enumerates blocks row-major, so a column-major order keeps the contiguous split.
    assert str(func.attrs[FuncAttr.kSchedule][Field.kFieldPolicy]) == Value.kPolicyContiguous


def test_unsupported_user_attr_is_a_clear_error():
    kernel = toy_gemm(func_attrs={FuncAttr.kLayout: "l1_sharded"})
    with pytest.raises(tilelang_tt.TTError) as info:
        tilelang.lower(kernel, target="tenstorrent")
    message = str(info.value)
    assert "toy_gemm_annotated" in message
    assert "tt.layout" in message and "l1_sharded" in message and "'dram_interleaved'" in message
    assert "Traceback" not in message and "File " not in message


# (d) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "tenstorrent", "arch": "grayskull"},
        "tenstorrent -arch=grayskull",
    ],
    ids=["dict", "string"],
)
def test_unknown_arch_is_an_error(spec):
    if isinstance(spec, str):
        # TVM no longer parses CLI-style target strings; the error says so.
        with pytest.raises(tilelang_tt.TTTargetError, match="JSON dict form"):
            determine_target(spec, return_object=True)
        return
    with pytest.raises(tilelang_tt.TTTargetError) as info:
        determine_target(spec, return_object=True)
    assert str(info.value) == (
        "Unknown Tenstorrent arch 'grayskull' in target 'tenstorrent'. Valid values: wormhole_b0, blackhole."
    )


def test_unknown_arch_through_tilelang_lower(gemm_example):
    with pytest.raises(tilelang_tt.TTTargetError, match="Valid values: wormhole_b0, blackhole"):
        tilelang.lower(gemm_example.matmul(64, 64, 64), target={"kind": "tenstorrent", "arch": "wormhole"})


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"core_grid_x": 0}, "'core_grid_x' must be a positive integer, got 0"),
        ({"tile_rows": 16}, "tile shape 16x32 is not supported; only 32x32"),
        ({"math_fidelity": "HiFi1"}, "'math_fidelity' = 'HiFi1' is not a math fidelity; valid values: HiFi4, HiFi3"),
    ],
)
def test_bad_target_options_are_errors(options, fragment):
    with pytest.raises(tilelang_tt.TTTargetError, match=fragment):
        tilelang_tt.make_target(**options)


def test_other_targets_are_not_normalized_by_us():
    assert tilelang_tt.target.normalize_tt_target("cuda") is None
    assert tilelang_tt.target.normalize_tt_target({"kind": "cuda", "arch": "sm_90"}) is None
    assert tilelang_tt.target.normalize_tt_target(Target("c")) is None


def test_backend_is_registered_once():
    assert "tenstorrent" in list_backends()
    backend = list_backends()["tenstorrent"]
    assert backend.target_kinds == ("tenstorrent",)
    # auto tries the device first (available only with a TT-Metalium installation), then the simulator.
    assert [spec.name for spec in backend.execution_backends] == ["tt_device", "tt_sim"]


# (e) ------------------------------------------------------------------------


def _cuda_digest(with_tt: bool) -> str:
    cmd = [sys.executable, str(HERE / "_lower_cuda_gemm.py")] + (["--with-tt"] if with_tt else [])
    proc = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout.strip().splitlines()[-1]


def test_cuda_source_is_unchanged_by_importing_tilelang_tt():
    without_tt = _cuda_digest(with_tt=False)
    with_tt = _cuda_digest(with_tt=True)
    assert int(without_tt.split()[0]) > 1000  # a real kernel, not an empty string
    assert with_tt == without_tt
