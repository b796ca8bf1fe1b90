"""The five artifacts of the MVP GEMM, byte for byte (issue #4).

Goldens live in tests/python/tt/golden/codegen/<case>/. After an intended
change: TILELANG_TT_UPDATE_GOLDEN=1 bash scripts/test.sh, then review the diff.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import tilelang
from golden import assert_matches_golden
from kernels import (
    carried_loop,
    elementwise,
    gemm_epilogue,
    gemm_kernel,
    gemm_operand_epilogue,
    layernorm_rows,
    reduce_broadcast,
    row_reduce,
    softmax_rows,
)

import tilelang_tt
from tilelang_tt.codegen import ARTIFACT_FILES, CLANG_FORMAT_STYLE, PLAN_SCHEMA_PATH

REPO = Path(__file__).resolve().parents[3]

CASES = {
    # square, one tile per block, every core busy
    "gemm_256_b32": lambda: gemm_kernel(M=256, N=256, K=256),
    # M != N != K, 64x64 blocks, padding on every axis and blocks past the last tile of N
    "gemm_100x70x50_b64": lambda: gemm_kernel(M=100, N=70, K=50, block_M=64, block_N=64, block_K=32),
    # an epilogue on the accumulator: max(x * 2 - 0.25, 0) on the SFPU before the pack (#17)
    "gemm_epilogue_128x128x64_b64": lambda: gemm_epilogue("chain", 128, 128, 64, block=64),
    # a bias per column added in DST: the reader streams it, unary_bcast + add_binary_tile (#17)
    "gemm_bias_128x128x64_b64": lambda: gemm_operand_epilogue("bias-row", 128, 128, 64, block=64),
    # an element-wise kernel, examples/elementwise's form: tiles through DST, ops on the SFPU (#17)
    "elementwise_100x70_b64": lambda: elementwise("scale-add-relu", 100, 70),
    # a row sum (T.reduce_sum along dim=1): the reader's scaler tile, reduce_tile along rows (#19)
    "reduce_sum_96x160_b32": lambda: row_reduce("sum", 96, 160, 32),
    # a row maximum read back by exp(x - max[i]): two compute stages, the vector in cb_max between them (#19)
    "reduce_bcast_max_exp_128x256_b64": lambda: reduce_broadcast("max-exp"),
    # a row sum of a float16 tensor into a float16 one: the reader widens each tile into a Float32 CB, the
    # writer narrows each to the nearest fp16 (#19)
    "reduce_sum_f16_96x160_b32": lambda: row_reduce("sum", 96, 160, 32, dtype="float16", out_dtype="float16"),
    # a softmax of whole rows: four stages, the exponentials in cb_e, the division a recip_tile (#19)
    "softmax_128x256_b64": lambda: softmax_rows("softmax"),
    # layernorm.py's forward: seven stages, vector stages with vector operands, gamma / beta row vectors (#19)
    "layernorm_96x256_b32": lambda: layernorm_rows(),
    # the same with float32 fragments as the example has them: Float32 CBs between the stages, reduced as
    # TF32 or unpacked straight to DST (UnpackToDestFp32), SrcA reconfigured between the formats (#19)
    "layernorm_f32_96x256_b32": lambda: layernorm_rows(accum="float32"),
    # rms_norm_splitk's first loop: a fill stage, the in-place update of the carried A_local per column
    # block (its CB two blocks deep), the row sum after the loop (#19)
    "rms_splitk_sumsq_64x256_b32x64": lambda: carried_loop("sumsq"),
    # rms_norm_splitk whole: then the rsqrt of the row sums, a second loop over the column blocks in reverse
    # reading that vector (waited for in each iteration, popped after the loop), the writer writing a block
    # an iteration (#19)
    "rms_splitk_64x256_b32x64": lambda: carried_loop("second-loop"),
    # a float32 output: Float32 output CB and DRAM pages, packed from fp32 DST exactly (#17)
    "gemm_f32out_96x64x128_b32": lambda: gemm_kernel(96, 64, 128, out_dtype="float32"),
    # float16 tensors: Float16 CBs and .f16 files (uint16_t bit patterns on the host) (#17)
    "gemm_f16_96x64x128_b32": lambda: gemm_kernel(96, 64, 128, dtype="float16"),
    # float32 operands (TF32 in SrcA / SrcB) in DST sub-blocks: SrcA reconfigured between the Float32
    # B and the Float32 partials, which unpack straight to DST (#17)
    "gemm_f32_128x128x96_b128": lambda: gemm_kernel(128, 128, 96, 128, 128, 32, dtype="float32"),
}


def lower_case(name, target="tenstorrent"):
    return tilelang_tt.lower(CASES[name](), target=target)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("artifact", ARTIFACT_FILES)
def test_artifact_matches_golden(case, artifact):
    assert_matches_golden(f"codegen/{case}/{artifact}", lower_case(case).files[artifact])


def test_lowering_twice_gives_identical_bytes():
    first = lower_case("gemm_100x70x50_b64").files
    second = lower_case("gemm_100x70x50_b64").files
    assert dict(first) == dict(second)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("arch", ["wormhole_b0", "blackhole"])
def test_plan_validates_against_its_schema(case, arch):
    plan = lower_case(case, target={"kind": "tenstorrent", "arch": arch}).plan
    jsonschema.validate(plan, json.loads(PLAN_SCHEMA_PATH.read_text()))
    assert plan["arch"] == arch
    assert sum(core["count"] for core in plan["cores"]) == plan["schedule"]["num_blocks"]


def test_plan_size_grows_with_cores_not_tiles():
    """1024 vs 16384 output blocks, both on all 64 cores: the plan only gains digits."""
    small = tilelang_tt.lower(gemm_kernel(2048, 2048, 256, 64, 64, 32)).files["tt.plan.json"]
    large = tilelang_tt.lower(gemm_kernel(8192, 8192, 256, 64, 64, 32)).files["tt.plan.json"]
    assert json.loads(small)["schedule"]["active_cores"] == json.loads(large)["schedule"]["active_cores"] == 64
    assert len(large) < 1.2 * len(small)


def test_tilelang_lower_carries_the_same_artifacts():
    """tilelang.lower's kernel_source is every artifact under a banner, the same (formatted) text
    tilelang_tt.lower and the CLI write: one formatter path."""
    source = tilelang.lower(gemm_kernel(64, 64, 64), target="tenstorrent").kernel_source
    banners = re.findall(r"^// ==== (\S+) ====$", source, flags=re.M)
    assert banners == sorted(ARTIFACT_FILES)
    artifacts = tilelang_tt.lower(gemm_kernel(64, 64, 64))
    for name in ARTIFACT_FILES:
        assert f"// ==== {name} ====\n{artifacts.files[name]}" in source, name


def test_emitted_sources_are_clang_formatted_with_the_repo_style(tmp_path):
    artifacts = lower_case("gemm_100x70x50_b64")
    for name in ARTIFACT_FILES:
        if name.endswith(".cpp"):
            path = tmp_path / name
            path.write_text(artifacts.files[name])
            proc = subprocess.run(
                ["clang-format", "--dry-run", "--Werror", f"--style=file:{REPO / '.clang-format'}", str(path)],
                capture_output=True,
                text=True,
            )
            assert proc.returncode == 0, proc.stderr


def test_kernel_style_is_the_repo_style():
    repo_style = {
        key.strip(): value.strip()
        for key, value in (
            line.split(":", 1) for line in (REPO / ".clang-format").read_text().splitlines() if ":" in line
        )
        if not key.strip().startswith("#") and key.strip() != "Language"
    }
    style = dict(item.split(": ") for item in CLANG_FORMAT_STYLE.strip("{}").split(", "))
    assert style == repo_style


def test_kernels_use_the_current_api():
    files = lower_case("gemm_100x70x50_b64").files
    compute, reader, writer = files["compute.cpp"], files["reader.cpp"], files["writer.cpp"]
    assert "compute_kernel_hw_startup<SrcOrder::Reverse>(cb_in0, cb_in1, cb_out0);" in compute
    # A 2 x 2-tile block: matmul_block_init then matmul_block (the release's block API), not mm_block_init.
    assert "matmul_block_init(cb_in0, cb_in1, /*transpose=*/0, /*ct_dim=*/2," in compute
    assert "matmul_block(cb_in0, cb_in1, 0, 0, 0, 0, 2, 2, 1);" in compute
    assert '#include "api/dataflow/dataflow_api.h"' in reader and "void kernel_main()" in reader
    assert "TensorAccessorArgs<A_args.next_compile_time_args_offset()>()" in reader
    assert "noc_async_write_page(" in writer
    for text in (compute, reader, writer, files["main.cpp"]):
        for deprecated in (
            "mm_init(",
            "mm_block_init(",
            "noc_async_read_tile",
            "noc_async_write_tile",
            "InterleavedAddrGenFast",
        ):
            assert deprecated not in text
