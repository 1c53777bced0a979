"""src/SUMMARY.md for the staged book (docs/guide/build.sh): each link of the guide's
SUMMARY.md resolved from its folder to a path from the repository's root, and the marker
`<!-- event pages: ... -->` replaced by one nested entry per generated event page.

    python3 summary.py docs/guide/src/SUMMARY.md REPO_ROOT > STAGE/src/SUMMARY.md
"""

import os
import re
import sys
from pathlib import Path

summary, root = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()


def from_root(match: re.Match) -> str:
    target = (summary.parent / match.group(2)).resolve()
    if not target.is_file():
        sys.exit(f"{summary}: {match.group(2)} is not a file")
    return f"[{match.group(1)}]({target.relative_to(root).as_posix()})"


out = []
for line in summary.read_text(encoding="utf-8").splitlines():
    if line.startswith("<!-- event pages"):
        for page in sorted((root / "generated" / "docs").glob("AMAZON.*.md")):
            out.append(f"  - [{page.stem}](generated/docs/{page.name})")
        continue
    out.append(re.sub(r"\[([^\]]+)\]\(([^)]+)\)", from_root, line))
print("\n".join(out))
