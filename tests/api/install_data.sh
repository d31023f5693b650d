#!/bin/sh
# install_data.sh -- an installed myoknot finds its data from any folder (issue 14 item 6):
# `cmake --install` puts scenarios/, data/, trials/ and models/ under PREFIX/share/myoknot, and
# the installed command run in an empty folder validates and runs a scenario by the paths the
# README uses; MYOKNOT_DATA points it elsewhere; a file in the working folder still wins.
#   usage: install_data.sh BUILD_DIR SOURCE_DIR
set -u
BUILD=$1
SRC=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/mk-install-data.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$SRC/tests/cli/check.sh"
P="$T/prefix"
cmake --install "$BUILD" --prefix "$P" > "$T/install.log" 2>&1 || { cat "$T/install.log"; echo "FAIL: cmake --install"; exit 1; }
S="$P/share/myoknot"
for f in data/validation/01-rh-half-life.yaml scenarios/saline_referred_pain.yaml trials/gattie2021.yaml \
         models/tp_site.myo data/examples/visits.csv; do
    [ -f "$S/$f" ] && pass=$((pass + 1)) || { echo "FAIL: $S/$f not installed"; fail=$((fail + 1)); }
done
mkdir "$T/elsewhere"
cd "$T/elsewhere" || exit 1
export XDG_CACHE_HOME="$T/cache"
M="$P/bin/myoknot"
check "validate from an empty folder" 0 "$S/data/validation" "$M" validate --only 01-rh-half-life --out v
# a target whose scenario is another file (../../scenarios/...) resolves inside the installed tree
check "a target naming a scenario file" 0 "" "$M" validate --only 23-hs-peak-pain --out v2
check "run a scenario by the README's path" 0 "" "$M" run scenarios/ischemic_compression_session.yaml --out r
[ -f r/report.html ] && pass=$((pass + 1)) || { echo "FAIL: no report.html"; fail=$((fail + 1)); }
check "a model file by its path" 0 "" "$M" model check models/decay.myo
check "a missing scenario is named as typed" 1 "scenarios/no_such.yaml" "$M" run scenarios/no_such.yaml --out r2
absent "nothing written for a missing scenario" r2
# MYOKNOT_DATA: another data tree (one target) is used instead of the installed one
mkdir -p "$T/mydata/data/validation"
cp "$S/data/validation/01-rh-half-life.yaml" "$T/mydata/data/validation/"
MYOKNOT_DATA="$T/mydata" "$M" validate --out v3 > "$T/env.out" 2>&1
grep -qF "$T/mydata/data/validation" "$T/env.out" && [ "$(grep -c '^01-rh\|rh-half-life' "$T/env.out")" -ge 1 ] \
    && ! grep -q "02-rh-peak\|rh-peak" "$T/env.out" && pass=$((pass + 1)) \
    || { echo "FAIL: MYOKNOT_DATA not used:"; head -5 "$T/env.out"; fail=$((fail + 1)); }
# a folder of the same name here wins over every data root
mkdir -p data/validation
cp "$S/data/validation/02-rh-peak.yaml" data/validation/
MYOKNOT_DATA="$T/mydata" "$M" validate --out v4 > "$T/here.out" 2>&1
grep -q "rh-peak" "$T/here.out" && ! grep -q "rh-half-life" "$T/here.out" && pass=$((pass + 1)) \
    || { echo "FAIL: the working folder's data/validation was not used:"; head -5 "$T/here.out"; fail=$((fail + 1)); }
echo "install_data: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
