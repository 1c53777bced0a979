#!/usr/bin/env bash
# The workspace against the newest semver-compatible release of every dependency, as a
# user who adds it today would resolve them: in a scratch copy of the working tree,
# `cargo update`, then clippy with warnings denied and the tests. A dependency's new
# deprecation or breakage shows here before a user meets it. The repository's Cargo.lock
# is never touched.
#
#   bash .ci/updated-deps.sh          clippy, the test build, and the tests
#
# The copy builds in this workspace's build directory (cargo's build-dir), so the
# dependencies that did not move are not built again; its binaries go to
# <target>/updated-deps/target. ALEXA_PE_TEST_POSTGRES_URL and the like pass through.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

metadata="$(cargo metadata --format-version 1 --no-deps)"
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$metadata" "$1"; }
build_dir="$(field build_directory)"
scratch="$(field target_directory)/updated-deps"

# The working tree as git sees it: tracked and untracked files, ignored ones (target/,
# node_modules/) left out; a tracked file deleted in the tree is skipped.
rm -rf "$scratch"
mkdir -p "$scratch/src"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --files-from=- --ignore-failed-read -cf - \
  | tar -xf - -C "$scratch/src"
cd "$scratch/src"
export CARGO_TARGET_DIR="$scratch/target" CARGO_BUILD_BUILD_DIR="$build_dir"

# `allow`: the newest releases even past the lowest rust-version in the workspace
# (codegen's), which would otherwise hold some back from the published crates' users.
CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=allow cargo update
phase() { printf -- '-- [%ds] %s\n' "$SECONDS" "$*"; }
phase "clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings
phase "test build"
cargo test --workspace --all-features --no-run
phase "tests"
# The guide's snippets are left to the main run: they build crates of their own, minutes
# more, and what they use of the dependencies is what the workspace's build just compiled.
cargo test --workspace --all-features -- --skip snippets::every_snippet
phase "done"
