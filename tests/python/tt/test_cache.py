"""The build cache (tilelang_tt/cache.py, #16): a size bound, least-recently-used eviction, clear."""

import os

import pytest

from tilelang_tt import cache, cli
from tilelang_tt.errors import TTError


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ROOT_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def put(section: str, name: str, kib: int, used: float, directory=False):
    path = cache.section(section) / name
    if directory:
        path.mkdir()
        (path / "a").write_bytes(b"x" * (kib << 9))
        (path / "b").write_bytes(b"x" * (kib << 9))
    else:
        path.write_bytes(b"x" * (kib << 10))
    os.utime(path, (used, used))
    return path


def test_evict_removes_the_least_recently_used_until_the_bound_holds(root, monkeypatch):
    monkeypatch.setenv(cache.MAX_MB_ENV, str(300 / 1024))  # 300 KiB
    old = put("kernels", "compute-1.so", 100, used=1000)
    older_dir = put("programs", "k1", 100, used=500, directory=True)
    kept = put("host", "host-1", 100, used=100)  # the oldest, but in use
    new = put("device", "d1", 100, used=2000, directory=True)
    assert cache.info()["bytes"] == 400 << 10
    assert cache.evict(keep=[kept]) == 1
    assert not older_dir.exists() and old.exists() and kept.exists() and new.exists()
    assert cache.evict() == 0  # within the bound now
    monkeypatch.setenv(cache.MAX_MB_ENV, str(150 / 1024))
    assert cache.evict() == 2 and new.exists() and not kept.exists() and not old.exists()


def test_using_an_entry_protects_it(root, monkeypatch):
    monkeypatch.setenv(cache.MAX_MB_ENV, str(150 / 1024))
    a = put("kernels", "a.so", 100, used=100)
    b = put("kernels", "b.so", 100, used=200)
    cache.touch(a)  # used now: b is the least recently used
    cache.evict()
    assert a.exists() and not b.exists()


def test_builds_are_not_entries_and_clear_takes_everything_but_builds_in_progress(root):
    put("kernels", "a.so", 10, used=100)
    put("kernels", "b.so.tmp123-4", 10, used=100)  # left over by an interrupted build
    building = cache.section("kernels") / "c.so.tmp456-7"  # another process's build in progress
    building.write_bytes(b"x" * 1024)
    put("programs", "k", 10, used=100, directory=True)
    (root / "host-0123").write_bytes(b"x" * 1024)  # the layout before the sections
    info = cache.info()
    assert info["sections"]["kernels"] == {"entries": 1, "bytes": 10 << 10}
    assert info["sections"]["programs"] == {"entries": 1, "bytes": 10 << 10}
    assert cache.clear() == (30 << 10) + 1024
    assert cache.info()["bytes"] == 0 and not (root / "host-0123").exists()
    assert [p.name for p in root.glob("*/*")] == [building.name]


def test_evict_removes_leftovers_of_interrupted_builds(root):
    stale = put("host", "host-1.tmp99-1", 10, used=100)
    fresh = cache.section("host") / "host-2.tmp99-2"
    fresh.write_bytes(b"x")
    assert cache.evict() == 0  # within the bound: no entry removed, but the leftover is gone
    assert not stale.exists() and fresh.exists()


def test_build_publishes_whole_entries_and_repairs_incomplete_ones(root):
    calls = []

    def make(tmp):
        calls.append(tmp)
        tmp.mkdir()
        (tmp / "product").write_text("built")

    path = cache.section("device") / "p"
    before = cache.counters.copy()
    assert cache.build(path, make, counter="device_programs_built", product="product") == path
    assert cache.build(path, make, counter="device_programs_built", product="product") == path
    assert len(calls) == 1 and (cache.counters - before)["device_programs_built"] == 1
    (path / "product").unlink()  # an incomplete entry is built again
    cache.build(path, make, counter="device_programs_built", product="product")
    assert len(calls) == 2 and (path / "product").read_text() == "built"
    assert not [p for p in path.parent.iterdir() if ".tmp" in p.name]

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("compiler crashed")

    with pytest.raises(RuntimeError, match="compiler crashed"):
        cache.build(cache.section("host") / "h", fail, counter="host_programs_built")
    assert list(cache.section("host").iterdir()) == []  # no half entry, no leftover


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_a_bad_bound_is_an_error(root, monkeypatch, value):
    monkeypatch.setenv(cache.MAX_MB_ENV, value)
    with pytest.raises(TTError, match=f"{cache.MAX_MB_ENV}='{value}': expected a positive number of MiB"):
        cache.max_bytes()


def test_cli(root, capsys):
    put("host", "host-1", 64, used=100)
    assert cli.main(["cache"]) == 0
    out = capsys.readouterr().out
    assert str(root) in out and "host" in out and "1 entries" in out and "1024.0 MiB" in out
    assert cli.main(["cache", "clear"]) == 0
    assert "0.1 MiB freed" in capsys.readouterr().out
    assert cache.info()["bytes"] == 0


def test_cli_device_says_why_not(monkeypatch, capsys):
    monkeypatch.delenv("TT_METAL_HOME", raising=False)
    monkeypatch.delenv("TT_METAL_RUNTIME_ROOT", raising=False)
    assert cli.main(["device"]) == 0
    out = capsys.readouterr().out
    assert "tt_device: not available: neither TT_METAL_RUNTIME_ROOT nor TT_METAL_HOME is set" in out
    assert "runs on the simulator (tt_sim)" in out


def test_recently_used_entries_are_kept_past_the_bound(root, monkeypatch):
    monkeypatch.setenv(cache.MAX_MB_ENV, str(50 / 1024))
    old = put("kernels", "old.so", 100, used=100)
    fresh = cache.section("kernels") / "fresh.so"
    fresh.write_bytes(b"x" * (100 << 10))  # used just now: another process may be about to load it
    assert cache.evict() == 1 and not old.exists() and fresh.exists()
    monkeypatch.setattr(cache, "RECENT_SECONDS", 0.0)
    assert cache.evict() == 1 and not fresh.exists()
