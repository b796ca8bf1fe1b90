#!/usr/bin/env bash
# Set up tilelang-tt on a fresh machine, then run the main job.
#
#   bash scripts/setup.sh            # install everything, build, run the main job
#   bash scripts/setup.sh --no-run   # install and build only (scripts/test.sh uses this)
#
# Idempotent: a second run reuses the virtual environment and the CMake build
# tree (build/cmake) and only rebuilds what changed.
#
# Steps:
#   1. Debian packages: a C++ compiler (with 32-bit support) and GoogleTest
#      (apt-get, when missing).
#   2. A virtual environment in .venv (override with TILELANG_TT_VENV).
#   3. torch 2.13.0 (CPU build, from this machine's disk) first, then every
#      other pinned dependency from requirements.txt.
#   4. tilelang-tt itself: `pip install --no-build-isolation -e .` builds
#      libtilelang_tt.so and the C++ tests against the installed tilelang.
#   5. The main job: the dry run of the example GEMM (lower it for
#      target="tenstorrent", write the five artifacts to out/gemm), then its
#      simulation (run them on the functional simulator, compare with NumPy).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
run_main_job=1
for arg in "$@"; do
  case "$arg" in
    --no-run) run_main_job=0 ;;
    *) echo "usage: bash scripts/setup.sh [--no-run]" >&2; exit 2 ;;
  esac
done
venv="${TILELANG_TT_VENV:-.venv}"
python="${PYTHON:-python3}"
step() { printf '\n== %s\n' "$*"; }

step "1/5 system packages"
missing=()
command -v g++ >/dev/null 2>&1 || missing+=(g++)
[ -f /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
# 32-bit C++ headers: the API conformance check compiles kernels for the
# 32-bit RISC-V data model with g++ -m32 (scripts/tt_conformance.py).
echo '#include <cstdint>' | g++ -m32 -x c++ -fsyntax-only - >/dev/null 2>&1 || missing+=(g++-multilib)
"$python" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
echo "ok: g++ $(g++ -dumpfullversion) (with -m32), GoogleTest headers present"

step "2/5 virtual environment ($venv)"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
python --version

step "3/5 pinned dependencies (requirements.txt)"
export PIP_DISABLE_PIP_VERSION_CHECK=1
torch_pin=$(grep -E '^torch==' requirements.txt)
pip install -q "$torch_pin"
pip install -q -r requirements.txt
python -c 'import importlib.metadata as m; print("ok:", ", ".join(f"{p}=={m.version(p)}" for p in ("torch", "tilelang", "apache-tvm-ffi")))'

step "4/5 build and install tilelang-tt (C++ core + Python package)"
pip install -q --no-build-isolation -e .
python -c 'import tilelang_tt, tilelang_tt._lib as lib; print("ok:", lib.library_path())'

if [ "$run_main_job" -eq 1 ]; then
  step "5/5 main job: dry run of examples/gemm.py, then its simulation"
  python examples/gemm.py --out out/gemm
  tilelang-tt simulate out/gemm
fi
