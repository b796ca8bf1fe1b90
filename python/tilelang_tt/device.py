"""Running a kernel on a Tenstorrent device through a TT-Metalium installation.

Nothing on the machines tilelang-tt is developed on can run this path; it is written to the
documented conventions of TT-Metalium and tested as far as that is possible without the SDK
(``tests/python/tt/test_device.py``: the selection, the build commands, and a full build and
run against a stand-in installation made of our simulator).

**How an installation is found** (``find_installation``), in this order; the first missing piece
is the reason the device is not used:

1. ``$TT_METAL_RUNTIME_ROOT``, else ``$TT_METAL_HOME``: a tt-metal tree, the variables
   TT-Metalium's own runtime reads to find its firmware and kernel sources;
2. its host API header, ``tt_metal/api/tt-metalium/host_api.hpp``;
3. a build of it: ``$TT_METAL_BUILD_DIR``, else ``<root>/build``, else ``<root>/build_Release``,
   holding ``lib/libtt_metal.so`` (or ``lib64/``); it is the prefix CMake finds the
   ``TT-Metalium`` package in;
4. ``cmake`` on ``PATH`` (the host program is built the way tt-metal's programming examples are);
5. a device node under ``/dev/tenstorrent/`` (made by the ``tt-kmd`` driver).

**What is built**: the generated ``main.cpp``, unchanged, as a CMake project that does
``find_package(TT-Metalium REQUIRED)`` and links ``TT::Metalium`` (``cmakelists``,
``build_commands``), once per host program (cached in the build cache's ``device`` section). The
kernels are compiled by TT-Metalium's own JIT when the program calls ``CreateKernel``.

**How tensors cross**: exactly as on the simulator. The kernel object writes every input as raw
little-endian bfloat16, row-major, into a fresh data directory; the host program tilizes it,
writes it to DRAM, runs, reads the output back, untilizes it and writes it beside the inputs
(``<name>.bf16``, the ``file`` of each buffer in ``tt.plan.json``); the kernel object reads it
into a torch tensor.

The kernels target the release named in the plan (``tt_metalium_version``); the installation's
version is not checked here: a mismatched release fails in the CMake build or the JIT, with its
own message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from . import _process, cache
from .errors import TTError

#: Where the tt-kmd driver creates the device nodes (one per chip: /dev/tenstorrent/0, ...).
DEVICE_NODE_DIR = Path("/dev/tenstorrent")
HOST_API_HEADER = Path("tt_metal/api/tt-metalium/host_api.hpp")
#: The executable the CMake project builds.
PROGRAM_NAME = "tt_program"


class DeviceError(TTError):
    """The program could not be built or run on the device: the message says which step."""


@dataclass(frozen=True)
class Installation:
    """A TT-Metalium installation and a device to run on."""

    root: Path  # the tt-metal tree (TT_METAL_RUNTIME_ROOT / TT_METAL_HOME)
    build_dir: Path  # the prefix holding lib/libtt_metal.so and the CMake package
    lib_dir: Path
    cmake: str
    devices: tuple[str, ...]  # device nodes, e.g. ("/dev/tenstorrent/0",)


@dataclass(frozen=True)
class Search:
    """The result of ``find_installation``: an installation, or why there is none."""

    installation: Installation | None
    reason: str  # what is missing, "" when found

    @property
    def found(self) -> bool:
        return self.installation is not None


def find_installation(environ=None, device_dir: Path | None = None) -> Search:
    """Look for a TT-Metalium installation and a device (module doc, steps 1-5)."""
    environ = os.environ if environ is None else environ
    device_dir = DEVICE_NODE_DIR if device_dir is None else Path(device_dir)
    name = "TT_METAL_RUNTIME_ROOT" if environ.get("TT_METAL_RUNTIME_ROOT") else "TT_METAL_HOME"
    if not environ.get(name):
        return Search(None, "neither TT_METAL_RUNTIME_ROOT nor TT_METAL_HOME is set")
    root = Path(environ[name])
    if not (root / HOST_API_HEADER).is_file():
        return Search(None, f"{name}={root} has no {HOST_API_HEADER}")
    if environ.get("TT_METAL_BUILD_DIR"):
        candidates = [Path(environ["TT_METAL_BUILD_DIR"])]
    else:
        candidates = [root / "build", root / "build_Release"]
    for build in candidates:
        lib = next((build / d for d in ("lib", "lib64") if (build / d / "libtt_metal.so").is_file()), None)
        if lib is not None:
            break
    else:
        tried = ", ".join(str(c) for c in candidates)
        return Search(None, f"no built TT-Metalium (lib/libtt_metal.so) in {tried}")
    cmake = environ.get("CMAKE") or shutil.which("cmake", path=environ.get("PATH"))
    if not cmake:
        return Search(None, "cmake is not on PATH (the host program is built with CMake)")
    devices = tuple(sorted(str(p) for p in device_dir.iterdir())) if device_dir.is_dir() else ()
    if not devices:
        return Search(None, f"no Tenstorrent device node in {device_dir} (is the tt-kmd driver loaded?)")
    return Search(Installation(root, build, lib, cmake, devices), "")


def available() -> bool:
    """Whether ``execution_backend="tt_device"`` can run here (TileLang's availability check)."""
    return find_installation().found


def cmakelists() -> str:
    """The CMake project that builds the generated host program against TT-Metalium, the way
    tt-metal's programming examples are built."""
    return (
        "cmake_minimum_required(VERSION 3.22)\n"
        f"project({PROGRAM_NAME} LANGUAGES CXX)\n"
        "set(CMAKE_CXX_STANDARD 20)\n"
        "set(CMAKE_CXX_STANDARD_REQUIRED ON)\n"
        "find_package(TT-Metalium REQUIRED)\n"
        f"add_executable({PROGRAM_NAME} main.cpp)\n"
        f"target_link_libraries({PROGRAM_NAME} PRIVATE TT::Metalium)\n"
    )


def build_commands(inst: Installation, source_dir: Path, build_dir: Path) -> list[list[str]]:
    """The commands that build ``source_dir`` (``cmakelists()`` and ``main.cpp``) into
    ``build_dir/tt_program``."""
    return [
        [inst.cmake, "-S", str(source_dir), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
         f"-DCMAKE_PREFIX_PATH={inst.build_dir}"],
        [inst.cmake, "--build", str(build_dir), "--target", PROGRAM_NAME],
    ]  # fmt: skip


def run_environment(inst: Installation, environ=None) -> dict:
    """The environment the host program runs in: TT-Metalium's runtime finds its firmware and
    kernel sources through TT_METAL_RUNTIME_ROOT / TT_METAL_HOME, its libraries through
    LD_LIBRARY_PATH."""
    environ = dict(os.environ if environ is None else environ)
    library_path = environ.get("LD_LIBRARY_PATH", "")
    return environ | {
        "TT_METAL_HOME": str(inst.root),
        "TT_METAL_RUNTIME_ROOT": str(inst.root),
        "LD_LIBRARY_PATH": f"{inst.lib_dir}:{library_path}" if library_path else str(inst.lib_dir),
    }


#: Seconds the CMake configure and build of a host program may take.
BUILD_TIMEOUT = 3600.0


def build_host_program(inst: Installation, artifact_dir: Path) -> Path:
    """Build ``artifact_dir/main.cpp`` against the installation (cached by the source and the
    installation's library, so a rebuilt TT-Metalium builds it again); returns the executable."""
    source = (artifact_dir / "main.cpp").read_text()
    lib = (inst.lib_dir / "libtt_metal.so").stat()
    stamp = f"{source}\0{cmakelists()}\0{inst.build_dir}\0{lib.st_size}\0{lib.st_mtime_ns}"
    key = hashlib.sha256(stamp.encode()).hexdigest()[:16]

    def make(project: Path) -> None:
        project.mkdir(parents=True)
        (project / "CMakeLists.txt").write_text(cmakelists())
        (project / "main.cpp").write_text(source)
        for cmd in build_commands(inst, project, project / "build"):
            try:
                proc = _process.run(cmd, timeout=BUILD_TIMEOUT)
            except _process.Timeout as err:
                raise DeviceError(f"building the host program against TT-Metalium: {err}") from None
            if proc.returncode != 0:
                raise DeviceError(
                    f"building the host program against TT-Metalium ({inst.build_dir}) failed "
                    f"(exit {proc.returncode}):\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}\nrepro: {' '.join(cmd)}"
                )

    # The executable's run paths point into the installation, not into the build tree, so the
    # tree can be renamed into place.
    project = cache.build(cache.section("device") / key, make, counter="device_programs_built",
                          product=f"build/{PROGRAM_NAME}")  # fmt: skip
    return project / "build" / PROGRAM_NAME


def run_host_program(inst: Installation, exe: Path, artifact_dir: Path, data_dir: Path, timeout: float) -> float:
    """Run the host program on the device; returns the wall seconds."""
    start = time.perf_counter()
    try:
        proc = _process.run([str(exe), str(artifact_dir), str(data_dir)], cwd=data_dir, env=run_environment(inst),
                            timeout=timeout)  # fmt: skip
    except _process.Timeout:
        raise DeviceError(f"the program did not finish on the device within {timeout} s") from None
    except OSError as err:
        raise DeviceError(f"cannot start the host program {exe}: {err.strerror or err}") from None
    if proc.returncode != 0:
        raise DeviceError(_process.failure("the program failed on the device", proc))
    cache.counters["runs"] += 1
    return time.perf_counter() - start
