#!/usr/bin/env bash
# Amazon's own SDKs, unmodified, against `proactive-events emulate --tls`:
# Python ask-sdk-core + ask-sdk-model (check.py) and Node ask-sdk-core +
# ask-sdk-model (check.mjs) send every body of tests/bodies (valid: 202, resent:
# 409; invalid: 400; each error parsed by the SDK) and a wrong secret (a parsed
# LWA error).
#
# Installs its own dependencies, pinned: the Python packages of requirements.txt
# into a venv and the Node packages of package-lock.json, each once into its own
# cached folder (tests/support/deps.sh).
# Builds the CLI unless PROACTIVE_EVENTS_BIN names one. Starts the emulator on
# 127.0.0.1, port 0, and stops it on every exit, failures included.
# Meant to be called from anywhere by CI:
#   bash tests/sdk/run.sh [--install-only]
# --install-only installs its packages and stops (.ci/run does it early, in the background).
set -euo pipefail

# shellcheck source=tests/support/emulator.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/emulator.sh"

python_env sdk tests/sdk/requirements.txt
node_env sdk tests/sdk
[[ "${1:-}" == "--install-only" ]] && exit 0

# --- The emulator, over HTTPS, with its certificate written for the SDKs to trust.
build_cli
client_id="amzn1.application-oa2-client.sdk-check"
secret="sdk-check-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$secret" >"$work/secret"
start_emulator --tls --tls-cert "$work/emulator.pem" --rate 0 \
  --client-id "$client_id" --client-secret-file "$work/secret"
# The certificate is written right after the first line.
for _ in $(seq 1 50); do
  [[ -s "$work/emulator.pem" ]] && break
  sleep 0.1
done
if [[ "$url" != https://* || ! -s "$work/emulator.pem" ]]; then
  echo "error: the emulator did not start over HTTPS:" >&2
  cat "$work/emulator.out" "$work/emulator.err" >&2
  exit 1
fi
echo "emulator at $url"

# Each check can be stopped by a signal to this script (run_stoppable).
status=0
EMULATOR_URL="$url" EMULATOR_CLIENT_ID="$client_id" EMULATOR_CLIENT_SECRET="$secret" \
  REQUESTS_CA_BUNDLE="$work/emulator.pem" \
  run_stoppable "$python" tests/sdk/check.py || status=1
EMULATOR_URL="$url" EMULATOR_CLIENT_ID="$client_id" EMULATOR_CLIENT_SECRET="$secret" \
  NODE_EXTRA_CA_CERTS="$work/emulator.pem" \
  run_stoppable node tests/sdk/check.mjs || status=1

# The secret never reaches the emulator's output.
if grep -qF "$secret" "$work/emulator.out" "$work/emulator.err"; then
  echo "FAIL: the emulator printed the client secret" >&2
  status=1
fi
if ! kill -0 "$emulator_pid" 2>/dev/null; then
  echo "FAIL: the emulator died during the checks:" >&2
  cat "$work/emulator.err" >&2
  status=1
fi
exit "$status"
