#!/usr/bin/env bash
# schemathesis (PyPI) for the API's property-based test against /openapi.json: installed into a
# venv in the tools cache, pinned, like moto.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
venv="$FLEETFLOW_TOOLS/schemathesis/$SCHEMATHESIS_VERSION"
if [[ -f "$venv/.complete" ]]; then log "schemathesis $SCHEMATHESIS_VERSION: cached in $venv"; exit 0; fi
log "schemathesis $SCHEMATHESIS_VERSION: installing from PyPI into $venv"
# Built in place (a venv's scripts name their interpreter by absolute path); the marker says it is complete.
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
touch "$venv/.complete"
log "schemathesis $SCHEMATHESIS_VERSION: installed $venv/bin/st"
