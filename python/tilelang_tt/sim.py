"""Run an emitted program on the functional simulator and check its numbers.

    python -m tilelang_tt.sim ARTIFACT_DIR [--seed 0] [--input A=a.npy ...]

The harness reads ``tt.plan.json``, writes seeded random bf16 inputs (or the
given ``.npy`` files), compiles the unchanged ``main.cpp`` with g++ against the
simulated TT-Metalium headers (``src/sim/include``) and ``libtt_sim``, runs it
(the kernels are compiled by the simulator itself), and compares the output
with a NumPy reference that uses the same numerics model: bf16 inputs, fp32
accumulation, one bf16 rounding at the end.

The accumulation order differs (tile by tile on the simulated device, BLAS
order in NumPy), so the two fp32 sums may differ by up to the standard
floating-point summation bound, 2 * K * 2^-24 * (|A| @ |B|)[i, j]; after both
are rounded to bf16 they may then differ by one more bf16 ulp. An element
further from the reference than that bound is a mismatch. Where the sum does
not cancel this is "within 1 bf16 ulp"; near zero (cancellation) it allows
the few fp32 ulps that any change of summation order produces.
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

#: bf16 ulps allowed on top of the fp32 summation-order bound (see module doc).
MAX_ULP = 1
#: Unit roundoff of fp32.
FP32_EPS = 2.0**-24


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
    reference: np.ndarray
    max_abs_error: float
    max_rel_error: float
    max_ulp: int
    mismatches: int  # elements outside the allowed error (see module doc)
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
        return (
            f"{'MATCH' if self.ok else 'MISMATCH'}: max abs error {self.max_abs_error:.3g}, "
            f"max rel error {self.max_rel_error:.3g}, max {self.max_ulp} bf16 ulp; "
            f"{self.mismatches} elements outside 1 bf16 ulp + the fp32 summation-order bound\n"
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

    # Output and reference.
    (out_name, out_desc), *_ = [(n, d) for n, d in buffers.items() if d["role"] == "output"]
    shape = tuple(out_desc["shape"])
    out_bits = np.fromfile(work / out_desc["file"], dtype="<u2").reshape(shape)
    a, b = (host_inputs[cb["tensor"]] for cb in plan["cbs"] if cb["role"] == "input")
    ref_bits = to_bf16_bits(a.astype(np.float32) @ b.astype(np.float32))
    out, ref = bf16_bits_to_float(out_bits), bf16_bits_to_float(ref_bits)
    ulps = bf16_ulp_distance(out_bits, ref_bits)
    abs_err = np.abs(out - ref)
    k = a.shape[1]
    order_bound = 2.0 * k * FP32_EPS * (np.abs(a) @ np.abs(b))
    allowed = MAX_ULP * bf16_ulp(np.maximum(np.abs(out), np.abs(ref))) + order_bound
    rel_err = abs_err / np.maximum(np.abs(ref), np.finfo(np.float32).tiny)
    return SimResult(
        output=out,
        reference=ref,
        max_abs_error=float(abs_err.max(initial=0.0)),
        max_rel_error=float(rel_err.max(initial=0.0)),
        max_ulp=int(ulps.max(initial=0)),
        mismatches=int((abs_err > allowed).sum()),
        stats=json.loads(stats_path.read_text()) if stats_path.exists() else {},
        run_seconds=run_seconds,
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
