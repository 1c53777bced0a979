"""Checks every link of the built book that stays inside it: the file it names exists,
and so does the `#fragment` it names, on that page. Links to other sites are left alone.

    python3 check_links.py BOOK_DIR
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

book = Path(sys.argv[1]).resolve()
# mdBook's own pages: the print page repeats every chapter, 404 and toc are its frames.
SKIP = {"print.html", "404.html", "toc.html"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in ("href", "src") and tag in ("a", "img", "link", "script"):
                self.links.append(value)


parsed: dict[Path, Page] = {}


def page(path: Path) -> Page:
    if path not in parsed:
        p = Page()
        p.feed(path.read_text(encoding="utf-8", errors="replace"))
        parsed[path] = p
    return parsed[path]


broken = []
pages = [p for p in sorted(book.rglob("*.html")) if p.name not in SKIP]
checked = 0
for source in pages:
    for link in page(source).links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or link.startswith("javascript:"):
            continue
        target = (source.parent / unquote(parts.path)).resolve() if parts.path else source
        checked += 1
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or book not in target.parents:
            broken.append(f"{source.relative_to(book)}: {link}: no such file in the book")
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in page(target).ids:
            broken.append(f"{source.relative_to(book)}: {link}: no #{parts.fragment} there")
print(f"guide links: {checked} checked on {len(pages)} pages, {len(broken)} broken")
if broken:
    print("\n".join(broken), file=sys.stderr)
    sys.exit(1)
