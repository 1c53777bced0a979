# shellcheck shell=bash
# Shared by tests/sdk/run.sh and tests/browser/run.sh (sourced, not run): a work
# folder, the CLI, an emulator on 127.0.0.1 port 0, and a cleanup that stops what
# was started on every exit, failures and signals included.
#
# After sourcing: $root (the repository), $work (a temporary folder), and
#   build_cli                 sets $bin (PROACTIVE_EVENTS_BIN, or a fresh debug build,
#                             wherever CARGO_TARGET_DIR or cargo's config puts it)
#   and what tests/support/deps.sh gives (python_env, node_env, target_dir, …)
#   start_emulator ARGS...    starts `proactive-events emulate --listen 127.0.0.1:0 ARGS`
#                             and sets $url from its first line
#   run_stoppable CMD...      runs CMD in the background and waits for it, so that a
#                             signal to the script stops it at once; returns its status

here_support="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/support/deps.sh
source "$here_support/deps.sh"
root="$(cd "$here_support/../.." && pwd)"
cd "$root" || exit 1

work="$(mktemp -d)"
emulator_pid=""
child_pid=""
cleanup() {
  # SIGTERM first to the child: playwright then closes the browser it launched.
  local pid
  for pid in "$child_pid" "$emulator_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_cli() {
  bin="${PROACTIVE_EVENTS_BIN:-}"
  if [[ -z "$bin" ]]; then
    # cargo names the executable it built, so no target/debug is assumed.
    bin="$(cargo build --quiet -p alexa-proactive-events-cli --bin proactive-events \
      --message-format=json-render-diagnostics | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "proactive-events" and m.get("executable"):
        print(m["executable"])
')" || exit 1
  fi
  if [[ ! -x "$bin" ]]; then
    echo "error: no proactive-events executable at '$bin'" >&2
    exit 1
  fi
}

start_emulator() {
  "$bin" emulate --listen 127.0.0.1:0 "$@" >"$work/emulator.out" 2>"$work/emulator.err" &
  emulator_pid=$!
  url=""
  local line
  for _ in $(seq 1 300); do
    line="$(head -n 1 "$work/emulator.out" 2>/dev/null)"
    if [[ "$line" =~ ^listening\ on\ (https?://127\.0\.0\.1:[0-9]+)$ ]]; then
      url="${BASH_REMATCH[1]}"
      break
    fi
    kill -0 "$emulator_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    echo "error: the emulator did not start:" >&2
    cat "$work/emulator.out" "$work/emulator.err" >&2
    exit 1
  fi
}

run_stoppable() {
  "$@" &
  child_pid=$!
  local status=0
  wait "$child_pid" || status=$?
  child_pid=""
  return "$status"
}
