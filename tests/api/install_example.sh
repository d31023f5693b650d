#!/bin/sh
# Installable (issue 13 item 2): `cmake --install` into a fresh prefix, an outside C program
# (examples/run_default.c) compiled against it with pkg-config alone, run with only the
# installed library, gives the same numbers as the installed myoknot command.
#   usage: install_example.sh BUILD_DIR SOURCE_DIR
set -u
BUILD=$1
SRC=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/mk-install.XXXXXX")
trap 'rm -rf "$T"' EXIT
P="$T/prefix"
cmake --install "$BUILD" --prefix "$P" > "$T/install.log" 2>&1 || { cat "$T/install.log"; echo "FAIL: cmake --install"; exit 1; }
for f in include/myoknot.h include/myoknot/model_abi.h include/myoknot/run.h bin/myoknot; do
    [ -e "$P/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
PC=$(find "$P" -name myoknot.pc | head -1)
[ -n "$PC" ] || { echo "FAIL: no myoknot.pc installed"; exit 1; }
LIBDIR=$(dirname "$(dirname "$PC")")
SONAME=$(objdump -p "$LIBDIR/libmyoknot.so" | awk '$1 == "SONAME" { print $2 }')
[ "$SONAME" = "libmyoknot.so.2" ] || { echo "FAIL: soname '$SONAME', expected libmyoknot.so.2"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$PC")"
# the sanitizer build's library needs the sanitizer runtimes in the program too
SAN=$(grep -q 'MK_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && echo "-fsanitize=address,undefined")
${CC:-cc} -std=c11 -Wall -Wextra -Werror $SAN "$SRC/examples/run_default.c" $(pkg-config --cflags --libs myoknot) \
    -Wl,-rpath,"$LIBDIR" -o "$T/run_default" || { echo "FAIL: the example does not compile against the prefix"; exit 1; }
# the program runs against the installed library, not the build tree's
ldd "$T/run_default" | grep -q "$LIBDIR/libmyoknot.so.2" || { ldd "$T/run_default"; echo "FAIL: not linked to the installed library"; exit 1; }
"$T/run_default" > "$T/example.csv" 2> "$T/example.err" || { cat "$T/example.err"; echo "FAIL: the example failed"; exit 1; }
"$P/bin/myoknot" run --out "$T/run" > "$T/cli.out" 2>&1 || { cat "$T/cli.out"; echo "FAIL: the installed myoknot failed"; exit 1; }
cut -d, -f1,2,4 "$T/run/series.csv" > "$T/cli.csv"
rows=$(wc -l < "$T/cli.csv")
if [ "$rows" -lt 100 ]; then echo "FAIL: the CLI's series has only $rows lines"; exit 1; fi
if ! cmp -s "$T/example.csv" "$T/cli.csv"; then
    diff "$T/example.csv" "$T/cli.csv" | head -5
    echo "FAIL: the example's numbers differ from the command's"
    exit 1
fi
# a Python script through the installed package and library (python3-cffi, python3-numpy)
PY=/usr/bin/python3
if "$PY" -c "import cffi, numpy" 2>/dev/null; then
    PKG=$(find "$P" -type d -path "*/python3/dist-packages" | head -1)
    [ -n "$PKG" ] && [ -f "$PKG/myoknot/__init__.py" ] || { echo "FAIL: the Python package is not installed"; exit 1; }
    PRE=""
    [ -n "$SAN" ] && PRE="$(${CC:-cc} -print-file-name=libasan.so):$(${CC:-cc} -print-file-name=libubsan.so)"
    env -u MYOKNOT_LIBRARY PYTHONPATH="$PKG" LD_PRELOAD="$PRE" ASAN_OPTIONS=detect_leaks=0 "$PY" -c '
import myoknot
r = myoknot.run()
print("t_s,variable,value")
for i, t in enumerate(r.time_s):
    for c, v in r.series.items():
        print("%.10g,%s,%.10g" % (t, c, v[i]))
print(myoknot._lib.lib_path)
' > "$T/py.out" 2> "$T/py.err" || { cat "$T/py.err"; echo "FAIL: the Python script failed"; exit 1; }
    tail -1 "$T/py.out" | grep -q "^$LIBDIR/libmyoknot.so.2$" || { tail -1 "$T/py.out"; echo "FAIL: Python did not load the installed library"; exit 1; }
    sed '$d' "$T/py.out" > "$T/py.csv"
    cmp -s "$T/py.csv" "$T/cli.csv" || { diff "$T/py.csv" "$T/cli.csv" | head -5; echo "FAIL: Python's numbers differ from the command's"; exit 1; }
    py_ok="; so do Python's"
fi
# an override the example gets wrong is told apart by its origin, as in the command
"$T/run_default" "core.nonexistent=1 s" > /dev/null 2> "$T/bad.err"
rc=$?
[ $rc = 2 ] || { cat "$T/bad.err"; echo "FAIL: a bad override gave exit $rc, expected 2"; exit 1; }
echo "ok: installed into a fresh prefix; the example's $rows series lines equal the command's byte for byte${py_ok:-}"
