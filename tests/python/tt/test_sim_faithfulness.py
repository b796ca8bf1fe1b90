"""The simulator is at least as strict as the chip, and its verdict comes from the plan (issue #13).

Each strictness rule gets a hand-broken program that the chip would run wrongly (or not at all) and
that the simulator must refuse, or, for pack_tile, whose output must be the chip's. The verdict
tests lower kernels whose buffer / CB order differs from their meaning and check that the
reference follows the plan's ``compute`` section.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import numpy as np
import pytest
from kernels import (
    elementwise,
    elementwise_f32,
    gemm_b_copied_first,
    gemm_epilogue,
    gemm_kernel,
    gemm_left_operand_is_b,
    gemm_operand_epilogue,
    layernorm_rows,
    reduce_broadcast,
    rms_norm_rows,
    row_reduce,
    softmax_rows,
)

import tilelang_tt
from tilelang_tt.sim import (
    SimulationError,
    bf16_bits_to_float,
    build_host_program,
    compare,
    emulate_16bit_dst,
    sim_paths,
    simulate,
    to_bf16_bits,
)


def lowered(tmp_path, kernel, target="tenstorrent"):
    out = tmp_path / "artifacts"
    tilelang_tt.lower(kernel, target=target).write(out)
    return out


def break_kernel(artifacts, name, old, new, count=1):
    path = artifacts / name
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, count))


# --- the verdict comes from the plan ------------------------------------------------


@pytest.mark.parametrize("shape", [(96, 96, 96), (64, 160, 96)], ids=["square", "non-square"])
def test_b_copied_before_a_is_judged_as_a_at_b(tmp_path, shape):
    artifacts = lowered(tmp_path, gemm_b_copied_first(*shape))
    plan = json.loads((artifacts / "tt.plan.json").read_text())
    assert [cb["tensor"] for cb in plan["cbs"] if cb["role"] == "input"] == ["B", "A"]
    assert (plan["compute"]["a"], plan["compute"]["b"], plan["compute"]["c"]) == ("A", "B", "C")
    result = simulate(artifacts, seed=3)
    assert result.ok, result.summary()
    assert result.output.shape == shape[:2]


def test_gemm_of_b_and_a_is_judged_as_b_at_a(tmp_path):
    artifacts = lowered(tmp_path, gemm_left_operand_is_b(64, 96, 128))
    a = np.random.default_rng(0).uniform(-1, 1, (128, 96)).astype(np.float32)
    b = np.random.default_rng(1).uniform(-1, 1, (64, 128)).astype(np.float32)
    result = simulate(artifacts, inputs={"A": a, "B": b})
    assert result.ok, result.summary()
    # The reference is B @ A, the product the kernel means, on the bf16-rounded inputs.
    a16, b16 = (bf16_bits_to_float(to_bf16_bits(x)).astype(np.float64) for x in (a, b))
    np.testing.assert_array_equal(result.reference, b16 @ a16)


def test_all_nan_output_is_a_mismatch():
    a = np.ones((32, 32))
    out = np.full((32, 32), np.nan, dtype=np.float32)
    compute = {"fp32_dest_acc_en": True, "math_fidelity": "HiFi4"}
    result = compare(out, a, a, compute, stats={})
    assert not result.ok
    assert result.mismatches == result.non_finite == 32 * 32
    assert "MISMATCH: 1024 of 1024 elements outside their bound, 1024 of them NaN or infinite" in result.summary()


def test_an_infinite_element_is_a_mismatch_and_a_correct_one_is_not():
    a = np.full((32, 32), 0.5)
    good = np.full((32, 32), 8.0, dtype=np.float32)  # 32 * 0.25
    compute = {"fp32_dest_acc_en": True, "math_fidelity": "HiFi4"}
    assert compare(good, a, a, compute, stats={}).ok
    bad = good.copy()
    bad[3, 4] = np.inf
    result = compare(bad, a, a, compute, stats={})
    assert (result.mismatches, result.non_finite) == (1, 1)


def test_a_correct_run_never_reads_as_a_failure(tmp_path):
    """Near-zero outputs used to give a 'max rel error' above 1 on correct runs."""
    result = simulate(lowered(tmp_path, gemm_kernel(128, 128, 512)), seed=4)
    assert result.ok
    text = result.summary()
    assert text.startswith("MATCH: every element within its bound (the worst at 0.")
    assert "rel error" not in text
    assert result.worst_of_bound <= 1.0


# --- numerics follow the accumulator -------------------------------------------------


def test_bfloat16_accumulator_runs_with_16_bit_dst(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(128, 128, 1024, accum_dtype="bfloat16"))
    main = (artifacts / "main.cpp").read_text()
    assert re.search(r"\.fp32_dest_acc_en = false,\s*\.dst_full_sync_en = false", main)
    result = simulate(artifacts, seed=5)
    assert result.ok, result.summary()
    assert "16-bit DST" in result.summary()
    # 16-bit DST is visibly worse than the fp32 run of the same inputs.
    fp32 = simulate(lowered(tmp_path / "fp32", gemm_kernel(128, 128, 1024)), seed=5)
    assert fp32.max_scaled_error * 4 < result.max_scaled_error


def test_a_host_that_drops_fp32_accumulation_is_caught(tmp_path):
    """The bug this issue started from: a float32 accumulator, but 16-bit DST on the chip."""
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 1024))
    break_kernel(artifacts, "main.cpp", ".fp32_dest_acc_en = true", ".fp32_dest_acc_en = false")
    result = simulate(artifacts, seed=10)
    assert not result.ok
    assert result.mismatches > 64 * 64 // 4, result.summary()


def test_a_16_bit_run_is_judged_against_the_chips_16_bit_result(tmp_path):
    # The simulator and the harness's NumPy model of 16-bit DST agree bit for bit ...
    artifacts = lowered(tmp_path, gemm_kernel(64, 96, 512, accum_dtype="bfloat16"))
    result = simulate(artifacts, seed=11)
    assert result.ok and result.worst_of_bound == 0.0, result.summary()
    # ... so a run that accumulates differently, here in fp32, is a mismatch although it is closer to
    # the exact product: the program does not compute what the plan says the chip computes.
    break_kernel(artifacts, "main.cpp", ".fp32_dest_acc_en = false", ".fp32_dest_acc_en = true")
    wrong = simulate(artifacts, seed=11)
    assert not wrong.ok and wrong.max_scaled_error < result.max_scaled_error


def test_a_wrong_16_bit_output_is_a_mismatch():
    rng = np.random.default_rng(12)
    a = bf16_bits_to_float(to_bf16_bits(rng.uniform(-1, 1, (32, 256)).astype(np.float32)))
    b = bf16_bits_to_float(to_bf16_bits(rng.uniform(-1, 1, (256, 32)).astype(np.float32)))
    compute = {"fp32_dest_acc_en": False, "math_fidelity": "HiFi4"}
    right = compare(emulate_16bit_dst(a, b, 4), a, b, compute, stats={})
    assert right.ok
    for wrong in (np.zeros((32, 32), np.float32), -right.output, right.output.T):
        assert compare(wrong, a, b, compute, stats={}).mismatches > 32 * 32 // 2


def test_float32_accumulator_asks_for_fp32_dst(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(128, 256, 64, 64, 128, 32))
    main = (artifacts / "main.cpp").read_text()
    # 64 x 128 = 8 tiles: fp32 DST in half-sync mode holds 4, full-sync 8.
    assert re.search(r"\.fp32_dest_acc_en = true,\s*\.dst_full_sync_en = true", main)
    assert simulate(artifacts, seed=6).ok


# --- the simulator is at least as strict as the chip ---------------------------------


def expect_fault(artifacts, *fragments):
    with pytest.raises(SimulationError) as info:
        simulate(artifacts, timeout=120)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_matmul_reading_a_page_it_did_not_wait_for(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 256))
    break_kernel(artifacts, "compute.cpp", "matmul_tiles(cb_in0, cb_in1, 0, 0, 0);",
                 "matmul_tiles(cb_in0, cb_in1, 1, 0, 0);")  # fmt: skip
    expect_fault(artifacts, "matmul_tiles reads tile 1 of c_0", "waited for 1")


def test_noc_read_into_a_page_that_was_not_reserved(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 256))
    # The first read of A's tiles (the reader's first "cb_in0_write_addr);").
    break_kernel(artifacts, "reader.cpp", "cb_in0_write_addr);", "cb_in0_write_addr + tile_bytes);")
    expect_fault(artifacts, "noc_async_read_page into L1", "page 1 of CB c_0", "reserved 1 page(s)")


def test_noc_write_from_a_page_that_was_not_waited_for(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    break_kernel(artifacts, "writer.cpp", "C_accessor,\n                           cb_out0_read_addr);",
                 "C_accessor,\n                           cb_out0_read_addr + tile_bytes);")  # fmt: skip
    expect_fault(artifacts, "noc_async_write_page from L1", "page 1 of CB c_16", "waited for 1 page(s)")


def test_pack_tile_ignores_its_index_unless_out_of_order(tmp_path):
    # 64 x 32 output blocks: two tiles per block, packed in order into pages 0 and 1.
    artifacts = lowered(tmp_path, gemm_kernel(128, 64, 64, 64, 32, 32))
    compute = (artifacts / "compute.cpp").read_text()
    assert "pack_tile(t, cb_out0);" in compute
    # A "permuted" pack without out_of_order_output: the chip ignores the index, so the
    # output is still right.
    break_kernel(artifacts, "compute.cpp", "pack_tile(t, cb_out0);", "pack_tile(t, cb_out0, 1 - t);")
    assert simulate(artifacts, seed=7).ok
    # With out_of_order_output the index is honoured: the tiles swap, the output is wrong.
    break_kernel(artifacts, "compute.cpp", "pack_tile(t, cb_out0, 1 - t);", "pack_tile<true>(t, cb_out0, 1 - t);")
    result = simulate(artifacts, seed=7)
    assert not result.ok and result.mismatches > 0


def test_pack_tile_past_the_reserved_pages(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    break_kernel(artifacts, "compute.cpp", "pack_tile(0, cb_out0);", "pack_tile<true>(0, cb_out0, 1);")
    expect_fault(artifacts, "pack_tile into page 1 of CB c_16", "reserved 1")


def test_read_page_offset_applies_to_the_dram_page(tmp_path):
    # The release adds the offset to the source page address; the whole page then runs past it.
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    break_kernel(artifacts, "reader.cpp", "cb_in0_write_addr);", "cb_in0_write_addr, 1024);")
    expect_fault(artifacts, "noc_async_read_page of 2048 bytes at offset 1024 runs past the end")


def test_write_page_size_writes_only_that_many_bytes(tmp_path):
    # noc_async_write_page(id, accessor, l1, size): half a tile reaches DRAM, the rest stays zero.
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    break_kernel(artifacts, "writer.cpp", "cb_out0_read_addr);", "cb_out0_read_addr, 1024);")
    result = simulate(artifacts, seed=8)
    assert not result.ok
    assert np.all(result.output[16:32, :] == 0.0)  # faces 2 and 3 of every tile were not written


def test_l1_below_the_unreserved_base_is_out_of_bounds(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    break_kernel(artifacts, "reader.cpp", "cb_in0_write_addr);", "cb_in0_write_addr - 65536);")
    expect_fault(artifacts, "region reserved for firmware and kernel config (below 105824)")


def test_dst_capacity_follows_the_compute_config(tmp_path):
    # 8 fp32 tiles fit only in full-sync mode; a host that asks for half-sync leaves 4.
    artifacts = lowered(tmp_path, gemm_kernel(128, 256, 64, 64, 128, 32))
    break_kernel(artifacts, "main.cpp", ".dst_full_sync_en = true", ".dst_full_sync_en = false")
    # The 2 x 4-tile block is one matmul_block per K tile, into DST[0..7].
    expect_fault(artifacts, "matmul_block uses DST[7]", "DST holds 4 tiles in this mode (fp32 DST, half-sync")


def test_16_bit_dst_capacity_follows_the_compute_config(tmp_path):
    # A bfloat16 accumulator: 16 tiles (128 x 128) fit 16-bit DST only in full-sync mode.
    artifacts = lowered(tmp_path, gemm_kernel(128, 128, 64, 128, 128, 32, accum_dtype="bfloat16"))
    break_kernel(artifacts, "main.cpp", ".dst_full_sync_en = true", ".dst_full_sync_en = false")
    expect_fault(artifacts, "matmul_block uses DST[15]", "DST holds 8 tiles in this mode (16-bit DST, half-sync")


def test_pack_tile_must_agree_with_the_dst_mode(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    break_kernel(artifacts, "compute.cpp", "pack_tile(0, cb_out0);", "pack_tile<false, false>(0, cb_out0);")
    expect_fault(artifacts, "is_fp32_dest_acc_en = false> but DST is in fp32 DST, half-sync mode")


# --- data formats, copy_tile and the reconfig calls (DST sub-blocks with partials) ----


def subblocked(tmp_path, accum="float32"):
    """128 x 128 output blocks over 3 K steps: 2 x 2 DST sub-blocks whose partials are reloaded (each K step
    its own push, tt.k_group = 1: grouped, the three steps would be one)."""
    kernel = gemm_kernel(128, 128, 96, 128, 128, 32, accum_dtype=accum).with_attr("tt.k_group", 1)
    artifacts = lowered(tmp_path, kernel)
    compute = (artifacts / "compute.cpp").read_text()
    assert "copy_tile(cb_partials, t, t);" in compute
    return artifacts


def test_sub_blocked_partials_run_correctly(tmp_path):
    assert simulate(subblocked(tmp_path), seed=4).ok


def test_copy_tile_needs_srca_in_the_partials_format(tmp_path):
    artifacts = subblocked(tmp_path)
    break_kernel(artifacts, "compute.cpp", "reconfig_data_format_srca(cb_in1, cb_partials);", "")
    expect_fault(artifacts, "copy_tile unpacks CB c_24 (Float32) into SrcA, which is configured for Float16_b")


def test_matmul_after_copy_needs_matmul_init(tmp_path):
    artifacts = subblocked(tmp_path)
    break_kernel(
        artifacts,
        "compute.cpp",
        "reconfig_data_format_srca(cb_partials, cb_in1);\n"
        "              matmul_block_init(cb_in0, cb_in1, /*transpose=*/0, /*ct_dim=*/2,\n"
        "                                /*rt_dim=*/2, /*kt_dim=*/1);",
        "reconfig_data_format_srca(cb_partials, cb_in1);",
    )
    expect_fault(artifacts, "matmul_block(c_0, c_1) but the unpacker is set up for copy_tile from c_24 (copy_init)")


def test_matmul_block_takes_the_dims_of_its_init(tmp_path):
    """The release programs the unpacker's and the math's loops at matmul_block_init: a call with another
    sub-block is a fault, and so is a matmul_tiles after a 2 x 2 matmul_block_init."""
    artifacts = subblocked(tmp_path)
    call = "matmul_block(cb_in0, cb_in1, sm * 2, sn * 2, 0, 0, 2, 2, 1);"
    break_kernel(artifacts, "compute.cpp", call, call.replace("0, 0, 2, 2, 1", "0, 0, 1, 2, 1"))
    expect_fault(artifacts, "matmul_block(..., transpose = 0, ct_dim = 1, rt_dim = 2, kt_dim = 1)",
                 "set up for transpose = 0, ct_dim = 2, rt_dim = 2, kt_dim = 1", "they must be equal")  # fmt: skip
    artifacts = subblocked(tmp_path / "tiles")
    break_kernel(artifacts, "compute.cpp", call, "matmul_tiles(cb_in0, cb_in1, sm * 2, sn * 2, 0);")
    expect_fault(artifacts, "matmul_tiles but matmul_block_init set the unpacker and FPU up for 2 x 2-tile",
                 "call matmul_init first")  # fmt: skip


def test_matmul_needs_srca_back_in_the_operand_format(tmp_path):
    artifacts = subblocked(tmp_path)
    break_kernel(artifacts, "compute.cpp", "reconfig_data_format_srca(cb_partials, cb_in1);", "")
    expect_fault(artifacts, "matmul_block unpacks CB c_1 (Float16_b) into SrcA, which is configured for Float32")


def test_pack_into_float32_partials_needs_pack_reconfig(tmp_path):
    artifacts = subblocked(tmp_path)
    break_kernel(artifacts, "compute.cpp", "pack_reconfig_data_format(cb_out0, cb_partials);", "")
    expect_fault(artifacts, "pack_tile into CB c_24 (Float32) but the packer is configured for Float16_b")


def test_float32_partials_must_unpack_straight_to_dst(tmp_path):
    # Through SrcA a Float32 tile keeps TF32 only: the host must ask for UnpackToDestFp32.
    artifacts = subblocked(tmp_path)
    break_kernel(artifacts, "main.cpp", ",\n                        .unpack_to_dest_mode = unpack_to_dest_mode", "")
    expect_fault(artifacts, "copy_tile from Float32 CB c_24 through SrcA", "UnpackToDestFp32")


def test_transposed_b_needs_the_unpackers_transpose(tmp_path):
    # B is N x K: without matmul_init's transpose the chip multiplies by B's untransposed tiles.
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64, trans_B=True))
    assert simulate(artifacts, seed=2).ok
    break_kernel(artifacts, "compute.cpp", "matmul_init(cb_in0, cb_in1, /*transpose=*/1);",
                 "matmul_init(cb_in0, cb_in1);")  # fmt: skip
    result = simulate(artifacts, seed=2)
    assert not result.ok and result.mismatches > 0


def test_copy_init_turns_the_transpose_off(tmp_path):
    # After a reload of partials (copy_init) the re-init must ask for the transpose again.
    artifacts = lowered(tmp_path, gemm_kernel(128, 128, 96, 128, 128, 32, trans_B=True).with_attr("tt.k_group", 1))
    assert simulate(artifacts, seed=3).ok
    break_kernel(artifacts, "compute.cpp", "              matmul_init(cb_in0, cb_in1, /*transpose=*/1);",
                 "              matmul_init(cb_in0, cb_in1);")  # fmt: skip
    result = simulate(artifacts, seed=3)
    assert not result.ok and result.mismatches > 0


def test_bf16_partials_need_no_reconfig(tmp_path):
    # A bfloat16 accumulator over 128 x 256 blocks: bf16 partials, same format as the operands.
    artifacts = lowered(tmp_path, gemm_kernel(128, 256, 96, 128, 256, 32, accum_dtype="bfloat16"))
    compute = (artifacts / "compute.cpp").read_text()
    assert "copy_tile(cb_partials, t, t);" in compute and "reconfig_data_format" not in compute
    assert "unpack_to_dest_mode" not in (artifacts / "main.cpp").read_text()
    assert simulate(artifacts, seed=5).ok


# --- the host program ----------------------------------------------------------------


def test_every_runtime_arg_a_kernel_receives_is_read(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(256, 192, 128, 64, 64, 32))
    plan = json.loads((artifacts / "tt.plan.json").read_text())
    main = (artifacts / "main.cpp").read_text()
    for kernel in plan["kernels"]:
        source = (artifacts / kernel["file"]).read_text()
        read = [int(i) for i in re.findall(r"get_arg_val<uint32_t>\(\s*(\d+)\)", source)]
        assert read == list(range(len(kernel["runtime_args"]))), kernel["name"]
        for name in kernel["runtime_args"]:  # declared, and used beyond its declaration
            assert len(re.findall(rf"\b{name}\b", source)) >= 3, (kernel["name"], name)
        # SetRuntimeArgs(program, reader, core, {...}); or, with multicast NoC tables appended in a loop,
        # std::vector<uint32_t> reader_args{...};
        name = kernel["name"]
        comments = re.findall(
            rf"(?:SetRuntimeArgs\(\s*program, {name}, core,\s*|{name}_args)\{{(.*?)\}}\)?;", main, re.S
        )
        assert re.findall(r"// \d+: (\w+)", comments[0]) == kernel["runtime_args"]
    # The K trip count is a constant of the kernels, never also a runtime argument.
    assert "kt_tiles" not in main and all("kt_tiles" not in k["runtime_args"] for k in plan["kernels"])


def test_closing_the_device_with_buffers_alive_is_a_fault(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    main = (artifacts / "main.cpp").read_text()
    assert "compute_with_storage_grid_size()" in main
    # The buffers and the workload live in a scope that ends before close(); closing inside it faults.
    break_kernel(artifacts, "main.cpp", "distributed::EnqueueMeshWorkload(cq, workload, false);",
                 "distributed::EnqueueMeshWorkload(cq, workload, false);\n mesh_device->close();")  # fmt: skip
    expect_fault(artifacts, "MeshDevice::close() with 3 MeshBuffer(s) and 1 MeshWorkload(s) still alive")


def test_kernel_paths_must_be_absolute(tmp_path):
    # The harness passes the artifact directory relative to the program's working directory; the
    # host program makes it absolute. Without that, CreateKernel gets a relative path and faults.
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    break_kernel(artifacts, "main.cpp", "std::filesystem::absolute(argv[1]).string()", "std::string(argv[1])")
    expect_fault(artifacts, "CreateKernel: kernel path '../", "is relative; pass an absolute path")


def test_a_device_smaller_than_the_plan_is_a_clear_error(tmp_path):
    # Run the host program itself on a simulated 4 x 8 device (the harness would size the device
    # from the plan).
    artifacts = lowered(tmp_path, gemm_kernel(256, 256, 64))
    include, lib_dir = sim_paths()
    exe = build_host_program(artifacts, include, lib_dir)
    work = tmp_path / "work"
    work.mkdir()
    for name in ("A", "B"):
        np.zeros((256, 64) if name == "A" else (64, 256), dtype="<u2").tofile(work / f"{name}.bf16")
    env = dict(os.environ, TT_SIM_GRID_X="4", TT_SIM_GRID_Y="8", TT_SIM_INCLUDE=str(include))
    proc = subprocess.run([str(exe), str(artifacts), str(work)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "planned for a 8 x 8 compute grid (wormhole_b0); the device has 4 x 8" in proc.stderr


def test_kernels_are_found_from_any_working_directory(tmp_path, monkeypatch):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 64))
    monkeypatch.chdir(tmp_path)
    assert simulate(artifacts.relative_to(tmp_path), seed=9).ok


# --- transpose_A: compute transposes A's block through DST (transpose_init / transpose_tile) --------


def transposed_a(tmp_path):
    """A stored K x M (64 x 64 blocks of it, 2 x 2 tiles): each K step transposes its block into
    cb_transposed, tile by tile and in tile order, before the matmul."""
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 128, 64, 64, 64, trans_A=True))
    assert "transpose_tile(cb_in0, gt % 2 * 2 + gt / 2, gt);" in (artifacts / "compute.cpp").read_text()
    return artifacts


def test_transposed_a_runs_correctly(tmp_path):
    assert simulate(transposed_a(tmp_path), seed=5).ok


def test_transpose_tile_needs_transpose_init(tmp_path):
    artifacts = transposed_a(tmp_path)
    break_kernel(artifacts, "compute.cpp", "transpose_init(cb_in0);", "")
    expect_fault(artifacts, "transpose_tile from c_0 but the unpacker is set up for matmul_tiles on c_25, c_1")


def test_matmul_after_a_transpose_needs_matmul_init_again(tmp_path):
    artifacts = transposed_a(tmp_path)
    reinit = (
        "        matmul_block_init(cb_transposed, cb_in1, /*transpose=*/0, /*ct_dim=*/2,\n"
        "                          /*rt_dim=*/2, /*kt_dim=*/2);\n"
    )
    break_kernel(artifacts, "compute.cpp", reinit, "")
    expect_fault(artifacts, "matmul_block(c_25, c_1) but the unpacker is set up for transpose_tile from c_0")


def test_a_block_transposed_tile_by_tile_only_is_wrong(tmp_path):
    # Transposing each tile but keeping the block's tile order computes something else: the verdict,
    # built from the plan's transpose_a, catches it.
    artifacts = transposed_a(tmp_path)
    break_kernel(artifacts, "compute.cpp", "transpose_tile(cb_in0, gt % 2 * 2 + gt / 2, gt);",
                 "transpose_tile(cb_in0, gt, gt);")  # fmt: skip
    assert not simulate(artifacts, seed=5).ok


# --- epilogues on the SFPU (#17) --------------------------------------------------------


def epilogue_kernel(tmp_path, where="relu"):
    """One core, four 64 x 64 blocks: the epilogue runs between blocks' matmuls."""
    return lowered(tmp_path, gemm_epilogue(where, 128, 128, 64, block=64),
                   target={"kind": "tenstorrent", "core_grid_x": 1, "core_grid_y": 1})  # fmt: skip


def test_an_epilogue_runs_and_is_judged_from_the_plan(tmp_path):
    artifacts = epilogue_kernel(tmp_path, "chain")
    compute = json.loads((artifacts / "tt.plan.json").read_text())["compute"]
    assert compute["epilogue"] == [{"op": "mul", "value": 2}, {"op": "add", "value": -0.25}, {"op": "relu", "value": 0}]
    result = simulate(artifacts, seed=5)
    assert result.ok, result.summary()
    assert (result.output >= 0).all() and (result.output == 0).any()


def test_an_epilogue_the_kernel_skips_is_a_mismatch(tmp_path):
    artifacts = epilogue_kernel(tmp_path)
    break_kernel(artifacts, "compute.cpp", "relu_tile(t);", "")
    result = simulate(artifacts, seed=5)
    assert not result.ok and result.mismatches > 0


def test_an_sfpu_op_needs_its_init(tmp_path):
    artifacts = epilogue_kernel(tmp_path)
    break_kernel(artifacts, "compute.cpp", "relu_tile_init();", "")
    expect_fault(artifacts, "relu_tile after no SFPU init; call relu_tile_init first")


def test_matmul_after_an_sfpu_op_needs_matmul_init(tmp_path):
    artifacts = epilogue_kernel(tmp_path)
    reinit = (
        "relu_tile(t);\n      }\n      matmul_block_init(cb_in0, cb_in1, /*transpose=*/0, /*ct_dim=*/2,\n"
        "                        /*rt_dim=*/2, /*kt_dim=*/2);\n"
    )
    break_kernel(artifacts, "compute.cpp", reinit, "relu_tile(t);\n      }\n")
    expect_fault(artifacts, "matmul_block", "an SFPU op (relu_tile_init", "call matmul_block_init(c_0, c_1")


def test_a_nan_under_relu_may_become_zero_or_stay_nan_and_nothing_else():
    """SFPSWAP orders a negative NaN below +0 and the chip does not specify a NaN's sign, so
    max(NaN, 0) is 0 or NaN on the chip; the verdict accepts both, and only those."""
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, (32, 32)), rng.uniform(-1, 1, (32, 32))
    a[0, 0], b[0, :] = np.inf, 0.0  # row 0 of a @ b is inf * 0 + ...: NaN
    compute = {"fp32_dest_acc_en": True, "math_fidelity": "HiFi4", "epilogue": [{"op": "relu", "value": 0}]}
    with np.errstate(all="ignore"):
        good = np.maximum(a @ b, 0).astype(np.float32)
    for row0, ok in ((0.0, True), (np.nan, True), (5.0, False)):
        out = good.copy()
        out[0] = row0
        assert compare(out, a, b, compute, stats={}).ok == ok, row0


# --- epilogues with a tensor operand (#17) ---------------------------------------------------


def operand_kernel(tmp_path, where, accum="float32"):
    """One core, four 64 x 64 blocks; the epilogue adds X (OPERAND_UPDATES[where])."""
    return lowered(tmp_path, gemm_operand_epilogue(where, accum=accum),
                   target={"kind": "tenstorrent", "core_grid_x": 1, "core_grid_y": 1})  # fmt: skip


#: OPERAND_UPDATES entries: (the plan's op, broadcast, the exact result from A @ B and X).
OPERAND_RESULTS = {
    "bias-row": ("add", "row", lambda p, x: p + x),
    "bias-col": ("add", "col", lambda p, x: p + x[:, None]),
    "residual": ("add", "none", lambda p, x: np.maximum(p + x, 0)),
    "residual-times": ("mul", "none", lambda p, x: p * x),
    "bias-times": ("mul", "row", lambda p, x: p * x),
    "residual-minus": ("sub", "none", lambda p, x: p - x),
}


@pytest.mark.parametrize("where, accum", [("bias-row", "float32"), ("bias-col", "float32"),
                                          ("residual", "float32"), ("residual", "bfloat16"),
                                          ("residual-times", "float32"), ("residual-times", "bfloat16"),
                                          ("bias-times", "bfloat16"), ("residual-minus", "float32"),
                                          ("residual-minus", "bfloat16")])  # fmt: skip
def test_an_operand_epilogue_runs_and_is_judged_from_the_plan(tmp_path, where, accum):
    artifacts = operand_kernel(tmp_path, where, accum)
    plan = json.loads((artifacts / "tt.plan.json").read_text())
    op, broadcast, result_of = OPERAND_RESULTS[where]
    assert plan["compute"]["epilogue"][0] == {"op": op, "operand": "X", "broadcast": broadcast}
    rng = np.random.default_rng(4)
    inputs = {n: rng.uniform(-1, 1, plan["buffers"][n]["shape"]).astype(np.float32) for n in ("A", "B", "X")}
    result = simulate(artifacts, inputs=inputs)
    assert result.ok, result.summary()
    # The reference applies X where the kernel says, from the plan alone.
    a, b, x = (bf16_bits_to_float(to_bf16_bits(inputs[n])).astype(np.float64) for n in ("A", "B", "X"))
    np.testing.assert_allclose(result.reference, result_of(a @ b, x))


def test_a_16_bit_product_with_a_tensor_rounds_to_nearest_even():
    """mul_binary_tile rounds its product to bf16 (ties to even) before the store; x * c with a constant
    is truncated by the store. Both products are ties between two bf16 values: the first tells nearest
    even from truncation, the second from ties away from zero."""
    from tilelang_tt.sim import sfpu_on_16bit_dst

    x = np.array([1.0078125, 1.0234375], np.float32)  # * 1.5 = 1.51171875, 1.53515625
    product = sfpu_on_16bit_dst(x, "mul", np.array([1.5, 1.5], np.float32), False, tensor=True)
    np.testing.assert_array_equal(product, [1.515625, 1.53125])
    np.testing.assert_array_equal(sfpu_on_16bit_dst(x, "mul", 1.5, False), [1.5078125, 1.53125])
    # A zero factor gives +0 even against infinity (the routine's zero test), not NaN.
    assert (
        sfpu_on_16bit_dst(np.array([np.inf], np.float32), "mul", np.array([0.0], np.float32), False, tensor=True)[0]
        == 0
    )


def test_a_bias_broadcast_the_wrong_way_is_a_mismatch(tmp_path):
    artifacts = operand_kernel(tmp_path, "bias-row")
    break_kernel(artifacts, "compute.cpp", "BroadcastType::ROW", "BroadcastType::COL", count=2)
    result = simulate(artifacts, seed=1)
    assert not result.ok and result.mismatches > 0


def test_a_bias_from_the_wrong_tile_is_a_mismatch(tmp_path):
    artifacts = operand_kernel(tmp_path, "bias-row")
    compute = (artifacts / "compute.cpp").read_text()
    call = re.search(r"unary_bcast<BroadcastType::ROW>\(cb_in2, \w+, ", compute).group(0)
    break_kernel(artifacts, "compute.cpp", call, "unary_bcast<BroadcastType::ROW>(cb_in2, 0, ")
    result = simulate(artifacts, seed=1)
    assert not result.ok and result.mismatches > 0


def test_add_binary_tile_needs_its_init(tmp_path):
    artifacts = operand_kernel(tmp_path, "residual")
    break_kernel(artifacts, "compute.cpp", "add_binary_tile_init();", "")
    expect_fault(artifacts, "add_binary_tile after no SFPU init; call add_binary_tile_init first")


def test_copy_tile_after_an_sfpu_op_needs_copy_init(tmp_path):
    artifacts = operand_kernel(tmp_path, "residual")
    break_kernel(artifacts, "compute.cpp", "copy_init(cb_in2);", "")
    expect_fault(artifacts, "copy_tile from c_2 but the unpacker is set up for")


def test_unary_bcast_needs_its_init(tmp_path):
    artifacts = operand_kernel(tmp_path, "bias-col")
    break_kernel(artifacts, "compute.cpp", "unary_bcast_init<BroadcastType::COL>(cb_in2);", "")
    expect_fault(artifacts, "unary_bcast from c_2 but the unpacker is set up for")


def test_an_operand_block_never_popped_stalls_the_reader(tmp_path):
    artifacts = operand_kernel(tmp_path, "bias-row")
    break_kernel(artifacts, "compute.cpp", "cb_pop_front(cb_in2, 2);", "")
    with pytest.raises(SimulationError, match="cb_in2|c_2"):
        simulate(artifacts, seed=1, timeout=60)


# --- element-wise kernels (#17) ------------------------------------------------------------


def test_an_elementwise_kernel_is_judged_from_the_plan(tmp_path):
    artifacts = lowered(tmp_path, elementwise("scale-add-relu"))
    compute = json.loads((artifacts / "tt.plan.json").read_text())["compute"]
    assert (compute["op"], compute["a"], compute["fp32_dest_acc_en"]) == ("eltwise", "A", True)
    assert "b" not in compute and "transpose_a" not in compute
    rng = np.random.default_rng(2)
    inputs = {n: rng.uniform(-1, 1, (128, 128)).astype(np.float32) for n in ("A", "B")}
    result = simulate(artifacts, inputs=inputs)
    assert result.ok, result.summary()
    a, b = (bf16_bits_to_float(to_bf16_bits(inputs[n])).astype(np.float64) for n in ("A", "B"))
    np.testing.assert_array_equal(result.reference, np.maximum(a * 0.5 + b, 0))


def test_an_elementwise_op_the_kernel_skips_is_a_mismatch(tmp_path):
    artifacts = lowered(tmp_path, elementwise("add"))
    break_kernel(artifacts, "compute.cpp", "add_binary_tile(0, 1, 0);", "")
    result = simulate(artifacts, seed=3)
    assert not result.ok and result.mismatches > 0


def test_an_elementwise_copy_needs_copy_init_for_its_cb(tmp_path):
    artifacts = lowered(tmp_path, elementwise("add"))
    break_kernel(artifacts, "compute.cpp", "copy_init(cb_in1);", "")
    expect_fault(artifacts, "copy_tile from c_1 but the unpacker is set up for")


# --- float32 tensors (#17) ------------------------------------------------------------------


def test_a_float32_output_is_judged_to_an_fp32_ulp():
    """A float32 C is fp32 DST's value as it is: rounding it to bf16 on the way is a mismatch."""
    rng = np.random.default_rng(5)
    a, b = (bf16_bits_to_float(to_bf16_bits(rng.uniform(-1, 1, (64, 64)).astype(np.float32))) for _ in "ab")
    compute = {"op": "matmul", "fp32_dest_acc_en": True, "math_fidelity": "HiFi4", "epilogue": []}
    exact = a.astype(np.float64) @ b.astype(np.float64)
    assert compare(exact.astype(np.float32), a, b, compute, out_dtype="float32", stats={}).ok
    rounded = bf16_bits_to_float(to_bf16_bits(exact.astype(np.float32)))
    assert compare(rounded, a, b, compute, stats={}).ok  # a bf16 C may be rounded
    result = compare(rounded, a, b, compute, out_dtype="float32", stats={})
    assert not result.ok and result.mismatches > 64 * 64 // 2


def test_a_float32_elementwise_input_must_unpack_straight_to_dst(tmp_path):
    artifacts = lowered(tmp_path, elementwise_f32())
    assert simulate(artifacts, seed=1).ok
    break_kernel(artifacts, "main.cpp", "= UnpackToDestMode::UnpackToDestFp32;", "= UnpackToDestMode::Default;", 2)
    expect_fault(artifacts, "copy_tile from Float32 CB c_0 through SrcA", "UnpackToDestFp32")


# --- transcendental SFPU ops (#17) --------------------------------------------------------------


#: A function the plan names, and the kernel's calls of it replaced by another function's.
SWAPPED_FUNCTIONS = {
    "exp": [("exp_tile_init();", "sigmoid_tile_init();"), ("exp_tile(t);", "sigmoid_tile(t);"),
            ('#include "api/compute/eltwise_unary/exp.h"', '#include "api/compute/compute_kernel_api.h"')],
    "gelu": [("gelu_tile_init<false>();", "silu_tile_init();"), ("gelu_tile<false>(t);", "silu_tile(t);"),
             ('#include "api/compute/eltwise_unary/gelu.h"', '#include "api/compute/compute_kernel_api.h"')],
}  # fmt: skip


@pytest.mark.parametrize("where, accum", [("exp", "float32"), ("exp", "bfloat16"), ("gelu", "float32")])
def test_a_function_epilogue_is_judged_from_the_plan(tmp_path, where, accum):
    artifacts = lowered(tmp_path, gemm_epilogue(where, 128, 128, 64, block=64, accum=accum),
                        target={"kind": "tenstorrent", "core_grid_x": 1, "core_grid_y": 1})  # fmt: skip
    assert json.loads((artifacts / "tt.plan.json").read_text())["compute"]["epilogue"] == [{"op": where, "value": 0}]
    result = simulate(artifacts, seed=3)
    assert result.ok, result.summary()
    # Another function where the plan says this one (sigmoid for exp, SiLU for GELU): a mismatch.
    for old, new in SWAPPED_FUNCTIONS[where]:
        break_kernel(artifacts, "compute.cpp", old, new)
    result = simulate(artifacts, seed=3)
    assert not result.ok and result.mismatches > 128 * 128 // 4


def test_silu_of_a_function_is_that_function_then_silu(tmp_path):
    """x * T.sigmoid(x) where x is itself a call: the chain is [..., exp, silu], not a sigmoid too."""
    artifacts = epilogue_kernel(tmp_path, "silu-of-exp")
    ops = [step["op"] for step in json.loads((artifacts / "tt.plan.json").read_text())["compute"]["epilogue"]]
    assert ops == ["mul", "exp", "silu"]
    result = simulate(artifacts, seed=2)
    assert result.ok, result.summary()


def test_a_transcendental_op_needs_its_own_init(tmp_path):
    """sigmoid_tile_init and exp_tile_init program different constants into the SFPU."""
    artifacts = epilogue_kernel(tmp_path, "silu")
    break_kernel(artifacts, "compute.cpp", "silu_tile_init();", "exp_tile_init();")
    break_kernel(artifacts, "compute.cpp", '#include "api/compute/compute_kernel_api.h"',
                 '#include "api/compute/compute_kernel_api.h"\n#include "api/compute/eltwise_unary/exp.h"')  # fmt: skip
    expect_fault(artifacts, "silu_tile after exp_tile_init; call silu_tile_init first")


def test_the_approximate_exp_is_not_simulated(tmp_path):
    artifacts = epilogue_kernel(tmp_path, "exp")
    break_kernel(artifacts, "compute.cpp", "exp_tile(t);", "exp_tile<true>(t);")
    expect_fault(artifacts, "exp_tile<true> (approximate) is not simulated")


def test_the_release_default_gelu_is_the_approximate_one_and_not_simulated(tmp_path):
    """gelu_tile_init() / gelu_tile(i) without template arguments pick the release's lookup table."""
    artifacts = epilogue_kernel(tmp_path, "gelu")
    break_kernel(artifacts, "compute.cpp", "gelu_tile_init<false>();", "gelu_tile_init();")
    expect_fault(artifacts, "gelu_tile_init<true> (the approximate GELU, the release's default) is not simulated")


def test_a_16_bit_function_followed_by_other_ops_is_not_judged():
    compute = {"op": "matmul", "fp32_dest_acc_en": False, "math_fidelity": "HiFi4",
               "epilogue": [{"op": "exp", "value": 0}, {"op": "mul", "value": 2.0}]}  # fmt: skip
    a = np.ones((32, 32), np.float32)
    with pytest.raises(SimulationError, match="applies exp on 16-bit DST before other ops"):
        compare(a, a, a, compute, stats={})


# --- float16 tensors (#17) -----------------------------------------------------------


def corner_inputs(a00: float, b00: float, k: int = 32) -> dict:
    """A (32 x k) and B (k x 32) of zeros but for A[0, 0] and B[0, 0]: C[0, 0] is their product."""
    a = np.zeros((32, k), np.float32)
    b = np.zeros((k, 32), np.float32)
    a[0, 0], b[0, 0] = a00, b00
    return {"A": a, "B": b}


def test_a_float16_output_of_fp32_dst_has_bf16_precision(tmp_path):
    """The release packs fp32 DST into a Float16 CB with Float16_b as the pack source format: C is the
    product rounded to bf16 (ties away), then widened to fp16 -- not the product rounded to fp16."""
    artifacts = lowered(tmp_path, gemm_kernel(32, 32, 32, dtype="float16"))
    result = simulate(artifacts, inputs=corner_inputs(1.0 + 2.0**-8, 1.0))  # an fp16 value, a bf16 tie
    assert result.ok, result.summary()
    assert result.output[0, 0] == 1.0 + 2.0**-7


def test_float16_srca_ignores_its_last_mantissa_bit(tmp_path):
    """At HiFi4 SrcA (in1: B) multiplies with all but fp16's last mantissa bit, SrcB (in0: A) with all."""
    artifacts = lowered(tmp_path, gemm_kernel(32, 32, 32, dtype="float16", out_dtype="float32"))
    lsb = 1.0 + 2.0**-10
    assert simulate(artifacts, inputs=corner_inputs(1.0, lsb)).output[0, 0] == 1.0
    assert simulate(artifacts, inputs=corner_inputs(lsb, 1.0)).output[0, 0] == lsb


def test_float16_and_bfloat16_cbs_in_one_program_are_refused_like_the_jit(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(32, 32, 32, dtype="float16"))
    break_kernel(
        artifacts, "main.cpp", "{{CBIndex::c_16, DataFormat::Float16}}", "{{CBIndex::c_16, DataFormat::Float16_b}}"
    )
    expect_fault(artifacts, "mix exponent families", "c_0 is Float16 and c_16 Float16_b")


def test_a_float32_matmul_operand_beside_a_float16_cb_is_a_fault(tmp_path):
    """Beside a Float16 CB the JIT makes Float16 (not TF32) the source-register format of a Float32 CB,
    a conversion the ISA pages do not define: the simulator stops rather than reading TF32."""
    artifacts = lowered(tmp_path, gemm_kernel(32, 32, 32, dtype="float32"))
    assert simulate(artifacts).ok
    break_kernel(
        artifacts, "main.cpp", "{{CBIndex::c_16, DataFormat::Float32}}", "{{CBIndex::c_16, DataFormat::Float16}}"
    )
    expect_fault(artifacts, "matmul_tiles on Float32 CB c_0 beside Float16 CB c_16", "not simulated")


def test_a_float16_tensor_of_a_reduction_is_widened_and_its_output_narrowed_to_nearest_even(tmp_path):
    """A kernel that reduces moves float16 tensors through Float32 CBs: the reader widens each tile exactly
    (an fp16 subnormal stays), the writer rounds each fp32 result to the nearest fp16, ties to even, past
    fp16's range to infinity (IEEE, as torch)."""
    artifacts = lowered(tmp_path, row_reduce("sum", 128, 64, 32, dtype="float16", out_dtype="float16"))
    plan = json.loads((artifacts / "tt.plan.json").read_text())
    assert {cb["tensor"]: cb["data_format"] for cb in plan["cbs"] if cb["tensor"]} == {"A": "Float32", "B": "Float32"}
    assert "widen_fp16_tile(" in (artifacts / "reader.cpp").read_text()
    assert "narrow_to_fp16_tile(" in (artifacts / "writer.cpp").read_text()
    a = np.zeros((128, 64), np.float32)
    a[0, :2] = 1.0, 2.0**-11  # 1 + 2^-11: halfway between 1 and 1 + 2^-10, to the even 1
    a[1, :2] = 1.0, 3 * 2.0**-11  # halfway between 1 + 2^-10 and 1 + 2^-9, to the even 1 + 2^-9
    a[2, 0] = 2.0**-20  # an fp16 subnormal, widened and narrowed exactly
    a[3, :2] = 60000.0, 10000.0  # 70000: past fp16's largest finite value
    a[4, :3] = 1.0, 2.0**-11, 2.0**-20  # just past the halfway point: up
    result = simulate(artifacts, inputs={"A": a})
    assert result.ok, result.summary()
    assert list(result.output[:5]) == [1.0, 1.0 + 2.0**-9, 2.0**-20, np.inf, 1.0 + 2.0**-10]
    assert "rounded to the nearest fp16 (ties to even) by the writer" in result.rule
    # A writer that truncated, or rounded halfway cases away from zero, would write other values.
    break_kernel(artifacts, "writer.cpp", "(rest == half && (h & 1u) != 0)", "rest == half")
    assert list(simulate(artifacts, inputs={"A": a}).output[:2]) == [1.0 + 2.0**-10, 1.0 + 2.0**-9]


def test_a_narrowed_output_near_fp16s_range_and_a_narrowed_maximum_are_judged(tmp_path):
    """The writer's narrowing at fp16's overflow boundary: a sum the harness knows only near 65520 may be
    written as 65504 or as infinity (both accepted, undecided); a bf16 maximum of 1e5 narrows to infinity
    and one of -3e-8 to fp16's least subnormal, -2^-24."""
    sums = lowered(tmp_path / "sum", row_reduce("sum", 64, 64, 32, dtype="float16", out_dtype="float16"))
    a = np.zeros((64, 64), np.float32)
    a[0, [0, 16, 17, 32, 48]] = 65504.0, 15.0, 0.9970703125, 0.00146484375, 0.00146484375  # 65520 exactly
    a[1, [0, 16, 17, 32]] = 65504.0, 15.0, 0.9990234375, -0.00146484375  # just below 65520
    a[2, :2] = 60000.0, 10000.0  # well past: infinity, decided
    result = simulate(sums, inputs={"A": a})
    assert result.ok, result.summary()
    assert np.isinf(result.output[2]) and result.output[2] > 0
    maxima = lowered(tmp_path / "max", row_reduce("max", 64, 64, 32, dtype="bfloat16", out_dtype="float16"))
    a = np.full((64, 64), -1.0, np.float32)
    a[0, 5], a[1, :] = 1e5, -3e-8
    result = simulate(maxima, inputs={"A": a})
    assert result.ok, result.summary()
    assert list(result.output[:3]) == [np.inf, -(2.0**-24), -1.0]


def test_a_float16_accumulator_is_judged_against_the_chips_fp16_dst(tmp_path):
    # FP16 DST rounds every K-face and phase to fp16; the harness's model agrees with the simulator ...
    artifacts = lowered(tmp_path, gemm_kernel(64, 96, 512, dtype="float16", accum_dtype="float16"))
    result = simulate(artifacts, seed=13)
    assert result.ok and result.worst_of_bound == 0.0, result.summary()
    assert "fp16 ulp of the chip's 16-bit DST result" in result.rule
    # ... so accumulating in fp32 instead is a mismatch, closer to the exact product as it is.
    break_kernel(artifacts, "main.cpp", ".fp32_dest_acc_en = false", ".fp32_dest_acc_en = true")
    wrong = simulate(artifacts, seed=13)
    assert not wrong.ok and wrong.max_scaled_error < result.max_scaled_error


def test_a_float16_elementwise_sum_is_truncated_to_fp16_by_the_store(tmp_path):
    """FP16 DST: the SFPU adds in fp32 and SFPSTORE truncates to fp16 (ISA SFPSTORE.md, ToFP16):
    1 + 3 * 2^-11 becomes 1 + 2^-10, where rounding to nearest would give 1 + 2^-9."""
    artifacts = lowered(tmp_path, elementwise("add", 32, 32, 32, 32, dtype="float16"))
    assert json.loads((artifacts / "tt.plan.json").read_text())["compute"]["fp32_dest_acc_en"] is False
    a = np.ones((32, 32), np.float32)
    b = np.full((32, 32), 3 * 2.0**-11, np.float32)
    result = simulate(artifacts, inputs={"A": a, "B": b})
    assert result.ok, result.summary()
    assert np.all(result.output == 1.0 + 2.0**-10)


def test_an_fp16_dst_emulation_is_not_a_bf16_one():
    rng = np.random.default_rng(14)
    a = rng.uniform(-1, 1, (32, 256)).astype(np.float16).astype(np.float32)
    b = rng.uniform(-1, 1, (256, 32)).astype(np.float16).astype(np.float32)
    compute = {"fp32_dest_acc_en": False, "math_fidelity": "HiFi4", "accumulator": "float16"}
    right = emulate_16bit_dst(a, b, 4, "float16")
    assert compare(right, a, b, compute, in_dtype="float16", out_dtype="float16", stats={}).ok
    as_bf16 = emulate_16bit_dst(a, b, 4, "bfloat16")
    assert compare(as_bf16, a, b, compute, in_dtype="float16", out_dtype="float16", stats={}).mismatches > 32 * 32 // 2


# --- float32 T.gemm operands: TF32 in the source registers (#17) ----------------------


def test_float32_operands_are_multiplied_as_tf32(tmp_path):
    """The unpacker drops fp32's low 13 mantissa bits on the way into SrcA / SrcB (SrcASrcB.md)."""
    artifacts = lowered(tmp_path, gemm_kernel(32, 32, 32, dtype="float32"))
    result = simulate(artifacts, inputs=corner_inputs(1.0 + 2.0**-12, 1.0))
    assert result.ok, result.summary()
    assert result.output[0, 0] == 1.0
    assert simulate(artifacts, inputs=corner_inputs(1.0 + 2.0**-10, 1.0)).output[0, 0] == 1.0 + 2.0**-10


def test_float32_partials_beside_float32_operands_need_a_srca_reconfig(tmp_path):
    """Float32 B unpacks to TF32 in SrcA, Float32 partials straight to DST: SrcA needs reconfiguring
    between them although both CBs are Float32."""
    artifacts = lowered(tmp_path, gemm_kernel(128, 128, 96, 128, 128, 32, dtype="float32").with_attr("tt.k_group", 1))
    assert simulate(artifacts, seed=2).ok
    break_kernel(artifacts, "compute.cpp", "reconfig_data_format_srca(cb_partials, cb_in1);", "")
    expect_fault(artifacts, "matmul_block with SrcA's unpacker set up to unpack straight to DST")


# --- math fidelity (#18): the target's math_fidelity, in the plan and the ComputeConfig --------


@pytest.mark.parametrize("fidelity", ["HiFi3", "HiFi2", "LoFi"])
def test_a_lower_fidelity_is_judged_as_its_phases_form_the_products(tmp_path, fidelity):
    """The harness's reference is the product the plan's fidelity phases form: a run at HiFi4 where the
    plan says HiFi2 or LoFi is a mismatch, although HiFi4 is closer to the exact product. (HiFi3 leaves
    out only SrcB's low bit times SrcA's low bits, below the fp32 bound of a K = 256 sum.)"""
    target = {"kind": "tenstorrent", "math_fidelity": fidelity}
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 256, 32, 32, 32, out_dtype="float32"), target=target)
    assert json.loads((artifacts / "tt.plan.json").read_text())["compute"]["math_fidelity"] == fidelity
    result = simulate(artifacts, seed=7)
    assert result.ok, result.summary()
    if fidelity == "HiFi3":
        return
    break_kernel(artifacts, "main.cpp", f"MathFidelity::{fidelity}", "MathFidelity::HiFi4")
    wrong = simulate(artifacts, seed=7)
    assert not wrong.ok and wrong.mismatches > 64 * 64 // 4, wrong.summary()


def test_hifi4_where_the_plan_says_hifi4_and_lofi_in_the_kernel_is_a_mismatch(tmp_path):
    artifacts = lowered(tmp_path, gemm_kernel(64, 64, 256, 32, 32, 32))
    break_kernel(artifacts, "main.cpp", "MathFidelity::HiFi4", "MathFidelity::LoFi")
    assert not simulate(artifacts, seed=7).ok


@pytest.mark.parametrize("accum", ["float32", "bfloat16"])
def test_a_row_max_of_negative_rows_starts_from_minus_infinity(tmp_path, accum):
    """reduce_tile<MAX> on a fresh DST tile: GMPOOL reads ZEROACC's undefined rows as minus infinity, so
    rows of negative values give their (negative) maximum, not the 0 a zeroed DST would hold."""
    tilelang_tt.lower(row_reduce("max", 64, 96, 32, accum=accum, out_dtype=accum)).write(tmp_path / "a")
    values = -np.random.default_rng(7).uniform(0.5, 1.0, (64, 96)).astype(np.float32)
    values = bf16_bits_to_float(to_bf16_bits(values)).reshape(64, 96)
    result = simulate(tmp_path / "a", inputs={"A": values})
    assert result.ok, result.summary()
    np.testing.assert_array_equal(result.output, values.max(axis=1))
    assert (result.output < 0).all()


def test_a_row_sum_below_hifi3_drops_the_last_bf16_bit(tmp_path):
    """The row sum runs on the matrix engine: the data sit in SrcB, whose first fidelity slice keeps 6 of
    bf16's 7 mantissa bits, and the scaler's 1.0 in SrcA has no low slice, so at HiFi2 1 + 2^-7 counts as
    1 (as the harness's own model of the multiplier says), at HiFi4 it is exact."""
    values = np.zeros((32, 64), np.float32)
    values[:, 0] = 1.0 + 2.0**-7
    for fidelity, want in (("HiFi2", 1.0), ("HiFi4", 1.0 + 2.0**-7)):
        out = tmp_path / fidelity
        tilelang_tt.lower(
            row_reduce("sum", 32, 64, 32), target={"kind": "tenstorrent", "math_fidelity": fidelity}
        ).write(out)
        result = simulate(out, inputs={"A": values})
        assert result.ok, result.summary()
        assert (result.output == want).all(), (fidelity, result.output[:4])


# --- a reduction read back (two compute stages) ---------------------------------------------------


@pytest.mark.parametrize(
    "old, new, fragment",
    [
        # The vector broadcast along the wrong axis: each tile gets the maxima of its columns' rows.
        ("BroadcastType::COL", "BroadcastType::ROW", "MISMATCH"),
        # The packer's edge mask left on after the reduction: the update writes column 0 of each face.
        ("      reduce_uninit(cb_in0);\n", "", "MISMATCH"),
        # The update reads the block the reduction already popped.
        (
            "      reduce_uninit(cb_in0);\n",
            "      reduce_uninit(cb_in0);\n      cb_pop_front(cb_in0, 16);\n",
            "copy_tile reads tile 0 of c_0 but the kernel waited for 0 pages",
        ),
    ],
    ids=["wrong-broadcast", "edge-mask-kept", "input-popped-early"],
)
def test_a_wrong_staged_program_is_caught(tmp_path, old, new, fragment):
    """The stages' protocol is what the chip needs: each mistake a kernel author could make changes the
    simulated output or faults, naming what went wrong."""
    artifacts = lowered(tmp_path, reduce_broadcast("max-sub"))
    assert simulate(artifacts, timeout=120).ok
    break_kernel(artifacts, "compute.cpp", old, new, count=2 if "BroadcastType" in old else 1)
    if fragment == "MISMATCH":
        result = simulate(artifacts, timeout=120)
        assert not result.ok and result.mismatches > 0, result.summary()
    else:
        expect_fault(artifacts, fragment)


def test_the_intermediate_cb_needs_the_packer_in_its_format(tmp_path):
    """A float32 output with the bfloat16 intermediate CB: without pack_reconfig_data_format around the
    reduction's pack, the packer would write Float32 tiles into a Float16_b CB."""
    artifacts = lowered(tmp_path, reduce_broadcast("max-sub", out_dtype="float32"))
    text = (artifacts / "compute.cpp").read_text()
    (artifacts / "compute.cpp").write_text(re.sub(r"\n *pack_reconfig_data_format\([^)]*\);", "", text))
    expect_fault(artifacts, "pack_tile into CB c_26 (Float16_b)", "configured for Float32")


def test_a_softmax_without_the_reciprocal_is_caught(tmp_path):
    """The division by the row sum is recip_tile of the sum, then a product: without the reciprocal the
    output is e * sum, far outside the bound the harness carries through the stages."""
    artifacts = lowered(tmp_path, softmax_rows("softmax"))
    assert simulate(artifacts, timeout=120).ok
    text = (artifacts / "compute.cpp").read_text()
    (artifacts / "compute.cpp").write_text(re.sub(r"\n *recip_tile(_init)?\([^)]*\);", "", text))
    result = simulate(artifacts, timeout=120)
    assert not result.ok and result.mismatches > 0, result.summary()


def test_a_mean_without_its_scale_is_caught(tmp_path):
    """softmax_rows("vector-update") scales the row sum by 0.5 on the vector's tiles before x / s: a
    kernel that skips that stage's op divides by the sum instead, twice too small an output."""
    artifacts = lowered(tmp_path, softmax_rows("vector-update"))
    assert simulate(artifacts, timeout=120).ok
    text = (artifacts / "compute.cpp").read_text()
    broken, count = re.subn(r"\n *mul_unary_tile\([^;]*;", "", text)
    assert count == 1
    (artifacts / "compute.cpp").write_text(broken)
    result = simulate(artifacts, timeout=120)
    assert not result.ok and result.mismatches > 0, result.summary()


def test_an_rms_norm_without_its_rsqrt_is_caught(tmp_path):
    """The row scale is rsqrt(sum / N) + eps on the vector's tiles: without rsqrt_tile the block is scaled
    by the mean square itself."""
    artifacts = lowered(tmp_path, rms_norm_rows())
    assert simulate(artifacts, timeout=120).ok
    text = (artifacts / "compute.cpp").read_text()
    broken, count = re.subn(r"\n *rsqrt_tile(_init)?\([^)]*\);", "", text)
    assert count == 2
    (artifacts / "compute.cpp").write_text(broken)
    result = simulate(artifacts, timeout=120)
    assert not result.ok and result.mismatches > 0, result.summary()


def _shifted_layernorm_inputs(M=96, N=256, shift=1.0):  # noqa: N803
    # Rows with mean about 1: the mean square is as large as the variance, so its sign in the
    # variance E[x^2] - mean^2 decides rstd.
    rng = np.random.default_rng(7)
    raw = {"X": rng.uniform(-1, 1, (M, N)) + shift, "gamma": rng.uniform(-1, 1, N), "beta": rng.uniform(-1, 1, N)}
    return {k: bf16_bits_to_float(to_bf16_bits(v.astype(np.float32))).reshape(v.shape) for k, v in raw.items()}


@pytest.mark.parametrize(
    "old, new",
    [
        # The variance's stage adds the mean square instead of subtracting it.
        (
            r"(copy_tile\(cb_rstd_row_t0, 0, 1\);\s*)sub_binary_tile_init\(\);(\s*)sub_binary_tile\(",
            r"\1add_binary_tile_init();\2add_binary_tile(",
        ),
        # gamma's row vector read from beta's CB.
        (
            r"unary_bcast_init<BroadcastType::ROW>\(cb_in2\);(\s*)unary_bcast<BroadcastType::ROW>\(cb_in2,",
            r"unary_bcast_init<BroadcastType::ROW>(cb_in3);\1unary_bcast<BroadcastType::ROW>(cb_in3,",
        ),
    ],
    ids=["variance-plus-mean-square", "gamma-from-beta"],
)
def test_a_wrong_layernorm_is_caught(tmp_path, old, new):
    """layernorm.py's seven stages judged from the plan: a kernel that adds the mean square in the variance,
    or scales by beta where gamma is meant, is outside the bounds the harness carries through them."""
    artifacts = lowered(tmp_path, layernorm_rows())
    inputs = _shifted_layernorm_inputs()
    assert simulate(artifacts, inputs=inputs, timeout=120).ok
    text = (artifacts / "compute.cpp").read_text()
    broken, count = re.subn(old, new, text)
    assert count == 1
    (artifacts / "compute.cpp").write_text(broken)
    result = simulate(artifacts, inputs=inputs, timeout=120)
    assert not result.ok and result.mismatches > 0, result.summary()


@pytest.mark.parametrize(
    "name, pattern, replacement, fragments",
    [
        # Without SrcA's reconfig the bf16 unpack would read the Float32 vector's tile as bf16.
        (
            "compute.cpp",
            r"\n *reconfig_data_format_srca\([^)]*\);",
            "",
            ("unpacks CB c_", "into SrcA, which is configured for"),
        ),
        # A Float32 value the update broadcasts needs UnpackToDestFp32 (SrcB keeps TF32 at most).
        (
            "main.cpp",
            r"\n *unpack_to_dest_mode\[CBIndex::c_31\] = [^;]*;",
            "",
            ("unary_bcast from Float32 CB c_31 through SrcB",),
        ),
        # A Float32 value the reduction reads cannot unpack straight to DST.
        (
            "main.cpp",
            r"(\n *)(unpack_to_dest_mode\[CBIndex::c_27\])",
            r"\1unpack_to_dest_mode[CBIndex::c_26] = UnpackToDestMode::UnpackToDestFp32;\1\2",
            ("on CB c_26", "which is UnpackToDestFp32"),
        ),
        # SrcB set up from a Float32 CB that unpacks to DST before the row sum of the squares.
        (
            "compute.cpp",
            r"reconfig_data_format\(cb_scaler, cb_X_sq\);",
            "reconfig_data_format(cb_scaler, cb_sum);",
            ("SrcB's unpacker is set up for unpacking straight to DST",),
        ),
    ],
    ids=[
        "srca-not-reconfigured",
        "vector-not-unpacked-to-dest",
        "reduced-cb-unpacked-to-dest",
        "srcb-from-to-dest-cb",
    ],
)
def test_float32_values_between_stages_need_the_unpackers_set_up(tmp_path, name, pattern, replacement, fragments):
    """layernorm.py with float32 fragments: Float32 CBs either feed the reductions through the source
    registers (TF32) or are broadcast / copied straight into DST, and SrcA is reconfigured between them
    and the bf16 CBs; each step left out is a fault naming it."""
    artifacts = lowered(tmp_path, layernorm_rows(accum="float32"))
    assert simulate(artifacts, timeout=120).ok
    path = artifacts / name
    broken, count = re.subn(pattern, replacement, path.read_text(), count=1)
    assert count == 1
    path.write_text(broken)
    expect_fault(artifacts, *fragments)


@pytest.mark.parametrize("kind", ["max", "sum"])
def test_a_float32_tensor_reduction_needs_the_scalers_source_register_set_up(tmp_path, kind):
    """A float32 tensor's reduction: hw_startup sets both source registers up from its Float32 CB, so
    the bf16 scaler's register must be set up again (SrcB for a maximum, SrcA for a row sum); without
    that reconfig the unpack of the scaler is a fault, not a silently misread tile."""
    from kernels import row_reduce

    artifacts = lowered(tmp_path, row_reduce(kind, dtype="float32"))
    call = "reconfig_data_format(cb_in0, cb_scaler);" if kind == "max" else "reconfig_data_format(cb_scaler, cb_in0);"
    break_kernel(artifacts, "compute.cpp", call, "")
    with pytest.raises(
        SimulationError, match=r"unpacks CB c_1 \(Float16_b\) into Src[AB], which is configured for Float32"
    ):
        simulate(artifacts, timeout=60)


@pytest.mark.parametrize(
    "kind, pattern, replacement, fault",
    [
        # clear=False's c + sum: without the SFPU's add the sums miss the 1.
        ("clear-sum", r"\n *add_unary_tile\(0, 0x3F800000u /\* 1.0f \*/\);", "", None),
        # The SFPU's init reprograms what the reduction uses: without setting it up again, a fault.
        ("clear-sum", r"(for \(uint32_t r = 0; r < 4; \+\+r\) \{\n)( *reconfig_data_format\([^;]*;\n)?"
         r"(?: *//[^\n]*\n)* *reduce_init<[^;]*;", r"\1", "the unpacker is set up for an SFPU op"),
        # |x| before the maximum: without abs_tile the maximum of the signed values.
        ("absmax", r"\n *abs_tile\(0\);", "", None),
        # min(x) = -max(-x): without the last negation, the maximum of -x.
        ("min", r"(reduce_tile<[^;]*;\n *\}\n)( *binop_with_scalar_tile_init\(\);\n *mul_unary_tile\([^;]*;\n)", r"\1",
         None),
    ],
    ids=["clear-add", "clear-reinit", "absmax-abs", "min-negation"],
)  # fmt: skip
def test_composed_reductions_are_judged_by_their_plan(tmp_path, kind, pattern, replacement, fault):
    """The reductions TileLang has and the chip lacks (min, |x|'s, clear=False's starting value) are a
    stage and the chip's reductions plus SFPU ops; each op the plan records must run, and the SFPU's
    init between two reductions must be followed by the reduction's own again."""
    from corpus import tested_reduce_clear, tested_reduce_whole

    kernel = {
        "clear-sum": lambda: tested_reduce_clear(128, 128),
        "absmax": lambda: tested_reduce_whole(64, 128, kind="absmax"),
        "min": lambda: tested_reduce_whole(64, 128, kind="min"),
    }[kind]()
    artifacts = lowered(tmp_path, kernel)
    text = (artifacts / "compute.cpp").read_text()
    broken = re.sub(pattern, replacement, text, count=1)
    assert broken != text, pattern
    (artifacts / "compute.cpp").write_text(broken)
    if fault:
        with pytest.raises(SimulationError, match=fault):
            simulate(artifacts, timeout=60)
        return
    result = simulate(artifacts, timeout=60)
    assert not result.ok and result.mismatches > 0, result.summary()


@pytest.mark.parametrize(
    "kind, fill, old, new",
    [
        # max(c, max x): without unary_max_tile the rows whose maximum is below c are wrong.
        ("max", 0.5, "unary_max_tile(0, 0x3F000000u /* 0.5f */);", ""),
        # min(c, min x) = -max(-c, max(-x)): the start negated; with c itself the rows go wrong.
        ("min", -0.5, "unary_max_tile(0, 0x3F000000u /* 0.5f */);", "unary_max_tile(0, 0xBF000000u /* -0.5f */);"),
    ],
    ids=["max-combine", "min-start"],
)
def test_a_maximum_combined_with_its_fill_is_checked(tmp_path, kind, fill, old, new):
    """clear=False's max / min combine with the fill on the SFPU: dropped, or with the start's sign
    wrong, the rows where the fill should win mismatch (rows of several scales: it wins in some)."""
    from kernels import reduce_filled

    artifacts = lowered(tmp_path, reduce_filled(kind, fill, dtype="float32", out_dtype="float32"))
    break_kernel(artifacts, "compute.cpp", old, new)
    rng = np.random.default_rng(23)
    x = (rng.uniform(-1, 1, (64, 128)) * np.linspace(0.1, 1.0, 64)[:, None]).astype(np.float32)
    result = simulate(artifacts, inputs={"A": x}, timeout=60)
    assert not result.ok and result.mismatches > 0, result.summary()


def test_a_staged_value_packed_to_bf16_is_judged_to_its_last_bit(tmp_path):
    """T.reduce_min of bfloat16 data into bfloat16 is exact (a bf16 datum negated, selected by GMPOOL,
    negated again, packed): the harness's bound carries the packer's rounding once, so an output one
    bf16 ulp off is a mismatch."""
    from corpus import tested_reduce_whole

    from tilelang_tt.sim import compare_stages

    artifacts = lowered(tmp_path, tested_reduce_whole(64, 128, dtype="bfloat16", kind="min"))
    rng = np.random.default_rng(19)
    x = bf16_bits_to_float(to_bf16_bits(rng.uniform(-1, 1, (64, 128)).astype(np.float32))).reshape(64, 128)
    result = simulate(artifacts, inputs={"A": x}, timeout=60)
    assert result.ok and result.max_ulp == 0, result.summary()
    plan = json.loads((artifacts / "tt.plan.json").read_text())
    off = bf16_bits_to_float(to_bf16_bits(result.output) + np.uint16(1))
    assert compare_stages(off, {"A": x}, plan, stats={}).mismatches == 64


def _caught_after_breaking(tmp_path, func, name, old, new, fault):
    """``func`` lowered simulates correctly; with ``old`` replaced by ``new`` in its artifact ``name`` the
    simulator raises ``fault`` (a pattern), or, ``fault`` None, judges the output a mismatch."""
    artifacts = lowered(tmp_path, func)
    assert simulate(artifacts, timeout=120).ok
    break_kernel(artifacts, name, old, new)
    if fault:
        with pytest.raises(SimulationError, match=fault):
            simulate(artifacts, timeout=60)
        return
    result = simulate(artifacts, timeout=60)
    assert not result.ok and result.mismatches > 0, result.summary()


@pytest.mark.parametrize(
    "name, old, new, fault",
    [
        # The update without its addition: each step overwrites the sum.
        ("compute.cpp", "add_binary_tile(0, 1, 0);", "", None),
        # The fill with another constant: every row sum off by 64 of it.
        ("compute.cpp", "fill_tile_bitcast(0, 0x00000000u", "fill_tile_bitcast(0, 0x3F800000u", None),
        # The reader reading the first column block at every step.
        ("reader.cpp", "(k * 2 + c)", "(c)", None),
        # The update not popping the value before: its CB fills, and the next step waits forever.
        ("compute.cpp", "cb_pop_front(cb_A_local, 2);\n      }\n    }", "}\n    }", "deadlock"),
    ],
    ids=["no-add", "fill-one", "same-block", "no-pop"],
)  # fmt: skip
def test_a_loop_of_stages_is_judged_by_its_plan(tmp_path, name, old, new, fault):
    """rms_norm_splitk's first loop: a fill, an in-place update per column block, the row sum after it.
    Each step the plan records must run on its own block, and the carried CB's protocol (the value
    before popped once the new one is pushed) must hold."""
    from corpus import rms_norm_splitk_sumsq

    _caught_after_breaking(tmp_path, rms_norm_splitk_sumsq(64, 256, 32, 64), name, old, new, fault)


@pytest.mark.parametrize(
    "name, old, new, fault",
    [
        # The rows' factor popped in the loop: the next iteration waits for it forever.
        ("compute.cpp", "cb_pop_front(cb_in2, 2);", "cb_pop_front(cb_in2, 2);\ncb_pop_front(cb_A_powsum, 1);",
         "deadlock"),
        # The writer writing the blocks in the loop's order, not in the reverse the reader reads them in.
        ("writer.cpp", "(c + 6 - k * 2)", "(c + k * 2)", None),
        # The second loop's reader reading the first column block at every step.
        ("reader.cpp", "(c_1 + 6 - k_1 * 2)", "(c_1)", None),
        # The first loop's reader reading the first column block at every step: the factor is wrong.
        ("reader.cpp", "(k * 2 + c)", "(c)", None),
    ],
    ids=["pop-in-loop", "writer-forward", "second-reader-same-block", "first-reader-same-block"],
)  # fmt: skip
def test_a_second_loop_of_stages_is_judged_by_its_plan(tmp_path, name, old, new, fault):
    """rms_norm_splitk whole: after the first loop and the rows' factor, a second loop reads the column
    blocks in reverse, multiplies each by the factor and writes it out. The factor made before the loop
    must stay in its CB for every iteration, and each iteration's block must be written where the plan
    says its slice of the output lies."""
    from corpus import rms_norm_splitk

    _caught_after_breaking(tmp_path, rms_norm_splitk(64, 256, 32, 64), name, old, new, fault)


def test_an_element_whose_bound_is_nan_is_not_passed():
    """A bound whose arithmetic overflowed (inf - inf) is NaN, and |out - expected| > NaN is false: such an
    element would pass whatever the output. It counts as a mismatch instead, and the verdict says why."""
    from tilelang_tt.sim import _verdict

    out = np.array([1.0, 5.0, 2.0], dtype=np.float32)
    target = np.array([1.0, 1.0, 2.0])
    result = _verdict(out, target, np.array([0.0, np.nan, np.inf]), target, np.ones(3), "r", "float32", stats={})
    assert result.mismatches == 1 and result.unbounded == 1 and result.worst_of_bound == 0.0
    assert "1 of them without a bound" in result.summary()


@pytest.mark.parametrize(
    "name, old, new, fault",
    [
        # The maximum before this iteration's popped by its copy: the update then reads a page not waited for.
        ("compute.cpp", "cb_push_back(cb_scores_max_prev, 1);",
         "cb_push_back(cb_scores_max_prev, 1);\ncb_pop_front(cb_scores_max, 1);", "cb_wait_front|waited"),
        # The second loop's first stage packing Float32 with the packer the loop's last stage left at Float16_b.
        ("compute.cpp", "pack_reconfig_data_format(cb_y_t0);\n", "", "packer is configured for"),
        # The running sum not rescaled by exp2(m_prev - m) when the maximum grows.
        ("compute.cpp", "mul_binary_tile(0, 1, 0);\n        copy_init(cb_sum);", "copy_init(cb_sum);", None),
        # The first loop's reader reading the first column block at every step.
        ("reader.cpp", "(i_n * 2 + c)", "(c)", None),
    ],
    ids=["pop-in-copy", "no-loop-reconfig", "no-rescale", "first-reader-same-block"],
)  # fmt: skip
def test_an_online_softmax_is_judged_by_its_plan(tmp_path, name, old, new, fault):
    """The online softmax: a loop carrying the running maximum and sum (vectors updated in place in their
    CBs, the maximum before copied first), then a second loop writing each block. The carried CBs'
    protocol, the packer's format at each loop's start and every step the plan records must hold."""
    from corpus import online_softmax

    _caught_after_breaking(tmp_path, online_softmax(64, 256, 32, 64), name, old, new, fault)


def test_an_element_with_an_infinite_bound_is_reported_as_undecided():
    """An infinite bound (a value known only near the format's limit) passes any finite output: it decides
    nothing, and the verdict says so instead of counting the element as checked."""
    from tilelang_tt.sim import _verdict

    out = np.array([1.0, 5.0, 2.0], dtype=np.float32)
    target = np.array([1.0, 1.0, 2.0])
    result = _verdict(out, target, np.array([0.0, np.inf, 0.0]), target, np.ones(3), "r", "float32", stats={})
    assert result.ok and result.undecided == 1
    assert "1 of 3 elements decided by no bound" in result.summary()
    exact = _verdict(out[[0, 2]], target[[0, 2]], np.zeros(2), target[[0, 2]], np.ones(2), "r", "float32", stats={})
    assert exact.undecided == 0 and "decided by no bound" not in exact.summary()


@pytest.mark.parametrize(
    "name, old, new, fault",
    [
        # K's tiles not transposed on their way into SrcA: Q @ K, not Q @ K^T.
        ("compute.cpp", "matmul_init(cb_in0, cb_in1, /*transpose=*/1);", "matmul_init(cb_in0, cb_in1);", None),
        # Only the first of the two K tiles of dim multiplied.
        ("compute.cpp", "kk < 2;", "kk < 1;", None),
        # The unpackers left as the last stage of the block before set them (Float32 straight to DST).
        ("compute.cpp", "reconfig_data_format(cb_in1, cb_in0);\n", "", "configured for"),
        # Every output block reading the first block of queries.
        ("reader.cpp", "(by * 2 + r) * Q_tiles_per_row", "r * Q_tiles_per_row", None),
    ],
    ids=["no-transpose", "half-k", "no-reconfig", "same-queries"],
)  # fmt: skip
def test_attention_scores_are_judged_by_their_plan(tmp_path, name, old, new, fault):
    """Q @ K^T as a matmul stage, then the rows' softmax: the plan records the product (its operands and
    the transpose), so a kernel that multiplies other tiles, or fewer, or reads other queries, is a
    mismatch, and one that leaves the unpackers set up for another format faults."""
    from corpus import attention_scores

    _caught_after_breaking(tmp_path, attention_scores(192, 128, 64, 64), name, old, new, fault)


@pytest.mark.parametrize(
    "name, old, new, fault",
    [
        # Every iteration reading the first block of keys.
        ("reader.cpp", "(k * 2 + r_1) * K_tiles_per_row", "r_1 * K_tiles_per_row", None),
        # K's tiles not transposed: Q @ K, not Q @ K^T.
        ("compute.cpp", "matmul_init(cb_in0, cb_in1, /*transpose=*/1);", "matmul_init(cb_in0, cb_in1);", None),
        # acc_o not rescaled by exp2(m_prev - m) before this block's P @ V is added.
        ("compute.cpp", "r_12, 1);\n            mul_binary_tile_init();\n            mul_binary_tile(0, 1, 0);",
         "r_12, 1);", None),
        # P @ V not added to acc_o: each iteration's product replaces it.
        ("compute.cpp", "copy_tile(cb_acc_o, r_13 * 2 + c_8, 0);\n", "", None),
    ],
    ids=["same-keys", "no-transpose", "no-rescale", "no-accumulate"],
)  # fmt: skip
def test_flash_attention_is_judged_by_its_plan(tmp_path, name, old, new, fault):
    """Flash attention's forward: per block of keys, Q @ K^T and acc_o += P @ V as matmul stages of the loop
    with the online softmax between them. The plan records both products, the slices of K and V each
    iteration reads and that the second adds into acc_o, so a kernel that reads other keys, does not
    transpose them, skips the rescale or overwrites acc_o is a mismatch."""
    from corpus import flash_attention

    _caught_after_breaking(tmp_path, flash_attention(256, 64, 64, 64), name, old, new, fault)


@pytest.mark.parametrize(
    "name, old, new",
    [
        # Every query block reading the keys of the other head of its batch.
        ("reader.cpp", "(batch * K_tile_rows + k * 2 + r_1)", "((batch ^ 1) * K_tile_rows + k * 2 + r_1)"),
        # The host laying Q's file out as if its heads were its leading axis: (batch, heads) matrices read
        # as consecutive (seq, dim) blocks of the file.
        ("main.cpp", "kQShape{4, 128, 64, 128, 64, 2}", "kQShape{4, 128, 64, 128, 64}"),
        # The values of the other head: V's block of head h ^ 1.
        ("reader.cpp", "(batch * V_tile_rows + k * 2 + r_2)", "((batch ^ 1) * V_tile_rows + k * 2 + r_2)"),
    ],
    ids=["other-head-keys", "host-layout", "other-head-values"],
)  # fmt: skip
def test_batched_flash_attention_is_judged_matrix_by_matrix(tmp_path, name, old, new):
    """example_mha_fwd_bshd.py on (batch, seq, heads, dim) tensors: the plan stores each as its (batch, heads)
    matrices and the harness judges each matrix of the output from the same matrices of Q, K and V, so a
    kernel that reads another head's keys or values, or a host program that lays the file out otherwise,
    is a mismatch."""
    from corpus import flash_attention_mha

    _caught_after_breaking(tmp_path, flash_attention_mha(2, 2, 128, 64, 64, 64), name, old, new, None)


@pytest.mark.parametrize(
    "breaks",
    [
        # The mask without its diagonal: each query no longer sees its own key.
        [("reader.cpp", "row + i >= col + j ? kKeep : kMasked", "row + i > col + j ? kKeep : kMasked")],
        # The mask's rows 16 further down: the diagonal moved.
        [("reader.cpp", "row_block * 64 + r_2 * 32,", "row_block * 64 + 16 + r_2 * 32,")],
        # The product not added onto the mask: DST starts from whatever it held.
        [("compute.cpp", "copy_tile(cb_mask, r * 2 + c, 0);", "")],
        # Every block of queries over every block of keys (reader and compute alike): the first block's
        # second block of keys is wholly masked, so those rows' scores_max is -inf and the rescale NaN.
        [("reader.cpp", "k < (row_block * 64 + 127) >> 6", "k < 2"),
         ("compute.cpp", "k < (row_block * 64 + 127) >> 6", "k < 2")],
    ],
    ids=["strict-mask", "mask-rows", "not-added", "no-bound"],
)  # fmt: skip
def test_causal_flash_attention_is_judged_by_its_mask_and_bound(tmp_path, breaks):
    """example_mha_fwd_bshd.py with is_causal: the plan states the mask (which rows keep which keys) and the
    loop's count per block of queries, and the harness builds the reference from those, so a reader that
    writes another mask, a product not added onto it, or a loop that ignores the bound is a mismatch."""
    from corpus import flash_attention_mha

    artifacts = lowered(tmp_path, flash_attention_mha(1, 2, 128, 64, 64, 64, is_causal=True))
    assert simulate(artifacts, timeout=120).ok
    for name, old, new in breaks:
        break_kernel(artifacts, name, old, new)
    result = simulate(artifacts, timeout=60)
    assert not result.ok and result.mismatches > 0, result.summary()


def test_a_finite_mask_keeps_the_bounds_tight(tmp_path):
    """A causal mask of -1e4 (a common choice) instead of -inf: the masked scores reach the row maximum's
    reduction through TF32 known only within a few units, which must not widen the maximum's bound (the
    chip's maximum lies between those of the data less and plus their bounds), so the program is judged
    (no "bound that reaches zero") and a mask without its diagonal is still a mismatch."""
    from corpus import flash_attention_mha

    artifacts = lowered(tmp_path, flash_attention_mha(1, 2, 128, 64, 64, 64, is_causal=True, masked=-1e4))
    assert simulate(artifacts, timeout=120).ok
    break_kernel(artifacts, "reader.cpp", "row + i >= col + j ? kKeep : kMasked", "row + i > col + j ? kKeep : kMasked")
    result = simulate(artifacts, timeout=60)
    assert not result.ok and result.mismatches > 0, result.summary()
