#!/usr/bin/env bash
# Type-generator check of generated/json-schema (issue 15): generates TypeScript with
# quicktype and json-schema-to-typescript and pydantic v2 models with
# datamodel-code-generator, from proactive-event.schema.json and from every per-event
# schema, then
#   - compiles every TypeScript file with `tsc --strict --noEmit`;
#   - imports every pydantic module;
#   - rejects generated names that look like noise (uniqueness digits, quicktype's
#     adjective prefixes, Event_N);
#   - measures the pydantic models and quicktype's runtime converter against the Rust
#     validator's verdicts on tests/bodies and asserts the documented gaps exactly
#     (tests/typegen/expected-gaps.json).
# Meant to be called from CI after the Rust tests (it reuses their build of the CLI):
#   bash tests/typegen/run.sh
# Tools are pinned (package-lock.json, requirements.txt) and installed once into
# TYPEGEN_CACHE (default ~/.cache/alexa-proactive-events/typegen), keyed by a hash of the
# pins; a second run installs nothing. KEEP_OUT=<dir> keeps the generated files there.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root" || exit 1

cache_root="${TYPEGEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alexa-proactive-events/typegen}"
key="$(cat "$here/package-lock.json" "$here/requirements.txt" <(node --version) <(python3 --version) | sha256sum | cut -c1-16)"
cache="$cache_root/$key"

install_tools() {
  mkdir -p "$cache" || return 1
  if [[ ! -f "$cache/node.ok" ]]; then
    cp "$here/package.json" "$here/package-lock.json" "$cache/" || return 1
    npm ci --prefix "$cache" --no-audit --no-fund --loglevel=error || return 1
    touch "$cache/node.ok"
  fi
  if [[ ! -f "$cache/python.ok" ]]; then
    rm -rf "$cache/venv"
    python3 -m venv "$cache/venv" || return 1
    "$cache/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$here/requirements.txt" || return 1
    touch "$cache/python.ok"
  fi
}
if ! install_tools; then
  echo "error: cannot install the type generators into $cache" >&2
  echo "typegen: 0 passed, 1 failed"
  exit 1
fi
export PATH="$cache/node_modules/.bin:$PATH"
export NODE_PATH="$cache/node_modules"
py="$cache/venv/bin/python"

# The Rust verdicts: the CLI's JSON report on every body of the bank.
out="${KEEP_OUT:-}"
if [[ -z "$out" ]]; then
  out="$(mktemp -d)" || exit 1
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
cargo run --quiet -p alexa-proactive-events-cli -- validate --format json --quiet \
  --max-violations 0 tests/bodies/valid/*.json tests/bodies/valid-numbers/*.json tests/bodies/invalid/*.json >"$out/rust-verdicts.json"
if ! "$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/rust-verdicts.json"; then
  echo "error: no Rust verdicts (cargo run -p alexa-proactive-events-cli validate)" >&2
  echo "typegen: 0 passed, 1 failed"
  exit 1
fi

update=(); [[ -n "${UPDATE_EXPECTED:-}" ]] && update=(--update)
"$py" "$here/check.py" --out "$out" --node-modules "$cache/node_modules" "${update[@]}"
