#!/usr/bin/env bash
# Cross-check of the skill-events verifier against Amazon's own
# (ask-sdk-webservice-support's RequestVerifier and TimestampVerifier): both must
# give the same verdict on every case of the signed corpus that
# tests/it/skill_events_corpus.rs writes. Installs its own (pinned) Python
# dependencies into a virtual environment of its own, once, in the cache
# (tests/support/deps.sh). Meant to be called from the repo root by CI:
#   bash tests/skill-events-crosscheck/run.sh [--install-only]
# --install-only installs its packages and stops (.ci/run does it early, in the background).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
source tests/support/deps.sh

python_env skill-events-crosscheck "$here/requirements.txt"
[[ "${1:-}" == "--install-only" ]] && exit 0

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
# Writes the corpus (and checks our own verdicts on it).
SKILL_EVENTS_CORPUS_DIR="$corpus" cargo test --quiet -p pipeline-tests --all-features --test it \
  skill_events_corpus::corpus_verdicts_and_writer -- --exact || {
  echo "error: the Rust corpus writer failed" >&2
  exit 1
}
"$python" "$here/check.py" "$corpus"
