#!/usr/bin/env bash
# Builds one Kubernetes release's binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl) from the Go module proxy, all in ONE `go build` so they share the
# compile of the packages they have in common. k8s.io/kubernetes points its staging modules at
# ./staging, which a module consumer cannot use, so a throwaway wrapper module replaces each one
# with the published v0.MINOR.PATCH.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
version="$1"                       # e.g. 1.35.4
out="$FLEETFLOW_TOOLS/kube/$version"
cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
missing=()
for cmd in "${cmds[@]}"; do [[ -x "$out/$cmd" ]] || missing+=("$cmd"); done
if (( ${#missing[@]} == 0 )); then log "kube v$version (${cmds[*]}): cached in $out"; exit 0; fi
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
pkgs=(); for cmd in "${cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
{
  printf '//go:build tools\n\npackage kubebuild\n\nimport (\n'
  for p in "${pkgs[@]}"; do printf '\t_ "%s"\n' "$p"; done
  printf ')\n'
} > tools.go
go mod tidy -e >/dev/null 2>&1 || true
go get "${pkgs[@]/%/@v$version}"
ldflags="-s -w"
for kv in "gitVersion=v$version" "gitMajor=$major" "gitMinor=$minor" "gitTreeState=clean" \
          "buildDate=1970-01-01T00:00:00Z"; do
  ldflags+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done
# All four in one invocation (rather than only the missing ones): the build cache makes the
# ones already there cost a link, and the set stays built from one module graph.
log "kube v$version: compiling ${cmds[*]} (missing: ${missing[*]}; several minutes on 2 cores)"
rm -rf "$work/bin"; mkdir -p "$work/bin"
go build -trimpath -ldflags "$ldflags" -o "$work/bin/" "${pkgs[@]}"
for cmd in "${cmds[@]}"; do mv "$work/bin/$cmd" "$out/$cmd"; done
rm -rf "$work"
log "kube v$version: built into $out"
