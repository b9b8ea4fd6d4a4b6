#!/usr/bin/env bash
# moto_server (AWS API emulator, PyPI moto[server]) for the EKS provider's tests. The machine
# image has it; when it does not, it is installed into a venv in the tools cache, pinned.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
venv="$FLEETFLOW_TOOLS/moto/$MOTO_VERSION"
if [[ -f "$venv/.complete" ]]; then log "moto $MOTO_VERSION: cached in $venv"; exit 0; fi
# The installed distribution's version from its metadata: importing moto takes two seconds.
if have=$(command -v moto_server) && [[ "$(python3 -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" == "$MOTO_VERSION" ]]; then
  log "moto $MOTO_VERSION: using $have"; exit 0
fi
log "moto $MOTO_VERSION: installing moto[server] from PyPI into $venv"
# A venv's scripts name their interpreter by absolute path, so it is built in place; the
# marker file says it is complete (a half-made one is rebuilt).
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
touch "$venv/.complete"
log "moto $MOTO_VERSION: installed $venv/bin/moto_server"
