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
#   bash tests/typegen/run.sh [--install-only]
# --install-only installs its packages and stops (.ci/run does it early, in the background).
# Tools are pinned (package-lock.json, requirements.txt) and installed once, each into its
# own cached folder (tests/support/deps.sh); a second run installs nothing.
# KEEP_OUT=<dir> keeps the generated files there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
source tests/support/deps.sh

if ! python_env typegen "$here/requirements.txt" || ! node_env typegen "$here"; then
  echo "typegen: 0 passed, 1 failed"
  exit 1
fi
[[ "${1:-}" == "--install-only" ]] && exit 0
export PATH="$node_modules/.bin:$PATH"
export NODE_PATH="$node_modules"
# The Rust verdicts: the CLI's JSON report on every body of the bank.
out="${KEEP_OUT:-}"
if [[ -z "$out" ]]; then
  out="$(mktemp -d)" || exit 1
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
# The folders with one Rust verdict for all their bodies (tests/bodies/bank.json).
bodies=()
while read -r folder; do bodies+=(tests/bodies/"$folder"/*.json); done \
  < <("$python" tests/support/bank.py rust)
# validate exits 1 when some bodies are invalid (the bank has them): the JSON is the verdict.
cargo run --quiet -p alexa-proactive-events-cli -- validate --format json --quiet \
  --max-violations 0 "${bodies[@]}" >"$out/rust-verdicts.json" || true
if ! "$python" -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/rust-verdicts.json"; then
  echo "error: no Rust verdicts (cargo run -p alexa-proactive-events-cli validate)" >&2
  echo "typegen: 0 passed, 1 failed"
  exit 1
fi

update=()
if [[ -n "${UPDATE_EXPECTED:-}" ]]; then update=(--update); fi
"$python" "$here/check.py" --out "$out" --node-modules "$node_modules" "${update[@]}"
