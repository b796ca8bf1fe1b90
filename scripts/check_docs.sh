#!/usr/bin/env bash
# Documentation checks: Markdown lint (pymarkdownlnt, config .pymarkdown.json),
# relative links (scripts/check_links.py) and spelling (codespell).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mapfile -t md_files < <(git ls-files --cached --others --exclude-standard -- '*.md')
status=0
pymarkdown --config .pymarkdown.json scan "${md_files[@]}" || status=1
python scripts/check_links.py "${md_files[@]}" || status=1
codespell --skip '*.json,*.tir,*/golden/*' README.md docs python src include tests/cpp scripts examples benchmarks || status=1
if [ "$status" -ne 0 ]; then
  echo "doc check failed: fix the Markdown lint, links or spelling above" >&2
  exit 1
fi
echo "ok: ${#md_files[@]} Markdown files lint-clean, links resolve, no misspellings"
