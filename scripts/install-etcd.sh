#!/usr/bin/env bash
# Installs etcd and etcdctl from Debian's etcd-server / etcd-client packages into a directory cached
# outside the repo, keyed by version, WITHOUT installing the packages (no system service is started):
# `apt-get download` fetches the .debs and `dpkg-deb -x` unpacks them. Prints the directory holding
# the `etcd` and `etcdctl` binaries as the last line; everything else goes to stderr.
# --cached-only: print the cached directory, or exit 1 without downloading.
set -euo pipefail
ETCD_VERSION="${ETCD_VERSION:-3.4.23-4+b4}"
cache="${VAULT_CHARM_CACHE:-$HOME/.cache/vault-charm}/etcd-${ETCD_VERSION}"
bin="$cache/usr/bin"
if [ -x "$bin/etcd" ] && [ -x "$bin/etcdctl" ] && "$bin/etcd" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
[ "${1:-}" = "--cached-only" ] && exit 1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt drops privileges to _apt for downloads when it can; let it write here to avoid a warning.
chmod 0777 "$work"
download() {
  (cd "$work" && apt-get download "etcd-server=${ETCD_VERSION}" "etcd-client=${ETCD_VERSION}") >&2
}
if ! download; then
  echo "apt-get download failed; refreshing the package lists and retrying" >&2
  apt-get update >&2
  download
fi
rm -rf "$cache.tmp"
mkdir -p "$cache.tmp"
for deb in "$work"/etcd-server_*.deb "$work"/etcd-client_*.deb; do
  dpkg-deb -x "$deb" "$cache.tmp"
done
rm -rf "$cache"
mv "$cache.tmp" "$cache"
"$bin/etcd" --version >&2
"$bin/etcdctl" version >&2
echo "$bin"
