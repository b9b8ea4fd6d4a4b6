#!/usr/bin/env bash
# Builds KWOK (the node and pod simulator every local cluster runs) from the Go module proxy.
# Its module has no replace directives, so `go install module@version` builds it as released,
# into the tools cache, sharing Go's module and build caches with the Kubernetes builds.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
out="$FLEETFLOW_TOOLS/kwok/$KWOK_VERSION"
if [[ -x "$out/kwok" ]]; then log "kwok v$KWOK_VERSION: cached in $out"; exit 0; fi
mkdir -p "$out"
log "kwok v$KWOK_VERSION: downloading modules and compiling"
# go install pkg@version refuses -mod=mod; build outside any module with the cache's GOFLAGS
# otherwise kept (its consts.Version already says the release).
GOFLAGS=-buildvcs=false GOBIN="$out/tmp" go install -trimpath \
  -ldflags "-s -w" \
  "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
mv "$out/tmp/kwok" "$out/kwok"; rmdir "$out/tmp"
log "kwok v$KWOK_VERSION: built into $out"
