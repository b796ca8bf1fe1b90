"""Code generation glue: TileLang's device-codegen entries and our lowering entry.

The C++ side (src/codegen/) emits five artifacts from the TT-annotated PrimFunc:
``reader.cpp``, ``compute.cpp``, ``writer.cpp`` (TT-Metalium kernels), ``main.cpp``
(the host program) and ``tt.plan.json`` (the plan). This module

* binds TileLang's ``target.build.*`` names (``build_tilelang_tt``), with the
  C++ sources clang-formatted, so ``tilelang.lower(..., target="tenstorrent")
  .kernel_source`` holds them all, the same text the CLI writes;
* offers :func:`lower`, which returns them as a :class:`TTArtifacts` with the
  C++ sources clang-formatted (the repo's ``.clang-format`` style) and the
  plan parsed, and can write them to a directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from tilelang.backend.device_codegen import global_func_device_codegen

from . import _lib
from .errors import TTError
from .plan import SCHEMA_PATH

_lib.load()


def _formatted(build):
    """``build``, with the C++ sources of the artifact module it returns clang-formatted: the one
    formatter path, so ``tilelang.lower(...).kernel_source`` and the CLI's files are the same text."""

    def run(mod, target):
        import tvm_ffi

        raw = {str(k): str(v) for k, v in build(mod, target).get_function("get_artifacts")().items()}
        files = {name: clang_format(text, name) if name.endswith(".cpp") else text for name, text in raw.items()}
        return tvm_ffi.get_global_func("tl.tt.ArtifactModule")(files)

    return run


build_tilelang_tt = _formatted(global_func_device_codegen("target.build.tilelang_tt"))
build_tilelang_tt_without_compile = _formatted(global_func_device_codegen("target.build.tilelang_tt_without_compile"))

#: The artifacts of one kernel, in the order they are listed and written.
ARTIFACT_FILES = ("reader.cpp", "compute.cpp", "writer.cpp", "main.cpp", "tt.plan.json")

#: clang-format style of the emitted C++: the same as the repo's .clang-format
#: (tests/python/tt/test_codegen_artifacts.py checks they agree).
CLANG_FORMAT_STYLE = "{BasedOnStyle: LLVM, Standard: c++17, ColumnLimit: 80}"

#: JSON Schema of tt.plan.json (defined with the plan reader).
PLAN_SCHEMA_PATH = SCHEMA_PATH


def clang_format_executable() -> str | None:
    """The pinned clang-format: the one the ``clang-format`` wheel of this environment ships (so the
    CLI works without the virtual environment activated), else the first on PATH."""
    try:
        import clang_format as wheel

        exe = wheel.get_executable("clang-format")
        if os.access(exe, os.X_OK):
            return exe
    except (ImportError, AttributeError, OSError):
        pass
    beside = Path(sys.executable).parent / "clang-format"
    if os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("clang-format")


def clang_format(source: str, name: str) -> str:
    """Format C++ source with the pinned clang-format (from PyPI)."""
    exe = clang_format_executable()
    if exe is None:
        raise TTError(
            "clang-format not found in this Python environment or on PATH; install the pinned one: "
            "pip install clang-format==23.1.3"
        )
    proc = subprocess.run(
        [exe, f"--style={CLANG_FORMAT_STYLE}", f"--assume-filename={name}"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise TTError(f"clang-format failed on {name} (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


@dataclass(frozen=True)
class TTArtifacts:
    """The artifacts of one lowered kernel."""

    kernel_name: str
    files: Mapping[str, str]
    device_mod: object = field(repr=False)

    @property
    def plan(self) -> dict:
        """tt.plan.json, parsed."""
        return json.loads(self.files["tt.plan.json"])

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write every artifact into ``out_dir`` (created if needed); return the paths.

        All or nothing: the files are written into a temporary directory beside ``out_dir`` and
        then moved into place, so a failure leaves no half-written set. Results of an earlier
        program in ``out_dir`` (its ``sim/`` directory) are removed: they no longer describe it."""
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
            blocked = [out / name for name in ARTIFACT_FILES if (out / name).is_dir()]
            if blocked:
                raise TTError(f"cannot write the artifacts: {', '.join(map(str, blocked))} is a directory")
            with tempfile.TemporaryDirectory(prefix=".tt-artifacts-", dir=out) as tmp:
                for name in ARTIFACT_FILES:
                    (Path(tmp) / name).write_text(self.files[name])
                shutil.rmtree(out / "sim", ignore_errors=True)
                for name in ARTIFACT_FILES:
                    os.replace(Path(tmp) / name, out / name)
        except OSError as err:
            raise TTError(f"cannot write the artifacts into {out}: {err.strerror or err}") from err
        return [out / name for name in ARTIFACT_FILES]


def from_module(module, device_mod) -> TTArtifacts:
    """Collect the artifacts of our codegen's runtime module (already clang-formatted)."""
    raw = {str(k): str(v) for k, v in module.get_function("get_artifacts")().items()}
    missing = [name for name in ARTIFACT_FILES if name not in raw]
    if missing:
        raise TTError(f"TT codegen produced no {', '.join(missing)}")
    files = {name: raw[name] for name in ARTIFACT_FILES}
    kernel_name = json.loads(files["tt.plan.json"])["kernel_name"]
    return TTArtifacts(kernel_name=kernel_name, files=MappingProxyType(files), device_mod=device_mod)


def lower(func, target="tenstorrent", *, pass_configs=None, context=None) -> TTArtifacts:
    """Lower a TileLang PrimFunc for Tenstorrent and return its artifacts.

    Runs TileLang's own front half (backend resolution, semantic checks, our
    pass pipeline) and our device codegen, exactly as ``tilelang.lower`` does,
    but keeps the codegen's module so the artifacts come back file by file.
    ``pass_configs`` are TileLang's pass configs (as ``tilelang.compile``
    takes them); ``context`` a backend context already resolved for ``target``.
    """
    import tvm
    from tilelang.backend.module import create_backend_context
    from tilelang.engine.lower import device_codegen_without_compile, lower_to_host_device_ir

    if context is None:
        context = create_backend_context(target, None, "auto")
    scope = contextlib.nullcontext()
    if pass_configs:  # added to the caller's pass context (its instruments, e.g. the CLI's IR dumps, stay)
        current = tvm.transform.PassContext.current()
        scope = tvm.transform.PassContext(opt_level=current.opt_level, instruments=list(current.instruments),
                                          config={**dict(current.config), **pass_configs})  # fmt: skip
    with scope:
        _, device_mod, _, _, _ = lower_to_host_device_ir(func, context)
        module = device_codegen_without_compile(device_mod, context)
    return from_module(module, device_mod)
