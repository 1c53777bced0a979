#!/usr/bin/env bash
# A throwaway PostgreSQL for the subscription ledger's tests and benchmarks.
#
#   bash .ci/postgres.sh start   # install if absent, create a cluster in a temp dir, start it
#   eval "$(bash .ci/postgres.sh env)"   # export ALEXA_PE_TEST_POSTGRES_URL
#   bash .ci/postgres.sh stop    # stop it and remove the directory
#
# The cluster runs as a non-root user (`nobody` when started as root), listens on
# 127.0.0.1 only, on a free port, and trusts loopback connections (no password).
# It is for tests: fsync is off, so a power loss may lose it (nothing is kept anyway).
# The state (directory, URL) is kept in target/ci-postgres.env for `env` and `stop`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

state="$PWD/target/ci-postgres.env"
var=ALEXA_PE_TEST_POSTGRES_URL

die() { printf 'postgres.sh: %s\n' "$*" >&2; exit 1; }

# The directory holding initdb and pg_ctl: PATH first, then Debian's layout.
find_bin() {
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/pg_ctl" && -x "$dir/initdb" ]]; then
    printf '%s\n' "$dir"
  fi
}

# Runs a command as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

start() {
  if [[ -f "$state" ]]; then
    # shellcheck disable=SC1090
    source "$state"
    if [[ -n "${ALEXA_PE_PG_DIR:-}" && -d "$ALEXA_PE_PG_DIR" ]] \
      && as_owner "$ALEXA_PE_PG_BIN/pg_ctl" -D "$ALEXA_PE_PG_DIR/data" status >/dev/null 2>&1; then
      echo "postgres.sh: already running: $var=${!var}" >&2
      printf 'export %s=%q\n' "$var" "${!var}"
      return
    fi
    rm -f "$state"
  fi
  local bin
  bin=$(find_bin)
  if [[ -z "$bin" ]]; then
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed: as root, this script installs Debian's postgresql package"
    echo "postgres.sh: installing Debian's postgresql package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    bin=$(find_bin)
    [[ -n "$bin" ]] || die "installed postgresql, but found no initdb/pg_ctl in PATH or /usr/lib/postgresql/*/bin"
  fi

  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/alexa-pe-postgres.XXXXXX")
  chmod 0755 "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    chown nobody:nogroup "$dir"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
  # Loopback only; the unix socket stays in the temporary directory.
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
EOF
  # A free port: the server refuses to start on a taken one, so try a few.
  local port started=""
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    if as_owner "$bin/pg_ctl" -D "$dir/data" -o "-p $port" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
      started=1
      break
    fi
  done
  if [[ -z "$started" ]]; then
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
    die "the server did not start on any of 20 ports"
  fi
  local url="postgres://postgres@127.0.0.1:$port/postgres"
  mkdir -p "$(dirname "$state")"
  {
    printf 'ALEXA_PE_PG_DIR=%q\n' "$dir"
    printf 'ALEXA_PE_PG_BIN=%q\n' "$bin"
    printf 'export %s=%q\n' "$var" "$url"
  } >"$state"
  echo "postgres.sh: PostgreSQL ($("$bin/pg_ctl" --version)) running in $dir on 127.0.0.1:$port" >&2
  printf 'export %s=%q\n' "$var" "$url"
}

stop() {
  [[ -f "$state" ]] || { echo "postgres.sh: nothing to stop" >&2; return 0; }
  # shellcheck disable=SC1090
  source "$state"
  if [[ -d "${ALEXA_PE_PG_DIR:-}/data" ]]; then
    as_owner "$ALEXA_PE_PG_BIN/pg_ctl" -D "$ALEXA_PE_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "${ALEXA_PE_PG_DIR:-}" in
    */alexa-pe-postgres.*) rm -rf "$ALEXA_PE_PG_DIR" ;;
  esac
  rm -f "$state"
  echo "postgres.sh: stopped" >&2
}

env_() {
  [[ -f "$state" ]] || die "not running: bash .ci/postgres.sh start"
  grep "^export $var=" "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) env_ ;;
  *) die "usage: bash .ci/postgres.sh start|stop|env" ;;
esac
