"""Prepares the staged copy of the repository that docs/guide/build.sh turns into the book.

- STAGE/src/SUMMARY.md: each link of the guide's SUMMARY.md resolved from its folder to a
  path from the repository's root, and the marker `<!-- event pages: ... -->` replaced by
  one nested entry per generated event page.
- Every staged page's links to a `README.md` point at `index.md`: mdBook renders a chapter
  named README.md as its folder's index.html and leaves links to it as they are.

    python3 stage.py docs/guide/src/SUMMARY.md REPO_ROOT STAGE/src
"""

import os
import re
import sys
from pathlib import Path

summary, root, stage = (Path(a).resolve() for a in sys.argv[1:4])


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
(stage / "SUMMARY.md").write_text("\n".join(out) + "\n", encoding="utf-8")

readme_link = re.compile(r"(\]\((?![a-z]+:)[^)#\s]*?)README\.md([#)])")
for page in stage.rglob("*.md"):
    text = page.read_text(encoding="utf-8")
    fixed = readme_link.sub(r"\1index.md\2", text)
    if fixed != text:
        page.write_text(fixed, encoding="utf-8")
