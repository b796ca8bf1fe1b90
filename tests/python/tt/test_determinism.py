"""The same input gives byte-identical artifacts in separate processes (issue #7)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def digests(hash_seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    proc = subprocess.run([sys.executable, str(HERE / "_artifact_digests.py")], cwd=HERE, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_two_processes_with_different_hash_seeds_agree_byte_for_byte():
    first, second = digests("1"), digests("4242")
    assert len(first.splitlines()) == 15  # 3 kernels x 5 artifacts
    assert first == second
