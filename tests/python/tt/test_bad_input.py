"""Every bad input gets one clear error of ours (issue #7; table in docs/limitations.md).

Each case runs in its own Python process, so a segfault, abort or hang is a
failure of this test rather than of the test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs import CASES

HERE = Path(__file__).resolve().parent
LIMITATIONS = HERE.parents[2] / "docs" / "limitations.md"


def run_case(case_id, tmp_path):
    proc = subprocess.run([sys.executable, str(HERE / "_bad_input_case.py"), case_id, str(tmp_path)], cwd=HERE,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, f"case {case_id} crashed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    line = next(l for l in proc.stdout.splitlines() if l.startswith("OUTCOME "))  # noqa: E741
    return json.loads(line[len("OUTCOME ") :])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, tmp_path):
    outcome = run_case(case.id, tmp_path)
    if case.error is None:
        assert outcome == {"status": "ok"}, outcome
        return
    assert outcome["status"] == "error", f"{case.id}: no error raised"
    assert outcome["type"] == case.error, outcome
    assert "TTError" in outcome["mro"] and "ValueError" in outcome["mro"], outcome["mro"]
    message = outcome["message"]
    for fragment in case.fragments:
        assert fragment in message, f"{case.id}: {fragment!r} not in {message!r}"
    first_line = message.strip().splitlines()[0]
    assert "Traceback" not in message and ".cc:" not in first_line and "tvm::" not in first_line


def test_the_table_documents_every_case():
    text = LIMITATIONS.read_text()
    for case in CASES:
        assert f"`{case.id}`" in text, f"docs/limitations.md lacks case {case.id}"
    assert sum(1 for c in CASES if c.error) >= 20
