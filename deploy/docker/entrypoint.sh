#!/bin/sh
# The image's entrypoints: `worker` (default), `api`, `agent ARGS...` (`fleetflow agent`, as
# deploy/agent/deployment.yaml runs it), `cli ARGS...` (the fleetflow command);
# anything else runs as given. exec, so the process gets SIGTERM itself and drains.
set -eu
cd /app
role="${1:-worker}"
[ "$#" -gt 0 ] && shift
case "$role" in
  worker) exec node dist/workers/main.js "$@" ;;
  api) exec node dist/src/api/main.js "$@" ;;
  agent) exec node dist/src/cli/bin.mjs agent "$@" ;;
  cli | fleetflow) exec node dist/src/cli/bin.mjs "$@" ;;
  *) exec "$role" "$@" ;;
esac
