"""The device path of tilelang.compile (#16): how a TT-Metalium installation is found, what is built,
how the program runs -- as far as that can be tested without the SDK.

The last test builds and runs through the whole path against a *stand-in* installation: a tt-metal
tree whose ``TT-Metalium`` CMake package is our simulator (its emulated headers, ``libtt_sim.so``
as ``TT::Metalium``). It proves the CMake project, the package lookup, the link, the run
environment and the tensors crossing; it proves nothing about the real SDK's headers (those are
checked by scripts/tt_conformance.py) or a real device.
"""

import shutil
from pathlib import Path

import pytest
import tilelang
import torch

from tilelang_tt import cache, device, hook, jit, sim
from tilelang_tt.device import Installation, find_installation


def make_tree(root: Path, lib="lib") -> Path:
    """A tt-metal tree as find_installation looks for it (empty files)."""
    header = root / device.HOST_API_HEADER
    header.parent.mkdir(parents=True)
    header.write_text("")
    (root / "build" / lib).mkdir(parents=True)
    (root / "build" / lib / "libtt_metal.so").write_text("")
    return root


@pytest.fixture
def tree(tmp_path):
    root = make_tree(tmp_path / "tt-metal")
    nodes = tmp_path / "dev"
    nodes.mkdir()
    (nodes / "0").write_text("")
    return root, nodes


def env_for(root: Path, **extra) -> dict:
    """An environment naming the tree, with a ``cmake`` on PATH (an empty stand-in beside it)."""
    bin_dir = root.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "cmake").write_text("#!/bin/sh\nexit 1\n")
    (bin_dir / "cmake").chmod(0o755)
    return {"TT_METAL_HOME": str(root), "PATH": str(bin_dir)} | extra


def test_found(tree):
    root, nodes = tree
    search = find_installation(env_for(root), nodes)
    assert search.found and search.reason == ""
    inst = search.installation
    assert inst.root == root and inst.build_dir == root / "build" and inst.lib_dir == root / "build" / "lib"
    assert inst.devices == (str(nodes / "0"),)


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda root, env: env.pop("TT_METAL_HOME"), "neither TT_METAL_RUNTIME_ROOT nor TT_METAL_HOME is set"),
        (lambda root, env: (root / device.HOST_API_HEADER).unlink(), "has no tt_metal/api/tt-metalium/host_api.hpp"),
        (lambda root, env: (root / "build/lib/libtt_metal.so").unlink(), "no built TT-Metalium"),
        (lambda root, env: env.update(PATH="/nonexistent"), "cmake is not on PATH"),
        (lambda root, env: shutil.rmtree(root.parent / "dev"), "no Tenstorrent device node in"),
    ],
)
def test_not_found_says_why(tree, change, reason):
    root, nodes = tree
    env = env_for(root)
    change(root, env)
    search = find_installation(env, nodes)
    assert not search.found and reason in search.reason, search.reason


def test_runtime_root_build_dir_and_lib64(tmp_path, tree):
    root, nodes = tree
    other = make_tree(tmp_path / "other", lib="lib64")
    env = env_for(root, TT_METAL_RUNTIME_ROOT=str(other))
    inst = find_installation(env, nodes).installation
    assert inst.root == other and inst.lib_dir == other / "build" / "lib64"
    custom = tmp_path / "custom-build"
    (custom / "lib").mkdir(parents=True)
    (custom / "lib" / "libtt_metal.so").write_text("")
    inst = find_installation(env_for(root, TT_METAL_BUILD_DIR=str(custom)), nodes).installation
    assert inst.build_dir == custom


def test_build_commands_and_run_environment(tmp_path):
    inst = Installation(Path("/opt/tt-metal"), Path("/opt/tt-metal/build"), Path("/opt/tt-metal/build/lib"),
                        "/usr/bin/cmake", ("/dev/tenstorrent/0",))  # fmt: skip
    assert device.build_commands(inst, Path("/src"), Path("/src/build")) == [
        ["/usr/bin/cmake", "-S", "/src", "-B", "/src/build", "-DCMAKE_BUILD_TYPE=Release",
         "-DCMAKE_PREFIX_PATH=/opt/tt-metal/build"],
        ["/usr/bin/cmake", "--build", "/src/build", "--target", "tt_program"],
    ]  # fmt: skip
    text = device.cmakelists()
    for line in ("find_package(TT-Metalium REQUIRED)", "add_executable(tt_program main.cpp)",
                 "target_link_libraries(tt_program PRIVATE TT::Metalium)", "set(CMAKE_CXX_STANDARD 20)"):  # fmt: skip
        assert line in text
    env = device.run_environment(inst, {"LD_LIBRARY_PATH": "/x", "HOME": "/h"})
    assert env == {"HOME": "/h", "TT_METAL_HOME": "/opt/tt-metal", "TT_METAL_RUNTIME_ROOT": "/opt/tt-metal",
                   "LD_LIBRARY_PATH": "/opt/tt-metal/build/lib:/x"}  # fmt: skip


def test_auto_selects_the_device_where_one_is_found(tree, monkeypatch):
    root, nodes = tree
    monkeypatch.setattr(device, "DEVICE_NODE_DIR", nodes)
    monkeypatch.setenv("TT_METAL_HOME", str(root))
    assert hook.dispatched_cache("tenstorrent", "auto")[1] == jit.DEVICE_BACKEND
    assert hook.dispatched_cache("tenstorrent", jit.SIM_BACKEND)[1] == jit.SIM_BACKEND
    monkeypatch.setattr(device, "DEVICE_NODE_DIR", nodes / "missing")
    assert hook.dispatched_cache("tenstorrent", "auto")[1] == jit.SIM_BACKEND
    with pytest.raises(ValueError, match="'tt_device' requires extra dependencies and is not available now"):
        hook.dispatched_cache("tenstorrent", jit.DEVICE_BACKEND)


STAND_IN_PACKAGE = """\
# A stand-in for TT-Metalium's CMake package: the simulator's emulated host API.
add_library(TT::Metalium SHARED IMPORTED)
set_target_properties(TT::Metalium PROPERTIES
  IMPORTED_LOCATION "{lib}"
  INTERFACE_INCLUDE_DIRECTORIES "{include}")
"""


@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake")
def test_stand_in_installation_end_to_end(tree, tmp_path, monkeypatch):
    root, nodes = tree
    include, lib_dir = sim.sim_paths()
    package = root / "build" / "lib" / "cmake" / "tt-metalium"
    package.mkdir(parents=True)
    (package / "TT-MetaliumConfig.cmake").write_text(
        STAND_IN_PACKAGE.format(lib=lib_dir / "libtt_sim.so", include=include)
    )
    monkeypatch.setattr(device, "DEVICE_NODE_DIR", nodes)
    monkeypatch.setenv("TT_METAL_HOME", str(root))
    monkeypatch.setenv(cache.ROOT_ENV, str(tmp_path / "cache"))
    # What the simulator standing in for the device needs (a real device needs neither).
    monkeypatch.setenv("TT_SIM_INCLUDE", str(include))
    monkeypatch.setenv("TT_SIM_CACHE", str(tmp_path / "cache" / "kernels"))
    jit.clear_cache()
    from test_jit import judge, matmul, operands

    before = cache.counters.copy()
    kernel = tilelang.compile(matmul(96, 64, 64, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    assert kernel.execution_backend == jit.DEVICE_BACKEND
    assert (cache.counters - before)["device_programs_built"] == 1
    project = next((tmp_path / "cache" / "device").iterdir())
    assert (project / "CMakeLists.txt").read_text() == device.cmakelists()
    a, b = operands(96, 64, 64, seed=7)
    c = kernel(a, b)
    judge(kernel, c, a, b)
    assert kernel.last_run_stats == {}  # a device reports no simulator statistics
    # A second kernel with the same host program reuses the build.
    before = cache.counters.copy()
    jit.KERNEL_CACHE._memory.clear()
    tilelang.compile(matmul(96, 64, 64, 32, 32, 32), out_idx=[-1], target="tenstorrent")
    assert (cache.counters - before)["device_programs_built"] == 0
    jit.clear_cache()
    torch.testing.assert_close(c, (a.float() @ b.float()).bfloat16(), rtol=1e-2, atol=1e-2)
