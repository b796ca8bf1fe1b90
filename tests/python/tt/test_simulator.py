"""The emitted programs, run unchanged on the functional simulator (issue #5).

Each case lowers a GEMM, writes the five artifacts, compiles main.cpp and the
kernels with g++ against the simulated TT-Metalium API and compares the output
with NumPy (bf16 inputs, fp32 accumulation, one bf16 rounding; tolerance in
tilelang_tt.sim). Hand-broken kernels prove the check can fail.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from kernels import gemm_kernel

import tilelang_tt
from tilelang_tt.sim import SimulationError, simulate

CASES = [
    (32, 32, 32, 32, 32, 32),
    (256, 256, 256, 32, 32, 32),
    (512, 256, 384, 32, 32, 32),
    (1024, 1024, 1024, 32, 32, 32),  # 1024 blocks on 64 cores
    (100, 70, 50, 32, 32, 32),  # padding on every axis, K included
    (256, 192, 128, 64, 64, 32),  # 64x64x32 blocks
    (100, 70, 50, 64, 64, 32),  # blocks past the last tile of N
]


def lowered(tmp_path, shape, target="tenstorrent"):
    out = tmp_path / "artifacts"
    tilelang_tt.lower(gemm_kernel(*shape), target=target).write(out)
    return out


@pytest.mark.parametrize("shape", CASES, ids=["x".join(map(str, c)) for c in CASES])
def test_gemm_matches_numpy(tmp_path, shape):
    result = simulate(lowered(tmp_path, shape), seed=1)
    assert result.ok, result.summary()
    M, N, K = shape[:3]  # noqa: N806
    assert result.output.shape == (M, N)
    cores = result.stats["cores"]
    bm, bn, bk = shape[3:]
    blocks = -(-M // bm) * -(-N // bn)
    assert sum(c["matmul_tiles"] for c in cores) == blocks * -(-K // bk) * (bk // 32) * (bm // 32) * (bn // 32)


def test_blackhole_and_a_small_core_grid(tmp_path):
    target = {"kind": "tenstorrent", "arch": "blackhole", "core_grid_x": 3, "core_grid_y": 1}
    result = simulate(lowered(tmp_path, (160, 96, 64, 32, 32, 32), target), seed=2)
    assert result.ok, result.summary()
    assert len(result.stats["cores"]) == 3


def test_given_inputs_are_used(tmp_path):
    a = np.eye(64, dtype=np.float32)
    b = np.arange(64 * 64, dtype=np.float32).reshape(64, 64) / 64
    result = simulate(lowered(tmp_path, (64, 64, 64, 32, 32, 32)), inputs={"A": a, "B": b})
    assert result.ok
    np.testing.assert_array_equal(result.output, result.reference)


def break_kernel(artifacts, name, old, new):
    path = artifacts / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def test_missing_pop_is_reported_as_a_deadlock(tmp_path):
    artifacts = lowered(tmp_path, (256, 256, 256, 32, 32, 32))
    break_kernel(artifacts, "compute.cpp", "cb_pop_front(cb_in0, 1);", "")
    start = time.monotonic()
    with pytest.raises(SimulationError, match="deadlock") as info:
        simulate(artifacts, timeout=60)
    # Detection itself is immediate; the bound also covers g++ compiling the broken kernel.
    assert time.monotonic() - start < 20
    assert "CB c_0" in str(info.value) and "compute" in str(info.value)


def test_wrong_tile_id_gives_a_mismatch(tmp_path):
    artifacts = lowered(tmp_path, (64, 64, 128, 32, 32, 32))
    break_kernel(artifacts, "reader.cpp", "by * A_tiles_per_row + k", "by * A_tiles_per_row + 0")
    result = simulate(artifacts)
    assert not result.ok
    assert result.mismatches > 0


def test_wrong_compile_time_arg_offset_is_reported(tmp_path):
    artifacts = lowered(tmp_path, (64, 64, 64, 32, 32, 32))
    break_kernel(artifacts, "reader.cpp", "TensorAccessorArgs<A_args.next_compile_time_args_offset()>()",
                 "TensorAccessorArgs<1>()")  # fmt: skip
    # Offset 1 is A's page size, 2048, read as a uint8_t ArgsConfig: 0, not IsDram.
    with pytest.raises(
        SimulationError, match=r"TensorAccessorArgs<1> reads ArgsConfig 0 .*next_compile_time_args_offset"
    ):
        simulate(artifacts)


def test_double_push_is_api_misuse(tmp_path):
    artifacts = lowered(tmp_path, (64, 64, 64, 32, 32, 32))
    break_kernel(
        artifacts, "reader.cpp", "cb_push_back(cb_in0, 1);", "cb_push_back(cb_in0, 1);\n cb_push_back(cb_in0, 1);"
    )
    with pytest.raises(SimulationError, match="API misuse.*cb_push_back"):
        simulate(artifacts)


def test_malformed_plan_is_a_clear_error(tmp_path):
    artifacts = lowered(tmp_path, (64, 64, 64, 32, 32, 32))
    (artifacts / "tt.plan.json").write_text("{not json")
    with pytest.raises(SimulationError, match="not a tilelang-tt plan"):
        simulate(artifacts)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p["schedule"].update(cores_x=1), "the mcast2d rectangles do not tile the block grid"),
        (lambda p: p["cores"][1].update(x=0, y=0), "a core appears twice in cores"),
    ],
    ids=["rectangles", "twice"],
)
def test_an_inconsistent_multicast_plan_is_a_clear_error(tmp_path, edit, message):
    artifacts = lowered(tmp_path, (128, 64, 64, 32, 32, 32))  # mcast2d on 2 x 4 cores
    plan = json.loads((artifacts / "tt.plan.json").read_text())
    edit(plan)
    (artifacts / "tt.plan.json").write_text(json.dumps(plan))
    with pytest.raises(SimulationError, match=message):
        simulate(artifacts)


def test_stats_are_written(tmp_path):
    artifacts = lowered(tmp_path, (128, 64, 64, 32, 32, 32))
    result = simulate(artifacts)
    stats = json.loads((artifacts / "sim" / "sim_stats.json").read_text())
    assert stats == result.stats
    core = stats["cores"][0]
    # 2 x 4 blocks on a 2 x 4 core grid (mcast2d), 2 K steps: core (0, 0) reads A's tile of step 0 and
    # multicasts it along its row, B's likewise down its column; in step 1 it receives both.
    assert json.loads((artifacts / "tt.plan.json").read_text())["schedule"]["policy"] == "mcast2d"
    assert core["tiles_read"] == 2 and core["tiles_written"] == 1 and core["matmul_tiles"] == 2
    assert core["noc_bytes"] == 3 * 2048
    # Compute: two matmul_tiles of two bf16 tiles each (fp32 DST holds the block), one bf16 tile packed.
    assert core["unpacked_bytes"] == 2 * 2 * 2048 and core["packed_bytes"] == 2048
    assert core["l1_bytes_sent"] == 2 * (2048 + 4) + 2 * 4  # two sends, two increments
    # Step 0: the increments of the other core of its row and the 3 others of its column; step 1: the blocks.
    assert core["l1_bytes_received"] == (1 + 3) * 4 + 2 * (2048 + 4)
    assert core["cb_peak_pages"]["c_0"] <= 2


def test_l1_overflow_is_reported_at_cb_creation(tmp_path):
    artifacts = lowered(tmp_path, (64, 64, 64, 32, 32, 32))
    break_kernel(artifacts, "main.cpp", "CircularBufferConfig(2 * kTileBytes", "CircularBufferConfig(800 * kTileBytes")
    with pytest.raises(SimulationError, match=r"CreateCircularBuffer: L1 overflow on core \(0, 0\)"):
        simulate(artifacts)


def test_a_kernel_that_does_not_compile_is_reported_with_a_repro(tmp_path):
    artifacts = lowered(tmp_path, (64, 64, 64, 32, 32, 32))
    break_kernel(artifacts, "compute.cpp", "tile_regs_acquire();", "tile_regs_acquire(undeclared_name);")
    with pytest.raises(SimulationError, match="compiling the compute kernel") as info:
        simulate(artifacts)
    assert "undeclared_name" in str(info.value) and "repro: g++" in str(info.value)


@pytest.mark.parametrize(
    ("kernel", "barrier", "message"),
    [
        ("reader.cpp", "noc_async_read_barrier();", "cb_push_back on CB c_0 with 1 NoC reads"),
        ("writer.cpp", "noc_async_write_barrier();", "cb_pop_front on CB c_16 with 1 NoC writes"),
    ],
    ids=["reader", "writer"],
)
def test_a_skipped_barrier_is_reported(tmp_path, kernel, barrier, message):
    """NoC transfers land only at their barrier, so skipping it is caught, not silently right."""
    artifacts = lowered(tmp_path, (64, 64, 64, 32, 32, 32))
    break_kernel(artifacts, kernel, barrier, "")
    start = time.monotonic()
    with pytest.raises(SimulationError, match="missing noc_async_") as info:
        simulate(artifacts)
    assert message in str(info.value)
    assert time.monotonic() - start < 20  # including g++ compiling the broken kernel


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # A receiver that never says its slot is free: that step's sender waits for it forever.
        (
            "noc_semaphore_inc(",
            "if (false) noc_semaphore_inc(",
            r"deadlock: every running kernel of the program's cores[\s\S]*noc_semaphore_wait\(semaphore 0, 1\) reads 0",
        ),
        # A receiver that pushes without waiting for the block: it lands in a slot the core no longer holds.
        (
            "noc_semaphore_wait(in0_receiver_sem_ptr, kValid);",
            "",
            "a receiver must cb_reserve_back before the data can land",
        ),
        # The rectangle the wrong way round for the reader's NoC 1 (it runs from the larger coordinates).
        (
            "get_noc_multicast_addr(in0_start_x, in0_start_y, in0_end_x,",
            "get_noc_multicast_addr(in0_end_x, in0_start_y, in0_start_x,",
            "runs against the NoC's direction",
        ),
    ],  # fmt: skip
    ids=["no-ready-signal", "no-wait-for-the-block", "reversed-rectangle"],
)
def test_a_broken_multicast_handshake_is_reported(tmp_path, old, new, message):
    """The mcast2d reader's handshake, each step broken in turn: a fault naming it, never a wrong result."""
    artifacts = lowered(tmp_path, (128, 64, 64, 32, 32, 32))  # 4 x 2 blocks on 2 x 4 cores, 2 K steps
    assert "noc_async_write_multicast(" in (artifacts / "reader.cpp").read_text()
    break_kernel(artifacts, "reader.cpp", old, new)
    with pytest.raises(SimulationError, match=message):
        simulate(artifacts)


def test_tensors_named_like_the_readers_variables(tmp_path):
    """Tensors called in0 / in1 (their addresses in0_addr / in1_addr) are not taken for multicast args."""
    from kernels import gemm_named_in0

    artifacts = tmp_path / "a"
    tilelang_tt.lower(gemm_named_in0()).write(artifacts)
    assert json.loads((artifacts / "tt.plan.json").read_text())["schedule"]["policy"] == "mcast2d"
    assert simulate(artifacts).ok


def test_an_operand_the_epilogue_reads_too_is_not_multicast(tmp_path):
    """C = A @ B + A: A's tiles come into two CBs (the operand's and the residual's); the multicast tells
    them apart by tensor, so the backend keeps the contiguous split and refuses a forced mcast2d."""
    from kernels import gemm_plus_a

    artifacts = tmp_path / "a"
    tilelang_tt.lower(gemm_plus_a()).write(artifacts)
    assert json.loads((artifacts / "tt.plan.json").read_text())["schedule"]["policy"] == "contiguous"
    assert simulate(artifacts).ok
    with pytest.raises(tilelang_tt.TTError, match="are the same tensor or also read by the epilogue"):
        tilelang_tt.lower(gemm_plus_a().with_attr("tt.schedule_policy", "mcast2d"))


def test_grouped_k_steps_compute_the_same_bits(tmp_path):
    """GroupKStepsTT moves 16 one-tile K steps per push where the 128 x 128 block's fp32 partials leave DST;
    the sums are the same fp32 additions in the same order, so the output equals the ungrouped program's
    (tt.k_group = 1) bit for bit, and the grouped program reloads and packs the partials twice, not 32 times."""
    outputs = {}
    for group in (None, 1):
        kernel = gemm_kernel(256, 256, 1024, 128, 128, 32)
        if group is not None:
            kernel = kernel.with_attr("tt.k_group", group)
        out = tmp_path / f"g{group}"
        tilelang_tt.lower(kernel).write(out)
        result = simulate(out)
        assert result.ok, result.summary()
        outputs[group] = ((out / "sim" / "C.bf16").read_bytes(), result.stats["cores"][0]["packed_bytes"])
    assert "16 of its steps at a time" in (tmp_path / "gNone" / "compute.cpp").read_text()
    assert outputs[None][0] == outputs[1][0]
    tiles = 16  # one 4 x 4-tile block a core
    assert outputs[None][1] == (2 - 1) * tiles * 4096 + tiles * 2048
    assert outputs[1][1] == (32 - 1) * tiles * 4096 + tiles * 2048


def test_host_programs_share_their_precompiled_headers(tmp_path, monkeypatch):
    """The host API headers every main.cpp includes first are precompiled once per cache (their parse is
    most of a host program's build); g++ takes them for a second program, and its result is the same."""
    from tilelang_tt import cache

    monkeypatch.setenv(cache.ROOT_ENV, str(tmp_path / "cache"))
    before = cache.counters.copy()
    first = simulate(lowered(tmp_path / "a", (64, 64, 64, 32, 32, 32)))
    second = simulate(lowered(tmp_path / "b", (96, 64, 64, 32, 32, 32)))
    built = cache.counters - before
    assert first.ok and second.ok
    assert built["host_programs_built"] == 2 and built["host_headers_built"] == 1
    (headers,) = (tmp_path / "cache" / "host").glob("headers-*")
    assert (headers / "host_headers.hpp.gch").stat().st_size > 0
    assert "#include <tt-metalium/host_api.hpp>" in (headers / "host_headers.hpp").read_text()
