#!/usr/bin/env bash
# Builds helm (the chart renderer and linter the packaging test runs) from the Go module proxy:
# Debian's helm package is older than the chart API v2 features the chart uses, and npm/PyPI
# ship none. helm's main module has no replace directives, so `go install module@version` builds
# it as released, into the tools cache, sharing Go's module and build caches with the other builds.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
out="$FLEETFLOW_TOOLS/helm/$HELM_VERSION"
if [[ -x "$out/helm" ]]; then log "helm v$HELM_VERSION: cached in $out"; exit 0; fi
mkdir -p "$out"
log "helm v$HELM_VERSION: downloading modules and compiling"
start=$(date +%s)
# The version is stamped the way helm's Makefile does, so `helm version` names the release.
GOFLAGS=-buildvcs=false GOBIN="$out/tmp" nice -n 10 go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
mv "$out/tmp/helm" "$out/helm"; rmdir "$out/tmp"
log "helm v$HELM_VERSION: built into $out in $(( $(date +%s) - start ))s ($(du -h "$out/helm" | cut -f1))"
