"""``tilelang.compile`` / ``@tilelang.jit`` for Tenstorrent: a kernel object called with torch tensors.

::

    kernel = tilelang.compile(matmul(1024, 1024, 1024, 128, 128, 32), out_idx=[-1], target="tenstorrent")
    c = kernel(a, b)   # torch CPU tensors in, a torch tensor out

TileLang hands compilation to the kernel cache registered for the resolved execution backend
(``hook.py`` registers ``TTKernelCache`` for ours). Two execution backends exist:

- ``tt_sim``: the functional simulator, built into tilelang-tt; needs no device;
- ``tt_device``: a Tenstorrent device through a TT-Metalium installation (``device.py``); available
  only where one is found.

``execution_backend="auto"`` (TileLang's default) takes ``tt_device`` when it is available and
``tt_sim`` otherwise; either can be asked for by name (``TILELANG_EXECUTION_BACKEND`` too).

Compiling lowers the kernel once (``codegen.lower``) and builds its host program; the artifacts
are cached on disk, keyed like TileLang's kernel cache, so ``compile`` of the same kernel in a new
process lowers nothing (``cache.py``: one root, a size bound, ``tilelang-tt cache clear``).
``tilelang.disable_cache()`` / ``TILELANG_DISABLE_CACHE=1`` turn the program cache off as they do
TileLang's. Each call checks its tensors (count, type, device, dtype, shape, naming the parameter),
writes the inputs into a fresh directory, runs the host program and reads the outputs back.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from . import _lib, cache, device, sim
from .codegen import ARTIFACT_FILES, TTArtifacts, lower
from .errors import TTError
from .plan import check_plan

SIM_BACKEND = "tt_sim"
DEVICE_BACKEND = "tt_device"
#: Default seconds a call may run before it is stopped (a simulated 1024^3 GEMM runs in ~0.05 s).
DEFAULT_TIMEOUT = 600.0


class TTCallError(TTError):
    """A kernel was called with arguments it cannot take: the message names the parameter and what
    it expected."""


def _torch_dtypes() -> dict:
    import torch

    return {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


@dataclass(frozen=True)
class Param:
    """One tensor parameter of the kernel, in the PrimFunc's order."""

    name: str
    shape: tuple[int, ...]
    dtype: str


def kernel_params(func) -> list[Param]:
    """The tensor parameters of a PrimFunc (names, static shapes, dtypes)."""
    params = []
    for var in func.params:
        buf = func.buffer_map.get(var)
        if buf is None:
            raise TTError(f"parameter {var.name} is a scalar; Tenstorrent kernels take tensors only")
        try:
            shape = tuple(int(d) for d in buf.shape)
        except TypeError:
            raise TTError(f"tensor {buf.name} has a dynamic shape {list(buf.shape)}; static shapes only") from None
        params.append(Param(str(buf.name), shape, str(buf.dtype)))
    return params


def legalize_out_idx(out_idx, params: list[Param]) -> list[int]:
    """``out_idx`` as TileLang takes it (None, an int or a list; negative counts from the end) as a
    list of parameter positions."""
    n = len(params)
    if out_idx is None:
        return []
    items = [out_idx] if isinstance(out_idx, int) else out_idx
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise TTError(f"out_idx must be an int or a list of ints, got {out_idx!r}")
    result = []
    for i in items:
        if not -n <= i < n:
            raise TTError(f"out_idx {i} is out of range for a kernel of {n} parameters")
        i = i + n if i < 0 else i
        if i in result:
            raise TTError(f"out_idx names parameter {params[i].name} twice")
        result.append(i)
    return result


@functools.cache
def _library_stamp() -> str:
    """Content hash of the loaded tilelang-tt library: a rebuilt library is a new compiler."""
    digest = hashlib.sha256()
    with open(_lib.library_path(), "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def program_key(func, out_idx: list[int], target, pass_configs) -> str:
    """The program cache key: what TileLang's own kernel cache keys on (the PrimFunc's script with
    its metadata, out_idx, target, pass configs, TileLang's version) and our library. The
    execution backend is not part of it: the simulator and the device run the same artifacts."""
    import tilelang

    from . import __version__

    data = {
        "func": hashlib.sha256(func.script(show_meta=True).encode()).hexdigest(),
        "out_idx": out_idx,
        "target": str(target),
        "pass_configs": pass_configs or {},
        "tilelang": tilelang.__version__,
        "tilelang_tt": __version__,
        "library": _library_stamp(),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# --- runners: where a program runs ------------------------------------------------------------


class _Runner:
    """Builds a kernel's host program once (``prepare``) and runs it (``run``); rebuilds it if the
    cache evicted or cleared it since."""

    name = ""

    def __init__(self):
        self._exe: Path | None = None

    def _entry(self) -> Path:
        """The build cache entry that holds the executable."""
        return self._exe

    def _ready(self, program_dir: Path) -> None:
        if self._exe is not None:
            cache.touch(self._entry())  # first: a recently used entry is never evicted
        if self._exe is None or not self._exe.exists():
            self.prepare(program_dir)


class SimRunner(_Runner):
    """Runs host programs on the functional simulator (``sim.py``)."""

    name = SIM_BACKEND

    def prepare(self, program_dir: Path) -> None:
        """Build the host program (cached by content: a second kernel with the same host program,
        or a new process, finds it)."""
        include, lib_dir = sim.sim_paths()
        self._exe = sim.build_host_program(program_dir, include, lib_dir)

    def run(self, program_dir: Path, data_dir: Path, plan: dict, timeout: float) -> tuple[float, dict]:
        """Run the program; (its wall seconds, the simulator's statistics)."""
        self._ready(program_dir)
        include, _ = sim.sim_paths()
        return sim.run_host_program(self._exe, program_dir, data_dir, plan, include, timeout)


class DeviceRunner(_Runner):
    """Runs host programs on a Tenstorrent device (``device.py``)."""

    name = DEVICE_BACKEND

    def __init__(self):
        super().__init__()
        search = device.find_installation()
        if not search.found:
            raise device.DeviceError(f"execution_backend={DEVICE_BACKEND!r}: {search.reason}")
        self.installation = search.installation

    def _entry(self) -> Path:
        return self._exe.parent.parent  # the CMake project directory

    def prepare(self, program_dir: Path) -> None:
        self._exe = device.build_host_program(self.installation, program_dir)

    def run(self, program_dir: Path, data_dir: Path, plan: dict, timeout: float) -> tuple[float, dict]:
        """Run the program; (its wall seconds, no statistics: a device reports none)."""
        self._ready(program_dir)
        return device.run_host_program(self.installation, self._exe, program_dir, data_dir, timeout), {}


RUNNERS = {SIM_BACKEND: SimRunner, DEVICE_BACKEND: DeviceRunner}


# --- the kernel object -------------------------------------------------------------------------


class TTKernel:
    """A compiled Tenstorrent kernel, called like TileLang's kernels: ``kernel(*inputs)``.

    The tensors are passed in the PrimFunc's parameter order, leaving out those of ``out_idx``,
    which are allocated and returned (one tensor, or a list); without ``out_idx`` every tensor is
    passed and the outputs are written into them in place (the call then returns ``[]``, as
    TileLang's kernels do)."""

    def __init__(self, *, name: str, params: list[Param], out_idx: list[int], files: Mapping[str, str],
                 program_dir: Path, runner, target, prim_func=None, owned_dir=None):  # fmt: skip
        self.name = name
        self.params = list(params)
        self.out_idx = list(out_idx)
        self.files = MappingProxyType(dict(files))
        self.plan = json.loads(self.files["tt.plan.json"])
        self.program_dir = Path(program_dir)
        self.runner = runner
        self.target = target
        self.prim_func = prim_func
        self.execution_backend = runner.name
        self.timeout = DEFAULT_TIMEOUT
        #: The simulator's statistics of the last call (per core: tiles read and written, NoC
        #: bytes, matmul tiles, CB peaks; ``kernels_compiled``); empty on a device.
        self.last_run_stats: dict = {}
        #: Wall seconds of the last call's host program (its process: the simulator or the device run,
        #: tilize and file I/O included); the rest of a call is the argument checks and the copies.
        self.last_run_seconds: float = 0.0
        self._owned_dir = owned_dir  # a TemporaryDirectory when the program cache is off
        self._check_against_plan()

    def _check_against_plan(self) -> None:
        buffers = self.plan["buffers"]
        for i, p in enumerate(self.params):
            desc = buffers.get(p.name)
            if desc is None:
                continue  # a tensor the kernel never touches: checked on a call, never copied
            if tuple(desc["shape"]) != p.shape:
                raise TTError(f"{self.name}: the plan's {p.name} has shape {desc['shape']}, the kernel's {p.shape}")
            if i in self.out_idx and desc["role"] != "output":
                raise TTError(
                    f"{self.name}: out_idx names {p.name}, which the kernel reads; only a tensor the kernel "
                    f"writes can be returned"
                )

    # -- TileLang's kernel interface --

    def get_kernel_source(self, kernel_only: bool = True) -> str:
        """The device kernels (reader, compute, writer), each under a ``// ===== name =====`` line;
        with ``kernel_only=False`` the host program too."""
        names = ["reader.cpp", "compute.cpp", "writer.cpp"] + ([] if kernel_only else ["main.cpp"])
        return "".join(f"// ===== {n} =====\n{self.files[n]}" for n in names)

    def get_host_source(self) -> str:
        """The host program (``main.cpp``)."""
        return self.files["main.cpp"]

    @property
    def kernel_source(self) -> str:
        return self.get_kernel_source()

    @property
    def artifacts(self) -> TTArtifacts:
        """The five artifacts, as ``tilelang_tt.lower`` returns them (``.write(dir)`` writes them)."""
        return TTArtifacts(kernel_name=self.name, files=self.files, device_mod=None)

    def get_profiler(self, *args, **kwargs):
        raise TTError(
            "TileLang's profiler times GPU launches; on Tenstorrent model the device time with "
            "tilelang-tt estimate DIR (write DIR with kernel.artifacts.write(DIR)), see docs/performance.md"
        )

    def __repr__(self) -> str:
        sig = ", ".join(f"{p.name}: {p.dtype}{list(p.shape)}" for p in self.params)
        return f"TTKernel({self.name}({sig}), out_idx={self.out_idx}, execution_backend={self.execution_backend!r})"

    # -- calling --

    def _ensure_program_dir(self) -> None:
        """Re-write the artifacts if the cache evicted or cleared them since compile."""
        cache.touch(self.program_dir)
        if not all((self.program_dir / n).is_file() for n in ARTIFACT_FILES):
            self.artifacts.write(self.program_dir)

    def check_args(self, args: tuple, kwargs: dict) -> list:
        """The full tensor list (outputs allocated), or a TTCallError naming what is wrong."""
        import torch

        inputs = [i for i in range(len(self.params)) if i not in self.out_idx]
        names = [self.params[i].name for i in inputs]
        if kwargs:
            raise TTCallError(
                f"{self.name} takes its tensors by position ({', '.join(names)}), "
                f"got keyword argument(s) {', '.join(sorted(kwargs))}"
            )
        if len(args) != len(inputs):
            returned = [self.params[i].name for i in self.out_idx]
            note = (
                f"; {', '.join(returned)} {'is' if len(returned) == 1 else 'are'} returned, not passed"
                if returned
                else ""
            )
            raise TTCallError(f"{self.name} takes {len(inputs)} tensors ({', '.join(names)}), got {len(args)}{note}")
        dtypes = _torch_dtypes()
        tensors = [None] * len(self.params)
        for pos, (i, arg) in enumerate(zip(inputs, args, strict=True)):
            p = self.params[i]
            where = f"{self.name}: argument {pos} ({p.name})"
            if not isinstance(arg, torch.Tensor):
                raise TTCallError(f"{where} must be a torch.Tensor, got {type(arg).__name__}")
            if arg.device.type != "cpu":
                raise TTCallError(
                    f"{where} is on {arg.device}; Tenstorrent kernels take CPU tensors "
                    f"(the {self.execution_backend} host program copies them in and out)"
                )
            expected = dtypes.get(p.dtype)
            if arg.dtype != expected:
                raise TTCallError(
                    f"{where} has dtype {arg.dtype}; the kernel declares {p.name} as {p.dtype} ({expected})"
                )
            if tuple(arg.shape) != p.shape:
                like = [self.params[j].name for j in inputs if j != i and self.params[j].shape == tuple(arg.shape)]
                hint = f" (that is the shape of {', '.join(like)}: the order is {', '.join(names)})" if like else ""
                raise TTCallError(
                    f"{where} has shape {tuple(arg.shape)}; the kernel declares {p.name} as {p.shape}{hint}"
                )
            written = self.plan["buffers"].get(p.name, {}).get("role") == "output"
            if written and any(st == 0 and n > 1 for st, n in zip(arg.stride(), arg.shape, strict=True)):
                raise TTCallError(
                    f"{where} is written in place but repeats its elements in memory (an expanded tensor, "
                    f"strides {tuple(arg.stride())}); pass a tensor with storage of its own"
                )
            tensors[i] = arg
        for i in self.out_idx:
            p = self.params[i]
            tensors[i] = torch.empty(p.shape, dtype=dtypes[p.dtype])
        return tensors

    def __call__(self, *args, **kwargs):
        import torch

        tensors = self.check_args(args, kwargs)
        self._ensure_program_dir()
        buffers = self.plan["buffers"]
        dtypes = _torch_dtypes()
        with tempfile.TemporaryDirectory(prefix="tilelang-tt-call-") as tmp:
            data = Path(tmp)
            for p, t in zip(self.params, tensors, strict=True):
                desc = buffers.get(p.name)
                if desc is not None and desc["role"] == "input":
                    # Raw little-endian values, row-major: the host program's file format.
                    # bfloat16 and float16 travel as their bit patterns.
                    raw = t.detach().contiguous()
                    if desc["dtype"] == "float32":
                        raw.numpy().astype("<f4", copy=False).tofile(data / desc["file"])
                    else:
                        raw.view(torch.int16).numpy().astype("<i2", copy=False).tofile(data / desc["file"])
            self.last_run_seconds, self.last_run_stats = self.runner.run(
                self.program_dir, data, self.plan, self.timeout
            )
            for p, t in zip(self.params, tensors, strict=True):
                desc = buffers.get(p.name)
                if desc is not None and desc["role"] == "output":
                    fp32 = desc["dtype"] == "float32"
                    bits = np.fromfile(data / desc["file"], dtype="<f4" if fp32 else "<i2")
                    if bits.size != t.numel():
                        raise TTError(f"{self.name}: the program wrote {bits.size} values of {p.name}, not {t.numel()}")
                    values = torch.from_numpy(bits.astype(np.float32 if fp32 else np.int16))
                    with torch.no_grad():
                        t.copy_((values if fp32 else values.view(dtypes[desc["dtype"]])).reshape(p.shape))
        if len(self.out_idx) == 1:
            return tensors[self.out_idx[0]]
        return [tensors[i] for i in self.out_idx]


def _read_program(program_dir: Path) -> dict | None:
    try:
        files = {name: (program_dir / name).read_text() for name in ARTIFACT_FILES}
        check_plan(json.loads(files["tt.plan.json"]), program_dir / "tt.plan.json")
    except (OSError, ValueError):
        return None
    return files


# --- the cache TileLang dispatches to ----------------------------------------------------------


class TTKernelCache:
    """What TileLang's ``tilelang.cache.cached`` calls for our execution backends: compiles a
    PrimFunc into a ``TTKernel``, reusing kernels of this process and programs on disk."""

    def __init__(self):
        self._lock = threading.Lock()
        self._memory: dict[tuple[str, str], TTKernel] = {}

    def cached(self, func=None, out_idx=None, *args, backend_context=None, verbose=False, pass_configs=None,
               compile_flags=None, target=None, target_host=None, execution_backend=None) -> TTKernel:  # fmt: skip
        from tilelang import env
        from tilelang.backend.module import create_backend_context
        from tilelang.transform.pass_config import normalize_pass_configs

        if compile_flags:
            raise TTError(
                f"compile_flags={compile_flags!r}: the Tenstorrent backend takes no compiler flags "
                "(TT-Metalium's JIT compiles the kernels with its own)"
            )
        if backend_context is None:
            backend_context = create_backend_context(target, target_host, execution_backend or "auto")
        backend = backend_context.execution_backend.name
        pass_configs = normalize_pass_configs(pass_configs)  # as TileLang's own kernel cache does
        params = kernel_params(func)
        out = legalize_out_idx(out_idx, params)
        use_cache = env.is_cache_enabled()
        key = program_key(func, out, backend_context.target, pass_configs)
        if use_cache:
            with self._lock:
                kernel = self._memory.get((key, backend))
            if kernel is not None:
                cache.counters["kernels_from_memory"] += 1
                return kernel

        owned = None
        files = None
        if use_cache:
            program_dir = cache.section("programs") / key
            files = _read_program(program_dir)
            if files is not None:
                cache.counters["programs_from_disk"] += 1
                cache.touch(program_dir)
        else:
            owned = tempfile.TemporaryDirectory(prefix="tilelang-tt-program-")
            program_dir = Path(owned.name) / "program"
        if files is None:
            artifacts = lower(func, backend_context.target, pass_configs=pass_configs, context=backend_context)
            files = dict(artifacts.files)
            cache.counters["programs_lowered"] += 1
            artifacts.write(program_dir)
            if use_cache:
                cache.evict(keep=[program_dir])

        runner = RUNNERS[backend]()
        # The kernel object checks out_idx against the plan before anything is built.
        kernel = TTKernel(name=json.loads(files["tt.plan.json"])["kernel_name"], params=params, out_idx=out,
                          files=files, program_dir=program_dir, runner=runner, target=backend_context.target,
                          prim_func=func, owned_dir=owned)  # fmt: skip
        runner.prepare(program_dir)
        if use_cache:
            with self._lock:
                kernel = self._memory.setdefault((key, backend), kernel)
        return kernel

    def clear_cache(self) -> int:
        """Forget this process's kernels and empty the build cache on disk (``cache.clear``);
        returns the bytes freed on disk."""
        with self._lock:
            self._memory.clear()
        return cache.clear()


#: The one instance TileLang dispatches to (hook.py).
KERNEL_CACHE = TTKernelCache()


def clear_cache() -> int:
    """Empty tilelang-tt's caches (this process's kernels, the build cache on disk); returns the
    bytes freed on disk."""
    return KERNEL_CACHE.clear_cache()


__all__ = ["DEVICE_BACKEND", "KERNEL_CACHE", "SIM_BACKEND", "TTCallError", "TTKernel", "TTKernelCache", "clear_cache"]
