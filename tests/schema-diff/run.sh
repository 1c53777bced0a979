#!/usr/bin/env bash
# schema-diff's Rust oracle (issue 24): for every edit of tests/schema-diff/edits.yaml, the
# facade generated from the base and from the edit, compared by cargo-semver-checks, must
# agree with schema-diff on major versus not, apart from the exceptions of decision D31
# (tests/it/schema_diff_semver.rs lists them). The JSON Schema oracle is an ordinary test
# (tests/it/schema_diff.rs).
# Meant to be called from CI after the Rust tests (it reuses their build of the `it` tests):
#   bash tests/schema-diff/run.sh [--install-only]
# --install-only installs the tool and stops (.ci/run does it early, in the background).
# cargo-semver-checks is pinned and installed once from crates.io into the cache of
# tests/support/deps.sh; a second run installs nothing. The facades are built under
# $CARGO_TARGET_DIR/schema-diff (default target/schema-diff), kept between runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
source tests/support/deps.sh

# Its rustdoc JSON formats must include the toolchain's: 0.51 reads rustc 1.95's.
if ! cargo_tool cargo-semver-checks 0.51.0; then
  echo "schema-diff: 0 passed, 1 failed"
  exit 1
fi
tool="$tool_bin/cargo-semver-checks"

[[ "${1:-}" == "--install-only" ]] && exit 0

started=$SECONDS
ALEXA_PE_CARGO_SEMVER_CHECKS="$tool" cargo test --quiet -p pipeline-tests --all-features \
  --test it schema_diff_semver -- --ignored --nocapture
echo "schema-diff oracle: $((SECONDS - started))s"
