# Sourced by the temporal-dev scripts: where the shared tools cache and the dev data live.
# The tools cache sits outside any clone so every clone on the machine (CI's too) reuses it.
DEV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$DEV_DIR")"
# shellcheck source=versions.env
. "$DEV_DIR/versions.env"
FLEETFLOW_TOOLS="${FLEETFLOW_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetflow/tools}"
TOOLS_BIN="$FLEETFLOW_TOOLS/bin"
# The pinned Node (install-node.sh) comes first on PATH, so `node`, npm and npx (scripts that
# start with `#!/usr/bin/env node`) and everything they start run on it, not on the machine's.
NODE_HOME="$FLEETFLOW_TOOLS/node/$NODE_VERSION"
PINNED_NODE="$NODE_HOME/bin/node"
case ":$PATH:" in *":$NODE_HOME/bin:"*) ;; *) export PATH="$NODE_HOME/bin:$PATH" ;; esac
export GOMODCACHE="${FLEETFLOW_GOMODCACHE:-$FLEETFLOW_TOOLS/go/mod}"
export GOCACHE="${FLEETFLOW_GOCACHE:-$FLEETFLOW_TOOLS/go/build}"
export GOFLAGS="-buildvcs=false -mod=mod"
export GOTOOLCHAIN="${GOTOOLCHAIN:-$GO_TOOLCHAIN}"
DATA_DIR="${FLEETFLOW_DATA:-$REPO_DIR/.fleetflow}"
log() { printf '[temporal-dev] %s\n' "$*" >&2; }
