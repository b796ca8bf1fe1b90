"""The emitted kernels compile against the released TT-Metalium headers (issue #9).

Each kernel is compiled with g++ -fsyntax-only inside the real firmware wrapper
of its processor (reader: NCRISC, writer: BRISC, compute: each of the three
TRISCs) against the device headers of the ttnn wheel the plan pins; see
scripts/tt_conformance.py and docs/tenstorrent/api_conformance.md. The module
is skipped, with the reason, when the wheel cannot be downloaded or g++ has no
32-bit support.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from kernels import (
    col_reduce,
    gemm_epilogue,
    gemm_kernel,
    gemm_operand_epilogue,
    layernorm_rows,
    reduce_broadcast,
    rms_norm_rows,
    row_reduce,
    softmax_rows,
)

import tilelang_tt

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import tt_conformance  # noqa: E402

GOLDEN = Path(__file__).parent / "golden" / "codegen" / "gemm_256_b32"


@pytest.fixture(scope="module")
def headers():
    """The headers of the release the plans pin, fetched once (or the reason they cannot be had)."""
    wheel = json.loads((GOLDEN / "tt.plan.json").read_text())["tt_metalium_wheel"]
    try:
        tt_conformance.require_compiler()
        return tt_conformance.fetch_headers(wheel)
    except tt_conformance.Unavailable as err:
        pytest.skip(f"TT-Metalium API conformance not checked: {err}")


def lowered(tmp_path, M, N, K, block, arch="wormhole_b0", accum="float32", **flags):  # noqa: N803
    out = tmp_path / f"gemm_{arch}"
    kernel = gemm_kernel(M, N, K, *block, accum_dtype=accum, **flags)
    tilelang_tt.lower(kernel, target={"kind": "tenstorrent", "arch": arch}).write(out)
    return out


def failures(result) -> str:
    return "\n\n".join(c.report() for c in result.compiles if not c.ok)


@pytest.mark.parametrize(
    "shape, block, arch, accum",
    [
        ((256, 256, 256), (32, 32, 32), "wormhole_b0", "float32"),  # fp32 DST, half-sync
        ((100, 70, 50), (64, 64, 32), "wormhole_b0", "float32"),
        ((256, 192, 128), (64, 128, 32), "blackhole", "float32"),  # fp32 DST, full-sync
        ((128, 128, 64), (128, 128, 32), "wormhole_b0", "bfloat16"),  # 16-bit DST, full-sync
        ((256, 256, 96), (128, 128, 32), "wormhole_b0", "float32"),  # DST sub-blocks, Float32 partials
        ((256, 512, 64), (128, 256, 32), "blackhole", "bfloat16"),  # DST sub-blocks, bf16 partials
    ],  # fmt: skip
)
def test_every_kernel_compiles_against_the_release(headers, tmp_path, shape, block, arch, accum):
    """Reader, writer and all three TRISC builds of compute compile against ttnn==0.81.1."""
    result = tt_conformance.check(lowered(tmp_path, *shape, block, arch, accum))
    assert [(c.kernel, c.role.split()[0]) for c in result.compiles] == [
        ("reader", "NCRISC"), ("compute", "TRISC0"), ("compute", "TRISC1"), ("compute", "TRISC2"),
        ("writer", "BRISC"), ("main.cpp", "host")]  # fmt: skip
    assert result.ok, failures(result)


@pytest.mark.parametrize(
    "flags",
    [
        {"dtype": "float16"},  # Float16 CBs, fp32 DST packed into Float16 (from a Float16_b source)
        {"dtype": "float16", "out_dtype": "float32", "trans_B": True},
        {"dtype": "float16", "accum": "float16"},  # FP16 DST, Float16 partials
        {"dtype": "float32"},  # TF32 operands, Float32 partials (reconfigured between)
        {"dtype": "float32", "out_dtype": "bfloat16", "trans_B": True},
    ],
    ids=["f16", "f16-f32-out-nt", "f16-accum", "f32", "f32-bf16-out-nt"],
)
def test_float16_and_float32_kernels_compile_against_the_release(headers, tmp_path, flags):
    result = tt_conformance.check(lowered(tmp_path, 256, 256, 96, (128, 256, 32), **flags))
    assert (
        f"DataFormat::{'Float16' if flags['dtype'] == 'float16' else 'Float32'}}}"
        in (tmp_path / "gemm_wormhole_b0" / "main.cpp").read_text()
    )
    assert result.ok, failures(result)


@pytest.mark.parametrize("flags", [{"trans_A": True}, {"trans_A": True, "trans_B": True}], ids=["tn", "tt"])
def test_transposed_operands_compile_against_the_release(headers, tmp_path, flags):
    """transpose_A's transpose_init / transpose_tile stage (and transpose_B's matmul_init) compile."""
    result = tt_conformance.check(lowered(tmp_path, 128, 96, 160, (64, 32, 32), **flags))
    assert "transpose_tile(" in (tmp_path / "gemm_wormhole_b0" / "compute.cpp").read_text()
    assert result.ok, failures(result)


@pytest.mark.parametrize("where, block", [("relu", 64), ("chain", 64), ("relu", 32)])
def test_epilogues_compile_against_the_release(headers, tmp_path, where, block):
    """The SFPU epilogue calls (relu_tile, binop_with_scalar, their inits) and the matmul re-init after
    them compile in all three TRISC builds."""
    out = tmp_path / where
    tilelang_tt.lower(gemm_epilogue(where, 128, 128, 64, block=block)).write(out)
    assert "relu_tile(" in (out / "compute.cpp").read_text()
    result = tt_conformance.check(out)
    # The SFPU implementations behind the calls need the SFPI compiler; everything else compiles.
    assert result.api_ok, failures(result)
    assert [c.role.split()[0] for c in result.compiles if not c.ok] == ["TRISC1", "TRISC2"]


def test_clamp_epilogue_compiles_against_the_release(headers, tmp_path):
    """unary_max_tile / unary_min_tile (compute_kernel_api.h) with a scale, as the corpus's clamp uses."""
    from corpus import BY_NAME

    out = tmp_path / "clamp"
    tilelang_tt.lower(BY_NAME["autotune_nt_scale_shift_clamp"].build()).write(out)
    text = (out / "compute.cpp").read_text()
    assert "unary_max_tile(" in text and "unary_min_tile(" in text and "mul_unary_tile(" in text
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


def test_the_accurate_gelu_compiles_against_the_release(headers, tmp_path):
    """gelu_tile_init<false>() / gelu_tile<false>(i): the release's accurate GELU (its default is the
    approximate one), with fp32 DST."""
    out = tmp_path / "gelu"
    tilelang_tt.lower(gemm_epilogue("gelu", 128, 128, 64, block=64)).write(out)
    text = (out / "compute.cpp").read_text()
    assert "gelu_tile_init<false>();" in text and "gelu_tile<false>(" in text
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


@pytest.mark.parametrize("where, calls", [("exp", ("exp_tile_init();", "exp_tile(")),
                                          ("silu", ("silu_tile_init();", "silu_tile(")),
                                          ("tanh", ("tanh_tile_init();", "tanh_tile(")),
                                          ("exp2", ("exp2_tile_init();", "exp2_tile("))])  # fmt: skip
@pytest.mark.parametrize("accum", ["float32", "bfloat16"])
def test_transcendental_epilogues_compile_against_the_release(headers, tmp_path, where, calls, accum):
    """exp_tile / silu_tile and their inits, with fp32 and 16-bit DST (their routines differ by mode)."""
    out = tmp_path / where
    tilelang_tt.lower(gemm_epilogue(where, 128, 128, 64, block=64, accum=accum)).write(out)
    text = (out / "compute.cpp").read_text()
    assert all(call in text for call in calls)
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)
    assert [c.role.split()[0] for c in result.compiles if not c.ok] == ["TRISC1", "TRISC2"]


@pytest.mark.parametrize("where, call", [("residual-times", "mul_binary_tile("), ("residual-minus", "sub_binary_tile("),
                                         ("bias-row", "add_binary_tile(")])  # fmt: skip
def test_tensor_operand_epilogues_compile_against_the_release(headers, tmp_path, where, call):
    """The SFPU ops between two DST tiles (eltwise_binary_sfpu.h) after copy_tile / unary_bcast."""
    out = tmp_path / where
    tilelang_tt.lower(gemm_operand_epilogue(where, accum="bfloat16")).write(out)
    assert call in (out / "compute.cpp").read_text()
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


@pytest.mark.parametrize(
    "old, new",
    [(r"relu_tile\((\w+)\);", r"relu_tile(\1, 1);"), (r"relu_tile_init\(\);", "relu_init();"),
     (r"mul_unary_tile\((\w+), 0x40000000u /\* 2.0f \*/\);", r"mul_unary_tile(\1);")],
    ids=["extra-argument", "wrong-name", "missing-argument"],
)  # fmt: skip
def test_a_wrong_sfpu_call_fails_despite_the_unchecked_implementations(headers, tmp_path, old, new):
    out = tmp_path / "chain"
    tilelang_tt.lower(gemm_epilogue("chain", 128, 128, 64, block=64)).write(out)
    text = (out / "compute.cpp").read_text()
    broken, count = re.subn(old, new, text)
    assert count == 1, old
    (out / "compute.cpp").write_text(broken)
    result = tt_conformance.check(out)
    assert not result.api_ok


def test_the_host_program_needs_only_symbols_the_release_exports(headers, tmp_path):
    """Every TT-Metalium call of main.cpp, as compiled against the simulator's headers, is a symbol of
    the release's libtt_metal.so: the emulated host API has the release's signatures."""
    host = tt_conformance.check(lowered(tmp_path, 64, 64, 64, (32, 32, 32))).compiles[-1]
    assert host.ok, host.report()
    names = "\n".join(host.symbols)
    for call in ["tt::tt_metal::CreateKernel(", "tt::tt_metal::CreateCircularBuffer(", "tt::tt_metal::SetRuntimeArgs(",
                 "tt::tt_metal::distributed::MeshBuffer::create(", "tt::tt_metal::distributed::EnqueueMeshWorkload(",
                 "tt::tt_metal::TensorAccessorArgs::append_to(", "tilize_nfaces<bfloat16>(",
                 # the mcast2d schedule's (64 x 64 in 32 x 32 blocks: 2 x 2 cores)
                 "tt::tt_metal::CreateSemaphore(", "MeshDevice::worker_core_from_logical_core("]:  # fmt: skip
        assert call in names, f"{call} not among the checked symbols:\n{names}"


def test_a_host_signature_the_release_lacks_fails(headers, tmp_path):
    """A host call whose signature differs from the release's (here CreateKernel taking a CoreRangeSet,
    not the release's variant) needs a symbol libtt_metal.so does not export."""
    artifacts = lowered(tmp_path, 64, 64, 64, (32, 32, 32))
    drifted = (
        "namespace tt::tt_metal {\nKernelHandle CreateKernel(Program &, const std::string &, const CoreRangeSet &,\n"
        "                          const ComputeConfig &);\n}\n\nusing namespace tt;"
    )
    break_kernel(artifacts, "main.cpp", "using namespace tt;", drifted)
    result = tt_conformance.check(artifacts)
    assert failing_roles(result) == ["host"]
    assert "CreateKernel(tt::tt_metal::Program&" in result.compiles[-1].output


def break_kernel(artifacts: Path, name: str, old: str, new: str) -> None:
    path = artifacts / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def failing_roles(result) -> list[str]:
    return [c.role.split()[0] for c in result.compiles if not c.ok]


def test_a_removed_call_fails(headers, tmp_path):
    """mm_init was removed from the compute API: a kernel calling it does not compile."""
    artifacts = lowered(tmp_path, 64, 64, 64, (32, 32, 32))
    break_kernel(artifacts, "compute.cpp", "matmul_init(cb_in0, cb_in1);", "mm_init(cb_in0, cb_in1, cb_out0);")
    result = tt_conformance.check(artifacts)
    assert failing_roles(result) == ["TRISC0", "TRISC1", "TRISC2"]
    assert all("mm_init" in c.output for c in result.compiles if not c.ok)


def test_a_wrong_arity_fails(headers, tmp_path):
    """matmul_tiles takes five arguments; six do not compile."""
    artifacts = lowered(tmp_path, 64, 64, 64, (32, 32, 32))
    break_kernel(artifacts, "compute.cpp", "matmul_tiles(cb_in0, cb_in1, 0, 0, 0);",
                 "matmul_tiles(cb_in0, cb_in1, 0, 0, 0, 0);")  # fmt: skip
    result = tt_conformance.check(artifacts)
    assert failing_roles(result) == ["TRISC0", "TRISC1", "TRISC2"]
    assert all("matmul_tiles" in c.output for c in result.compiles if not c.ok)


def test_a_dataflow_call_with_wrong_arguments_fails(headers, tmp_path):
    """A NoC read that passes the address where the accessor belongs is rejected in the reader only."""
    artifacts = lowered(tmp_path, 64, 64, 64, (32, 32, 32))
    break_kernel(artifacts, "reader.cpp", "A_accessor,", "A_addr,")
    result = tt_conformance.check(artifacts)
    assert failing_roles(result) == ["NCRISC"]
    assert "noc_async_read_page" in next(c.output for c in result.compiles if not c.ok)


def test_an_unreachable_wheel_is_a_skip_not_a_failure(tmp_path, monkeypatch):
    """Without the headers the check says why it did not run (exit 77), never passes silently."""
    artifacts = tmp_path / "a"
    shutil.copytree(GOLDEN, artifacts)
    plan = artifacts / "tt.plan.json"
    plan.write_text(plan.read_text().replace("ttnn==0.81.1", "ttnn==0.0.0.does.not.exist"))
    monkeypatch.setenv("TT_CONFORMANCE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    assert tt_conformance.main([str(artifacts)]) == tt_conformance.EXIT_SKIPPED


@pytest.mark.parametrize("where, accum, dim", [("sum", "float32", "ROW"), ("sum", "bfloat16", "ROW"),
                                              ("max", "float32", "ROW"), ("sum", "float32", "COL"),
                                              ("max", "float32", "COL")])  # fmt: skip
def test_reductions_compile_against_the_release(headers, tmp_path, where, accum, dim):
    """reduce_init / reduce_tile / reduce_uninit (reduce.h), reconfig_data_format(scaler, data) before a
    row sum, and the reader's scaler tile written through an L1 pointer."""
    out = tmp_path / f"reduce_{where}_{accum}_{dim}"
    kernel = (row_reduce(where, 128, 256, 64, accum=accum, out_dtype=accum) if dim == "ROW"
              else col_reduce(where))  # fmt: skip
    tilelang_tt.lower(kernel).write(out)
    text = (out / "compute.cpp").read_text()
    assert f"reduce_tile<PoolType::{where.upper()}, ReduceDim::REDUCE_{dim}>(" in text
    assert ("reconfig_data_format(cb_scaler, cb_in0);" in text) == (where == "sum" and dim == "ROW")
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


@pytest.mark.parametrize("where", ["sum", "max"])
def test_float32_tensor_reductions_compile_against_the_release(headers, tmp_path, where):
    """A float32 tensor reduced: the scaler's source register set up again with reconfig_data_format
    (SrcA for a row sum, SrcB for a maximum) beside the Float32 data."""
    out = tmp_path / f"reduce_f32_{where}"
    tilelang_tt.lower(row_reduce(where, dtype="float32")).write(out)
    text = (out / "compute.cpp").read_text()
    call = "reconfig_data_format(cb_scaler, cb_in0);" if where == "sum" else "reconfig_data_format(cb_in0, cb_scaler);"
    assert call in text
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


@pytest.mark.parametrize(
    "kind, call",
    [("clear-sum", "add_unary_tile(0, 0x3F800000u"), ("absmax", "abs_tile(0);"),
     ("min", "mul_unary_tile(0, 0xBF800000u")],
)  # fmt: skip
def test_composed_reductions_compile_against_the_release(headers, tmp_path, kind, call):
    """test_tilelang_language_reduce.py's clear=False, reduce_absmax and reduce_min: an SFPU op
    (binop_with_scalar.h, abs_tile of compute_kernel_api.h) between reduce_tile and the pack, the
    reduction set up again for each row; abs_tile / mul_unary_tile in the stage before it."""
    from corpus import tested_reduce_clear, tested_reduce_whole

    kernel = {
        "clear-sum": lambda: tested_reduce_clear(128, 128),
        "absmax": lambda: tested_reduce_whole(64, 128, kind="absmax"),
        "min": lambda: tested_reduce_whole(64, 128, kind="min"),
    }[kind]()
    out = tmp_path / kind
    tilelang_tt.lower(kernel).write(out)
    assert call in (out / "compute.cpp").read_text()
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


@pytest.mark.parametrize("where", ["max-exp", "sum-mul", "cols-max"])
def test_staged_programs_compile_against_the_release(headers, tmp_path, where):
    """A reduction read back by an element-wise update: reduce_init / reduce_uninit around the first
    stage, unary_bcast of the reduced vector and the SFPU's binary op in the second, and (for a float32
    output) pack_reconfig_data_format around the pack into the bf16 intermediate CB."""
    out = tmp_path / where
    kernel = reduce_broadcast(where, out_dtype="float32" if where == "sum-mul" else "bfloat16")
    tilelang_tt.lower(kernel).write(out)
    text = (out / "compute.cpp").read_text()
    assert "reduce_uninit(cb_in0);" in text
    assert ("pack_reconfig_data_format(cb_out0, cb_sum);" in text) == (where == "sum-mul")
    assert f"unary_bcast<BroadcastType::{'ROW' if where == 'cols-max' else 'COL'}>(" in text
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


@pytest.mark.parametrize("where, value", [("softmax", "bfloat16"), ("vector-update", "bfloat16"),
                                          ("softmax", "float32")])  # fmt: skip
def test_a_softmax_compiles_against_the_release(headers, tmp_path, where, value):
    """Four stages: two reductions sharing the scaler tile, an intermediate block (cb_e), and a division
    as recip_tile (eltwise_unary/recip.h) of the broadcast sum times the block; or a stage on the row
    sums' own tiles (mul_unary_tile) before the division; with float32 exponentials, a fifth that copies
    them for the sum (copy_tile into a second Float32 CB)."""
    out = tmp_path / f"{where}_{value}"
    tilelang_tt.lower(softmax_rows(where, value_dtype=value)).write(out)
    text = (out / "compute.cpp").read_text()
    assert "recip_tile_init();" in text and "recip_tile(1);" in text
    assert text.count("reduce_uninit(") == (2 if where == "softmax" else 1)
    assert ("pack_tile(0, cb_e_copy);" in text) == (value == "float32")
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


def test_a_float16_flash_attention_compiles_against_the_release(headers, tmp_path):
    """example_mha_fwd_bshd.py with its own float16 dtype: the reader widens Q, K and V tiles in place
    (uint16_t / uint32_t views of tt_l1_ptr L1), the writer narrows the output's."""
    from corpus import flash_attention_mha

    out = tmp_path / "fa_f16"
    tilelang_tt.lower(flash_attention_mha(1, 2, 128, 64, 64, 64, dtype="float16")).write(out)
    assert "widen_fp16_tile(cb_in0_write_addr" in (out / "reader.cpp").read_text()
    assert "narrow_to_fp16_tile(cb_out0_read_addr" in (out / "writer.cpp").read_text()
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


def test_a_causal_flash_attention_compiles_against_the_release(headers, tmp_path):
    """example_mha_fwd_bshd.py with is_causal: the reader writes the mask's Float32 tiles into L1
    (get_write_ptr, tt_l1_ptr), both data-movement kernels and compute loop a count from the block index,
    and the first product starts from the mask (copy_tile from cb_mask, then matmul_tiles)."""
    from corpus import flash_attention_mha

    out = tmp_path / "causal"
    tilelang_tt.lower(flash_attention_mha(1, 2, 128, 64, 64, 64, is_causal=True)).write(out)
    reader, compute = (out / "reader.cpp").read_text(), (out / "compute.cpp").read_text()
    assert "fill_mask_tile(cb_mask_write_addr" in reader and "copy_tile(cb_mask," in compute
    assert "k < (row_block * 64 + 127) >> 6" in reader and "k < (row_block * 64 + 127) >> 6" in compute
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


def test_an_rms_norm_compiles_against_the_release(headers, tmp_path):
    """rsqrt_tile (eltwise_unary/rsqrt.h) on the row sums' tiles, the division by N a mul_unary_tile."""
    out = tmp_path / "rms"
    tilelang_tt.lower(rms_norm_rows()).write(out)
    text = (out / "compute.cpp").read_text()
    assert "rsqrt_tile_init();" in text and "rsqrt_tile(0);" in text
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


@pytest.mark.parametrize("accum", ["bfloat16", "float32"])
def test_a_layernorm_compiles_against_the_release(headers, tmp_path, accum):
    """Seven stages: two reductions, stages on the vectors' tiles with another vector an operand
    (copy_tile of its tile, sub_binary_tile), and gamma / beta as row vectors (unary_bcast ROW); with
    float32 values between them, SrcA reconfigured between bf16 and Float32 CBs and the host's
    unpack_to_dest_mode."""
    out = tmp_path / "layernorm"
    tilelang_tt.lower(layernorm_rows(accum=accum)).write(out)
    text = (out / "compute.cpp").read_text()
    assert "copy_tile(cb_mean_row, 0, 1);" in text and "unary_bcast<BroadcastType::ROW>(cb_in2" in text
    assert ("reconfig_data_format_srca(" in text) == (accum == "float32")
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


@pytest.mark.parametrize("dtype", ["float", "bfloat16"])
def test_a_loop_of_stages_compiles_against_the_release(headers, tmp_path, dtype):
    """rms_norm_splitk's first loop: fill_tile_bitcast (eltwise_unary/fill.h) into the carried CB, the
    in-place update in the loop (copy_tile of the value before, add_binary_tile), the row sum after it."""
    from corpus import rms_norm_splitk_sumsq

    out = tmp_path / dtype
    tilelang_tt.lower(rms_norm_splitk_sumsq(64, 256, 32, 64, dtype)).write(out)
    text = (out / "compute.cpp").read_text()
    assert "fill_tile_init();" in text and "fill_tile_bitcast(0, 0x00000000u" in text
    assert "for (uint32_t k = 0; k < 4; ++k) {" in text and "copy_tile(cb_A_local, c, 1);" in text
    result = tt_conformance.check(out)
    assert result.api_ok, failures(result)


def test_a_reduce_tile_missing_its_scaler_tile_index_fails(headers, tmp_path):
    out = tmp_path / "reduce"
    tilelang_tt.lower(row_reduce("sum", 64, 64, 32)).write(out)
    text = (out / "compute.cpp").read_text()
    broken, count = re.subn(r"(reduce_tile<[^>]*>\(cb_in0,\s*cb_scaler,\s*[^,]+),\s*0,\s*0\);", r"\1, 0);", text)
    assert count == 1
    (out / "compute.cpp").write_text(broken)
    assert not tt_conformance.check(out).api_ok
