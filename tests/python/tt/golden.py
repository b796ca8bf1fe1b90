"""Golden-file comparison for the Python tests.

Goldens live in tests/python/tt/golden/. To regenerate them after an
intended change, run the tests with TILELANG_TT_UPDATE_GOLDEN=1 (e.g.
``TILELANG_TT_UPDATE_GOLDEN=1 bash scripts/test.sh``) and review the diff
before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def assert_matches_golden(name: str, text: str) -> None:
    path = GOLDEN_DIR / name
    if os.environ.get("TILELANG_TT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"missing golden {path}; create it with TILELANG_TT_UPDATE_GOLDEN=1"
    expected = path.read_text()
    assert text == expected, f"{path} differs; if the change is intended, regenerate and review the diff"
