#!/usr/bin/env bash
# Builds etcd from the Go module proxy (Debian's 3.4 is older than current Kubernetes accepts).
# etcd's server module replaces its sibling modules with relative paths, so it is built from a
# wrapper module that requires it and lets the sibling versions resolve from the proxy.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
out="$FLEETFLOW_TOOLS/etcd/$ETCD_VERSION"
if [[ -x "$out/etcd" ]]; then log "etcd v$ETCD_VERSION: cached in $out"; exit 0; fi
work="$FLEETFLOW_TOOLS/work/etcd-$ETCD_VERSION"
rm -rf "$work"; mkdir -p "$work" "$out"; cd "$work"
printf 'module fleetflow.local/etcdbuild\n\ngo 1.24\n' > go.mod
log "etcd v$ETCD_VERSION: downloading modules"
go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
log "etcd v$ETCD_VERSION: compiling"
go build -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3
mv "$out/etcd.tmp" "$out/etcd"
rm -rf "$work"
log "etcd v$ETCD_VERSION: built into $out"
