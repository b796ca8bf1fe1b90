"""The ``tilelang-tt`` command: dry run, simulation and plan inspection.

    tilelang-tt dry-run [FILE.py[:func]] --out DIR [--arch ARCH] [-D M=256 ...] [--dump-ir] [--debug]
    tilelang-tt simulate DIR [--seed N] [--input NAME=FILE.npy ...] [--timeout SECONDS]
    tilelang-tt plan DIR [--png FILE]
    tilelang-tt estimate DIR [--fidelity HiFi4|HiFi3|HiFi2|LoFi]
    tilelang-tt cache [info|clear]
    tilelang-tt device

``dry-run`` lowers a TileLang kernel for Tenstorrent and writes the five
artifacts (and, with --dump-ir, the module after every pass) into DIR. FILE
defaults to the example GEMM (examples/gemm.py:matmul). ``func`` may be a
``T.prim_func``, a function returning one or a ``@tilelang.jit`` factory; -D
values are passed to it as keyword arguments (decimal integers where the
parameter takes an int, text otherwise). Errors print one line (the message)
and exit 1; --debug prints the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import traceback
from pathlib import Path

from . import _lib

#: The example GEMM of a source checkout.
DEFAULT_KERNEL = Path(__file__).resolve().parents[2] / "examples" / "gemm.py"
DEFAULT_FUNC = "matmul"


class CLIError(Exception):
    """A user error the CLI reports in one line."""


# --- dry-run ---------------------------------------------------------------------


def _parse_defines(items: list[str]) -> dict[str, str]:
    """-D NAME=VALUE pairs, values still text (``_typed_defines`` converts them)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise CLIError(f"-D expects NAME=VALUE, got {item!r}")
        if not value:
            raise CLIError(f"-D {name}= has no value; e.g. -D {name}=512")
        out[name] = value
    return out


def _looks_numeric(text: str) -> bool:
    """64.0, 0x40, 1e3: numbers the kernel parameters do not take as such."""
    try:
        float(text)
        return True
    except ValueError:
        pass
    try:
        int(text, 0)
        return True
    except ValueError:
        return False


def _param_type(param) -> type | None:
    """int, float, bool or str from the parameter's annotation (also written as a string, under
    ``from __future__ import annotations``), else from its default; None when neither says."""
    import inspect

    names = {"int": int, "float": float, "bool": bool, "str": str}
    annotation = param.annotation
    if isinstance(annotation, str):
        annotation = names.get(annotation.strip())
    if annotation in names.values():
        return annotation
    default = param.default
    if default is inspect.Parameter.empty or default is None:
        return None
    return next((t for t in (bool, int, float, str) if isinstance(default, t)), None)


def _typed_defines(func, defines: dict[str, str], where: str) -> dict[str, object]:
    """Each -D value as the parameter's type, from its annotation or its default: a decimal integer
    for an int (shapes, block sizes), a number for a float, true/false for a bool, text for a str
    (dtypes). Without either, a decimal integer is an int, another decimal number a float and
    anything else text. A value the type cannot take names the -D and what it takes."""
    import inspect

    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        params = {}
    out: dict[str, object] = {}
    for name, text in defines.items():
        param = params.get(name)
        if params and param is None and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            raise CLIError(f"-D {name}={text}: {where} has no parameter {name!r} (it takes {', '.join(params)})")
        kind = _param_type(param) if param is not None else None
        default = param.default if param is not None else inspect.Parameter.empty
        known = f" (its default is {default!r})" if default is not inspect.Parameter.empty else ""
        is_int = text.lstrip("-").isdigit()
        is_float = _is_decimal_number(text)
        if kind is bool:
            if text not in ("0", "1", "True", "False", "true", "false"):
                raise CLIError(f"-D {name}={text}: {name} takes a boolean (true or false){known}")
            out[name] = text in ("1", "True", "true")
        elif kind is int or (kind is None and is_int):
            if not is_int:
                hint = "; -D numbers are decimal integers" if _looks_numeric(text) else ""
                raise CLIError(f"-D {name}={text}: {name} takes a decimal integer{known}{hint} (e.g. -D {name}=64)")
            out[name] = int(text)
        elif kind is float or (kind is None and is_float):
            if not is_float:
                raise CLIError(f"-D {name}={text}: {name} takes a decimal number{known} (e.g. -D {name}=0.5)")
            out[name] = float(text)
        elif kind is None and _looks_numeric(text):
            raise CLIError(f"-D {name}={text}: -D numbers are decimal (e.g. -D {name}=64 or -D {name}=0.5)")
        else:
            out[name] = text
    return out


def _is_decimal_number(text: str) -> bool:
    """0.5, -2, 1e-3 (not 0x40, inf or nan)."""
    import re

    return re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text) is not None


def _call_args(defines: dict[str, object]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in defines.items())


def _load_kernel(spec: str | None, defines: dict[str, object]):
    """The PrimFunc named by FILE.py[:func], built with the -D values."""
    from tvm import tirx

    path_text, _, func_name = (spec or str(DEFAULT_KERNEL)).partition(":")
    path = Path(path_text)
    func_name = func_name or DEFAULT_FUNC
    if not path.is_file():
        raise CLIError(f"kernel file not found: {path}")
    module_spec = importlib.util.spec_from_file_location(f"_tilelang_tt_cli_{path.stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.parent))
    try:
        module_spec.loader.exec_module(module)
    except SystemExit as err:  # the user's file called sys.exit() while being imported
        raise CLIError(f"{path} exited (sys.exit({err.code!r})) while being imported") from err
    except Exception as err:  # the user's file: report what it raised
        raise CLIError(f"{path}: {type(err).__name__}: {err}") from err
    finally:
        sys.path.remove(str(path.parent))
    obj = getattr(module, func_name, None)
    if obj is None:
        raise CLIError(f"{path} defines no {func_name!r}")
    if isinstance(obj, tirx.PrimFunc):
        if defines:
            raise CLIError(f"{path}:{func_name} is a T.prim_func and takes no -D parameters")
        return obj
    if not callable(obj):
        raise CLIError(f"{path}:{func_name} is neither a T.prim_func nor a function returning one")
    # A @tilelang.jit factory (most of TileLang's examples): build its PrimFunc without compiling
    # it for TileLang's default target.
    jit_factory = getattr(obj, "get_tir", None) if callable(getattr(obj, "func", None)) else None
    defines = _typed_defines(obj.func if jit_factory else obj, defines, f"{path}:{func_name}")
    try:
        kernel = jit_factory(**defines) if jit_factory else obj(**defines)
    except Exception as err:  # the user's function: say which call failed and with what
        texts = [f"-D {k}={v}" for k, v in defines.items() if isinstance(v, str)]
        floats = [f"-D {k}={v}" for k, v in defines.items() if isinstance(v, float)]
        hint = "".join(f" ({', '.join(group)} passed as {kind})" for group, kind in ((texts, "text"),
                       (floats, "a float")) if group)  # fmt: skip
        raise CLIError(f"{path}:{func_name}({_call_args(defines)}) raised {type(err).__name__}: {err}{hint}") from err
    if not isinstance(kernel, tirx.PrimFunc):
        raise CLIError(f"{path}:{func_name}(...) returned {type(kernel).__name__}, not a T.prim_func")
    return kernel


def _ir_dumper(out_dir: Path):
    """A pass instrument writing the module after each pass to out_dir/NN_<pass>.tir."""
    from tvm.ir.instrument import pass_instrument

    out_dir.mkdir(parents=True, exist_ok=True)

    @pass_instrument
    class DumpIR:
        def __init__(self):
            self.count = 0

        def run_after_pass(self, mod, info):
            self.count += 1
            (out_dir / f"{self.count:02d}_{info.name}.tir").write_text(mod.script())

    return DumpIR()


def summarize(plan: dict, files: list[Path]) -> str:
    counts = [core["count"] for core in plan["cores"]]
    grid = plan["core_grid"]
    cbs = ", ".join(f"{cb['name']} (c_{cb['index']}) {cb['pages']} x {cb['page_bytes']} B" for cb in plan["cbs"])
    lines = [
        f"kernel {plan['kernel_name']} -> {plan['arch']}, TT-Metalium {plan['tt_metalium_version']}",
        f"cores used: {len(counts)} of {grid['x'] * grid['y']} ({grid['x']} x {grid['y']})",
        f"blocks: {plan['schedule']['num_blocks']} ({plan['schedule']['grid_x']} x {plan['schedule']['grid_y']}), "
        f"per core min {min(counts)} max {max(counts)}",
        "schedule: " + _schedule_line(plan["schedule"]),
        *_batched_lines(plan["buffers"]),
        f"circular buffers: {cbs}",
        f"L1 per core: {plan['l1_bytes_used_per_core']} of {plan['l1_bytes_per_core']} bytes",
        "files: " + ", ".join(str(f) for f in files),
    ]
    return "\n".join(lines)


def _batched_lines(buffers: dict) -> list[str]:
    """How each batched tensor is stored: 'tensor Q (2, 128, 2, 64): 4 matrices of (128, 64), one for each
    index of axes 0, 2 (the first the slowest), rows along axis 1'."""
    lines = []
    for name, buf in buffers.items():
        shape = buf["shape"]
        if len(shape) < 3:
            continue
        axes = buf.get("axes", list(range(len(shape))))
        lead = ("axis " if len(axes) == 3 else "axes ") + ", ".join(str(a) for a in axes[:-2])
        matrices = 1
        for a in axes[:-2]:
            matrices *= shape[a]
        lines.append(
            f"tensor {name} {tuple(shape)}: {matrices} matrices of ({shape[axes[-2]]}, {shape[-1]}), one for each "
            f"index of {lead}{' (the first the slowest)' if len(axes) > 3 else ''}, rows along axis {axes[-2]}"
        )
    return lines


def _schedule_line(schedule: dict) -> str:
    if schedule["policy"] != "mcast2d":
        return f"{schedule['policy']} (core i takes a run of block ids)"
    return (
        f"mcast2d on {schedule['cores_x']} x {schedule['cores_y']} cores, {schedule['core_block_rows']} x "
        f"{schedule['core_block_cols']} blocks each (A multicast along core rows, B down core columns)"
    )


def cmd_dry_run(args) -> int:
    import tvm

    from .codegen import lower
    from .target import make_target

    kernel = _load_kernel(args.kernel, _parse_defines(args.define))
    out = Path(args.out)
    # The IR dumps go to a fresh directory that replaces DIR/ir only once the lowering succeeded,
    # so a directory never mixes the dumps of two runs.
    dumps = out / ".ir.partial"
    shutil.rmtree(dumps, ignore_errors=True)
    instruments = [_ir_dumper(dumps)] if args.dump_ir else []
    try:
        with tvm.transform.PassContext(instruments=instruments):
            artifacts = lower(kernel, target=make_target(args.arch))
        files = artifacts.write(out)
        if args.dump_ir:
            shutil.rmtree(out / "ir", ignore_errors=True)
            dumps.rename(out / "ir")
    finally:
        shutil.rmtree(dumps, ignore_errors=True)
    print(summarize(artifacts.plan, files))
    return 0


# --- simulate ----------------------------------------------------------------------


def cmd_simulate(args) -> int:
    import numpy as np

    from . import sim

    inputs = {}
    for item in args.input:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise CLIError(f"--input expects NAME=FILE.npy, got {item!r}")
        try:
            inputs[name] = np.load(path)
        except (OSError, ValueError) as err:
            raise CLIError(f"--input {item}: cannot load {path} ({err})") from err
    result = sim.simulate(args.dir, seed=args.seed, inputs=inputs, timeout=args.timeout)
    print(result.summary())
    return 0 if result.ok else 1


# --- plan --------------------------------------------------------------------------


def _read_plan(directory: str) -> dict:
    from .plan import read_plan

    return read_plan(directory)


def plan_table(plan: dict) -> str:
    lines = [f"{'core':>10} {'start_id':>9} {'count':>6}   blocks"]
    for core in plan["cores"]:
        last = core["start_id"] + core["count"] - 1
        lines.append(
            f"({core['x']:>3}, {core['y']:>3}) {core['start_id']:>9} {core['count']:>6}   {core['start_id']}..{last}"
        )
    counts = [c["count"] for c in plan["cores"]]
    mean = sum(counts) / len(counts)
    lines.append(f"{len(counts)} active cores, blocks per core min {min(counts)} max {max(counts)}, "
                 f"imbalance max/mean {max(counts) / mean:.2f}")  # fmt: skip
    return "\n".join(lines)


def plan_heatmap(plan: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    grid = plan["core_grid"]
    blocks = np.zeros((grid["y"], grid["x"]))
    for core in plan["cores"]:
        blocks[core["y"], core["x"]] = core["count"]
    fig, ax = plt.subplots(figsize=(1 + 0.6 * grid["x"], 1 + 0.6 * grid["y"]))
    image = ax.imshow(blocks, cmap="viridis", vmin=0)
    top = blocks.max()
    for core in plan["cores"]:
        color = "black" if core["count"] > top / 2 else "white"
        ax.text(core["x"], core["y"], str(core["count"]), ha="center", va="center", color=color, fontsize=8)
    ax.set_xticks(range(grid["x"]))
    ax.set_yticks(range(grid["y"]))
    ax.set_xlabel("core x")
    ax.set_ylabel("core y")
    ax.set_title(f"{plan['kernel_name']}: output blocks per core ({plan['arch']})")
    fig.colorbar(image, ax=ax, label="blocks")
    fig.tight_layout()
    # Any format matplotlib writes, chosen by the extension; written beside the target and moved
    # into place, so a failure leaves no partial file.
    fmt = png.suffix.lstrip(".").lower()
    if fmt not in fig.canvas.get_supported_filetypes():
        plt.close(fig)
        supported = ", ".join(sorted(fig.canvas.get_supported_filetypes()))
        raise CLIError(f"--png {png}: unknown image format {png.suffix or '(none)'!r}; use one of: {supported}")
    tmp = png.with_name(f".{png.name}.partial")
    # No "Software" stamp in PNGs (the file is then the same on every machine).
    metadata = {"Software": None} if fmt == "png" else None
    try:
        fig.savefig(tmp, format=fmt, dpi=100, metadata=metadata)
        tmp.replace(png)
    finally:
        plt.close(fig)
        tmp.unlink(missing_ok=True)


def cmd_plan(args) -> int:
    plan = _read_plan(args.dir)
    print(plan_table(plan))
    if args.png:
        plan_heatmap(plan, Path(args.png))
        print(f"wrote {args.png}")
    return 0


# --- estimate ----------------------------------------------------------------------


def cmd_estimate(args) -> int:
    from .estimate import estimate, summary

    est = estimate(args.dir, fidelity=args.fidelity)
    print(summary(est))
    if args.json:
        Path(args.json).write_text(json.dumps(est, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


# --- cache and device -------------------------------------------------------------


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def cmd_cache(args) -> int:
    from . import cache

    if args.action == "clear":
        from .jit import clear_cache

        print(f"cleared {cache.root()}: {_mib(clear_cache())} freed")
        return 0
    info = cache.info()
    print(f"build cache: {info['root']} ({cache.ROOT_ENV}), bound {_mib(info['max_bytes'])} ({cache.MAX_MB_ENV})")
    for name, sec in info["sections"].items():
        print(f"  {name:<9} {sec['entries']:>6} entries  {_mib(sec['bytes']):>12}")
    print(f"  {'total':<9} {'':>6}          {_mib(info['bytes']):>12}")
    return 0


def cmd_device(args) -> int:
    from . import device

    search = device.find_installation()
    if not search.found:
        print(f"tt_device: not available: {search.reason}")
        print("tilelang.compile(..., target='tenstorrent') runs on the simulator (tt_sim)")
        return 0
    inst = search.installation
    print(f"tt_device: available; tilelang.compile(..., target='tenstorrent') runs on {', '.join(inst.devices)}")
    print(f"  TT-Metalium: {inst.root} (build {inst.build_dir})")
    print(f"  host programs are built with: {' '.join(device.build_commands(inst, Path('SRC'), Path('BUILD'))[0])}")
    return 0


# --- entry -------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tilelang-tt", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    dry = sub.add_parser("dry-run", help="lower a TileLang kernel and write the TT-Metalium artifacts")
    dry.add_argument("kernel", nargs="?", help="FILE.py[:func] (default: the example GEMM)")
    dry.add_argument("--out", required=True, help="output directory")
    dry.add_argument("--arch", default=None, help="wormhole_b0 (default) or blackhole")
    dry.add_argument("-D", dest="define", action="append", default=[], metavar="NAME=VALUE",
                     help="keyword argument for the kernel function, e.g. -D M=512")  # fmt: skip
    dry.add_argument("--dump-ir", action="store_true", help="also write the IR after every pass to DIR/ir/")
    dry.add_argument("--debug", action="store_true", help="print tracebacks")
    dry.set_defaults(run=cmd_dry_run)

    simulate = sub.add_parser("simulate", help="run the artifacts on the functional simulator")
    simulate.add_argument("dir")
    simulate.add_argument("--seed", type=int, default=0)
    simulate.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    simulate.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                          help="stop the simulated program after this long (default 600)")  # fmt: skip
    simulate.add_argument("--debug", action="store_true")
    simulate.set_defaults(run=cmd_simulate)

    plan = sub.add_parser("plan", help="print the per-core work split (and draw it)")
    plan.add_argument("dir")
    plan.add_argument("--png", help="write a heatmap of blocks per core")
    plan.add_argument("--debug", action="store_true")
    plan.set_defaults(run=cmd_plan)

    est = sub.add_parser("estimate", help="model the program's device time from the plan and simulator stats")
    est.add_argument("dir")
    est.add_argument(
        "--fidelity",
        default=None,
        choices=["HiFi4", "HiFi3", "HiFi2", "LoFi"],
        help="time the matmuls at this math fidelity (default: the plan's, the target's math_fidelity)",
    )
    est.add_argument("--json", help="also write the full estimate as JSON")
    est.add_argument("--debug", action="store_true")
    est.set_defaults(run=cmd_estimate)

    cache_cmd = sub.add_parser("cache", help="show the build cache (kernels, host programs) or clear it")
    cache_cmd.add_argument("action", nargs="?", default="info", choices=["info", "clear"])
    cache_cmd.add_argument("--debug", action="store_true")
    cache_cmd.set_defaults(run=cmd_cache)

    dev = sub.add_parser("device", help="say whether tilelang.compile runs on a device here, and why not")
    dev.add_argument("--debug", action="store_true")
    dev.set_defaults(run=cmd_device)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _lib.load()
        return args.run(args)
    except Exception as err:  # one line for the user, the traceback with --debug
        if args.debug:
            traceback.print_exc()
        else:
            message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            print(f"tilelang-tt {args.command}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
