#!/usr/bin/env bash
# Builds HashiCorp Vault from its Go module with this machine's Go toolchain and caches the binary
# outside the repo, keyed by version. Prints the binary's path as the last line.
# --cached-only: print the cached binary, or exit 1 without building.
set -euo pipefail
VAULT_VERSION="${VAULT_VERSION:-v1.21.4}"
cache="${VAULT_CHARM_CACHE:-$HOME/.cache/vault-charm}/vault-${VAULT_VERSION}"
binary="$cache/vault"
if [ -x "$binary" ] && "$binary" version >/dev/null 2>&1; then
  echo "$binary"
  exit 0
fi
[ "${1:-}" = "--cached-only" ] && exit 1
here="$(cd "$(dirname "$0")" && pwd)"
build="$cache/build"
mkdir -p "$build"
cp "$here/vault-build/main.go" "$build/main.go"
sed "s/@VAULT_VERSION@/${VAULT_VERSION}/" "$here/vault-build/go.mod.in" > "$build/go.mod"
cd "$build"
echo "building Vault ${VAULT_VERSION} from its Go module (first run only; several minutes on 2 cores)" >&2
start=$SECONDS
GOFLAGS=-mod=mod go mod tidy >&2
GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$binary.tmp" . >&2
mv "$binary.tmp" "$binary"
echo "built Vault in $((SECONDS - start))s: $("$binary" version)" >&2
echo "$binary"
