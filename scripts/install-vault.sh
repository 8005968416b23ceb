#!/usr/bin/env bash
# Builds HashiCorp Vault from its Go module with this machine's Go toolchain and caches the binary
# outside the repo, keyed by version. Prints the binary's path as the last line.
# --cached-only: print the cached binary, or exit 1 without building.
#
# Why v1.19.5 with sdk v0.17.0: Vault's go.mod replaces github.com/hashicorp/vault/sdk with ./sdk,
# and a module download leaves that nested module out, so a wrapper must name a tagged sdk whose
# code matches the release's tree. For v1.21.4 none does (sdk v0.21.0-v0.23.0: `ActivationFunc`
# and `RestorePolicy` signatures differ; v0.24.0+: `logical.PkiCertificateCountSystemView` is
# undefined), and the module proxy here refuses commit pseudo-versions. v1.19.5 builds with sdk
# v0.17.0 (its own go.mod names v0.15.2, which lacks `consts.PluginTier`; v0.16.0 too).
set -euo pipefail
VAULT_VERSION="${VAULT_VERSION:-v1.19.5}"
VAULT_SDK_VERSION="${VAULT_SDK_VERSION:-v0.17.0}"
cache="${VAULT_CHARM_CACHE:-$HOME/.cache/vault-charm}/vault-${VAULT_VERSION}"
binary="$cache/vault"
if [ -x "$binary" ] && "$binary" version >/dev/null 2>&1; then
  echo "$binary"
  exit 0
fi
[ "${1:-}" = "--cached-only" ] && exit 1
# One build at a time: a second caller (two test runs started together) waits for the first and
# takes its binary, rather than compiling the same tree into the same directory beside it.
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if [ -x "$binary" ] && "$binary" version >/dev/null 2>&1; then
  echo "$binary"
  exit 0
fi
here="$(cd "$(dirname "$0")" && pwd)"
build="$cache/build"
mkdir -p "$build"
cp "$here/vault-build/main.go" "$build/main.go"
sed -e "s/@VAULT_VERSION@/${VAULT_VERSION}/" -e "s/@VAULT_SDK_VERSION@/${VAULT_SDK_VERSION}/" "$here/vault-build/go.mod.in" > "$build/go.mod"
cd "$build"
# Vault's go.sum vouches for its dependencies, so the checksum database is asked only for the rest.
GOFLAGS=-mod=mod go mod download "github.com/hashicorp/vault@${VAULT_VERSION}" >&2
cp "$(go env GOMODCACHE)/github.com/hashicorp/vault@${VAULT_VERSION}/go.sum" go.sum
chmod u+w go.sum
echo "building Vault ${VAULT_VERSION} from its Go module (first run only; several minutes on 2 cores)" >&2
start=$SECONDS
GOFLAGS=-mod=mod go mod tidy >&2
GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$binary.tmp" . >&2
mv "$binary.tmp" "$binary"
echo "built Vault in $((SECONDS - start))s: $("$binary" version)" >&2
echo "$binary"
