#!/usr/bin/env bash
# Cross-language check of generated/json-schema: Python `jsonschema` and Node Ajv must both
# accept every body in tests/bodies/valid and reject every body in tests/bodies/invalid.
# Installs its own dependencies; meant to be called from the repo root by CI:
#   bash tests/cross-language/run.sh
# SCHEMA_DIR (optional) points both checkers at another schema folder.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.." || exit 1

export PIP_ROOT_USER_ACTION=ignore  # quiet the "running pip as root" warning on CI
pip_args=(--quiet --disable-pip-version-check 'jsonschema>=4.18' rfc3339-validator)
if ! python3 -m pip install "${pip_args[@]}"; then
  # A Debian-managed python3 refuses plain installs (PEP 668); CI here has its own python.
  python3 -m pip install --break-system-packages "${pip_args[@]}" || {
    echo "error: cannot install jsonschema and rfc3339-validator" >&2
    exit 1
  }
fi
npm ci --prefix tests/cross-language --no-audit --no-fund --loglevel=error || {
  echo "error: npm ci failed in tests/cross-language" >&2
  exit 1
}

status=0
python3 tests/cross-language/check.py || status=1
node tests/cross-language/check.mjs || status=1
exit "$status"
