"""The tilelang-tt command line, run as a subprocess (issue #6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "tilelang_tt.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)  # fmt: skip


#: The MVP's one-tile blocks, where a test counts blocks, cores or CB pages (the example's own default is
#: TileLang's 128 x 128 x 32).
B32 = ("-D", "block_M=32", "-D", "block_N=32", "-D", "block_K=32")


def test_dry_run_of_the_example_gemm(tmp_path):
    proc = cli("dry-run", "--out", tmp_path / "gemm", "-D", "M=320", "-D", "N=320", *B32, "--dump-ir")
    assert proc.returncode == 0, proc.stderr
    files = {p.name for p in (tmp_path / "gemm").iterdir()}
    assert {"reader.cpp", "compute.cpp", "writer.cpp", "main.cpp", "tt.plan.json", "ir"} <= files
    dumps = sorted(p.name for p in (tmp_path / "gemm" / "ir").iterdir())
    assert "05_tl.tt.AnnotateTTDefaults.tir" in dumps and any("VerifyTTIR" in d for d in dumps)
    out = proc.stdout
    # 10 x 10 blocks: the backend multicasts on 5 x 5 cores (less DRAM traffic outweighs 4 blocks a core
    # against the contiguous split's 2).
    assert "cores used: 25 of 64 (8 x 8)" in out
    assert "blocks: 100 (10 x 10), per core min 4 max 4" in out
    assert "schedule: mcast2d on 5 x 5 cores, 2 x 2 blocks each" in out
    assert "L1 per core: 12288 of 1499136 bytes" in out
    assert "cb_in0 (c_0) 2 x 2048 B" in out


def test_dry_run_blackhole_then_simulate_then_plan(tmp_path):
    out = tmp_path / "bh"
    proc = cli("dry-run", f"{REPO / 'examples' / 'gemm.py'}:matmul", "--out", out, "--arch", "blackhole",
               "-D", "M=96", "-D", "N=64", "-D", "K=64", *B32)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "tt.plan.json").read_text())["arch"] == "blackhole"
    sim = cli("simulate", out)
    assert sim.returncode == 0, sim.stderr
    assert sim.stdout.startswith("MATCH")
    est = cli("estimate", out, "--json", tmp_path / "est.json")
    assert est.returncode == 0, est.stderr
    assert "(simulator statistics)" in est.stdout and "binding limit:" in est.stdout
    assert json.loads((tmp_path / "est.json").read_text())["arch"] == "blackhole"
    plan = cli("plan", out, "--png", tmp_path / "plan.png")
    assert plan.returncode == 0, plan.stderr
    assert "6 active cores, blocks per core min 1 max 1" in plan.stdout
    assert (tmp_path / "plan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


BAD = [
    (["dry-run", "missing.py", "--out", "x"], "kernel file not found: missing.py"),
    (["dry-run", "--out", "x", "-D", "M=50", "-D", "block_M=48"], "multiples of 32"),
    (["dry-run", "--out", "x", "--arch", "grayskull"], "Unknown Tenstorrent arch 'grayskull'"),
    (["dry-run", "--out", "x", "-D", "oops"], "-D expects NAME=VALUE"),
    (["simulate", "nowhere"], "cannot read the plan (No such file or directory)"),
    (["plan", "nowhere"], "cannot read the plan"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[b[1][:24] for b in BAD])
def test_errors_are_one_line_and_exit_non_zero(tmp_path, args, message):
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_broken_kernel_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import tilelang.language as T\n\ndef matmul():\n    raise RuntimeError('boom')\n")
    proc = cli("dry-run", bad, "--out", tmp_path / "o")
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"tilelang-tt dry-run: error: {bad}:matmul: boom" or "boom" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_debug_shows_the_traceback(tmp_path):
    proc = cli("dry-run", "missing.py", "--out", "x", "--debug", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr


# --- issue #14: what a new or hostile user runs into ----------------------------------


def one_line_error(proc, command="dry-run"):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tilelang-tt {command}: error: "), proc.stderr
    return lines[0]


def test_dry_run_of_a_tilelang_jit_factory(tmp_path):
    kernel = Path(__file__).parent / "jit_gemm_kernel.py"
    proc = cli("dry-run", f"{kernel}:matmul", "--out", tmp_path / "jit", "-D", "M=96", "-D", "N=64", "-D", "K=64")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "jit" / "tt.plan.json").read_text())["buffers"]["A"]["shape"] == [96, 64]


@pytest.mark.parametrize(
    "define, fragment",
    [
        ("M=abc", "-D M=abc: M takes a decimal integer (its default is 256)"),
        ("M=64.0", "-D M=64.0: M takes a decimal integer (its default is 256); -D numbers are decimal integers"),
        ("M=0x40", "-D M=0x40: M takes a decimal integer (its default is 256); -D numbers are decimal integers"),
        ("M=", "-D M= has no value"),
        ("Q=1", "has no parameter 'Q'"),
        ("block=16x", "has no parameter 'block'"),
    ],
)
def test_bad_defines_name_the_define(tmp_path, define, fragment):
    proc = cli("dry-run", "--out", tmp_path / "x", "-D", define, "-D", "N=64", "-D", "K=64")
    assert fragment in one_line_error(proc)


def test_a_text_value_for_a_parameter_without_default_is_reported(tmp_path):
    kernel = Path(__file__).parent / "jit_gemm_kernel.py"
    proc = cli("dry-run", f"{kernel}:matmul", "--out", tmp_path / "x", "-D", "M=abc", "-D", "N=64", "-D", "K=64")
    assert "matmul(M='abc', N=64, K=64) raised" in one_line_error(proc)
    assert "(-D M=abc passed as text)" in proc.stderr


def test_define_values_take_the_parameters_type():
    """-D values follow the annotation, else the default; without either, the text's own form."""
    from tilelang_tt.cli import CLIError, _typed_defines

    def kernel(M, N: int, scale: float, eps=1e-6, dtype="bfloat16", flag=False, note: str = None):  # noqa: N803
        pass

    typed = _typed_defines(kernel, {"M": "64", "N": "32", "scale": "2", "eps": "1e-5", "dtype": "float16",
                                    "flag": "true", "note": "12"}, "k")  # fmt: skip
    assert typed == {"M": 64, "N": 32, "scale": 2.0, "eps": 1e-5, "dtype": "float16", "flag": True, "note": "12"}
    assert type(typed["scale"]) is float and type(typed["M"]) is int
    assert _typed_defines(kernel, {"M": "0.5"}, "k") == {"M": 0.5}
    assert _typed_defines(kernel, {"M": "fp16"}, "k") == {"M": "fp16"}
    for defines, fragment in [
        ({"N": "1.5"}, "-D N=1.5: N takes a decimal integer; -D numbers are decimal integers"),
        ({"scale": "half"}, "-D scale=half: scale takes a decimal number (e.g. -D scale=0.5)"),
        ({"eps": "0x1"}, "-D eps=0x1: eps takes a decimal number (its default is 1e-06)"),
        ({"flag": "2"}, "-D flag=2: flag takes a boolean (true or false) (its default is False)"),
        ({"M": "0x40"}, "-D M=0x40: -D numbers are decimal (e.g. -D M=64 or -D M=0.5)"),
    ]:
        with pytest.raises(CLIError) as err:
            _typed_defines(kernel, defines, "k")
        assert fragment in str(err.value), (fragment, str(err.value))


def test_a_kernel_file_that_exits_is_reported(tmp_path):
    path = tmp_path / "exits.py"
    path.write_text("import sys\nsys.exit(3)\n")
    assert "exited (sys.exit(3)) while being imported" in one_line_error(cli("dry-run", path, "--out", tmp_path / "x"))


def test_the_cli_works_without_the_environment_activated(tmp_path):
    """clang-format is found in the Python environment even when its bin/ is not on PATH."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    proc = subprocess.run([sys.executable, "-m", "tilelang_tt.cli", "dry-run", "--out", str(tmp_path / "g")],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "  uint32_t count =\n      get_arg_val<uint32_t>(0);" in (tmp_path / "g" / "compute.cpp").read_text()


def test_a_simulator_fault_is_one_line_and_has_a_timeout_option(tmp_path):
    out = tmp_path / "g"
    assert cli("dry-run", "--out", out, "-D", "M=64", "-D", "N=64", "-D", "K=256", *B32).returncode == 0
    compute = out / "compute.cpp"
    compute.write_text(compute.read_text().replace("cb_pop_front(cb_in0, 1);", "", 1))
    line = one_line_error(cli("simulate", out), "simulate")
    assert "the simulated program failed (exit 1): deadlock" in line
    assert "core (0, 0) compute" in cli("simulate", out, "--debug").stderr
    # A reader that never returns: whatever the machine's speed, only the timeout ends the run.
    reader = out / "reader.cpp"
    spin = "void kernel_main() {\n  for (volatile uint32_t spin = 0;; spin = spin + 1) {\n  }\n"
    reader.write_text(reader.read_text().replace("void kernel_main() {\n", spin, 1))
    line = one_line_error(cli("simulate", out, "--timeout", "0.5"), "simulate")
    assert "did not finish within 0.5 s" in line


def test_a_new_dry_run_leaves_no_stale_results(tmp_path):
    out = tmp_path / "g"
    assert cli("dry-run", "--out", out, "-D", "M=64", "-D", "N=64", "-D", "K=64").returncode == 0
    assert cli("simulate", out).returncode == 0
    assert "(simulator statistics)" in cli("estimate", out).stdout
    # Another program into the same directory: the old statistics go.
    assert cli("dry-run", "--out", out, "-D", "M=128", "-D", "N=128", "-D", "K=64").returncode == 0
    assert not (out / "sim").exists()
    assert "(derived from the plan)" in cli("estimate", out).stdout


def test_estimate_ignores_statistics_of_another_plan(tmp_path):
    out = tmp_path / "g"
    assert cli("dry-run", "--out", out, "-D", "M=64", "-D", "N=64", "-D", "K=64").returncode == 0
    assert cli("simulate", out).returncode == 0
    plan = out / "tt.plan.json"
    plan.write_text(plan.read_text().replace('"kernel_name": "gemm"', '"kernel_name": "gemm2"'))
    assert "statistics in sim/ are of another plan" in cli("estimate", out).stdout


def test_artifacts_are_written_all_or_nothing(tmp_path):
    out = tmp_path / "g"
    (out / "main.cpp").mkdir(parents=True)
    line = one_line_error(cli("dry-run", "--out", out, "-D", "M=64", "-D", "N=64", "-D", "K=64"))
    assert "main.cpp is a directory" in line
    assert sorted(p.name for p in out.iterdir()) == ["main.cpp"]


def test_ir_dumps_of_two_runs_do_not_mix(tmp_path):
    out = tmp_path / "g"
    assert cli("dry-run", "--out", out, "--dump-ir", "-D", "M=64", "-D", "N=64", "-D", "K=64").returncode == 0
    (out / "ir" / "99_stale.tir").write_text("from an earlier run")
    assert cli("dry-run", "--out", out, "--dump-ir", "-D", "M=64", "-D", "N=64", "-D", "K=64").returncode == 0
    assert not (out / "ir" / "99_stale.tir").exists() and not (out / ".ir.partial").exists()


@pytest.fixture(scope="module")
def gemm_64(tmp_path_factory):
    """One dry run of the 64 x 64 x 64 GEMM that the heatmap tests only read (a dry run each is 8 s of CI)."""
    out = tmp_path_factory.mktemp("gemm_64") / "g"
    assert cli("dry-run", "--out", out, "-D", "M=64", "-D", "N=64", "-D", "K=64").returncode == 0
    return out


@pytest.mark.parametrize("name", ["grid.svg", "grid.pdf"])
def test_plan_heatmap_in_other_formats(tmp_path, gemm_64, name):
    proc = cli("plan", gemm_64, "--png", tmp_path / name)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / name).stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_plan_heatmap_of_an_unknown_format_writes_nothing(tmp_path, gemm_64):
    assert "unknown image format '.xyz'" in one_line_error(cli("plan", gemm_64, "--png", tmp_path / "grid.xyz"), "plan")
    assert not (tmp_path / "grid.xyz").exists()


def test_the_summary_says_how_a_batched_tensor_is_stored():
    """A (batch, seq, heads, dim) tensor copied in blocks [b, rows, h, :] is stored as its (batch, heads)
    matrices of (seq, dim): the dry-run summary says so, tensor by tensor."""
    sys.path.insert(0, str(Path(__file__).parent))
    from corpus import flash_attention_mha

    import tilelang_tt
    from tilelang_tt.cli import summarize

    plan = tilelang_tt.lower(flash_attention_mha(2, 3, 128, 64, 64, 64)).plan
    lines = summarize(plan, []).splitlines()
    for name in ("Q", "K", "V", "Output"):
        want = (
            f"tensor {name} (2, 128, 3, 64): 6 matrices of (128, 64), one for each index of axes 0, 2 "
            "(the first the slowest), rows along axis 1"
        )
        assert want in lines
