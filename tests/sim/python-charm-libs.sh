#!/usr/bin/env bash
# Installs the Python charm libraries the simulator's third-party charm tests use (ops, and
# charm-helpers' hookenv) from PyPI into a venv cached outside the repo, keyed by their versions.
# Prints the venv's python as the last line. The tests find the same venv by the same key.
set -euo pipefail
OPS_VERSION="${OPS_VERSION:-3.9.0}"
CHARMHELPERS_VERSION="${CHARMHELPERS_VERSION:-1.2.1}"
venv="${VAULT_CHARM_CACHE:-$HOME/.cache/vault-charm}/charm-python-ops-${OPS_VERSION}-charmhelpers-${CHARMHELPERS_VERSION}"
python="$venv/bin/python"
if [ -x "$python" ] && "$python" -c 'import ops, charmhelpers.core.hookenv' >/dev/null 2>&1; then
  echo "$python"
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "ops==${OPS_VERSION}" "charmhelpers==${CHARMHELPERS_VERSION}" >&2
"$python" -c 'import ops, charmhelpers.core.hookenv; print("ops", ops.__version__)' >&2
echo "$python"
