"""Shared fixtures of the tilelang-tt Python tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = REPO_ROOT / "examples"


def load_example(name: str):
    """Import examples/<name>.py as a module (the examples are scripts, not a package)."""
    module_name = f"_tilelang_tt_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _simulator_even_beside_a_device(monkeypatch):
    """tilelang.compile picks a device where TT-Metalium is installed; the tests run on the simulator
    (test_device.py makes its own stand-in installation)."""
    monkeypatch.delenv("TT_METAL_HOME", raising=False)
    monkeypatch.delenv("TT_METAL_RUNTIME_ROOT", raising=False)


@pytest.fixture(scope="session")
def gemm_example():
    return load_example("gemm")
