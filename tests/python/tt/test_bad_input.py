"""Every bad input gets one clear error of ours (issue #7; table in docs/limitations.md).

Each case runs outside pytest's process, in a server process of this worker
(_bad_input_case.py --serve), so a segfault, abort or hang is a failure of that
case's test rather than of the test run; the next case starts a new server.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bad_inputs import CASES

HERE = Path(__file__).resolve().parent
LIMITATIONS = HERE.parents[2] / "docs" / "limitations.md"
CASE_TIMEOUT = 300  # seconds


class CaseServer:
    """One _bad_input_case.py --serve process: a case a line in, its outcome a line out."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.proc = None
        self.count = 0

    def start(self):
        self.count += 1
        self.log = self.log_dir / f"server{self.count}.stderr"
        command = [sys.executable, str(HERE / "_bad_input_case.py"), "--serve"]
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(command, cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        self.pending = b""

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def run(self, case_id: str, tmp: Path, timeout: float = CASE_TIMEOUT) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(f"{case_id} {tmp}\n".encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.pending:
                line, self.pending = self.pending.split(b"\n", 1)
                if line.startswith(b"OUTCOME "):
                    return json.loads(line[len(b"OUTCOME ") :])
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            chunk = os.read(self.proc.stdout.fileno(), 65536) if ready else b""
            if not chunk:  # the case crashed the server, or hung
                hung = not ready
                self.stop()
                why = f"hung for {timeout} s" if hung else "crashed"
                pytest.fail(f"case {case_id} {why}:\n{self.log.read_text()[-3000:]}")
            self.pending += chunk


# (Session-wide: pytest-xdist hands a worker this module's tests between other modules', and a module
# fixture would start a server again each time.)
@pytest.fixture(scope="session")
def server(tmp_path_factory):
    s = CaseServer(tmp_path_factory.mktemp("bad_input_server"))
    yield s
    s.stop()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, server, tmp_path):
    outcome = server.run(case.id, tmp_path)
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


def test_a_crash_or_a_hang_fails_its_case_only(tmp_path):
    s = CaseServer(tmp_path)
    try:
        with pytest.raises(pytest.fail.Exception, match="case __abort__ crashed"):
            s.run("__abort__", tmp_path)
        assert s.run("grid-3d", tmp_path)["status"] == "error"  # a new server takes the next case
        with pytest.raises(pytest.fail.Exception, match="case __hang__ hung for 10 s"):
            s.run("__hang__", tmp_path, timeout=10)
        assert s.run("grid-3d", tmp_path)["status"] == "error"
        assert s.count == 3
    finally:
        s.stop()
