#!/bin/sh
# The Python package installs with Debian's pip (python3-pip, python3-setuptools; no index):
# a copy of python/ (the build writes into its source folder) installed into a fresh target,
# imported from there with the build's library, runs the default scenario.
#   usage: pip_install.sh PYTHON SOURCE_DIR LIBMYOKNOT
set -u
PY=$1
SRC=$2
LIB=$3
T=$(mktemp -d "${TMPDIR:-/tmp}/mk-pip.XXXXXX")
trap 'rm -rf "$T"' EXIT
cp -r "$SRC/python" "$T/src"
rm -rf "$T/src/build" "$T/src"/*.egg-info
(cd "$T" && "$PY" -m pip install --quiet --break-system-packages --no-build-isolation --no-deps --no-index \
    --target "$T/site" ./src) > "$T/pip.log" 2>&1 || { cat "$T/pip.log"; echo "FAIL: pip install"; exit 1; }
[ -f "$T/site/myoknot/__init__.py" ] && [ -f "$T/site/myoknot/_lib.py" ] || { ls -R "$T/site"; echo "FAIL: the package is not installed whole"; exit 1; }
out=$(cd "$T" && MYOKNOT_LIBRARY="$LIB" PYTHONPATH="$T/site" "$PY" -c '
import myoknot
assert myoknot.__file__.startswith("'"$T/site"'"), myoknot.__file__
r = myoknot.run()
print(len(r.time_s), r.series["pain.local"].dtype)') || { echo "FAIL: the installed package does not run"; exit 1; }
case "$out" in
*" float64") echo "ok: pip installed the package; the default run from it: $out (rows, dtype)" ;;
*) echo "FAIL: unexpected output '$out'"; exit 1 ;;
esac
