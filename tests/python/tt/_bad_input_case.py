"""Run cases of bad_inputs.CASES outside pytest's process; print each outcome as JSON.

python _bad_input_case.py <case id> <tmp dir>     one case, then exit
python _bad_input_case.py --serve                 cases read from stdin, one "<case id> <tmp dir>" a line

test_bad_input.py keeps one server per pytest worker (importing TileLang takes seconds, a case
milliseconds): a case that crashes or hangs ends the server and fails that case's test only.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import tilelang  # noqa: F401
from bad_inputs import BY_ID

import tilelang_tt  # noqa: F401


def outcome_of(case_id: str, tmp: Path) -> dict:
    if case_id == "__abort__":  # test_bad_input.py's check that a crash fails its case
        os.abort()
    if case_id == "__hang__":  # ... and that a hang does
        time.sleep(3600)
    try:
        BY_ID[case_id].run(tmp)
        return {"status": "ok"}
    except Exception as err:  # the point: report whatever was raised
        return {
            "status": "error",
            "type": type(err).__name__,
            "mro": [cls.__name__ for cls in type(err).__mro__],
            "message": str(err),
        }


def main(argv: list[str]) -> None:
    if argv == ["--serve"]:
        for line in sys.stdin:
            case_id, tmp = line.rstrip("\n").split(" ", 1)
            print("OUTCOME " + json.dumps(outcome_of(case_id, Path(tmp))), flush=True)
        return
    print("OUTCOME " + json.dumps(outcome_of(argv[0], Path(argv[1]))), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
