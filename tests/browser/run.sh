#!/usr/bin/env bash
# The emulator's page (`GET /`) in a real headless browser: Debian's chromium,
# driven by playwright-core (pinned in package-lock.json; its own browser download
# is not used). page.mjs loads the page, sends events, and checks that the
# accepted ones show their sentences and the refused ones their rule ids, with
# hostile text kept inert; it saves a screenshot to artifacts/emulator-page.png in
# cargo's target directory (and, with UPDATE_SCREENSHOT=1, to docs/emulator-page.png
# for the README).
#
# Installs what it needs: chromium with apt-get when /usr/bin/chromium is missing
# (CHROMIUM names another binary), the npm packages once into their own cached folder
# (tests/support/deps.sh).
# Builds the CLI unless PROACTIVE_EVENTS_BIN names one. Starts the emulator on
# 127.0.0.1, port 0, with a subscriptions ledger, and stops it, and the browser,
# on every exit, failures included. Meant to be called from anywhere by CI:
#   bash tests/browser/run.sh [--install-only]
# --install-only installs its packages and stops (.ci/run does it early, in the background).
set -euo pipefail

# shellcheck source=tests/support/emulator.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/emulator.sh"

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  if [[ -n "${CHROMIUM:-}" ]]; then
    echo "error: CHROMIUM=$chromium is not an executable" >&2
    exit 1
  fi
  echo "installing Debian's chromium"
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  if ! { "${sudo[@]}" apt-get update -qq \
    && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
    echo "error: cannot install chromium with apt-get" >&2
    exit 1
  fi
fi

node_env browser tests/browser
[[ "${1:-}" == "--install-only" ]] && exit 0

build_cli

# Who is subscribed: two users, recorded as Alexa's skill events would record them.
skill="amzn1.ask.skill.browser-check"
notice() { # user, request id, event names...
  local user="$1" id="$2"
  shift 2
  local list="" name
  for name in "$@"; do list+="${list:+,}{\"eventName\":\"$name\"}"; done
  cat <<EOF
{"version":"1.0","context":{"System":{"application":{"applicationId":"$skill"},
 "user":{"userId":"$user"},"apiEndpoint":"https://api.amazonalexa.com"}},
 "request":{"type":"AlexaSkillEvent.ProactiveSubscriptionChanged","requestId":"$id",
 "timestamp":"2026-01-01T00:00:00Z","body":{"subscriptions":[$list]}}}
EOF
}
notice amzn1.ask.account.ALICE req-alice AMAZON.MessageAlert.Activated \
  AMAZON.TrashCollectionAlert.Activated >"$work/alice.json"
notice amzn1.ask.account.BOB req-bob AMAZON.TrashCollectionAlert.Activated \
  AMAZON.WeatherAlert.Activated >"$work/bob.json"
"$bin" subscriptions apply --db "$work/subs.db" "$work/alice.json" "$work/bob.json" >/dev/null || exit 1

client_id="amzn1.application-oa2-client.browser-check"
secret="browser-check-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$secret" >"$work/secret"
start_emulator --rate 0 --subscriptions-db "$work/subs.db" \
  --skill-id "$skill" --client-id "$client_id" --client-secret-file "$work/secret"
echo "emulator at $url"

mkdir -p "$work/profile"
screenshot="$(target_dir)/artifacts/emulator-page.png"
status=0
EMULATOR_URL="$url" EMULATOR_CLIENT_ID="$client_id" EMULATOR_CLIENT_SECRET="$secret" \
  PROACTIVE_EVENTS_BIN="$bin" CHROMIUM="$chromium" SCREENSHOT="$screenshot" \
  PROFILE_DIR="$work/profile" \
  run_stoppable node tests/browser/page.mjs || status=1
if [[ "$status" -eq 0 && "${UPDATE_SCREENSHOT:-0}" == "1" ]]; then
  cp "$screenshot" docs/emulator-page.png && echo "updated docs/emulator-page.png"
fi
exit "$status"
