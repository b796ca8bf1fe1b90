"""Run an emitted program on the functional simulator and check its numbers.

    python -m tilelang_tt.sim ARTIFACT_DIR [--seed 0] [--input A=a.npy ...]

The harness reads ``tt.plan.json``, writes seeded random bf16 inputs (or the
given ``.npy`` files), compiles the unchanged ``main.cpp`` with g++ against the
simulated TT-Metalium headers (``src/sim/include``) and ``libtt_sim``, runs it
(the kernels are compiled by the simulator itself), and compares the output
with what the program means to compute.

The reference comes from the plan's ``compute`` section, never from the order
of buffers or CBs: ``c = a @ b`` (each operand transposed where the plan says
so), in float64 on the bf16 inputs, i.e. exactly. The simulated device
computes it with the chip's numerics (docs/tenstorrent/simulator.md), so an
element may differ from the exact value by at most

    1 bf16 ulp of the result + n * u * (|a| @ |b|)[i, j]

where the first term is the final rounding to bf16 and the second bounds the
rounding errors of the accumulation, one per write to DST:

- fp32 DST (``fp32_dest_acc_en``): u = 2^-24, n = 2 * K (every sum of 16
  products and every addition to DST rounds to fp32; 2K is a generous count);
- 16-bit DST: u = 2^-8 + 2^-11 (a write rounds to TF32 and then to bf16, each
  to nearest, ties away from zero) and n = P * ceil(K / 16), one write per
  K-face of 16 and per fidelity phase (P = 4 at HiFi4).

An element outside that bound is a mismatch, and so is a NaN or infinity
where the reference is finite (or a finite value where it is not). Errors are
reported relative to ``(|a| @ |b|)[i, j]``, the scale every bound above is
measured in, so a correct run never shows a large "relative error" near zero.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _lib
from .errors import TTError

#: bf16 ulps allowed for the final rounding (see module doc).
MAX_ULP = 1
#: Unit roundoff of fp32.
FP32_EPS = 2.0**-24
#: Error of one write to 16-bit DST: rounding to TF32, then to bf16.
DST16_EPS = 2.0**-8 + 2.0**-11
#: Multiplier phases of each math fidelity (tt_sim::DstMode::fidelity_phases).
FIDELITY_PHASES = {"LoFi": 1, "HiFi2": 2, "HiFi3": 3, "HiFi4": 4}


def accumulation_bound(compute: dict, k: int) -> tuple[float, str]:
    """(n * u, the formula as text): the factor of (|a| @ |b|) the accumulation may be off by."""
    if compute["fp32_dest_acc_en"]:
        return 2 * k * FP32_EPS, f"2*K*2^-24 (K={k}, fp32 DST)"
    phases = FIDELITY_PHASES[compute["math_fidelity"]]
    writes = phases * -(-k // 16)
    return writes * DST16_EPS, f"{writes}*(2^-8+2^-11) ({phases} phases x {-(-k // 16)} K-faces, 16-bit DST)"


def reference_operands(plan: dict, inputs: dict) -> tuple[np.ndarray, np.ndarray]:
    """The float64 left and right operands of the plan's ``compute``, transposes applied."""
    compute = plan["compute"]
    if compute["op"] != "matmul":
        raise SimulationError(f"the plan computes {compute['op']!r}; the harness checks 'matmul' only")
    a = inputs[compute["a"]].astype(np.float64)
    b = inputs[compute["b"]].astype(np.float64)
    return (a.T if compute["transpose_a"] else a), (b.T if compute["transpose_b"] else b)


class SimulationError(TTError):
    """The program did not run to completion on the simulator (compile error,
    deadlock, API misuse, out-of-range access): the message says what and where."""


# --- bf16 ------------------------------------------------------------------------


def to_bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bf16 bit patterns, round to nearest even (as the simulator's pack)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)).astype(np.uint16)
    nan = ((u & 0x7F800000) == 0x7F800000) & ((u & 0x007FFFFF) != 0)
    rounded[nan] = ((u[nan] >> np.uint32(16)) | np.uint32(0x40)).astype(np.uint16)
    return rounded


def bf16_bits_to_float(b: np.ndarray) -> np.ndarray:
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)


def bf16_ulp(x: np.ndarray) -> np.ndarray:
    """Spacing of bf16 values at |x| (8 significant bits)."""
    mag = np.maximum(np.abs(x), np.finfo(np.float32).tiny)
    return np.exp2(np.floor(np.log2(mag)) - 7).astype(np.float32)


def bf16_ulp_distance(a_bits: np.ndarray, b_bits: np.ndarray) -> np.ndarray:
    """Distance in representable bf16 values between two bit patterns."""

    def ordered(bits):
        v = np.asarray(bits, dtype=np.uint16).astype(np.int32)
        return np.where(v & 0x8000, 0x8000 - v, v)  # monotonic in the value, +0 == -0

    return np.abs(ordered(a_bits) - ordered(b_bits))


# --- locating the simulator -------------------------------------------------------


def sim_paths() -> tuple[Path, Path]:
    """(include dir, lib dir) of the simulator next to the loaded tilelang-tt library
    (TT_SIM_LIB_DIR selects another libtt_sim.so, e.g. a sanitizer build)."""
    lib_dir = Path(os.environ["TT_SIM_LIB_DIR"]) if os.environ.get("TT_SIM_LIB_DIR") else _lib.library_path().parent
    repo_include = Path(__file__).resolve().parents[2] / "src" / "sim" / "include"
    for include in (lib_dir.parent / "sim" / "include", repo_include):
        if (include / "tt-metalium" / "host_api.hpp").is_file():
            break
    else:
        raise SimulationError(f"simulator headers not found next to {lib_dir} or in {repo_include}")
    if not (lib_dir / "libtt_sim.so").is_file():
        raise SimulationError(f"libtt_sim.so not found in {lib_dir}; rebuild: pip install --no-build-isolation -e .")
    return include, lib_dir


def cache_dir() -> Path:
    root = Path(os.environ.get("TT_SIM_CACHE", Path.home() / ".cache" / "tilelang-tt"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def build_host_program(artifact_dir: Path, include: Path, lib_dir: Path) -> Path:
    """Compile main.cpp against the simulator (cached by content hash)."""
    source = (artifact_dir / "main.cpp").read_text()
    lib = lib_dir / "libtt_sim.so"
    extra = os.environ.get("TT_SIM_CXXFLAGS", "").split()
    key = hashlib.sha256(f"{source}\0{include}\0{lib}\0{lib.stat().st_mtime_ns}\0{extra}".encode()).hexdigest()[:16]
    exe = cache_dir() / f"host-{key}"
    if exe.exists():
        return exe
    tmp = exe.with_name(exe.name + f".tmp{os.getpid()}")
    # C++20: the TT-Metalium host API takes std::span (the kernels are C++17).
    cmd = ["g++", "-std=c++20", "-O1", *extra, f"-I{include}", str(artifact_dir / "main.cpp"), f"-L{lib_dir}",
           "-ltt_sim", f"-Wl,-rpath,{lib_dir}", "-o", str(tmp)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SimulationError(
            f"compiling main.cpp failed (exit {proc.returncode}):\n{proc.stderr}\nrepro: {' '.join(cmd)}"
        )
    tmp.replace(exe)
    return exe


# --- running -----------------------------------------------------------------------


@dataclass
class SimResult:
    output: np.ndarray  # float32 values of the bf16 output, logical shape
    reference: np.ndarray  # the exact (float64) value of the plan's compute
    reference_scale: np.ndarray  # (|a| @ |b|), float64: the scale of every error bound
    max_abs_error: float
    #: Largest |output - reference| / (|a| @ |b|): the error in the scale of the bound.
    max_scaled_error: float
    #: The accumulation term of the bound, as a factor of (|a| @ |b|), and its formula.
    bound: float
    bound_formula: str
    #: Largest |output - reference| / allowed error over the finite elements (<= 1 on a MATCH).
    worst_of_bound: float
    max_ulp: int  # largest distance in bf16 values from the reference rounded to bf16
    mismatches: int  # elements outside the bound, non-finite ones included (see module doc)
    non_finite: int  # NaN / infinite outputs where the reference is finite
    stats: dict = field(repr=False)
    #: Wall time of the simulated program (the host program's process: tilize, DRAM writes, every
    #: kernel of every core, the read back), with its kernels already compiled; not the harness's
    #: input generation and NumPy check.
    run_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.mismatches == 0

    def summary(self) -> str:
        cores = self.stats.get("cores", [])
        tiles = sum(c["matmul_tiles"] for c in cores)
        read = sum(c["tiles_read"] for c in cores)
        written = sum(c["tiles_written"] for c in cores)
        bound = f"1 bf16 ulp + {self.bound_formula} x (|a|@|b|)"
        if self.ok:
            verdict = f"MATCH: every element within its bound (the worst at {self.worst_of_bound:.2f} of it; {bound})"
        else:
            verdict = (
                f"MISMATCH: {self.mismatches} of {self.output.size} elements outside their bound"
                + (f", {self.non_finite} of them NaN or infinite" if self.non_finite else "")
                + f" (the worst finite one at {self.worst_of_bound:.3g} times it; {bound})"
            )
        return (
            f"{verdict}\n"
            f"errors: max {self.max_scaled_error:.3g} x (|a|@|b|), max abs {self.max_abs_error:.3g}, "
            f"max {self.max_ulp} bf16 ulp from the rounded reference\n"
            f"stats: {len(cores)} cores, {tiles} matmul_tiles, {read} tiles read, {written} tiles written"
        )


def simulate(
    artifact_dir, *, seed: int = 0, inputs: dict | None = None, work_dir=None, timeout: float = 600
) -> SimResult:
    """Run the program in ``artifact_dir`` on the simulator; compare with NumPy."""
    artifact_dir = Path(artifact_dir).resolve()
    plan_path = artifact_dir / "tt.plan.json"
    try:
        plan = json.loads(plan_path.read_text())
        buffers = plan["buffers"]
    except (OSError, ValueError, KeyError) as err:
        raise SimulationError(f"{plan_path}: not a tilelang-tt plan ({err})") from None
    missing = [
        name for name in ("main.cpp", "reader.cpp", "compute.cpp", "writer.cpp") if not (artifact_dir / name).is_file()
    ]
    if missing:
        raise SimulationError(
            f"{artifact_dir}: missing {', '.join(missing)}; write the artifacts with tilelang-tt dry-run"
        )
    work = Path(work_dir) if work_dir else artifact_dir / "sim"
    work.mkdir(parents=True, exist_ok=True)

    # Inputs: seeded random values in [-1, 1), rounded to bf16, or the given arrays.
    rng = np.random.default_rng(seed)
    host_inputs = {}
    for name, desc in buffers.items():
        if desc["role"] != "input":
            continue
        shape = tuple(desc["shape"])
        if inputs and name in inputs:
            values = np.asarray(inputs[name], dtype=np.float32)
            if values.shape != shape:
                raise SimulationError(f"input {name} has shape {values.shape}, the plan says {shape}")
        else:
            values = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
        bits = to_bf16_bits(values)
        bits.astype("<u2").tofile(work / desc["file"])
        host_inputs[name] = bf16_bits_to_float(bits).reshape(shape)

    include, lib_dir = sim_paths()
    exe = build_host_program(artifact_dir, include, lib_dir)
    stats_path = work / "sim_stats.json"
    env = dict(
        os.environ,
        TT_SIM_GRID_X=str(plan["core_grid"]["x"]),
        TT_SIM_GRID_Y=str(plan["core_grid"]["y"]),
        TT_SIM_DRAM_BANKS=str(plan["dram_banks"]),
        TT_SIM_L1_BYTES=str(plan["l1_bytes_per_core"]),
        TT_SIM_L1_UNRESERVED_BASE=str(plan["l1_unreserved_base"]),
        TT_SIM_INCLUDE=str(include),
        TT_SIM_STATS=str(stats_path),
        TT_SIM_CACHE=str(cache_dir() / "kernels"),
    )
    try:
        start = time.perf_counter()
        proc = subprocess.run([str(exe), str(artifact_dir), str(work)], env=env, capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
        run_seconds = time.perf_counter() - start
    except subprocess.TimeoutExpired:
        raise SimulationError(f"the simulated program did not finish within {timeout} s") from None
    if proc.returncode != 0:
        raise SimulationError(f"the simulated program failed (exit {proc.returncode}):\n{proc.stderr.strip()}")

    # Output, and the reference built from what the plan says is computed.
    out_desc = buffers[plan["compute"]["c"]]
    shape = tuple(out_desc["shape"])
    out_bits = np.fromfile(work / out_desc["file"], dtype="<u2").reshape(shape)
    a, b = reference_operands(plan, host_inputs)
    if a.shape[1] != b.shape[0] or (a.shape[0], b.shape[1]) != shape:
        raise SimulationError(
            f"the plan's compute does not chain: {plan['compute']['a']} {a.shape} @ "
            f"{plan['compute']['b']} {b.shape} -> {plan['compute']['c']} {shape}"
        )
    return compare(bf16_bits_to_float(out_bits), a, b, plan["compute"],
                   stats=json.loads(stats_path.read_text()) if stats_path.exists() else {},
                   run_seconds=run_seconds)  # fmt: skip


def compare(out: np.ndarray, a: np.ndarray, b: np.ndarray, compute: dict, **extra) -> SimResult:
    """Judge the device output ``out`` against ``a @ b`` under the numerics of ``compute`` (module doc)."""
    with np.errstate(invalid="ignore", over="ignore"):
        ref = a @ b
        scale = np.abs(a) @ np.abs(b)
    k = a.shape[1]
    factor, formula = accumulation_bound(compute, k)
    out64 = out.astype(np.float64)
    finite_ref = np.isfinite(ref)
    bad_finite = np.isfinite(out64) != finite_ref
    with np.errstate(invalid="ignore"):
        abs_err = np.where(finite_ref & np.isfinite(out64), np.abs(out64 - ref), 0.0)
    allowed = MAX_ULP * bf16_ulp(np.abs(np.where(finite_ref, ref, 0.0)).astype(np.float32)) + factor * np.where(
        finite_ref, scale, 0.0
    )
    tiny = np.finfo(np.float64).tiny
    ref_bits = to_bf16_bits(np.where(finite_ref, ref, 0.0).astype(np.float32))
    ulps = np.where(finite_ref & np.isfinite(out64), bf16_ulp_distance(to_bf16_bits(out), ref_bits), 0)
    return SimResult(
        output=out,
        reference=ref,
        reference_scale=scale,
        max_abs_error=float(abs_err.max(initial=0.0)),
        max_scaled_error=float((abs_err / np.maximum(scale, tiny)).max(initial=0.0)),
        bound=factor,
        bound_formula=formula,
        worst_of_bound=float((abs_err / np.maximum(allowed, tiny)).max(initial=0.0)),
        max_ulp=int(ulps.max(initial=0)),
        mismatches=int(((abs_err > allowed) | bad_finite).sum()),
        non_finite=int((bad_finite & finite_ref).sum()),
        **extra,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tilelang_tt.sim", description=__doc__.split("\n\n")[0])
    parser.add_argument("artifact_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    args = parser.parse_args(argv)
    inputs = {}
    for item in args.input:
        name, _, path = item.partition("=")
        inputs[name] = np.load(path)
    try:
        result = simulate(args.artifact_dir, seed=args.seed, inputs=inputs)
    except TTError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
