#!/bin/sh
# output_options.sh -- a run's data files (issue 14 item 5): --every keeps exactly the run's own
# rows at multiples of the interval (and the last), --wide holds the same numbers as the long
# layout with the day and clock, --hdf5 writes series.h5 with the same rows and the provenance.
#   usage: output_options.sh PATH/TO/myoknot SOURCE_DIR PATH/TO/h5check
set -u
BIN=$1
SRC=$2
H5CHECK=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$SRC/tests/cli/check.sh"
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
S="$SRC/scenarios/desk_day.yaml"      # one day, a row every minute

check "the full run" 0 "" "$BIN" run "$S" --out "$T/full"
check "--every 1 h" 0 "" "$BIN" run "$S" --out "$T/hourly" --every "1 h"
# the hourly file is the full file's lines at whole hours (and the last), byte for byte
awk -F, 'NR == 1 || $1 % 3600 == 0' "$T/full/series.csv" > "$T/want_hourly.csv"
[ "$(wc -l < "$T/want_hourly.csv")" -gt 100 ] || bad "the expected hourly table is too short"
cmp -s "$T/want_hourly.csv" "$T/hourly/series.csv" && ok || { bad "--every 1 h: not the full run's rows"; diff "$T/want_hourly.csv" "$T/hourly/series.csv" | head -4; }
grep -q '"rows_written":[[:space:]]*25,' "$T/hourly/manifest.json" && ok || bad "manifest: rows_written is not 25"
# an interval the run's rows cannot give: refused before the simulation, nothing written
check "--every not a multiple" 2 "multiple of 60 s" "$BIN" run "$S" --out "$T/odd" --every "90 s"
absent "--every not a multiple leaves nothing" "$T/odd"
check "--every not a time" 2 "--every" "$BIN" run "$S" --out "$T/odd2" --every "3 kg"
absent "--every not a time leaves nothing" "$T/odd2"
# the last row is kept even when the duration is no multiple
check "--every 7 min" 0 "" "$BIN" run "$S" --out "$T/seven" --every "7 min"
last_full=$(tail -1 "$T/full/series.csv" | cut -d, -f1)
last_seven=$(tail -1 "$T/seven/series.csv" | cut -d, -f1)
[ "$last_full" = "$last_seven" ] && ok || bad "--every 7 min: last time $last_seven, want $last_full"

# --wide: one line per time; turned back into the long layout it is the long file exactly
check "--wide" 0 "" "$BIN" run "$S" --out "$T/wide" --wide
head -1 "$T/wide/series.csv" | grep -q '^t_s,day,clock,[a-z_]*\.[a-z_0-9]* \[' && ok || bad "--wide header: $(head -c 80 "$T/wide/series.csv")"
awk -F, 'NR == 1 { for (i = 4; i <= NF; i++) { n = $i; u = $i; sub(/ \[.*$/, "", n); sub(/^[^[]*\[/, "", u); sub(/\]$/, "", u); name[i] = n; unit[i] = u }; print "t_s,variable,unit,value"; next }
         { for (i = 4; i <= NF; i++) print $1 "," name[i] "," unit[i] "," $i }' "$T/wide/series.csv" > "$T/wide_as_long.csv"
cmp -s "$T/full/series.csv" "$T/wide_as_long.csv" && ok || { bad "--wide: not the long file's numbers"; diff "$T/full/series.csv" "$T/wide_as_long.csv" | head -4; }
rows=$(wc -l < "$T/wide/series.csv")
[ "$rows" = 1442 ] && ok || bad "--wide: $rows lines, want 1442 (a header and 1441 minutes)"
grep -q '^34200,1,09:30:00,' "$T/wide/series.csv" && ok || bad "--wide: no row '34200,1,09:30:00' (day and clock)"
grep -q '^86400,2,00:00:00,' "$T/wide/series.csv" && ok || bad "--wide: no row '86400,2,00:00:00' (the next day)"
# compare reads a wide series as it reads a long one: the same figure (the runs in folders of
# one name, so that their labels, the scenario's name and the folder's, are the same too)
mkdir -p "$T/l" "$T/w" && cp -r "$T/full" "$T/l/run" && cp -r "$T/wide" "$T/w/run"
check "compare a long and a wide run" 0 "" "$BIN" compare "$T/l/run" "$T/w/run" --out "$T/cmp_wide"
check "compare two long runs" 0 "" "$BIN" compare "$T/l/run" "$T/l/run" --out "$T/cmp_long"
cmp -s "$T/cmp_wide/compare.png" "$T/cmp_long/compare.png" && ok || bad "compare draws a wide series differently"

# --hdf5: series.h5 read with HDF5 alone is the CSV's rows, with the provenance
check "--hdf5 --every" 0 "" "$BIN" run "$S" --out "$T/h5" --hdf5 --every "1 h"
ASAN_OPTIONS=detect_leaks=0 "$H5CHECK" "$T/h5/series.h5" model_hash scenario_name seed myoknot_version model_generator \
    scenario_yaml > "$T/h5.txt" 2> "$T/h5.err" && ok || { bad "h5check failed: $(cat "$T/h5.err")"; }
head -n "$(wc -l < "$T/hourly/series.csv")" "$T/h5.txt" | cmp -s - "$T/hourly/series.csv" && ok || bad "series.h5: not the CSV's rows"
hash=$(sed -n 's/.*"hash":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' "$T/h5/manifest.json" | head -1)
[ -n "$hash" ] && grep -q "^model_hash=$hash\$" "$T/h5.txt" && ok || bad "series.h5: model_hash is not the manifest's ($hash)"
grep -q '^scenario_name=desk_day$' "$T/h5.txt" && ok || bad "series.h5: no scenario_name"
grep -q '^seed=[0-9]' "$T/h5.txt" && ok || bad "series.h5: no seed"
grep -q '^model_generator=.*-ffp-contract=off' "$T/h5.txt" && ok || bad "series.h5: no compiler flags"
grep -q '^scenario_yaml=# desk_day.yaml' "$T/h5.txt" && grep -q 'micropauses' "$T/h5.txt" && ok || bad "series.h5: no scenario text"
grep -q '^parameters=[1-9]' "$T/h5.txt" && ok || bad "series.h5: no parameters"
[ -e "$T/full/series.h5" ] && bad "series.h5 written without --hdf5" || ok

echo "output_options: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
