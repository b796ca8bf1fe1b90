"""Check that every relative link in the Markdown files points at a file that exists.

    python scripts/check_links.py [FILE.md ...]   (default: every tracked *.md)

External links (http, https, mailto) are not fetched: there is no network here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[1]
    files = [Path(a) for a in argv] or [
        root / f
        for f in subprocess.run(["git", "ls-files", "*.md"], cwd=root, capture_output=True, text=True).stdout.split()
    ]
    broken = []
    for md in files:
        in_code = False
        for lineno, line in enumerate(md.read_text().splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_code = not in_code
            if in_code:
                continue
            for target in LINK.findall(line):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                path = (md.parent / target.split("#", 1)[0]).resolve()
                if not path.exists():
                    broken.append(f"{md.relative_to(root)}:{lineno}: broken link {target}")
    for b in broken:
        print(b)
    print(f"checked {len(files)} Markdown files: {len(broken)} broken relative links")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
