#!/usr/bin/env python3
"""Check the generated JSON Schemas with Python `jsonschema` (draft 2020-12).

For every body in tests/bodies/{valid,invalid}/*.json:
  1. the per-event schema `<SCHEMA_DIR>/<event.name>.schema.json` (when `event.name` is a
     string and that file exists, else the aggregate `proactive-event.schema.json`), and
  2. the aggregate `proactive-event.schema.json`
must both accept the body if it sits in valid/ and both reject it if it sits in invalid/,
twice: with the `date-time` format checked (FormatChecker) and without any format checker
(the default of most validators: `format` is only an annotation in 2020-12), since the
schemas' date-time `pattern` bounds every component on its own (docs/decisions.md D26).
Then every case of `date-times.json` beside this script must get its verdict in both modes.

When MUTATIONS names a file written by
`cargo run -p pipeline-tests --example export_mutations -- FILE` (run.sh does this), every
entry of it, `{"file", "what", "valid", "body"}` (a single-step mutation of a valid body and
the Rust verdict on it), must get the verdict `valid` from the per-event schema (picked as
above) and from the aggregate, in both modes. A relative MUTATIONS is taken from the repo
root; an unreadable file, a malformed entry or fewer than 2000 entries is a failure.

Prints one line per mismatch, then (with MUTATIONS) `python-jsonschema mutations: K checked,
J mismatched (...)` and closes with `python-jsonschema: N passed, M failed` (N and M count
bodies, date-time cases and mutations per mode). Exits 1 on any mismatch, on fewer than 50
bodies, or when a schema or the MUTATIONS file is missing or broken; exits 2 when `date-time`
format checking is not active.

Needs `jsonschema>=4.18` (for `referencing`) and `rfc3339-validator` (without it,
jsonschema silently skips `format: date-time`). SCHEMA_DIR (optional) overrides
`generated/json-schema`; a relative SCHEMA_DIR is taken from the repo root.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests" / "support"))
import bank  # noqa: E402 (the bank's one index reader, beside the Rust one)

BODIES_DIR = bank.BODIES_DIR
AGGREGATE = "proactive-event.schema.json"
MIN_BODIES = 50
MIN_MUTATIONS = 2000
LABEL = "python-jsonschema"

try:
    import jsonschema
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as exc:  # pragma: no cover - environment problem
    print(f"error: {exc}; run `python3 -m pip install 'jsonschema>=4.18' rfc3339-validator`", file=sys.stderr)
    print(f"{LABEL}: 0 passed, 1 failed")
    sys.exit(1)

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER


def assert_date_time_checking_active() -> None:
    """Fail loudly if `format: date-time` would be silently ignored (rfc3339-validator missing)."""
    probe = Draft202012Validator({"type": "string", "format": "date-time"}, format_checker=FORMAT_CHECKER)
    bad = [s for s in ("2024-01-01T00:00:00", "not a date", "2024-01-01") if probe.is_valid(s)]
    good_rejected = [s for s in ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5+00:00") if not probe.is_valid(s)]
    if bad or good_rejected or "date-time" not in FORMAT_CHECKER.checkers:
        print(
            "FATAL: jsonschema is not checking `format: date-time` "
            f"(accepted {bad}, rejected {good_rejected}). Install the `rfc3339-validator` package.",
            file=sys.stderr,
        )
        print(f"{LABEL}: 0 passed, 1 failed")
        sys.exit(2)


def schema_dir() -> Path:
    raw = os.environ.get("SCHEMA_DIR") or "generated/json-schema"
    path = Path(raw)
    return path if path.is_absolute() else REPO_ROOT / path


def load_json(path: Path):
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


class Schemas:
    """All `*.schema.json` files of SCHEMA_DIR, registered by `$id` so cross-file `$ref`s resolve."""

    def __init__(self, directory: Path, format_checker=FORMAT_CHECKER):
        self.format_checker = format_checker
        self.directory = directory
        self.errors: list[str] = []
        self.by_file: dict[str, dict] = {}
        resources = []
        for path in sorted(directory.glob("*.schema.json")):
            try:
                schema = load_json(path)
                Draft202012Validator.check_schema(schema)
            except (OSError, ValueError, jsonschema.SchemaError) as exc:
                self.errors.append(f"{path.name}: not a valid draft 2020-12 schema: {str(exc).splitlines()[0]}")
                continue
            self.by_file[path.name] = schema
            # Registered by `$id` (absolute, as the generator should emit), else by file name,
            # so that the aggregate may `$ref` the per-event files.
            uri = schema["$id"] if isinstance(schema.get("$id"), str) else path.name
            resources.append((uri, Resource.from_contents(schema, default_specification=DRAFT202012)))
        self.registry = Registry().with_resources(resources)
        self._validators: dict[str, Draft202012Validator] = {}

    def validator(self, file_name: str) -> Draft202012Validator | None:
        if file_name not in self.by_file:
            return None
        if file_name not in self._validators:
            self._validators[file_name] = Draft202012Validator(
                self.by_file[file_name], registry=self.registry, format_checker=self.format_checker
            )
        return self._validators[file_name]


def schema_for(body, schemas: Schemas) -> str:
    event = body.get("event") if isinstance(body, dict) else None
    name = event.get("name") if isinstance(event, dict) else None
    if isinstance(name, str) and f"{name}.schema.json" in schemas.by_file:
        return f"{name}.schema.json"
    return AGGREGATE


def describe(validator: Draft202012Validator, body) -> str:
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return "accepted"
    pointer = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"rejected at {pointer}: {error.message[:200]}"


DATE_TIMES = Path(__file__).resolve().parent / "date-times.json"


def find_date_time_pattern(schema) -> str | None:
    """The `pattern` of the first `format: date-time` subschema (the generated one)."""
    if isinstance(schema, dict):
        if schema.get("format") == "date-time" and isinstance(schema.get("pattern"), str):
            return schema["pattern"]
        values = schema.values()
    elif isinstance(schema, list):
        values = schema
    else:
        return None
    for value in values:
        found = find_date_time_pattern(value)
        if found:
            return found
    return None


def judge(schemas: Schemas, body, expected: str, label: str) -> bool:
    """Whether the body's per-event schema and the aggregate both give `expected`; prints
    one MISMATCH line per schema that does not."""
    ok = True
    for file_name in dict.fromkeys([schema_for(body, schemas), AGGREGATE]):
        validator = schemas.validator(file_name)
        if validator is None:
            ok = False
            continue  # already reported as a problem
        got = "valid" if validator.is_valid(body) else "invalid"
        if got != expected:
            ok = False
            print(f"MISMATCH {label}: {file_name} expected {expected}, got {got} ({describe(validator, body)})")
    return ok


def check_bank(schemas: Schemas, mode: str) -> tuple[int, int, int]:
    folders = bank.schema_verdicts()
    bodies = [(expected, path) for folder, expected in folders for path in sorted((BODIES_DIR / folder).glob("*.json"))]
    passed = failed = 0
    for expected, path in bodies:
        rel = path.relative_to(REPO_ROOT)
        try:
            body = load_json(path)
        except (OSError, ValueError) as exc:
            print(f"MISMATCH {rel}: cannot parse body: {exc}")
            failed += 1
            continue
        if not isinstance(body, dict):
            print(f"MISMATCH {rel}: body is not a JSON object")
            failed += 1
            continue
        if judge(schemas, body, expected, f"[{mode}] {rel}"):
            passed += 1
        else:
            failed += 1
    return passed, failed, len(bodies)


def check_date_times(schemas: Schemas, mode: str, problems: list[str]) -> tuple[int, int]:
    """Each edge case against the generated date-time subschema (pattern, plus format when checked)."""
    pattern = find_date_time_pattern(schemas.by_file.get(AGGREGATE))
    if pattern is None:
        problems.append("no `format: date-time` subschema with a `pattern` in the aggregate schema")
        return 0, 1
    validator = Draft202012Validator(
        {"type": "string", "format": "date-time", "pattern": pattern}, format_checker=schemas.format_checker
    )
    passed = failed = 0
    for case in load_json(DATE_TIMES)["cases"]:
        verdict = validator.is_valid(case["value"])
        if verdict == case["valid"]:
            passed += 1
        else:
            failed += 1
            print(f"MISMATCH [{mode}] date-time {case['value']!r}: expected {'valid' if case['valid'] else 'invalid'} ({case['why']})")
    return passed, failed


def load_mutations() -> list[dict] | None:
    """The entries of the MUTATIONS file, or None when MUTATIONS is unset; exits 1 if it is unusable."""
    raw = os.environ.get("MUTATIONS")
    if raw is None:
        return None
    path = Path(raw) if Path(raw).is_absolute() else REPO_ROOT / raw

    def fatal(why: str):
        print(f"FATAL: MUTATIONS={raw}: {why}", file=sys.stderr)
        print(f"{LABEL}: 0 passed, 1 failed")
        sys.exit(1)

    if not raw:
        fatal("empty path")
    try:
        entries = load_json(path)
    except (OSError, ValueError) as exc:
        fatal(f"cannot read {path}: {exc}")
    if not isinstance(entries, list):
        fatal("not a JSON array")
    for i, entry in enumerate(entries):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("file"), str)
            and isinstance(entry.get("what"), str)
            and isinstance(entry.get("valid"), bool)
            and "body" in entry
        ):
            fatal(f"entry {i} is not {{file: string, what: string, valid: bool, body}}")
    if len(entries) < MIN_MUTATIONS:
        fatal(f"only {len(entries)} mutations, expected at least {MIN_MUTATIONS}")
    return entries


def check_mutations(schemas: Schemas, mode: str, entries: list[dict]) -> tuple[int, int]:
    """Each mutation against its per-event schema and the aggregate: the Rust verdict expected."""
    passed = failed = 0
    for entry in entries:
        body = entry["body"]
        expected = "valid" if entry["valid"] else "invalid"
        if judge(schemas, body, expected, f"[{mode}] mutation {entry['file']}: {entry['what']}"):
            passed += 1
        else:
            failed += 1
    return passed, failed


def main() -> int:
    assert_date_time_checking_active()
    mutations = load_mutations()
    directory = schema_dir()
    passed = failed = 0
    problems: list[str] = []
    count = 0
    mutations_checked = mutations_failed = 0
    mutation_seconds: list[str] = []
    for mode, checker in (("format-checker", FORMAT_CHECKER), ("no-format-checker", None)):
        schemas = Schemas(directory, checker)
        if mode == "format-checker":
            problems.extend(schemas.errors)
            if AGGREGATE not in schemas.by_file:
                problems.append(f"missing aggregate schema {directory / AGGREGATE}")
        p, f, count = check_bank(schemas, mode)
        dp, df = check_date_times(schemas, mode, problems)
        print(f"{LABEL} [{mode}]: bank {p} passed, {f} failed; date-times {dp} passed, {df} failed")
        passed += p + dp
        failed += f + df
        if mutations is not None:
            started = time.perf_counter()
            mp, mf = check_mutations(schemas, mode, mutations)
            mutation_seconds.append(f"{mode} {time.perf_counter() - started:.2f}s")
            mutations_checked += mp + mf
            mutations_failed += mf
            passed += mp
            failed += mf

    if mutations is not None:
        print(
            f"{LABEL} mutations: {mutations_checked} checked, {mutations_failed} mismatched "
            f"({len(mutations)} mutations x 2 modes, each with its event schema and the aggregate; "
            f"{', '.join(mutation_seconds)})"
        )

    for problem in problems:
        print(f"ERROR {problem}")
    if count < MIN_BODIES:
        print(f"ERROR only {count} bodies found under {BODIES_DIR}, expected at least {MIN_BODIES}")
    print(f"{LABEL}: {passed} passed, {failed} failed")
    return 1 if failed or problems or count < MIN_BODIES else 0


if __name__ == "__main__":
    sys.exit(main())
