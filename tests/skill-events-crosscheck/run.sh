#!/usr/bin/env bash
# Cross-check of the skill-events verifier against Amazon's own
# (ask-sdk-webservice-support's RequestVerifier and TimestampVerifier): both must
# give the same verdict on every case of the signed corpus that
# tests/it/skill_events_corpus.rs writes. Installs its own (pinned) Python
# dependencies into a virtual environment, reused between runs; pip's download
# cache applies as usual. Meant to be called from the repo root by CI:
#   bash tests/skill-events-crosscheck/run.sh
# SKILL_EVENTS_VENV (optional) sets where the virtual environment lives
# (default: target/skill-events-crosscheck-venv).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.." || exit 1

venv="${SKILL_EVENTS_VENV:-target/skill-events-crosscheck-venv}"
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
stamp="$venv/.requirements"
if ! cmp -s "$here/requirements.txt" "$stamp" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv" || { echo "error: cannot create a virtual environment at $venv" >&2; exit 1; }
  "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt" || {
    echo "error: cannot install tests/skill-events-crosscheck/requirements.txt" >&2
    exit 1
  }
  cp "$here/requirements.txt" "$stamp"
fi

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
# Writes the corpus (and checks our own verdicts on it).
SKILL_EVENTS_CORPUS_DIR="$corpus" cargo test --quiet -p pipeline-tests --all-features --test it \
  skill_events_corpus::corpus_verdicts_and_writer -- --exact || {
  echo "error: the Rust corpus writer failed" >&2
  exit 1
}
"$venv/bin/python" "$here/check.py" "$corpus"
