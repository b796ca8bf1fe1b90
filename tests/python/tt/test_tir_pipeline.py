"""The full TT pass pipeline on the MVP GEMM, and the bad inputs it rejects (issue #3)."""

from __future__ import annotations

import pytest
import tilelang
from golden import assert_matches_golden
from kernels import dynamic_gemm, elementwise, gemm_kernel, grid_3d, no_kernel

import tilelang_tt
from tilelang_tt.attrs import FuncAttr


def lower(kernel, target="tenstorrent"):
    return tilelang.lower(kernel, target=target)


def only_func(artifact):
    (func,) = artifact.device_mod.functions.values()
    return func


@pytest.mark.parametrize(
    ("shape", "golden"),
    [((256, 256, 256, 32, 32, 32), "gemm_256_b32.tir"), ((100, 70, 50, 64, 64, 32), "gemm_100x70x50_b64.tir")],
)
def test_final_ir_matches_golden(shape, golden):
    func = only_func(lower(gemm_kernel(*shape)))
    assert_matches_golden(golden, func.script())


def test_final_ir_has_persistent_loop_cbs_and_matmul():
    func = only_func(lower(gemm_kernel(256, 256, 256)))
    text = func.script()
    assert 'for i in T.serial(count, annotations={"tt.persistent": 1}):' in text
    assert "T.tt_matmul_init(0, 1, 16, 0)" in text
    assert "T.tt_matmul_tiles(0, 1, 0, 0, 0)" in text
    assert "T.tt_read_tile(A.data, by, k, 0, 0, 0)" in text
    assert "T.tt_write_tile(C.data, by, bx, 16, 0, 0)" in text
    assert "tl.tileop" not in text and "T.copy" not in text and "T.gemm" not in text
    cbs = [(int(cb["index"]), str(cb["name"]), int(cb["num_pages"])) for cb in func.attrs[FuncAttr.kCBs]]
    assert cbs == [(0, "cb_in0", 2), (1, "cb_in1", 2), (16, "cb_out0", 2)]


def test_lowering_is_deterministic():
    first = only_func(lower(gemm_kernel(100, 70, 50, 64, 64, 32))).script()
    second = only_func(lower(gemm_kernel(100, 70, 50, 64, 64, 32))).script()
    assert first == second


BAD_INPUTS = [
    (
        "fp16 operands with a bf16 C",
        lambda: gemm_kernel(64, 64, 64, dtype="float16", out_dtype="bfloat16"),
        ["'C' (bfloat16) and 'A' (float16)", "mix Float16_b and Float16"],
    ),
    (
        "fp32 operands with a float16 C",
        lambda: gemm_kernel(64, 64, 64, dtype="float32", out_dtype="float16"),
        ["float32 T.gemm operands beside the float16 'C'"],
    ),
    ("int8", lambda: gemm_kernel(64, 64, 64, dtype="int8", accum_dtype="int32"), ["buffer 'A'", "int8", "float16"]),
    ("dynamic M", dynamic_gemm, ["buffer 'A'", "dynamic shape", "static shapes only"]),
    ("3-D grid", grid_3d, ["'grid3'", "both write the block at element (0, 0)"]),
    ("no T.Kernel", no_kernel, ["'plain'", "no T.Kernel launch"]),
    ("elementwise-log", lambda: elementwise("log"), ["T.Parallel writing 'C'", "a call to tirx.log"]),
    ("block 48", lambda: gemm_kernel(96, 96, 96, 48, 48, 32), ["'A_shared'", "48x32", "multiples of 32"]),
    (
        "L1 overflow of sub-blocked 512 x 512 blocks",
        lambda: gemm_kernel(1024, 1024, 64, 512, 512, 32),
        ["2228224 bytes of L1", "cb_out0 1048576", "cb_partials 1048576"],
    ),
    (
        "L1 overflow",
        lambda: gemm_kernel(64, 64, 4096, 64, 64, 4096),
        ["2113536 bytes of L1", "cb_in0 1048576", "wormhole_b0 core has 1499136"],
    ),
    ("empty tensor", lambda: gemm_kernel(0, 64, 64), ["buffer 'A'", "(0, 64)", "empty axis"]),
]


@pytest.mark.parametrize(("name", "make", "fragments"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_a_clear_error(name, make, fragments):
    with pytest.raises(tilelang_tt.TTError) as info:
        lower(make())
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in message and ".cc:" not in message
