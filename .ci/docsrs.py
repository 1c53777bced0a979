"""Checks the facade's docs as docs.rs builds them (`--cfg docsrs`): on every module
page, each item is listed once, and every item whose feature gate the runtime states
(`doc(cfg(feature = ...))` on its definition) carries that feature's label.

    python3 .ci/docsrs.py TARGET_DIR/doc
"""

import re
import sys
from collections import Counter
from pathlib import Path

doc = Path(sys.argv[1]) / "alexa_proactive_events"
problems = []
pages = sorted(doc.rglob("index.html"))
for page in pages:
    html = page.read_text(encoding="utf-8")
    items = [m.group(1) for m in re.finditer(r'<dt><a class="\w+" href="([^"]+)"', html)]
    for href, n in Counter(items).items():
        if n > 1:
            problems.append(f"{page.relative_to(doc)}: {href} listed {n} times")
# The runtime's gated items, and the label each must carry in the facade's module list.
gated = {}
for src in Path("runtime/src").rglob("*.rs"):
    text = src.read_text(encoding="utf-8")
    for m in re.finditer(
        r'#\[cfg_attr\(docsrs, doc\(cfg\(feature = "([\w-]+)"\)\)\)\]\s*(?:#\[[^\]]*\]\s*)*'
        r"pub (?:struct|enum|const|trait|type|fn) (\w+)",
        text,
    ):
        gated[m.group(2)] = m.group(1)
listing = (doc / "subscriptions" / "index.html").read_text(encoding="utf-8")
for name, feature in sorted(gated.items()):
    m = re.search(rf'<dt><a class="\w+" href="[^"]+" title="[^"]+">{name}</a>(.*?)</dt>', listing.replace("<wbr>", ""))
    if m and feature not in m.group(1):
        problems.append(f"subscriptions/index.html: {name} has no `{feature}` label")
print(f"docs.rs view: {len(pages)} module pages, {len(gated)} gated runtime items checked")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
