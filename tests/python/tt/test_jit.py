"""tilelang.compile / @tilelang.jit with target="tenstorrent": kernels called with torch tensors (#16).

Every call runs on the simulator (no device here). Results are judged twice: with TileLang's usual
test idiom (torch.testing.assert_close) and with the simulator's own rule for the plan's DST mode
(sim.compare), which is much tighter. Cache reuse is asserted on tilelang_tt.cache.counters, never
on a time.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import tilelang
import tilelang.language as T
import torch

import tilelang_tt
from tilelang_tt import cache, hook, jit, sim

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))
from gemm import matmul  # noqa: E402  (the canonical GEMM of TileLang's README and examples/gemm)


@tilelang.jit(out_idx=[-1], target="tenstorrent")
def matmul_jit(M, N, K, block_M=128, block_N=128, block_K=32):  # noqa: N803
    """The @tilelang.jit factory form of TileLang's examples."""
    return matmul(M, N, K, block_M, block_N, block_K)


@tilelang.jit(target="tenstorrent")
def matmul_eager(A, B, C, block_M: int = 64, block_N: int = 64, block_K: int = 32):  # noqa: N803
    """The eager (builder) form: shapes from the tensors, called with every tensor."""
    M, N, K = T.const("M N K")
    A: T.Tensor[[M, K], T.bfloat16]
    B: T.Tensor[[K, N], T.bfloat16]
    C: T.Tensor[[M, N], T.bfloat16]
    with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
        A_shared = T.alloc_shared((block_M, block_K), "bfloat16")
        B_shared = T.alloc_shared((block_K, block_N), "bfloat16")
        C_local = T.alloc_fragment((block_M, block_N), "float32")
        T.clear(C_local)
        for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
            T.copy(A[by * block_M, k * block_K], A_shared)
            T.copy(B[k * block_K, bx * block_N], B_shared)
            T.gemm(A_shared, B_shared, C_local)
        T.copy(C_local, C[by * block_M, bx * block_N])


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty build cache of its own, and no kernels remembered by this process."""
    monkeypatch.setenv(cache.ROOT_ENV, str(tmp_path / "cache"))
    jit.clear_cache()
    yield tmp_path / "cache"
    jit.clear_cache()


def operands(m, n, k, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(m, k, generator=g).bfloat16(), torch.randn(k, n, generator=g).bfloat16()


def judge(kernel, c, a, b):
    """TileLang's test idiom, then the simulator's rule for the plan's DST mode."""
    torch.testing.assert_close(c, (a.float() @ b.float()).bfloat16(), rtol=1e-2, atol=1e-2)
    result = sim.compare(c.float().numpy(), a.float().numpy(), b.float().numpy(), kernel.plan["compute"], stats={})
    assert result.ok, result.summary()


# --- the hook into TileLang ---------------------------------------------------------------------


def test_tilelang_dispatch_hook_still_holds():
    """Fails, naming what changed, when a TileLang upgrade moves the execution-backend dispatch
    that hook.py registers with (python/tilelang_tt/hook.py)."""
    import tilelang.cache as tilelang_cache

    assert hook.problem == "", hook.problem
    table = getattr(tilelang_cache, "_dispatch_map", None)
    assert isinstance(table, dict), f"{hook.TABLE} is gone: TileLang moved its execution-backend dispatch"
    for name in (jit.SIM_BACKEND, jit.DEVICE_BACKEND):
        assert table.get(name) is jit.KERNEL_CACHE, f"{hook.TABLE}[{name!r}] is not tilelang-tt's kernel cache"
    try:
        found, backend = hook.dispatched_cache("tenstorrent", jit.SIM_BACKEND)
    except (TypeError, ValueError, AttributeError) as err:
        pytest.fail(f"{hook.RESOLVER}(target, target_host, execution_backend, verbose) changed: {err}")
    assert found is jit.KERNEL_CACHE and backend == jit.SIM_BACKEND, (
        f"{hook.RESOLVER} no longer dispatches through {hook.TABLE}: TileLang changed how "
        "tilelang.compile finds the code that compiles a kernel"
    )
    # tilelang.compile still hands over to the cache's `cached` (it returned a TTKernel).
    assert isinstance(tilelang.compile(matmul(32, 32, 32, 32, 32, 32), target="tenstorrent"), jit.TTKernel)


def test_auto_takes_the_simulator_without_a_device():
    assert hook.dispatched_cache("tenstorrent", "auto")[1] == jit.SIM_BACKEND
    assert tilelang_tt.backend.BACKEND.allowed_execution_backends(tilelang_tt.make_target()) == (
        jit.DEVICE_BACKEND,
        jit.SIM_BACKEND,
    )


# --- compile and call ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        (256, 256, 256, 128, 128, 32),  # TileLang's default blocks: DST sub-blocks
        (200, 300, 100, 128, 128, 32),  # padded in every dimension
        (96, 64, 160, 32, 32, 32),
        (1, 33, 31, 32, 32, 32),  # smaller than one tile
    ],
)
def test_compile_and_call(shape):
    m, n, k, *blocks = shape
    kernel = tilelang.compile(matmul(m, n, k, *blocks), out_idx=[-1], target="tenstorrent")
    assert kernel.execution_backend == jit.SIM_BACKEND
    a, b = operands(m, n, k)
    c = kernel(a, b)
    assert c.dtype == torch.bfloat16 and tuple(c.shape) == (m, n) and c.device.type == "cpu"
    judge(kernel, c, a, b)
    # The inputs are left as they were.
    assert torch.equal(a, operands(m, n, k)[0]) and torch.equal(b, operands(m, n, k)[1])


def test_in_place_output():
    kernel = tilelang.compile(matmul(64, 96, 64, 32, 32, 32), target="tenstorrent")
    a, b = operands(64, 96, 64, seed=1)
    c = torch.full((64, 96), float("nan"), dtype=torch.bfloat16)
    assert kernel(a, b, c) == []  # as TileLang's kernels return without out_idx
    judge(kernel, c, a, b)
    # A strided (non-contiguous) output view is written in place too.
    big = torch.zeros(96, 64, dtype=torch.bfloat16)
    view = big.t()
    kernel(a, b, view)
    judge(kernel, big.t(), a, b)


def test_out_idx_forms_and_a_wrong_result_is_caught():
    for out_idx in (-1, 2, [2], [-1]):
        kernel = tilelang.compile(matmul(64, 64, 64, 32, 32, 32), out_idx=out_idx, target="tenstorrent")
        assert kernel.out_idx == [2]
    a, b = operands(64, 64, 64, seed=2)
    c = kernel(a, b)
    judge(kernel, c, a, b)
    # The rule the tests judge with can fail: a result off by one tile's worth of values is caught.
    wrong = c.clone()
    wrong[:32, :32] = wrong[:32, :32] * 1.5 + 1
    result = sim.compare(wrong.float().numpy(), a.float().numpy(), b.float().numpy(), kernel.plan["compute"], stats={})
    assert not result.ok and result.mismatches >= 32 * 32 - 8


def test_jit_factory_and_eager_forms():
    kernel = matmul_jit(128, 160, 96)
    assert kernel is matmul_jit(128, 160, 96)  # TileLang's own memo of the factory
    a, b = operands(128, 160, 96, seed=3)
    judge(kernel, kernel(a, b), a, b)
    c = torch.empty(128, 160, dtype=torch.bfloat16)
    matmul_eager(a, b, c)  # compiles for these shapes and runs at once
    judge(kernel, c, a, b)


def test_kernel_source_and_artifacts(tmp_path):
    kernel = tilelang.compile(matmul(64, 64, 64, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    source = kernel.get_kernel_source()
    for name in ("reader.cpp", "compute.cpp", "writer.cpp"):
        assert f"// ===== {name} =====\n{kernel.files[name]}" in source
    assert "main.cpp" not in source and "int main(" not in source
    assert "int main(" in kernel.get_kernel_source(kernel_only=False) and "int main(" in kernel.get_host_source()
    assert kernel.artifacts.files == tilelang_tt.lower(matmul(64, 64, 64, 32, 32, 32)).files
    kernel.artifacts.write(tmp_path / "out")
    assert json.loads((tmp_path / "out" / "tt.plan.json").read_text()) == kernel.plan
    assert "gemm(A: bfloat16[64, 64]" in repr(kernel)
    with pytest.raises(tilelang_tt.TTError, match="tilelang-tt estimate"):
        kernel.get_profiler()


# --- caching ------------------------------------------------------------------------------------


def test_second_call_and_second_compile_build_nothing(fresh_cache):
    before = cache.counters.copy()
    kernel = tilelang.compile(matmul(96, 96, 96, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    built = cache.counters - before
    assert built["programs_lowered"] == 1 and built["host_programs_built"] == 1
    a, b = operands(96, 96, 96, seed=4)
    kernel(a, b)
    assert kernel.last_run_stats["kernels_compiled"] == 3  # reader, compute, writer
    before = cache.counters.copy()
    c = kernel(a, b)
    judge(kernel, c, a, b)
    assert kernel.last_run_stats["kernels_compiled"] == 0
    # The same kernel compiled again in this process is the same object.
    assert tilelang.compile(matmul(96, 96, 96, 32, 32, 32), out_idx=[-1], target="tenstorrent") is kernel
    used = cache.counters - before
    assert used == {"runs": 1, "kernels_from_memory": 1}, used
    assert cache.info()["sections"]["programs"]["entries"] == 1


CHILD = """
import json, sys, torch, tilelang, tilelang_tt
sys.path.insert(0, {here!r})
from test_jit import matmul, operands
from tilelang_tt import cache
kernel = tilelang.compile(matmul(96, 96, 96, 32, 32, 32), out_idx=[-1], target="tenstorrent")
a, b = operands(96, 96, 96, seed=4)
c = kernel(a, b)
print(json.dumps({{"counters": dict(cache.counters), "c": c.float().tolist()}}))
"""


def test_a_new_process_finds_the_compiled_kernel(fresh_cache):
    kernel = tilelang.compile(matmul(96, 96, 96, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    a, b = operands(96, 96, 96, seed=4)
    c = kernel(a, b)
    script = CHILD.format(here=os.path.dirname(__file__))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    assert child["counters"] == {"programs_from_disk": 1, "runs": 1, "sim_kernels_compiled": 0}, child["counters"]
    assert torch.equal(torch.tensor(child["c"]).bfloat16(), c)


def test_disable_cache_lowers_every_compile(fresh_cache):
    tilelang.disable_cache()
    try:
        before = cache.counters.copy()
        first = tilelang.compile(matmul(64, 32, 32, 32, 32, 32), out_idx=[-1], target="tenstorrent")
        second = tilelang.compile(matmul(64, 32, 32, 32, 32, 32), out_idx=[-1], target="tenstorrent")
        assert first is not second and (cache.counters - before)["programs_lowered"] == 2
        assert cache.info()["sections"]["programs"]["entries"] == 0
        a, b = operands(64, 32, 32, seed=5)
        judge(second, second(a, b), a, b)
    finally:
        tilelang.enable_cache()


def test_a_cleared_cache_is_rebuilt_on_the_next_call(fresh_cache):
    kernel = tilelang.compile(matmul(64, 64, 32, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    a, b = operands(64, 64, 32, seed=6)
    expected = kernel(a, b)
    assert cache.clear() > 0
    assert cache.info()["bytes"] == 0
    before = cache.counters.copy()
    assert torch.equal(kernel(a, b), expected)
    rebuilt = cache.counters - before
    assert rebuilt["host_programs_built"] == 1 and rebuilt["sim_kernels_compiled"] == 3


# --- bad calls: clear errors before anything runs ------------------------------------------------


def _bad_calls():
    a, b = operands(64, 96, 128)  # A (64, 128), B (128, 96)
    return {
        "no tensors": ((), "gemm takes 2 tensors \\(A, B\\), got 0; C is returned, not passed"),
        "too many": ((a, b, torch.empty(64, 96, dtype=torch.bfloat16)), "takes 2 tensors \\(A, B\\), got 3"),
        "numpy": ((a.float().numpy(), b), "argument 0 \\(A\\) must be a torch.Tensor, got ndarray"),
        "dtype": ((a.float(), b), "argument 0 \\(A\\) has dtype torch.float32; the kernel declares A as bfloat16"),
        "shape": ((a[:32], b), "argument 0 \\(A\\) has shape \\(32, 128\\); the kernel declares A as \\(64, 128\\)"),
        "order": (
            (b, a),
            "argument 0 \\(A\\) has shape \\(128, 96\\); the kernel declares A as \\(64, 128\\) "
            "\\(that is the shape of B: the order is A, B\\)",
        ),
        "device": ((a.to("meta"), b), "argument 0 \\(A\\) is on meta; Tenstorrent kernels take CPU tensors"),
    }


@pytest.mark.parametrize("case", list(_bad_calls()))
def test_bad_call(case):
    kernel = tilelang.compile(matmul(64, 96, 128, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    args, message = _bad_calls()[case]
    runs = cache.counters["runs"]
    with pytest.raises(jit.TTCallError, match=message):
        kernel(*args)
    assert cache.counters["runs"] == runs  # nothing ran


def test_bad_call_expanded_output():
    kernel = tilelang.compile(matmul(64, 64, 64, 32, 32, 32), target="tenstorrent")
    a, b = operands(64, 64, 64)
    runs = cache.counters["runs"]
    with pytest.raises(jit.TTCallError, match="argument 2 \\(C\\) is written in place but repeats its elements"):
        kernel(a, b, torch.zeros(1, 64, dtype=torch.bfloat16).expand(64, 64))
    assert cache.counters["runs"] == runs


def test_bad_call_keywords_and_in_place_output():
    kernel = tilelang.compile(matmul(64, 64, 64, 32, 32, 32), target="tenstorrent")
    a, b = operands(64, 64, 64)
    with pytest.raises(jit.TTCallError, match="takes its tensors by position \\(A, B, C\\), got keyword"):
        kernel(A=a, B=b, C=a)
    with pytest.raises(jit.TTCallError, match="argument 2 \\(C\\) has dtype torch.float32"):
        kernel(a, b, torch.empty(64, 64))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"out_idx": [0]}, "out_idx names A, which the kernel reads"),
        ({"out_idx": [3]}, "out_idx 3 is out of range for a kernel of 3 parameters"),
        ({"out_idx": [2, -1]}, "out_idx names parameter C twice"),
        ({"out_idx": "C"}, "out_idx must be an int or a list of ints"),
        ({"compile_flags": ["-O3"]}, "the Tenstorrent backend takes no compiler flags"),
    ],
)
def test_bad_compile(kwargs, message, fresh_cache):
    before = cache.counters.copy()
    with pytest.raises(tilelang_tt.TTError, match=message):
        tilelang.compile(matmul(64, 64, 64, 32, 32, 32), target="tenstorrent", **kwargs)
    assert (cache.counters - before)["host_programs_built"] == 0  # refused before anything is built


def test_a_simulator_fault_is_an_error_not_a_result(monkeypatch, fresh_cache):
    """A fault while the program runs (here: a timeout) raises; no tensor comes back."""
    kernel = tilelang.compile(matmul(64, 64, 64, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    kernel.timeout = 1e-3
    a, b = operands(64, 64, 64)
    with pytest.raises(sim.SimulationError, match="did not finish within"):
        kernel(a, b)
    kernel.timeout = jit.DEFAULT_TIMEOUT
    assert np.isfinite(kernel(a, b).float().numpy()).all()


def test_the_compile_and_call_example_runs():
    example = Path(__file__).resolve().parents[3] / "examples" / "gemm_call.py"
    proc = subprocess.run([sys.executable, str(example), "--M", "96", "--N", "160", "--K", "64"], capture_output=True,
                          text=True, cwd=example.parent)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "on tt_sim" in proc.stdout and "MATCH" in proc.stdout


# --- robustness of the cache and the call directory --------------------------------------------


def test_a_damaged_program_directory_is_repaired(fresh_cache):
    kernel = tilelang.compile(matmul(64, 64, 64, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    a, b = operands(64, 64, 64, seed=8)
    expected = kernel(a, b)
    (kernel.program_dir / "reader.cpp").unlink()
    assert torch.equal(kernel(a, b), expected)  # this kernel object re-writes it
    (kernel.program_dir / "compute.cpp").unlink()
    jit.KERNEL_CACHE._memory.clear()  # as in a new process: the damaged entry is lowered again
    before = cache.counters.copy()
    again = tilelang.compile(matmul(64, 64, 64, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    assert (cache.counters - before)["programs_lowered"] == 1
    assert torch.equal(again(a, b), expected)


def test_relative_cache_dir_and_symlinked_temp_dir(tmp_path, monkeypatch):
    """The cache root is made absolute (the host program runs in another directory), and the call
    directory may sit behind a symbolic link, in a tree unrelated to the cache."""
    deep = tmp_path / "deep" / "a" / "b"
    deep.mkdir(parents=True)
    (tmp_path / "link").symlink_to(deep)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "link"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(cache.ROOT_ENV, "relcache")
    jit.clear_cache()
    try:
        assert cache.root() == tmp_path / "relcache"
        kernel = tilelang.compile(matmul(64, 32, 64, 32, 32, 32), out_idx=[-1], target="tenstorrent")
        a, b = operands(64, 32, 64, seed=9)
        judge(kernel, kernel(a, b), a, b)
        assert list((tmp_path / "relcache" / "kernels").glob("compute-*.so"))
    finally:
        jit.clear_cache()
