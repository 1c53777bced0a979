"""The request-body bank's folders and verdicts, as tests/bodies/bank.json gives them.

The one reader of that index for the Python checks (tests/cross-language/check.py,
tests/typegen/check.py); the Rust tests read it in tests/support/lib.rs, Ajv's check
in tests/cross-language/check.mjs.
"""

from __future__ import annotations

import json
from pathlib import Path

BODIES_DIR = Path(__file__).resolve().parent.parent / "bodies"


def folders() -> list[dict]:
    """Each folder's entry: folder, schema ("valid"/"invalid"), rust (or None), typed."""
    return json.loads((BODIES_DIR / "bank.json").read_text(encoding="utf-8"))["folders"]


def schema_verdicts() -> list[tuple[str, str]]:
    """(folder, the JSON Schemas' verdict) for every folder."""
    return [(f["folder"], f["schema"]) for f in folders()]


def rust_verdicts() -> list[tuple[str, str]]:
    """(folder, the Rust validator's verdict) for the folders with one verdict for all."""
    return [(f["folder"], f["rust"]) for f in folders() if f["rust"] is not None]


if __name__ == "__main__":
    # `python3 tests/support/bank.py rust`: the folders with a Rust verdict, one a line
    # (tests/typegen/run.sh passes their bodies to the CLI).
    import sys

    pick = rust_verdicts if sys.argv[1:] == ["rust"] else schema_verdicts
    print("\n".join(folder for folder, _ in pick()))
