#!/usr/bin/env bash
# Run every check and test of tilelang-tt: formatting, the C++ tests (CTest /
# GoogleTest) and the Python tests (pytest). Works from a fresh clone: it first
# runs `scripts/setup.sh --no-run`, which installs and builds what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --no-run
# shellcheck disable=SC1091
source "${TILELANG_TT_VENV:-.venv}/bin/activate"

printf '\n== format\n'
bash scripts/check_format.sh

printf '\n== docs\n'
bash scripts/check_docs.sh

printf '\n== C++ tests (ctest)\n'
ctest --test-dir build/cmake --output-on-failure

printf '\n== Python tests (pytest)\n'
# One worker per CPU (pytest-xdist): most tests compile and run a host program.
python -m pytest tests/python -n auto "$@"
