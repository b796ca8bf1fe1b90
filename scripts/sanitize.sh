#!/usr/bin/env bash
# Build the C++ library, the C++ tests and the simulator with AddressSanitizer
# and UndefinedBehaviorSanitizer, run the C++ tests and a simulated GEMM under
# them, and fail on any report.
#
#   bash scripts/sanitize.sh        (after scripts/setup.sh; ~5 minutes)
#
# The TVM / TileLang libraries of the wheel are not instrumented; leaks that
# LeakSanitizer attributes to them (static registries live for the process)
# are suppressed in scripts/lsan.supp and nothing of ours is.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck disable=SC1091
source "${TILELANG_TT_VENV:-.venv}/bin/activate"

flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
build=build/sanitize
cmake -S . -B "$build" -G Ninja -DPython_EXECUTABLE="$(command -v python)" \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build"

export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"

printf '\n== C++ tests under ASan + UBSan\n'
ctest --test-dir "$build" --output-on-failure

printf '\n== a simulated GEMM under ASan + UBSan (host program, simulator and kernels instrumented)\n'
out="$build/gemm"
python examples/gemm.py --M 192 --N 160 --K 96 --out "$out" >/dev/null  # 128 x 128 x 32: sub-blocks, padding
TT_SIM_LIB_DIR="$PWD/$build" TT_SIM_CXXFLAGS="$flags" TILELANG_TT_CACHE_DIR="$PWD/$build/sim-cache" \
  tilelang-tt simulate "$out"
echo "sanitizers: no reports"
