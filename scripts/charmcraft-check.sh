#!/usr/bin/env bash
# charmcraft's view of the project and of packed charms: installs charmcraft from PyPI into a venv
# cached outside the repo (keyed by version), then `charmcraft expand-extensions` on the project
# (it loads charmcraft.yaml with metadata.yaml, config.yaml and actions.yaml, offline) and
# `charmcraft analyse` on each archive given. Any error or warning fails. (`charmcraft pack` needs
# LXD; `npm run pack` is the offline build.)
# Usage: scripts/charmcraft-check.sh build/vault_amd64.charm build/vault_arm64.charm
set -euo pipefail
cd "$(dirname "$0")/.."
CHARMCRAFT_VERSION=4.5.0
cache="${VAULT_CHARM_CACHE:-$HOME/.cache/vault-charm}/charmcraft-$CHARMCRAFT_VERSION"
charmcraft="$cache/venv/bin/charmcraft"
if ! "$charmcraft" version >/dev/null 2>&1; then
  rm -rf "$cache"
  mkdir -p "$cache"
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install --quiet --disable-pip-version-check "charmcraft==$CHARMCRAFT_VERSION"
fi
# charmcraft's platformdirs warns when there is no runtime directory (CI has none): give it one, so
# every warning left is about the charm.
XDG_RUNTIME_DIR="$(mktemp -d)"
export XDG_RUNTIME_DIR
trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT

fail=0
check() { # <what> <command...>: runs it, shows its output, fails on a non-zero exit or any warning or error
  local what="$1" out status=0
  shift
  out="$("$@" 2>&1)" || status=$?
  if [ "$status" -ne 0 ] || grep -Eiq '\[(warning|error|fatal)\]|warning:|error:|traceback' <<<"$out"; then
    printf '%s\n' "$out" >&2
    echo "FAILED: $what (exit $status)" >&2
    fail=1
  else
    echo "ok: $what"
  fi
}
check "charmcraft $CHARMCRAFT_VERSION expand-extensions" "$charmcraft" expand-extensions
for archive in "$@"; do
  check "charmcraft analyse $archive" "$charmcraft" analyse "$archive"
done
exit "$fail"
