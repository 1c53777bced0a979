#!/usr/bin/env bash
# Builds the guide, an mdBook, into OUT (default: <target>/guide) and checks every link in
# it that stays inside the book. mdbook is pinned and installed once into the cache of
# tests/support/deps.sh (cargo install from crates.io, a few minutes the first time).
#
# The book's source is a copy of the repository's files at their own paths, with
# src/SUMMARY.md made from docs/guide/src/SUMMARY.md (its links resolved from there, and
# one entry per page of generated/docs/ where it says so). So every link in the guide,
# the README, the decisions and the generated event reference works in the book as it
# does on GitHub, and a new schema's page joins the book with no edit here.
#   bash docs/guide/build.sh [OUT | --install-only]
# --install-only installs mdbook and stops (.ci/run does it early, in the background).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
source tests/support/deps.sh

cargo_tool mdbook 0.5.4 --no-default-features || exit 1
mdbook="$tool_bin/mdbook"
[[ "${1:-}" == "--install-only" ]] && exit 0
target="$(target_dir)"
out="$(realpath -m "${1:-$target/guide}")"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/src"
cp "$here/book.toml" "$stage/"
# The repository's files (tracked, or new and not ignored) that exist in the work tree.
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [[ -f "$f" ]] && printf '%s\0' "$f"; done \
  | xargs -0 cp --parents -t "$stage/src"
python3 "$here/stage.py" "$here/src/SUMMARY.md" "$root" "$stage/src"
rm -rf "$out"
"$mdbook" build "$stage" --dest-dir "$out"
python3 "$here/check_links.py" "$out"
