"""The on-disk build cache of tilelang-tt: one root, a size bound, least-recently-used eviction.

Everything tilelang-tt builds to run a kernel lives under one root,
``$TILELANG_TT_CACHE_DIR`` (default ``~/.cache/tilelang-tt``), in four sections:

- ``programs/<key>/``: the artifacts of a kernel lowered by ``tilelang.compile`` (keyed like
  TileLang's own kernel cache: the PrimFunc's script, ``out_idx``, target, pass configs, the
  TileLang version and the tilelang-tt library), so a new process skips the lowering;
- ``host/host-<key>``: host programs (``main.cpp``) compiled against the simulator;
- ``kernels/<kind>-<key>.so``: kernels compiled by the simulator (``src/sim/program_runner.cc``);
- ``device/<key>/``: host programs built against a TT-Metalium installation (``device.py``).

The sections together are kept under ``$TILELANG_TT_CACHE_MAX_MB`` (default 1024) MiB: after
something new is built, the least recently used entries are removed until the total fits (an
entry is touched when it is used; one used in the last minute is kept). ``conformance/`` (the release headers
``scripts/tt_conformance.py`` downloads) is outside the bound: it needs the network to refill.
``clear()`` (``tilelang-tt cache clear``) empties the four sections.

``counters`` counts what was built and what was found, per process: the tests assert on it
(a second call of a kernel builds nothing), never on a time.
"""

from __future__ import annotations

import collections
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

ROOT_ENV = "TILELANG_TT_CACHE_DIR"
MAX_MB_ENV = "TILELANG_TT_CACHE_MAX_MB"
DEFAULT_MAX_MB = 1024
#: Entries used this recently are never evicted: another process may be about to run them (its
#: kernel sources are read when the host program starts).
RECENT_SECONDS = 60.0
#: A temporary build (``*.tmp<pid>-<n>``) older than this is a leftover of an interrupted one.
STALE_SECONDS = 3600.0
#: The bounded sections, in the order ``info`` lists them.
SECTIONS = ("programs", "host", "kernels", "device")

#: What this process built or found in the cache (keys: ``programs_lowered``,
#: ``programs_from_disk``, ``kernels_from_memory``, ``host_programs_built``, ``host_headers_built``,
#: ``sim_kernels_compiled``, ``device_programs_built``, ``runs``, ``entries_evicted``).
counters: collections.Counter = collections.Counter()


def root() -> Path:
    """The cache root (created if needed), absolute."""
    path = Path(os.environ.get(ROOT_ENV) or Path.home() / ".cache" / "tilelang-tt").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def section(name: str) -> Path:
    """One section of the cache (created if needed)."""
    assert name in SECTIONS, name
    path = root() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    """The bound of the four sections together, from ``$TILELANG_TT_CACHE_MAX_MB``."""
    text = os.environ.get(MAX_MB_ENV, "")
    if not text:
        return DEFAULT_MAX_MB << 20
    try:
        mb = float(text)
    except ValueError:
        mb = -1.0
    if not mb > 0:
        from .errors import TTError

        raise TTError(f"{MAX_MB_ENV}={text!r}: expected a positive number of MiB (default {DEFAULT_MAX_MB})")
    return int(mb * (1 << 20))


def touch(path: Path) -> None:
    """Mark an entry as just used (its modification time orders eviction)."""
    try:
        os.utime(path)
    except OSError:
        pass


@dataclass(frozen=True)
class Entry:
    path: Path
    bytes: int
    used: float  # modification time: when it was last built or used


def _size(path: Path) -> int:
    if path.is_dir() and not path.is_symlink():
        total = 0
        for base, _, files in os.walk(path):
            for name in files:
                try:
                    total += os.lstat(os.path.join(base, name)).st_size
                except OSError:
                    pass
        return total
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def entries(names=SECTIONS) -> list[Entry]:
    """Every entry of the given sections (a file or a directory each); temporary builds
    (``*.tmp<pid>-<n>``, ``_temporaries``) are not entries."""
    found = []
    base = root()
    for name in names:
        directory = base / name
        if not directory.is_dir():
            continue
        for child in directory.iterdir():
            if ".tmp" in child.name:
                continue
            try:
                used = child.stat().st_mtime
            except OSError:
                continue
            found.append(Entry(child, _size(child), used))
    return found


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def evict(keep=()) -> int:
    """Remove the least recently used entries until the sections fit the bound; never those in
    ``keep`` (what the caller is about to use) nor those used in the last ``RECENT_SECONDS`` (so
    the bound may be exceeded for that long). Returns the number of entries removed.

    An entry removed while another process still holds it does no harm: a running host program or
    a loaded kernel keeps its file open, and a kernel object re-writes its program directory and
    rebuilds its host program on its next call."""
    bound = max_bytes()
    for legacy in root().glob("host-*"):  # host programs of the layout before the sections: unused now
        if legacy.is_file():
            _remove(legacy)
    for leftover in _temporaries(older_than=STALE_SECONDS):
        _remove(leftover)
    found = entries()
    total = sum(e.bytes for e in found)
    if total <= bound:
        return 0
    kept = {Path(p).resolve() for p in keep}
    recent = time.time() - RECENT_SECONDS
    removed = 0
    for entry in sorted(found, key=lambda e: e.used):
        if total <= bound or entry.used > recent:
            break
        if entry.path.resolve() in kept:
            continue
        _remove(entry.path)
        total -= entry.bytes
        removed += 1
    counters["entries_evicted"] += removed
    return removed


def clear() -> int:
    """Empty the four sections, leftovers of interrupted builds included but not builds in progress
    (younger than ``STALE_SECONDS``), and host programs of the layout before the sections
    (``host-*`` in the root); returns the bytes freed. Kernel objects alive in
    this process still work: they re-write their programs and rebuild what they need on their next
    call."""
    freed = 0
    base = root()
    doomed = [e.path for e in entries()] + _temporaries(older_than=STALE_SECONDS)
    doomed += [p for p in base.glob("host-*") if p.is_file()]
    for path in doomed:
        freed += _size(path)
        _remove(path)
    return freed


def _temporaries(older_than: float) -> list[Path]:
    """Temporary builds in the sections last changed more than ``older_than`` seconds ago."""
    base = root()
    limit = time.time() - older_than
    found = []
    for name in SECTIONS:
        directory = base / name
        if directory.is_dir():
            for child in directory.iterdir():
                try:
                    if ".tmp" in child.name and child.lstat().st_mtime < limit:
                        found.append(child)
                except OSError:
                    pass
    return found


def build(path: Path, make, *, counter: str, product: str = "") -> Path:
    """The cache entry ``path``, built if it is not there: ``make(tmp)`` builds it into a temporary
    sibling (a file, or a directory holding ``product``), which is then renamed into place, so no
    process ever sees half an entry. A directory entry without its ``product`` (interrupted, or
    partly removed) is built again. Counts the build in ``counters[counter]`` and keeps the cache
    within its bound."""
    from .errors import TTError

    done = path / product if product else path
    if done.exists():
        touch(path)
        return path
    tmp = fresh_name(path)
    try:
        make(tmp)
        if path.exists():  # incomplete (no product), or built by another process meanwhile
            if done.exists():
                return path
            _remove(path)
        os.replace(tmp, path)
    except OSError as err:
        raise TTError(f"cannot put {path.name} into the build cache {root()}: {err}") from None
    finally:
        if tmp.exists():
            _remove(tmp)
    counters[counter] += 1
    evict(keep=[path])
    return path


def info() -> dict:
    """Entries and bytes per section, the total and the bound."""
    found = entries()
    per = {name: {"entries": 0, "bytes": 0} for name in SECTIONS}
    for e in found:
        per[e.path.parent.name]["entries"] += 1
        per[e.path.parent.name]["bytes"] += e.bytes
    return {
        "root": str(root()),
        "sections": per,
        "bytes": sum(e.bytes for e in found),
        "max_bytes": max_bytes(),
    }


def fresh_name(path: Path) -> Path:
    """A temporary sibling of ``path`` to build into before an atomic rename."""
    return path.with_name(f"{path.name}.tmp{os.getpid()}-{time.monotonic_ns()}")
