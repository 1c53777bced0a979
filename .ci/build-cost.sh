#!/usr/bin/env bash
# The cold-build cost of each job's features, against serde: for each row, a fresh crate
# depending on the facade with those features is built from nothing (its own target
# directory, crates already downloaded; the workspace's Cargo.lock, so the versions are
# the tested ones), and the CPU time (user + system) is compared with the same build of
# a crate depending on serde (derive) and serde_json alone. CPU time, not wall time, so
# that other work on the machine moves the figures less. Not part of CI (minutes); the
# README's feature table quotes a run.
#   bash .ci/build-cost.sh [--release]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
profile=()
[[ "${1:-}" == "--release" ]] && profile=(--release)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

facade="alexa-proactive-events = { path = \"$root/generated\""
rows=(
  "serde|serde = { version = \"1\", features = [\"derive\"] }
serde_json = \"1\""
  "none|$facade }"
)
# Each feature alone (the runtime's manifest owns the list), then client with emulator.
while read -r feature; do
  rows+=("$feature|$facade, features = [\"$feature\"] }")
done < <(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "alexa-proactive-events-runtime":
        print("\n".join(f for f in p["features"] if f != "default"))')
rows+=("client + emulator|$facade, features = [\"client\", \"emulator\"] }")
base=""
printf '| features | cold build, CPU s | vs serde |\n|---|---|---|\n'
for row in "${rows[@]}"; do
  name="${row%%|*}" deps="${row#*|}"
  dir="$work/crate"
  rm -rf "$dir" "$work/target" && mkdir -p "$dir/src"
  printf '[package]\nname = "cost"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n[workspace]\n[dependencies]\n%s\n' \
    "$deps" >"$dir/Cargo.toml"
  echo 'fn main() {}' >"$dir/src/main.rs"
  cp "$root/Cargo.lock" "$dir/"
  TIMEFORMAT='%U %S'
  cpu=$( { time ( cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo build --quiet --offline "${profile[@]}" >&2 ) ; } 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1 + $2}')
  [[ -z "$base" ]] && base="$cpu"
  printf '| %s | %s | %s |\n' "$name" "$cpu" "$(awk -v s="$cpu" -v b="$base" 'BEGIN{printf "%.1fx", s/b}')"
done
rm -rf "$work/target"
