#!/usr/bin/env bash
# Fail on unformatted sources: clang-format (.clang-format) for C++, ruff for
# Python. Fix with: clang-format -i <files>; ruff format .; ruff check --fix .
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mapfile -t cpp_files < <(git ls-files --cached --others --exclude-standard -- \
  '*.cc' '*.h' '*.hpp' '*.cpp' | grep -v '/golden/' || true)
status=0
if [ ${#cpp_files[@]} -gt 0 ]; then
  clang-format --dry-run --Werror "${cpp_files[@]}" || status=1
fi
ruff check . || status=1
ruff format --check . || status=1
if [ "$status" -ne 0 ]; then
  echo "format check failed: run 'clang-format -i <files>', 'ruff format .' and 'ruff check --fix .'" >&2
  exit 1
fi
echo "ok: ${#cpp_files[@]} C++ files clang-formatted; ruff check and ruff format clean"
