"""The cost model (tilelang-tt estimate, issue #8)."""

from __future__ import annotations

import pytest
from kernels import gemm_kernel, gemm_operand_epilogue

import tilelang_tt
from tilelang_tt.estimate import derived_stats, estimate
from tilelang_tt.sim import simulate


@pytest.mark.parametrize(
    "kernel",
    [
        lambda: gemm_kernel(100, 70, 50, 64, 64, 32),
        lambda: gemm_operand_epilogue("bias-col", 100, 70, 50, block=64),
        lambda: gemm_operand_epilogue("residual", 100, 70, 50, block=64),
    ],
    ids=["gemm", "bias-per-row", "residual"],
)
def test_counts_derived_from_the_plan_equal_the_simulators(tmp_path, kernel):
    """Padding on every axis and blocks past the last tile: reads/writes are counted as the kernels do,
    an epilogue's tensor operand included."""
    out = tmp_path / "a"
    tilelang_tt.lower(kernel()).write(out)
    result = simulate(out)
    sim = [{k: v for k, v in core.items() if k != "cb_peak_pages"} for core in result.stats["cores"]]
    assert derived_stats(tilelang_tt.lower(kernel()).plan) == sim


def test_256_cubed_on_wormhole_is_dram_bound(tmp_path):
    """The contiguous schedule (forced): every core reads its own panels."""
    out = tmp_path / "a"
    tilelang_tt.lower(gemm_kernel(256, 256, 256).with_attr("tt.schedule_policy", "contiguous")).write(out)
    est = estimate(out)
    core = est["cores"][0]
    # Each core: one block, 8 K steps: 8 A + 8 B tiles read, 1 C tile written, 8 tile matmuls.
    assert (core["dram_bytes"], core["matmul_tiles"]) == (17 * 2048, 8)
    assert core["fpu_s"] == pytest.approx(8 * 64 / 1e9)  # HiFi4: 64 cycles a tile matmul at 1 GHz
    assert core["dram_s"] == pytest.approx(17 * 2048 / (288e9 / 64))  # a 64th of 288 GB/s
    assert est["binding_limit"] == "DRAM"
    assert est["device_seconds"] == pytest.approx(core["dram_s"])
    assert est["tflops"] == pytest.approx(2 * 256**3 / core["dram_s"] / 1e12)
    assert est["dram_bytes_over_minimum"] == pytest.approx(64 * 17 / 192)
    assert est["load_imbalance"] == 1.0
    assert est["peak_tflops"] == pytest.approx(64 * 2 * 32**3 / 64 * 1e9 / 1e12)
    # The device's roofline: the minimal traffic (192 tiles) at 288 GB/s binds before the peak FPU rate,
    # and this schedule, which moves 64 * 17 tiles, reaches 192 / (64 * 17) of it.
    assert est["roofline_tflops"] == pytest.approx(2 * 256**3 / (192 * 2048 / 288e9) / 1e12)
    assert est["percent_of_roofline"] == pytest.approx(100 * 192 / (64 * 17))


def test_the_multicast_schedule_moves_the_minimal_dram_traffic(tmp_path):
    """256^3 in 32 x 32 blocks under mcast2d (auto picks it: one block a core either way): each K step
    one core of a row reads A's tile and multicasts it, one of a column B's, so A and B are read once."""
    out = tmp_path / "a"
    tilelang_tt.lower(gemm_kernel(256, 256, 256)).write(out)
    est = estimate(out)
    assert est["schedule"] == "mcast2d"
    assert est["dram_bytes_over_minimum"] == pytest.approx(1.0)
    core = est["cores"][0]
    # 8 K steps: the core sends A's tile in one of them and B's in one (8 cores a row / column), and
    # writes its output tile.
    assert core["dram_bytes"] == 3 * 2048
    # Each send: the tile and a semaphore word to 7 cores, counted once; each other step a 4-byte
    # increment to that step's sender.
    assert core["l1_bytes_sent"] == 2 * (2048 + 4) + 2 * 7 * 4
    contiguous = tmp_path / "b"
    tilelang_tt.lower(gemm_kernel(256, 256, 256).with_attr("tt.schedule_policy", "contiguous")).write(contiguous)
    assert estimate(contiguous)["dram_bytes"] == 17 / 3 * est["dram_bytes"]  # 17 tiles a core, not 3


def test_lofi_is_four_times_faster_on_the_fpu(tmp_path):
    out = tmp_path / "a"
    tilelang_tt.lower(gemm_kernel(128, 128, 2048, 64, 64, 32)).write(out)
    hifi4, lofi = estimate(out, "HiFi4"), estimate(out, "LoFi")
    assert hifi4["cores"][0]["fpu_s"] == pytest.approx(4 * lofi["cores"][0]["fpu_s"])


def test_the_plans_fidelity_times_the_matmuls(tmp_path):
    """The target's math_fidelity is the plan's, and the estimate's default."""
    out = tmp_path / "a"
    target = {"kind": "tenstorrent", "math_fidelity": "HiFi2"}
    tilelang_tt.lower(gemm_kernel(128, 128, 2048, 64, 64, 32), target=target).write(out)
    hifi2, hifi4 = estimate(out), estimate(out, "HiFi4")
    assert hifi2["fidelity"] == "HiFi2"
    assert hifi4["cores"][0]["fpu_s"] == pytest.approx(2 * hifi2["cores"][0]["fpu_s"])


def test_unknown_fidelity_is_an_error(tmp_path):
    out = tmp_path / "a"
    tilelang_tt.lower(gemm_kernel(64, 64, 64)).write(out)
    with pytest.raises(tilelang_tt.TTError, match="unknown fidelity 'HiFi9'"):
        estimate(out, "HiFi9")
