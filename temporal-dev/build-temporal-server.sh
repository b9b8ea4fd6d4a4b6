#!/usr/bin/env bash
# Builds the Temporal server (cmd/server) and its SQL schema tool (cmd/tools/sql) from the Go module
# proxy, for `temporal-dev/cluster`: a real multi-shard cluster on PostgreSQL, unlike the dev
# server's single SQLite process. Both come from one module, so one `go build` compiles the shared
# dependencies once. The PostgreSQL schema files ship inside the module and are copied beside them.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
out="$FLEETFLOW_TOOLS/temporal-server/$TEMPORAL_SERVER_VERSION"
if [[ -x "$out/temporal-server" && -x "$out/temporal-sql-tool" && -d "$out/schema/postgresql" ]]; then
  log "temporal-server v$TEMPORAL_SERVER_VERSION: cached in $out"; exit 0
fi
work="$FLEETFLOW_TOOLS/work/temporal-server-$TEMPORAL_SERVER_VERSION"
rm -rf "$work" "$out"; mkdir -p "$work" "$out/bin.tmp"; cd "$work"
printf 'module fleetflow.local/temporalserverbuild\n\ngo 1.26\n' > go.mod
start=$(date +%s)
log "temporal-server v$TEMPORAL_SERVER_VERSION: downloading modules (toolchain $GOTOOLCHAIN)"
go get "go.temporal.io/server@v$TEMPORAL_SERVER_VERSION"
log "temporal-server v$TEMPORAL_SERVER_VERSION: compiling cmd/server and cmd/tools/sql"
nice -n 10 go build -trimpath -ldflags "-s -w" -o "$out/bin.tmp/" \
  go.temporal.io/server/cmd/server go.temporal.io/server/cmd/tools/sql
mv "$out/bin.tmp/server" "$out/temporal-server"
mv "$out/bin.tmp/sql" "$out/temporal-sql-tool"
rmdir "$out/bin.tmp"
src="$(go list -m -f '{{.Dir}}' "go.temporal.io/server")"
mkdir -p "$out/schema/postgresql/v12"
cp -r "$src/schema/postgresql/v12/temporal" "$src/schema/postgresql/v12/visibility" "$out/schema/postgresql/v12/"
chmod -R u+w "$out/schema"
rm -rf "$work"
log "temporal-server v$TEMPORAL_SERVER_VERSION: built into $out in $(( $(date +%s) - start ))s ($(du -sh "$out" | cut -f1))"
