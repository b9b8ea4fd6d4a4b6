#!/usr/bin/env bash
# Builds kube-apiserver and kubectl for one Kubernetes release from the Go module proxy.
# k8s.io/kubernetes points its staging modules at ./staging, which a module consumer cannot
# use, so a throwaway wrapper module replaces each one with the published v0.MINOR.PATCH.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
version="$1"                       # e.g. 1.35.4
out="$FLEETFLOW_TOOLS/kube/$version"
if [[ -x "$out/kube-apiserver" && -x "$out/kubectl" ]]; then
  log "kube-apiserver/kubectl v$version: cached in $out"; exit 0
fi
IFS=. read -r major minor patch <<<"$version"
work="$FLEETFLOW_TOOLS/work/kube-$version"
rm -rf "$work"; mkdir -p "$work" "$out"
cd "$work"
log "kube v$version: resolving k8s.io/kubernetes staging modules"
gomod="$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
{
  echo "module fleetflow.local/kubebuild"
  echo
  sed -n 's/^go \(.*\)/go \1/p' "$gomod"
  echo
  echo "require k8s.io/kubernetes v$version"
  echo
  sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => ./staging/.*#replace \1 => \1 v0.'"$minor.$patch"'#p' "$gomod"
} > go.mod
log "kube v$version: $(grep -c '^replace' go.mod) staging modules replaced; downloading modules"
cat > tools.go <<'GO'
//go:build tools

package kubebuild

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
go mod tidy -e >/dev/null 2>&1 || true
go get "k8s.io/kubernetes/cmd/kube-apiserver@v$version" "k8s.io/kubernetes/cmd/kubectl@v$version"
ldflags="-s -w"
for kv in "gitVersion=v$version" "gitMajor=$major" "gitMinor=$minor" "gitTreeState=clean" \
          "buildDate=1970-01-01T00:00:00Z"; do
  ldflags+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done
for cmd in kube-apiserver kubectl; do
  log "kube v$version: compiling $cmd (several minutes on 2 cores)"
  go build -trimpath -ldflags "$ldflags" -o "$out/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
  mv "$out/$cmd.tmp" "$out/$cmd"
done
rm -rf "$work"
log "kube v$version: built into $out"
