"""Run one case of bad_inputs.CASES in this process; print its outcome as JSON.

python _bad_input_case.py <case id> <tmp dir>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import tilelang  # noqa: F401
from bad_inputs import BY_ID

import tilelang_tt  # noqa: F401

case = BY_ID[sys.argv[1]]
try:
    case.run(Path(sys.argv[2]))
    outcome = {"status": "ok"}
except Exception as err:  # the point: report whatever was raised
    outcome = {
        "status": "error",
        "type": type(err).__name__,
        "mro": [cls.__name__ for cls in type(err).__mro__],
        "message": str(err),
    }
print("OUTCOME " + json.dumps(outcome))
