# Sourced by the temporal-dev scripts: where the shared tools cache and the dev data live.
# The tools cache sits outside any clone so every clone on the machine (CI's too) reuses it.
DEV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$DEV_DIR")"
# shellcheck source=versions.env
. "$DEV_DIR/versions.env"
FLEETFLOW_TOOLS="${FLEETFLOW_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetflow/tools}"
TOOLS_BIN="$FLEETFLOW_TOOLS/bin"
export GOMODCACHE="${FLEETFLOW_GOMODCACHE:-$FLEETFLOW_TOOLS/go/mod}"
export GOCACHE="${FLEETFLOW_GOCACHE:-$FLEETFLOW_TOOLS/go/build}"
export GOFLAGS="-buildvcs=false -mod=mod"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
DATA_DIR="${FLEETFLOW_DATA:-$REPO_DIR/.fleetflow}"
log() { printf '[temporal-dev] %s\n' "$*" >&2; }
