#!/usr/bin/env bash
# Builds Toxiproxy (the TCP proxy the network-fault tests put between the worker and local
# API servers) from the Go module proxy: the server and its CLI in one `go install`, so they
# share one module download and one compile of the common packages.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
out="$FLEETFLOW_TOOLS/toxiproxy/$TOXIPROXY_VERSION"
if [[ -x "$out/toxiproxy-server" && -x "$out/toxiproxy-cli" ]]; then log "toxiproxy v$TOXIPROXY_VERSION: cached in $out"; exit 0; fi
mkdir -p "$out"
log "toxiproxy v$TOXIPROXY_VERSION: downloading modules and compiling"
start=$(date +%s)
# go install pkg@version builds outside any module, as released; the commands are named for
# their folders (server, cli), renamed below to the names Toxiproxy ships them under.
GOFLAGS=-buildvcs=false GOBIN="$out/tmp" nice -n 10 go install -trimpath \
  -ldflags "-s -w -X github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION" \
  "github.com/Shopify/toxiproxy/v2/cmd/server@v$TOXIPROXY_VERSION" \
  "github.com/Shopify/toxiproxy/v2/cmd/cli@v$TOXIPROXY_VERSION"
mv "$out/tmp/server" "$out/toxiproxy-server"
mv "$out/tmp/cli" "$out/toxiproxy-cli"
rmdir "$out/tmp"
log "toxiproxy v$TOXIPROXY_VERSION: built into $out in $(( $(date +%s) - start ))s ($(du -sh "$out" | cut -f1))"
