"""Check emitted kernels against the released TT-Metalium device headers (issue #9).

    python scripts/tt_conformance.py ARTIFACT_DIR [ARTIFACT_DIR ...] [--cache DIR] [-v]

For each artifact directory (written by ``tilelang-tt dry-run``), every kernel
is compiled with ``g++ -m32 -std=c++17 -fsyntax-only`` the way TT-Metalium's
JIT compiles it, against the headers of the release named in ``tt.plan.json``
(``tt_metalium_wheel``, e.g. ``ttnn==0.81.1``):

- the reader and the writer inside the real firmware wrapper of their RISC-V
  processor (``ncrisck.cc`` for RISCV_1, ``brisck.cc`` for RISCV_0), through a
  generated ``kernel_includes.hpp``, with that processor's defines and NoC;
- the compute kernel three times inside ``trisck.cc``, once per TRISC
  (``UCK_CHLKC_UNPACK`` / ``MATH`` / ``PACK``), through generated
  ``chlkc_*.cpp`` files and a ``chlkc_descriptors.h`` built from the plan's
  circular buffers (formats, tile shape) and math fidelity;
- with the compile-time args the real host would pass: for each interleaved
  DRAM ``TensorAccessorArgs``, the ArgsConfig word (``IsDram`` = 2) and the
  aligned page size.

The host program is checked through the release's library: ``main.cpp`` is
compiled (``g++ -std=c++20 -c``) against the simulator's emulated host headers
(``src/sim/include``), and every TT-Metalium symbol the object needs must be
exported, with the same mangled name (so the same parameter types), by the
``libtt_metal.so`` of the same wheel. Header-only templates
(``EnqueueWriteMeshBuffer`` / ``EnqueueReadMeshBuffer``) and inline members
have no symbol there and are not checked this way.

``-m32`` gives the 32-bit data model of the RISC-V cores (pointers are 32-bit).
The only stand-ins are the two SFPI-toolchain headers in
``scripts/tt_conformance_shim/`` (``sfpi.h``, ``lltt.h``: RISC-V-only
builtins the wheel does not ship) and a few values the JIT computes per device
(``-D`` below). What it does not catch: anything the RISC-V code generator,
the assembler or the linker would reject, and run-time behaviour.

The headers come from the ``ttnn`` wheel on PyPI: ``pip download --no-deps``
into the cache (``$TT_CONFORMANCE_CACHE``, default
``~/.cache/tilelang-tt/conformance``); only ``ttnn/tt_metal/`` headers, the
firmware wrappers and the list of symbols ``libtt_metal.so`` exports (``nm -D``)
are kept, and the wheel is deleted. It is never imported or installed.

Exit status: 0 every compile passes, 1 one fails, 77 the headers cannot be had
(no network, no ``g++ -m32``): skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

#: Exit status when the check cannot run (the automake convention for "skipped").
EXIT_SKIPPED = 77
#: The wheel is built for CPython 3.10 only; pip downloads it for that version.
WHEEL_PYTHON = "3.10"
#: What is extracted from the wheel: headers, and the firmware wrappers the JIT compiles.
HEADER_SUFFIXES = (".h", ".hpp", ".inl", ".def")
SHIM_DIR = Path(__file__).resolve().parent / "tt_conformance_shim"
#: Where the release keeps the SFPU implementations the compute API's eltwise calls expand into
#: (ckernel_sfpu_*.h): code in the SFPI compiler's vector language (sfpi::vFloat, v_if, ...), which
#: g++ cannot parse without that compiler's sfpi.h. Errors there leave the kernel's calls checked.
SFPU_IMPLEMENTATION_DIRS = ("/llk_api/llk_sfpu/", "/common/inc/sfpu/")
#: The simulator's emulated TT-Metalium headers, which main.cpp is compiled against.
SIM_INCLUDE = Path(__file__).resolve().parents[1] / "src" / "sim" / "include"
#: The release's host library inside the wheel, and the file its exported symbols are kept in.
HOST_LIBRARY = "ttnn/build/lib/libtt_metal.so"
SYMBOLS_FILE = "libtt_metal.symbols"

# DataFormat and MathFidelity values (tensix_types.h, llk_defs.h of the release).
DATA_FORMAT = {"Float32": 0, "Float16": 1, "Tf32": 4, "Float16_b": 5}
DATA_FORMAT_INVALID = 0xFF
MATH_FIDELITY = {"LoFi": 0, "HiFi2": 2, "HiFi3": 3, "HiFi4": 4}
# tensor_accessor::ArgConfig::IsDram (hostdevcommon/tensor_accessor/arg_config.hpp).
ARGS_CONFIG_IS_DRAM = 1 << 1


class Unavailable(Exception):
    """The headers or the compiler cannot be had here: the check is skipped, not failed."""


@dataclass(frozen=True)
class Arch:
    """The per-architecture facts the JIT puts on a kernel's command line."""

    define: str  # ARCH_WORMHOLE / ARCH_BLACKHOLE
    family: str  # hw/inc/internal/tt-1xx/<family>
    name: str  # ckernels/<name>, tt-llk/tt_llk_<name>, <name>_defines
    l1_banks: int
    num_cbs: int  # NUM_CIRCULAR_BUFFERS


ARCHS = {
    "wormhole_b0": Arch("ARCH_WORMHOLE", "wormhole", "wormhole_b0", l1_banks=64, num_cbs=32),
    "blackhole": Arch("ARCH_BLACKHOLE", "blackhole", "blackhole", l1_banks=140, num_cbs=64),
}

# The RISC-V processor of each data-movement kernel: firmware wrapper and defines.
DATA_MOVEMENT = {
    "RISCV_0": ("brisck.cc", ["COMPILE_FOR_BRISC", "PROCESSOR_INDEX=0"]),
    "RISCV_1": ("ncrisck.cc", ["COMPILE_FOR_NCRISC", "PROCESSOR_INDEX=1"]),
}
NOC_INDEX = {"RISCV_0_default": 0, "RISCV_1_default": 1}
# The three compute threads: (name, TRISC index).
TRISCS = [("unpack", 0), ("math", 1), ("pack", 2)]


@dataclass
class Compile:
    """One syntax-only compile of one kernel for one processor."""

    kernel: str  # reader / writer / compute
    role: str  # NCRISC, BRISC, TRISC0 (unpack), ...
    command: list[str]
    returncode: int = -1
    output: str = ""
    symbols: list[str] = field(default_factory=list)  # host: the TT-Metalium symbols checked

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def sfpu_unchecked(self) -> bool:
        """Failed only on the SFPI compiler's vector language: errors inside the SFPU implementation
        headers (``SFPU_IMPLEMENTATION_DIRS``), or in a compute API header naming the ``sfpi``
        namespace (its SFPU calls pass ``sfpi::vFloat`` as a template argument), which need that
        compiler's own ``sfpi.h``. An error in the kernel itself is never excused: its own calls
        (names, arguments) compiled."""
        errors = [line for line in self.output.splitlines() if ": error:" in line]

        def sfpi_only(line: str) -> bool:
            if any(d in line.split(":", 1)[0] for d in SFPU_IMPLEMENTATION_DIRS):
                return True
            # A compute API header naming sfpi:: in the template arguments of its SFPU call.
            return "/hw/inc/api/compute/" in line.split(":", 1)[0] and ("‘sfpi’" in line or "'sfpi'" in line)

        return bool(errors) and all(sfpi_only(line) for line in errors)

    @property
    def api_ok(self) -> bool:
        """The kernel's calls match the release: ok, or failed only in SFPU implementation headers."""
        return self.ok or self.sfpu_unchecked

    def report(self) -> str:
        errors = [line for line in self.output.splitlines() if "error" in line]
        head = "\n".join(errors[:12]) or self.output.strip()[-2000:]
        return (
            f"{self.kernel} kernel as {self.role}: g++ exit {self.returncode}\n{head}\n"
            f"repro: {' '.join(shlex.quote(c) for c in self.command)}"
        )


@dataclass
class Result:
    artifact_dir: Path
    wheel: str
    compiles: list[Compile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.compiles)

    @property
    def api_ok(self) -> bool:
        """Every call of the kernels matches the release (``Compile.api_ok``)."""
        return all(c.api_ok for c in self.compiles)


# --- the headers -------------------------------------------------------------------


def cache_root() -> Path:
    default = Path.home() / ".cache" / "tilelang-tt" / "conformance"
    return Path(os.environ.get("TT_CONFORMANCE_CACHE", default))


def fetch_headers(wheel: str, cache: Path | None = None, timeout: float = 900) -> Path:
    """The ``tt_metal`` header tree of ``wheel`` (e.g. ``ttnn==0.81.1``), downloaded once.

    Beside it (``../libtt_metal.symbols``): the mangled names ``libtt_metal.so`` exports."""
    cache = cache or cache_root()
    root = cache / wheel.replace("==", "-")
    done = root / ".complete"
    if done.is_file() and (root / SYMBOLS_FILE).is_file():
        return root / "tt_metal"
    with tempfile.TemporaryDirectory(dir=cache if cache.is_dir() else None) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--python-version", WHEEL_PYTHON, "--disable-pip-version-check", "-q", wheel, "-d", tmp]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"pip download {wheel} did not finish within {timeout:.0f} s") from None
        wheels = list(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
            raise Unavailable(f"pip download {wheel} failed (exit {proc.returncode}): {tail}")
        shutil.rmtree(root, ignore_errors=True)
        with zipfile.ZipFile(wheels[0]) as z:
            for name in z.namelist():
                wanted = name.endswith(HEADER_SUFFIXES) or ("/hw/firmware/src/" in name and name.endswith("k.cc"))
                if name.startswith("ttnn/tt_metal/") and wanted:
                    target = root / name[len("ttnn/") :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(z.read(name))
            if HOST_LIBRARY not in z.namelist():
                raise Unavailable(f"{wheel} has no {HOST_LIBRARY}")
            library = Path(tmp) / "libtt_metal.so"
            library.write_bytes(z.read(HOST_LIBRARY))
        nm = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True)
        if nm.returncode != 0:
            raise Unavailable(f"nm -D {HOST_LIBRARY} failed (exit {nm.returncode}): {nm.stderr.strip()}")
        symbols = sorted({line.split()[-1] for line in nm.stdout.splitlines() if line.strip()})
        (root / SYMBOLS_FILE).write_text("\n".join(symbols) + "\n")
    if not (root / "tt_metal" / "hw" / "inc" / "api" / "dataflow" / "dataflow_api.h").is_file():
        raise Unavailable(f"{wheel} has no tt_metal/hw/inc/api/dataflow/dataflow_api.h")
    done.write_text(wheel + "\n")
    return root / "tt_metal"


def require_compiler() -> None:
    """g++ with 32-bit support (Debian: g++-multilib)."""
    probe = subprocess.run(["g++", "-m32", "-std=c++17", "-fsyntax-only", "-x", "c++", "-"],
                           input="#include <cstdint>\n#include <tuple>\n", capture_output=True, text=True)  # fmt: skip
    if probe.returncode != 0:
        raise Unavailable("g++ -m32 cannot compile C++ here (install Debian's g++-multilib)")


# --- one kernel --------------------------------------------------------------------


def includes(tt_metal: Path, arch: Arch, generated: Path) -> list[str]:
    """The JIT's include path for a kernel of `arch` (generated files first, then the shim)."""
    hw, llk = tt_metal / "hw", tt_metal / "tt-llk"
    internal = hw / "inc" / "internal" / "tt-1xx"
    ckernels = hw / "ckernels" / arch.name / "metal"
    dirs = [generated, SHIM_DIR, tt_metal.parent, tt_metal, hw / "inc", tt_metal / "hostdevcommon" / "api",
            hw / "inc" / "debug", tt_metal / "api", tt_metal / "api" / "tt-metalium",
            ckernels / "common", ckernels / "llk_io", ckernels / "llk_api", ckernels / "llk_api" / "llk_sfpu",
            internal, internal / arch.family, internal / arch.family / f"{arch.name}_defines",
            internal / arch.family / "noc", llk / "common", llk / "tools" / "include",
            llk / f"tt_llk_{arch.name}" / "common" / "inc", llk / f"tt_llk_{arch.name}" / "common" / "inc" / "sfpu",
            llk / f"tt_llk_{arch.name}" / "llk_lib", hw / "firmware" / "src" / "tt-1xx"]  # fmt: skip
    return [f"-I{d}" for d in dirs]


def defines(plan: dict, arch: Arch, compile_args: list[int]) -> list[str]:
    """Defines every kernel gets; device-specific values as the JIT computes them for the plan."""
    banks = plan["dram_banks"]
    values = ["TENSIX_FIRMWARE", "KERNEL_BUILD", "LOCAL_MEM_EN=0", arch.define,
              f"NUM_DRAM_BANKS={banks}", f"NUM_L1_BANKS={arch.l1_banks}",
              f"LOG_BASE_2_OF_NUM_DRAM_BANKS={max(banks - 1, 1).bit_length()}",
              f"LOG_BASE_2_OF_NUM_L1_BANKS={max(arch.l1_banks - 1, 1).bit_length()}",
              "PCIE_NOC_X=0", "PCIE_NOC_Y=3", "DISPATCH_MESSAGE_ADDR=0", "PROGRAMMABLE_CORE_TYPE=0",
              "NOC_MODE=0", "KERNEL_COMPILE_TIME_ARGS=" + ",".join(str(a) for a in compile_args)]  # fmt: skip
    return [f"-D{v}" for v in values]


def accessor_compile_args(plan: dict, kernel: dict) -> list[int]:
    """What ``TensorAccessorArgs(*buffer).append_to(args)`` appends for each interleaved DRAM tensor."""
    args = []
    for tensor in kernel["compile_args"]["tensor_accessors"]:
        buf = plan["buffers"][tensor]
        if buf["layout"] != "dram_interleaved":
            raise ValueError(f"tensor {tensor}: layout {buf['layout']} is not checked (only dram_interleaved)")
        args += [ARGS_CONFIG_IS_DRAM, buf["page_bytes"]]
    return args


def descriptors(plan: dict, arch: Arch, kernel: dict) -> str:
    """chlkc_descriptors.h for the compute kernel: per-CB formats and tile shapes, fidelity, DST mode."""
    n = arch.num_cbs
    fmt = [DATA_FORMAT_INVALID] * n
    tile_size = [2048] * n
    pack_src = [DATA_FORMAT_INVALID] * n
    unpack_dst = [DATA_FORMAT_INVALID] * n
    matmul = plan["compute"]["op"] == "matmul"
    fp32_dest = kernel["fp32_dest_acc_en"]
    # The JIT's "conditional" format of a program with 16-bit DST: the 16-bit format of its CBs.
    conditional = "Float16" if any(cb["data_format"] == "Float16" for cb in plan["cbs"]) else "Float16_b"
    for cb in plan["cbs"]:
        fmt[cb["index"]] = DATA_FORMAT[cb["data_format"]]
        # A Float32 matmul operand unpacks to TF32 in its source register (the conditional format of
        # a program with fp32 DST and no 5-bit-exponent CB); other Float32 CBs go straight to DST.
        tf32 = matmul and cb["data_format"] == "Float32" and cb["role"] == "input"
        unpack_dst[cb["index"]] = DATA_FORMAT["Tf32" if tf32 else cb["data_format"]]
        tile_size[cb["index"]] = cb["page_bytes"]
        # With fp32 DST the packer reads a Float16 CB's tiles from a Float16_b source; with 16-bit
        # DST a Float32 CB's from the conditional format.
        pack = cb["data_format"]
        if pack == "Float16" and fp32_dest:
            pack = "Float16_b"
        elif pack == "Float32" and not fp32_dest:
            pack = conditional
        pack_src[cb["index"]] = DATA_FORMAT[pack]
    # data_format.cpp (get_single_pack_src_format) and genfiles.cpp (compute_data_formats).

    def arr(ctype: str, name: str, values) -> str:
        return f"constexpr {ctype} {name}[{n}] = {{{', '.join(str(v) for v in values)}}};\n"

    def tile_dims(prefix: str) -> str:
        # 32 x 32 tiles of four 16 x 16 faces; each CB's tile size in bytes (its page).
        return "".join(
            arr(t, f"{prefix}_{name}", v if isinstance(v, list) else [v] * n)
            for t, name, v in [
                ("uint8_t", "tile_num_faces", 4),
                ("uint8_t", "partial_face", 0),
                ("uint8_t", "tile_face_r_dim", 16),
                ("uint8_t", "narrow_tile", 0),
                ("uint8_t", "tile_r_dim", 32),
                ("uint8_t", "tile_c_dim", 32),
                ("uint16_t", "tile_size", tile_size),
                ("uint8_t", "num_faces_r_dim", 2),
                ("uint8_t", "num_faces_c_dim", 2),
            ]  # fmt: skip
        )

    fidelity = MATH_FIDELITY[kernel["math_fidelity"]]
    return (
        # APPROX (ComputeConfig::math_approx_mode, false: the host leaves it unset) is one of the
        # descriptors' scalars every thread sees (the pack thread's SFPU calls read it too).
        '#pragma once\n\nconstexpr bool APPROX = false;\n\n#if defined(UCK_CHLKC_MATH)\n#include "llk_defs.h"\n'
        f"constexpr ckernel::MathFidelity MATH_FIDELITY = static_cast<ckernel::MathFidelity>({fidelity});\n"
        "#endif\n\n"
        "#if !defined(UCK_CHLKC_PACK)\n"
        + arr("std::int32_t", "unpack_src_format", fmt)
        + arr("std::int32_t", "unpack_dst_format", unpack_dst)
        + tile_dims("unpack")
        + "#endif\n\n#if !defined(UCK_CHLKC_MATH) && !defined(UCK_CHLKC_UNPACK)\n"
        + arr("unsigned char", "pack_src_format", pack_src)
        + arr("unsigned char", "pack_dst_format", fmt)
        + tile_dims("pack")
        + "#if defined(UCK_CHLKC_PACK)\n"
        + arr("std::int32_t", "unpack_src_format", fmt)
        + "#endif\n#endif\n\n"
        # The DST mode of the host's ComputeConfig, as the JIT build writes it.
        + f"constexpr bool DST_ACCUM_MODE = {'true' if kernel['fp32_dest_acc_en'] else 'false'};\n"
        + f"#define DST_SYNC_MODE DstSync::{'SyncFull' if kernel['dst_full_sync_en'] else 'SyncHalf'}\n"
    )


def kernel_compiles(plan: dict, artifact_dir: Path, tt_metal: Path, work: Path) -> list[Compile]:
    """The compiles of every kernel of the plan, generated files written under `work`."""
    arch = ARCHS[plan["arch"]]
    out = []
    for kernel in plan["kernels"]:
        source = (artifact_dir / kernel["file"]).resolve()
        gen = work / kernel["name"]
        gen.mkdir(parents=True, exist_ok=True)
        flags = ["g++", "-m32", "-std=c++17", "-fsyntax-only", "-w", *includes(tt_metal, arch, gen)]
        ct_args = accessor_compile_args(plan, kernel)
        if kernel["processor"] in DATA_MOVEMENT:
            wrapper, extra = DATA_MOVEMENT[kernel["processor"]]
            (gen / "kernel_includes.hpp").write_text(f'#include "{source}"\n')
            noc = NOC_INDEX[kernel["noc"]]
            cmd = [*flags, *defines(plan, arch, ct_args), *(f"-D{d}" for d in extra), f"-DNOC_INDEX={noc}",
                   str(tt_metal / "hw" / "firmware" / "src" / "tt-1xx" / wrapper)]  # fmt: skip
            role = wrapper.removesuffix("k.cc").upper() + f" ({kernel['processor']}, NoC {noc})"
            out.append(Compile(kernel["name"], role, cmd))
        elif kernel["processor"] == "TRISC":
            (gen / "defines_generated.h").write_text("#pragma once\n")
            (gen / "chlkc_descriptors.h").write_text(descriptors(plan, arch, kernel))
            for name, index in TRISCS:
                (gen / f"chlkc_{name}.cpp").write_text(
                    f'#define TRISC_{name.upper()}\n#include "defines_generated.h"\n#include "{source}"\n'
                )
                cmd = [*flags, *defines(plan, arch, ct_args), f"-DCOMPILE_FOR_TRISC={index}",
                       f"-DPROCESSOR_INDEX={index + 2}", f"-DUCK_CHLKC_{name.upper()}",
                       f"-DNAMESPACE=chlkc_{name}", "-DNOC_INDEX=0",
                       str(tt_metal / "hw" / "firmware" / "src" / "tt-1xx" / "trisck.cc")]  # fmt: skip
                out.append(Compile(kernel["name"], f"TRISC{index} ({name})", cmd))
        else:
            raise ValueError(f"kernel {kernel['name']}: unknown processor {kernel['processor']!r}")
    return out


def is_tt_metalium_symbol(mangled: str) -> bool:
    """A symbol of TT-Metalium's API: namespace tt (``_ZN2tt``, ``_ZNK2tt``) or the tilize templates."""
    return mangled.startswith(("_ZN2tt", "_ZNK2tt")) or "tilize_nfaces" in mangled


def demangle(names: list[str]) -> list[str]:
    proc = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True)
    return proc.stdout.splitlines() if proc.returncode == 0 else names


def host_compile(artifact_dir: Path, tt_metal: Path, work: Path) -> Compile:
    """Compile main.cpp against the simulator's host headers; the symbols it needs from
    TT-Metalium must all be exported by the release's libtt_metal.so."""
    obj = work / "main.o"
    cmd = ["g++", "-std=c++20", "-c", f"-I{SIM_INCLUDE}", str((artifact_dir / "main.cpp").resolve()), "-o", str(obj)]
    c = Compile("main.cpp", "host (symbols of libtt_metal.so)", cmd)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    c.returncode, c.output = proc.returncode, proc.stdout + proc.stderr
    if not c.ok:
        return c
    nm = subprocess.run(["nm", "-u", str(obj)], capture_output=True, text=True)
    needed = sorted({line.split()[-1] for line in nm.stdout.splitlines() if line.strip()})
    needed = [n for n in needed if is_tt_metalium_symbol(n)]
    exported = set((tt_metal.parent / SYMBOLS_FILE).read_text().split())
    missing = [n for n in needed if n not in exported]
    c.symbols = demangle(needed)
    if missing:
        c.returncode = 1
        c.output = (
            f"error: {len(missing)} of the {len(needed)} TT-Metalium symbols main.cpp needs are not exported by "
            "the release's libtt_metal.so (a wrong signature in src/sim/include, or a call the release lacks):\n"
            + "\n".join("  " + d for d in demangle(missing))
        )
    return c


def check(artifact_dir, cache: Path | None = None) -> Result:
    """Compile every kernel of ``artifact_dir`` against the headers of its pinned release.

    Raises Unavailable when the headers or ``g++ -m32`` cannot be had."""
    artifact_dir = Path(artifact_dir)
    plan = json.loads((artifact_dir / "tt.plan.json").read_text())
    wheel = plan["tt_metalium_wheel"]
    require_compiler()
    tt_metal = fetch_headers(wheel, cache)
    result = Result(artifact_dir, wheel)
    with tempfile.TemporaryDirectory(prefix="tt-conformance-") as tmp:
        result.compiles = kernel_compiles(plan, artifact_dir, tt_metal, Path(tmp))
        for c in result.compiles:
            proc = subprocess.run(c.command, capture_output=True, text=True)
            c.returncode, c.output = proc.returncode, proc.stdout + proc.stderr
        result.compiles.append(host_compile(artifact_dir, tt_metal, Path(tmp)))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("artifact_dirs", nargs="+", metavar="ARTIFACT_DIR")
    parser.add_argument("--cache", type=Path, default=None, help="header cache (default: $TT_CONFORMANCE_CACHE)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every compile command")
    args = parser.parse_args(argv)
    failed = 0
    for d in args.artifact_dirs:
        try:
            result = check(d, args.cache)
        except Unavailable as err:
            print(f"SKIPPED: TT-Metalium API conformance check not run: {err}")
            return EXIT_SKIPPED
        for c in result.compiles:
            what = f"{c.kernel} as {c.role}" + (f", {len(c.symbols)} symbols" if c.symbols else "")
            status = "ok  " if c.ok else "ok* " if c.api_ok else "FAIL"
            print(f"{status} {d}: {what} against {result.wheel}")
            if c.sfpu_unchecked:
                print(
                    "     (* the kernel's calls compile; the SFPU implementations they expand into need the "
                    "SFPI compiler's sfpi.h and are not checked)"
                )
            if args.verbose:
                print("     " + " ".join(shlex.quote(x) for x in c.command))
                for symbol in c.symbols:
                    print(f"     exported: {symbol}")
            if not c.api_ok:
                print(c.report())
        failed += not result.api_ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
