#!/usr/bin/env bash
# Cross-language check of generated/json-schema: Python `jsonschema` and Node Ajv must both
# accept every body in tests/bodies/valid and reject every body in tests/bodies/invalid, and
# give every case of date-times.json its verdict, each with and without format checking
# (FormatChecker / ajv-formats). Both also check every single-step mutation of the valid
# bodies (the set tests/it/cross_check.rs checks in Rust, over 2000): the file is written by
# `cargo run -p pipeline-tests --example export_mutations`, which refuses to write it if the
# Rust jsonschema crate and the typed parse disagree, into a temporary folder removed on exit,
# and handed to both checkers as MUTATIONS; each must give every mutation the Rust verdict
# with the mutation's event schema and the any-event schema. A failed export fails the run.
# Installs its own dependencies, pinned (requirements.txt, package-lock.json), each once
# into its own cached folder (tests/support/deps.sh). Meant to be called from the repo root
# by CI:
#   bash tests/cross-language/run.sh [--install-only]
# --install-only installs its packages and stops (.ci/run does it early, in the background).
# SCHEMA_DIR (optional) points both checkers at another schema folder.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
source tests/support/deps.sh

python_env cross-language tests/cross-language/requirements.txt
node_env cross-language tests/cross-language
[[ "${1:-}" == "--install-only" ]] && exit 0

tmp="$(mktemp -d)" || {
  echo "error: mktemp -d failed" >&2
  exit 1
}
trap 'rm -rf "$tmp"' EXIT
cargo run --quiet -p pipeline-tests --example export_mutations -- "$tmp/mutations.json" || {
  echo "error: cargo run -p pipeline-tests --example export_mutations failed; no mutations to check" >&2
  exit 1
}
export MUTATIONS="$tmp/mutations.json"

status=0
"$python" tests/cross-language/check.py || status=1
node tests/cross-language/check.mjs || status=1
exit "$status"
