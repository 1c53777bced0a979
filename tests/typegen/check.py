#!/usr/bin/env python3
"""Type-generator check of generated/json-schema (issue 15). Called by run.sh, which
installs the pinned tools and writes the Rust verdicts; run under the venv's python.

For proactive-event.schema.json and every per-event schema:
  1. datamodel-codegen -> one pydantic v2 module each (the flags the guide recommends);
     quicktype and json-schema-to-typescript -> one TypeScript file each;
  2. every TypeScript file compiles with `tsc --strict --noEmit`; every module imports;
  3. no generated type name matches a noise pattern (NOISE below), and every name is a
     schema `title` or one listed with its reason under "names" in expected-gaps.json;
     every `$defs` key is an identifier, titled with itself, the same definition in every
     file, and nothing sits beside a `$ref`;
  4. the pydantic models (`model_validate_json(integral_floats_as_ints(body), strict=True)`, the
     guide's reader, run from the guide's own text) and quicktype's runtime
     converter (`Convert.to…`) are run on every body of the bank's folders with one Rust
     verdict (tests/bodies/bank.json): a body "agrees" when the generated code accepts it exactly when the Rust validator does
     (its verdicts: `proactive-events validate --format json`, written by run.sh). A body
     is checked with its event's schema (per-event figures) and with the any-event schema.
     Every valid and every structurally invalid body (STRUCTURAL_RULES) must agree unless
     `reason` names a documented limit of the generator, and the bodies that do not agree
     must be exactly those in expected-gaps.json, with the same rules and reason.
     The models without the reader (`model_validate_json(body, strict=True)`) must differ
     from them exactly on the bodies listed under "pydantic-without-reader".
Prints one line per problem and `typegen: N passed, M failed` (N/M count checks).
`--measure` prints the figures and the gap list without asserting them; `--update`
rewrites expected-gaps.json from this run (run.sh passes it when UPDATE_EXPECTED is set).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests" / "support"))
import bank  # noqa: E402 (the bank's one index reader, beside the Rust one)
AGGREGATE = "proactive-event.schema.json"

GUIDE_PAGE = REPO_ROOT / "docs" / "guide" / "src" / "other-languages.md"


def guide_flags(tool: str) -> list[str]:
    """The flags the guide (GUIDE_PAGE) gives `tool` in its one command line for it: what is
    checked is what readers are told to run. Inputs and outputs are the check's own."""
    text = GUIDE_PAGE.read_text(encoding="utf-8")
    commands = [
        shlex.split(line, comments=True)
        for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M)
        for line in block.replace("\\\n", " ").splitlines()
        if line.strip()
    ]
    found = [c for c in commands if c and (c[0] == tool or (c[0] == "npx" and c[1].split("@")[0] == tool))]
    if len(found) != 1:
        raise LookupError(f"{GUIDE_PAGE.name} has {len(found)} {tool} commands, expected 1")
    words = found[0][2:] if found[0][0] == "npx" else found[0][1:]
    flags, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("--input", "--output", "-o", "--src", "--top-level", "-i"):
            skip = True
        else:
            flags.append(word)
    return flags


# Rules of the Rust validator that are about the shape of the JSON: which fields exist,
# their JSON types, null, enum and const values, the event name and the audience type.
# A generated type must reject every body that breaks only such rules.
STRUCTURAL_RULES = {
    "ENV-REQUIRED", "ENV-UNKNOWN-FIELD", "ENV-TYPE", "ENV-NULL", "ENV-EVENT-NAME",
    "ENV-AUDIENCE-TYPE", "ENV-UNICAST-USER", "ENV-MULTICAST-EMPTY-PAYLOAD",
    "PAYLOAD-REQUIRED", "PAYLOAD-UNKNOWN-FIELD", "PAYLOAD-TYPE", "PAYLOAD-NULL", "PAYLOAD-ENUM",
}

# Names a person would not have chosen: a digit added for uniqueness, quicktype's
# adjective prefixes for clashing names, json-schema-to-typescript's `Event_1`.
QUICKTYPE_ADJECTIVES = (
    "Purple Fluffy Tentacled Sticky Indigo Indecent Hilarious Ambitious Cunning Magenta "
    "Frisky Mischievous Braggadocious"
).split()
NOISE = [
    ("trailing uniqueness digit", re.compile(r"[A-Za-z]\d+$")),
    ("quicktype adjective prefix", re.compile(r"^(%s)[A-Z]" % "|".join(QUICKTYPE_ADJECTIVES))),
    ("Event_N", re.compile(r"_\d+$")),
]


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, cond: bool, what: str) -> bool:
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}")
        return cond


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def module_name(schema_file: str) -> str:
    stem = schema_file.removesuffix(".schema.json")
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", stem).lower()).strip("_")


def at_pointer(doc, pointer: str):
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        elif isinstance(doc, dict) and part in doc:
            doc = doc[part]
        else:
            return None
    return doc


def rule_kind(rule: str, value) -> str:
    """`structural` for a shape rule, `value` for the rest. Two shape rules are about a
    value when the value is there: a fractional number where an integer is due (JSON has
    one number type; TypeScript too) and an empty Unicast user (a length rule)."""
    if rule not in STRUCTURAL_RULES:
        return "value"
    if rule == "PAYLOAD-TYPE" and isinstance(value, float):
        return "value"
    if rule == "ENV-UNICAST-USER" and isinstance(value, str):
        return "value"
    return "structural"


def load_verdicts(path: Path) -> dict[str, tuple[bool, set[str], str]]:
    """body file -> (valid, error rules, kind): kind is valid, structural or value."""
    out = {}
    for entry in json.loads(path.read_text(encoding="utf-8")):
        errors = [v for v in entry["violations"] if v["severity"] == "error"]
        rules = {v["rule"] for v in errors}
        if entry["valid"]:
            k = "valid"
        else:
            body = json.loads((REPO_ROOT / entry["file"]).read_text(encoding="utf-8"))
            kinds = {rule_kind(v["rule"], at_pointer(body, v["pointer"])) for v in errors}
            k = "structural" if kinds == {"structural"} else "value"
        out[entry["file"]] = (entry["valid"], rules, k)
    return out


def schema_for(body, per_event: set[str]) -> str:
    event = body.get("event") if isinstance(body, dict) else None
    name = event.get("name") if isinstance(event, dict) else None
    file = f"{name}.schema.json" if isinstance(name, str) else None
    return file if file in per_event else AGGREGATE


def generate(schema_dir: Path, out: Path, node_bin: Path, checks: Checks) -> list[str]:
    files = sorted(p.name for p in schema_dir.glob("*.schema.json"))
    for sub in ("py", "ts-quicktype", "ts-json2ts"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for f in files:
        src = schema_dir / f
        mod = module_name(f)
        # --disable-timestamp: the check's own, so that two runs write the same files.
        r = run([sys.executable, "-m", "datamodel_code_generator", "--input", str(src),
                 "--output", str(out / "py" / f"{mod}.py"), *guide_flags("datamodel-codegen"),
                 "--disable-timestamp"])
        checks.ok(r.returncode == 0, f"datamodel-codegen {f}: {r.stderr.strip()[-400:]}")
        title = json.loads(src.read_text(encoding="utf-8")).get("title", "Request")
        r = run([str(node_bin / "quicktype"), *guide_flags("quicktype"), "--top-level", title, "--src", str(src),
                 "--out", str(out / "ts-quicktype" / f"{mod}.ts")])
        checks.ok(r.returncode == 0, f"quicktype {f}: {r.stderr.strip()[-400:]}")
        r = run([str(node_bin / "json2ts"), "--input", str(src), "--output", str(out / "ts-json2ts" / f"{mod}.ts"),
                 "--cwd", str(schema_dir)])
        checks.ok(r.returncode == 0, f"json2ts {f}: {r.stderr.strip()[-400:]}")
    return files


def compile_ts(out: Path, node_bin: Path, checks: Checks) -> None:
    common = ["--strict", "--target", "es2020", "--module", "commonjs", "--skipLibCheck"]
    for sub in ("ts-quicktype", "ts-json2ts"):
        ts = sorted(str(p) for p in (out / sub).glob("*.ts"))
        r = run([str(node_bin / "tsc"), *common, "--noEmit", *ts])
        checks.ok(r.returncode == 0 and ts != [], f"tsc --strict --noEmit {sub}:\n{r.stdout[-2000:]}")
    # quicktype's converters, compiled to JavaScript so that they can run on the bank.
    ts = sorted(str(p) for p in (out / "ts-quicktype").glob("*.ts"))
    r = run([str(node_bin / "tsc"), *common, "--outDir", str(out / "js-quicktype"), *ts])
    checks.ok(r.returncode == 0, f"tsc quicktype to JavaScript:\n{r.stdout[-2000:]}")


def generated_names(out: Path) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for sub in ("ts-quicktype", "ts-json2ts"):
        for p in sorted((out / sub).glob("*.ts")):
            text = p.read_text(encoding="utf-8")
            names[f"{sub}/{p.name}"] = re.findall(r"^export (?:interface|type|enum|class|const enum) (\w+)", text, re.M)
    for p in sorted((out / "py").glob("*.py")):
        names[f"py/{p.name}"] = re.findall(r"^class (\w+)", p.read_text(encoding="utf-8"), re.M)
    return names


IDENT = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def check_defs(schemas: dict[str, dict], checks: Checks) -> None:
    """`$defs` keys are identifiers, titled with their key, with nothing beside a `$ref`;
    a key means the same definition in every file (so keys are unique across events)."""
    seen: dict[str, dict] = {}
    for f, schema in schemas.items():
        for key, d in schema.get("$defs", {}).items():
            checks.ok(bool(IDENT.match(key)), f"{f}: $defs key `{key}` is not an identifier")
            checks.ok(d.get("title") == key, f"{f}: $defs/{key} has title {d.get('title')!r}")
            if key in seen:
                checks.ok(seen[key] == d, f"{f}: $defs/{key} differs from the one in another schema")
            seen[key] = d

        def walk(v, at):
            if isinstance(v, dict):
                if "$ref" in v:
                    checks.ok(set(v) == {"$ref"}, f"{f}: {at} has {sorted(set(v) - {'$ref'})} beside its $ref")
                for k, sub in v.items():
                    walk(sub, f"{at}/{k}")
            elif isinstance(v, list):
                for i, sub in enumerate(v):
                    walk(sub, f"{at}/{i}")
        walk(schema, "#")


def titles_of(schema, found: set[str]) -> set[str]:
    if isinstance(schema, dict):
        if isinstance(schema.get("title"), str):
            found.add(schema["title"])
        for v in schema.values():
            titles_of(v, found)
    elif isinstance(schema, list):
        for v in schema:
            titles_of(v, found)
    return found


def check_names(out: Path, schemas: dict[str, dict], allowed: dict[str, dict], checks: Checks) -> None:
    """No noise pattern; and every name is a schema `title` (the Rust-derived name), or
    one of the few that expected-gaps.json lists for a generator, each with its reason."""
    generators = {"ts-quicktype": "quicktype", "ts-json2ts": "json-schema-to-typescript", "py": "pydantic"}
    unused = {(g, n) for g, names in allowed.items() for n in names}
    for file, names in generated_names(out).items():
        gen = generators[file.split("/")[0]]
        schema_file = next(f for f in schemas if Path(file).stem == module_name(f))
        titles = titles_of(schemas[schema_file], set())
        checks.ok(bool(names), f"{file}: no type names found")
        for name in names:
            for why, pattern in NOISE:
                checks.ok(not pattern.search(name), f"{file}: type name `{name}` looks generated ({why})")
            unused.discard((gen, name))
            checks.ok(name in titles or name in allowed.get(gen, {}),
                      f"{file}: type name `{name}` is no schema title and not a documented {gen} name")
    for gen, name in sorted(unused):
        checks.ok(False, f"{gen}: documented name `{name}` no longer generated (remove it from expected-gaps.json)")


def root_class(module, schema: dict):
    title = schema.get("title", "")
    camel = "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", title))
    cls = getattr(module, camel, None)
    if cls is None:
        raise LookupError(f"no class named after the schema title `{title}`")
    return cls


# (schema file, body) -> pydantic's (error type, input) list, for the reasons of gaps.
PYDANTIC_ERRORS: dict[tuple[str, str], list] = {}


def readme_reader():
    """`integral_floats_as_ints` as the guide writes it (GUIDE_PAGE): the python block that
    defines it, run as is, so the guide's promise is what is measured."""
    readme = GUIDE_PAGE.read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"^```python\n(.*?)^```", readme, re.S | re.M) if "def integral_floats_as_ints" in b]
    if len(blocks) != 1:
        raise LookupError(f"{GUIDE_PAGE.name} has {len(blocks)} python blocks defining integral_floats_as_ints, expected 1")
    namespace: dict = {}
    exec(compile(blocks[0], f"{GUIDE_PAGE.name} (integral_floats_as_ints)", "exec"), namespace)  # noqa: S102 - our guide
    return namespace["integral_floats_as_ints"]


def check_reader(read, checks: Checks) -> None:
    """What the guide says of the reader: integral numbers become integers exactly, others
    stay numbers that a strict int refuses, text that is not JSON raises ValueError, and a
    hostile exponent costs nothing."""
    import time

    cases = {
        '{"a": 2.0, "b": 2e0, "c": -0.0, "d": 2.5, "e": "2.0"}': {"a": 2, "b": 2, "c": 0, "d": 2.5, "e": "2.0"},
        '{"a": 9007199254740993.0}': {"a": 9007199254740993},
        '{"a": 1.0000000000000000001}': {"a": 1.0},
        '{"a": 18446744073709551615.0}': {"a": 18446744073709551615},
        '{"a": 1e-400}': {"a": 0.0},
    }
    for text, want in cases.items():
        got = json.loads(read(text))
        same = got == want and all(type(got[k]) is type(v) for k, v in want.items())
        checks.ok(same, f"guide integral_floats_as_ints({text}) gave {got}, expected {want}")
    started = time.monotonic()
    big = json.loads(read('{"a": 1e999999999, "b": -1.5e999999999}'))
    checks.ok(time.monotonic() - started < 1 and all(isinstance(v, float) for v in big.values()),
              f"guide integral_floats_as_ints: a huge exponent gave {big}, expected floats at once")
    for bad in ('{"a": NaN}', '{"a": Infinity}', "{", b'{"a": "\xff"}', '{"a": 1}'.encode("utf-16")):
        try:
            read(bad)
            checks.ok(False, f"guide integral_floats_as_ints({bad!r}) raised nothing")
        except ValueError:
            checks.ok(True, "")


def pydantic_verdicts(out: Path, schemas: dict[str, dict], bodies: dict[str, str], checks: Checks,
                      read=None) -> dict:
    """(schema file -> body -> accepted), per-event schemas only for their own bodies; `read`
    turns a body into the text given to pydantic (the guide's reader, or None for none)."""
    import pydantic

    models = {}
    for f, schema in schemas.items():
        mod_path = out / "py" / f"{module_name(f)}.py"
        try:
            spec = importlib.util.spec_from_file_location(f"typegen_{module_name(f)}", mod_path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # forward references resolve through sys.modules
            spec.loader.exec_module(module)
            models[f] = root_class(module, schema)
            checks.ok(True, "")
        except Exception as exc:  # noqa: BLE001 - any import failure is a finding
            checks.ok(False, f"pydantic module {mod_path.name} does not import: {type(exc).__name__}: {exc}")
    result: dict[str, dict[str, bool]] = {f: {} for f in schemas}
    per_event = {f for f in schemas if f != AGGREGATE}
    for rel, text in bodies.items():
        for f in dict.fromkeys([schema_for(json.loads(text), per_event), AGGREGATE]):
            if f not in models:
                continue
            try:
                models[f].model_validate_json(read(text) if read else text, strict=True)
                result[f][rel] = True
            except (pydantic.ValidationError, ValueError) as exc:
                result[f][rel] = False
                if read is None and isinstance(exc, pydantic.ValidationError):
                    PYDANTIC_ERRORS[(f, rel)] = [(e["type"], e.get("input")) for e in exc.errors()]
    return result


def without_reader(plain: dict, read: dict, files: list[str]) -> dict:
    """scope -> body -> why, for each body on which the models alone (no guide reader) give
    another verdict than with it; why is None unless it is pydantic's strict int on an
    integral float, the one thing the reader is for."""
    per_event = {f for f in files if f != AGGREGATE}
    out: dict[str, dict] = {"any-event": {}, "per-event": {}}
    for scope in out:
        for rel in sorted(read.get(AGGREGATE, {})):
            f = AGGREGATE if scope == "any-event" else schema_for(
                json.loads((REPO_ROOT / rel).read_text(encoding="utf-8")), per_event)
            if plain.get(f, {}).get(rel) == read.get(f, {}).get(rel):
                continue
            errors = PYDANTIC_ERRORS.get((f, rel), [])
            strict_int = bool(errors) and all(
                t == "int_type" and isinstance(v, float) and v.is_integer() for t, v in errors)
            out[scope][Path(rel).name] = (
                "pydantic's strict int rejects an integer written as 2.0 or 2e0" if strict_int else None)
    return out


QUICKTYPE_RUNNER = r"""
const fs = require("node:fs");
const path = require("node:path");
const [jsDir, plan] = process.argv.slice(2);
const out = {};
for (const [file, mod, bodies] of JSON.parse(fs.readFileSync(plan, "utf8"))) {
  const m = require(path.join(jsDir, mod + ".js"));
  const names = Object.getOwnPropertyNames(m.Convert).filter((n) => /^to[A-Z]/.test(n));
  if (names.length !== 1) throw new Error(`${mod}: expected one Convert.to…, found ${names}`);
  out[file] = {};
  for (const [rel, text] of bodies) {
    try { m.Convert[names[0]](text); out[file][rel] = true; } catch (e) { out[file][rel] = false; }
  }
}
console.log(JSON.stringify(out));
"""


def quicktype_verdicts(out: Path, schemas: dict[str, dict], bodies: dict[str, str], checks: Checks) -> dict:
    per_event = {f for f in schemas if f != AGGREGATE}
    plan: dict[str, list] = {f: [] for f in schemas}
    for rel, text in bodies.items():
        for f in dict.fromkeys([schema_for(json.loads(text), per_event), AGGREGATE]):
            plan[f].append([rel, text])
    (out / "quicktype-plan.json").write_text(
        json.dumps([[f, module_name(f), b] for f, b in plan.items()]), encoding="utf-8")
    (out / "quicktype-run.cjs").write_text(QUICKTYPE_RUNNER, encoding="utf-8")
    r = run(["node", str(out / "quicktype-run.cjs"), str(out / "js-quicktype"), str(out / "quicktype-plan.json")])
    if not checks.ok(r.returncode == 0, f"quicktype converters do not run: {r.stderr.strip()[-1000:]}"):
        return {f: {} for f in schemas}
    return json.loads(r.stdout)


VALUE_RULE_GAPS = [
    # (rule prefix or name, what the generated code drops)
    ("LOC-NOT-LOCALIZABLE", "`not: {pattern}` (no `localizedattribute:` reference in a non-localizable field) is dropped"),
    ("PAYLOAD-UNIQUE-ITEMS", "uniqueItems is dropped"),
    ("PAYLOAD-MINIMUM", "number bounds are dropped"),
    ("PAYLOAD-MAXIMUM", "number bounds are dropped"),
    ("PAYLOAD-EMPTY-STRING", "minLength is dropped"),
    ("LOC-VALUE-EMPTY", "minLength is dropped"),
    ("ENV-UNICAST-USER", "minLength is dropped"),
    ("ENV-REFID", "the referenceId pattern is dropped"),
    ("LOC-LOCALE", "the locale pattern is dropped"),
    ("LOC-EMPTY", "minItems is dropped"),
    ("PAYLOAD-MIN-ITEMS", "minItems is dropped"),
    ("PAYLOAD-MAX-ITEMS", "maxItems is dropped"),
    ("PAYLOAD-DATETIME", "format date-time and its pattern are dropped"),
    ("ENV-TIMESTAMP", "format date-time and its pattern are dropped"),
    ("ENV-EXPIRY", "format date-time and its pattern are dropped"),
    ("PAYLOAD-TYPE", "the integer-only rule is dropped (TypeScript has only `number`)"),
]


def reason(gen: str, scope: str, k: str, rules: set[str], schema_file: str, rel: str) -> str | None:
    """Why the generated code disagrees with Rust on a body, if that is a documented limit
    of the generator; None when the gap is not allowed."""
    if k == "value":
        whys = set()
        for rule in rules:
            found = [why for prefix, why in VALUE_RULE_GAPS if rule.startswith(prefix)]
            if not found:
                return None
            whys.add(found[0])
        return "; ".join(sorted(whys))
    if k == "structural" and gen == "quicktype":
        if rules <= {"ENV-UNICAST-USER", "ENV-MULTICAST-EMPTY-PAYLOAD"}:
            return ("quicktype merges the Unicast and Multicast classes of the RelevantAudience oneOf "
                    "into one class whose payload.user is optional")
        if scope == "any-event" and all(r.startswith("PAYLOAD-") for r in rules):
            return ("quicktype merges the classes of the event oneOf into one class with every payload merged "
                    "(use the per-event schemas with quicktype)")
        return None
    return None


def figures(name: str, verdicts: dict, rust: dict, files: list[str]) -> dict:
    """Agreement for the any-event schema and for the per-event schemas (each body with its own)."""
    per_event = {f for f in files if f != AGGREGATE}
    rows = {}
    for scope in ("any-event", "per-event"):
        agree, gaps = 0, {}
        for rel, (valid, rules, k) in sorted(rust.items()):
            if scope == "any-event":
                f = AGGREGATE
            else:
                f = schema_for(json.loads((REPO_ROOT / rel).read_text(encoding="utf-8")), per_event)
            got = verdicts.get(f, {}).get(rel)
            if got is valid:
                agree += 1
            else:
                gaps[Path(rel).name] = {"kind": k, "rules": sorted(rules), "why": reason(name, scope, k, rules, f, rel),
                                        "generated": "missing" if got is None else ("accepts" if got else "rejects")}
        rows[scope] = {"agree": agree, "total": len(rust), "gaps": gaps}
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--node-modules", type=Path, required=True)
    ap.add_argument("--schema-dir", type=Path, default=REPO_ROOT / "generated" / "json-schema")
    ap.add_argument("--measure", action="store_true", help="print figures and gaps, assert nothing about them")
    ap.add_argument("--update", action="store_true", help="rewrite expected-gaps.json from this run")
    args = ap.parse_args()
    checks = Checks()
    node_bin = args.node_modules / ".bin"

    rust = load_verdicts(args.out / "rust-verdicts.json")
    bodies = {rel: (REPO_ROOT / rel).read_text(encoding="utf-8") for rel in sorted(rust)}
    n_valid = sum(1 for v, _, _ in rust.values() if v)
    n_struct = sum(1 for _, _, k in rust.values() if k == "structural")
    checks.ok(len(rust) >= 100 and n_valid >= 30, f"only {len(rust)} bodies ({n_valid} valid) in the Rust verdicts")
    folder_verdict = dict(bank.rust_verdicts())
    for rel, (valid, _, _) in rust.items():
        checks.ok(valid == (folder_verdict.get(Path(rel).parent.name) == "valid"),
                  f"{rel}: the Rust verdict disagrees with its folder (tests/bodies/bank.json)")

    files = generate(args.schema_dir, args.out, node_bin, checks)
    schemas = {f: json.loads((args.schema_dir / f).read_text(encoding="utf-8")) for f in files}
    expected = json.loads((HERE / "expected-gaps.json").read_text(encoding="utf-8"))
    if not args.measure:
        compile_ts(args.out, node_bin, checks)
        check_names(args.out, schemas, expected["names"], checks)
        check_defs(schemas, checks)
    else:
        compile_ts(args.out, node_bin, Checks())

    try:
        read = readme_reader()
    except Exception as exc:  # noqa: BLE001 - a broken guide block is a finding
        checks.ok(False, f"{GUIDE_PAGE.name}: integral_floats_as_ints: {type(exc).__name__}: {exc}")
        read = None
    if read is not None:
        check_reader(read, checks)
    with_reader = pydantic_verdicts(args.out, schemas, bodies, checks, read)
    plain = without_reader(pydantic_verdicts(args.out, schemas, bodies, Checks()), with_reader, files)
    results = {
        "pydantic": figures("pydantic", with_reader, rust, files),
        "quicktype": figures("quicktype", quicktype_verdicts(args.out, schemas, bodies, checks), rust, files),
    }
    print(f"bank: {len(rust)} bodies, {n_valid} valid, {n_struct} structurally invalid, "
          f"{len(rust) - n_valid - n_struct} invalid by a value rule")
    for gen, rows in results.items():
        for scope, row in rows.items():
            kinds = {}
            for g in row["gaps"].values():
                kinds[g["kind"]] = kinds.get(g["kind"], 0) + 1
            print(f"{gen} {scope}: agrees on {row['agree']}/{row['total']} bodies; gaps by kind {kinds}")
    for scope, diff in plain.items():
        print(f"pydantic {scope} without the guide's reader: {len(diff)} more bodies differ ({sorted(diff)})")
    if args.measure:
        print(json.dumps({g: {s: row["gaps"] for s, row in rows.items()} for g, rows in results.items()}, indent=1))
        print(json.dumps({"pydantic-without-reader": plain}, indent=1))
        return 0

    if args.update:
        for gen, rows in results.items():
            expected[gen] = {scope: {b: {k: g[k] for k in ("kind", "rules", "why")} for b, g in row["gaps"].items()}
                             for scope, row in rows.items()}
        expected["pydantic-without-reader"] = plain
        (HERE / "expected-gaps.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
        print("wrote tests/typegen/expected-gaps.json: review its diff")
    for gen, rows in results.items():
        for scope, row in rows.items():
            for body, gap in row["gaps"].items():
                # Every valid and structurally invalid body agrees, except for a documented
                # limit of the generator (reason): quicktype merging the classes of a oneOf.
                checks.ok(gap["why"] is not None,
                          f"{gen} ({scope} schema) {gap['generated']} {body}, a {gap['kind']} body "
                          f"(Rust rules {gap['rules']}), for no documented reason")
            want = expected[gen][scope]
            got = {b: (g["rules"], g["why"]) for b, g in row["gaps"].items()}
            want_rules = {b: (w["rules"], w["why"]) for b, w in want.items()}
            for body in sorted(set(got) | set(want_rules)):
                if got.get(body) != want_rules.get(body):
                    what = "new gap" if body not in want_rules else (
                        "documented gap closed (remove it from expected-gaps.json and the guide)"
                        if body not in got else "gap with other rules or reason")
                    checks.ok(False, f"{gen} ({scope} schema): {what}: {body}: got {got.get(body)}, "
                                     f"expected {want_rules.get(body)} (UPDATE_EXPECTED=1 rewrites the file)")
                else:
                    checks.ok(True, "")
    # Without the reader pydantic differs only by its strict int, on the bodies listed.
    want_plain = expected.get("pydantic-without-reader", {})
    for scope, diff in plain.items():
        for body, why in diff.items():
            checks.ok(why is not None, f"pydantic ({scope} schema) without the guide's reader differs on {body} "
                                       "for another reason than its strict int")
        checks.ok(diff == want_plain.get(scope), f"pydantic ({scope} schema) without the guide's reader differs on "
                                                 f"{sorted(diff)}, expected {sorted(want_plain.get(scope, {}))}")
    print(f"typegen: {checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
