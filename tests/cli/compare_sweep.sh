#!/bin/sh
# compare_sweep.sh -- myoknot compare (runs side by side) and myoknot sweep (a treatment
# setting across values): the numbers they show are the runs' own, errors leave nothing behind.
#   usage: compare_sweep.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

check() {
    name=$1 want=$2 text=$3
    shift 3
    "$@" > "$T/out" 2>&1
    got=$?
    if [ "$got" -ne "$want" ] || { [ -n "$text" ] && ! grep -qF -- "$text" "$T/out"; }; then
        echo "FAIL $name: exit $got (want $want), output:"; sed 's/^/    /' "$T/out"
        echo "    (wanted text: $text)"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}
ok() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL $1: $2"; fail=$((fail + 1)); fi; }
is_png() { [ "$(head -c 8 "$1" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ]; }
# the value of column $2 in the row whose first field is $3 of CSV $1 (no quoted commas here)
csv_at() { awk -F, -v c="$2" -v k="$3" '$1 == k { print $c; exit }' "$1"; }
# the value of a measurement label in a run's measurements.csv
meas() { awk -F, -v l="$2" '$2 == l { print $5; exit }' "$1/measurements.csv"; }

# ---- compare: the stretching programme against its no-stretch control
check run-control 0 "" "$BIN" run "$SRC/scenarios/stretching_control.yaml" --out "$T/no-stretch"
check run-stretch 0 "" "$BIN" run "$SRC/scenarios/stretching_programme.yaml" --out "$T/stretch"
check compare 0 "run B: stretching_programme" "$BIN" compare "$T/no-stretch" "$T/stretch" --out "$T/cmp"
ok compare-png 'is_png "$T/cmp/compare.png"'
ok compare-header 'head -1 "$T/cmp/compare.csv" | grep -qF "label,kind,region,site,unit,t_s,stretching_control,stretching_programme,stretching_programme - stretching_control"'
a=$(meas "$T/no-stretch" "end PPT")
b=$(meas "$T/stretch" "end PPT")
row=$(grep '^end PPT,' "$T/cmp/compare.csv")
ok compare-values '[ "$(echo "$row" | cut -d, -f7)" = "$a" ] && [ "$(echo "$row" | cut -d, -f8)" = "$b" ]'
ok compare-difference 'awk -v a="$a" -v b="$b" -v d="$(echo "$row" | cut -d, -f9)" "BEGIN { e = b - a - d; exit !(e < 1e-6 && e > -1e-6) }"'
ok compare-table-has-all '[ "$(grep -c "" "$T/cmp/compare.csv")" -eq "$(($(grep -c "" "$T/stretch/measurements.csv")))" ]'
check compare-one 2 "needs two or more run directories" "$BIN" compare "$T/stretch" --out "$T/cmp1"
ok compare-one-nothing '[ ! -e "$T/cmp1" ]'
check compare-missing 1 "$T/nosuch/" "$BIN" compare "$T/stretch" "$T/nosuch" --out "$T/cmp2"
ok compare-missing-nothing '[ ! -e "$T/cmp2" ]'

# ---- sweep: ischaemic compression pressure; the value the scenario has (2.5 kg/cm2) must give
# exactly what `run` gives
S="$SRC/scenarios/ischemic_compression_session.yaml"
check sweep 0 "sweep of ischemic_compression.pressure over 1 .. 4 kg/cm2" \
    "$BIN" sweep "$S" --vary ischemic_compression.pressure=1..4 kg/cm2 --steps 6 --out "$T/sw"
ok sweep-png 'is_png "$T/sw/sweep.png"'
ok sweep-rows '[ "$(grep -c "" "$T/sw/sweep.csv")" -eq 8 ]'
check run-ic 0 "" "$BIN" run "$S" --out "$T/ic"
ok sweep-equals-run '[ "$(csv_at "$T/sw/sweep.csv" 4 2.5)" = "$(meas "$T/ic" "PPT 20 min after")" ]'
ok sweep-first-ppt '[ "$(csv_at "$T/sw/sweep.csv" 3 2.5)" = "$(meas "$T/ic" "PPT before")" ]'
# the pressure changes the session: the peak pain differs between the ends
ok sweep-varies '[ "$(csv_at "$T/sw/sweep.csv" 5 1)" != "$(csv_at "$T/sw/sweep.csv" 5 4)" ]'
check sweep-one-job 0 "" "$BIN" sweep "$S" --vary "ischemic_compression.pressure=1..4 kg/cm2" --steps 6 --jobs 1 --out "$T/sw1"
ok sweep-jobs-same 'cmp -s "$T/sw/sweep.csv" "$T/sw1/sweep.csv"'
# the scenario's own sweep: section gives the same as the command line
check sweep-section 0 "" "$BIN" sweep "$S" --out "$T/sws"
ok sweep-section-same 'cmp -s "$T/sw/sweep.csv" "$T/sws/sweep.csv"'
printf 'duration: 1 h\nsweep: {vary: "stretch.strain=1..2 %%", steps: 0}\n' > "$T/badsweep.yaml"
check sweep-section-bad 1 "badsweep.yaml:2:" "$BIN" sweep "$T/badsweep.yaml" --out "$T/swx"
printf 'duration: 1 h\n' > "$T/nosweep.yaml"
check sweep-no-vary 2 "needs --vary" "$BIN" sweep "$T/nosweep.yaml" --out "$T/swx"
# a parameter, as --set would
check sweep-param 0 "" "$BIN" sweep "$S" --vary "phys.p_cc0=20..40 mmHg" --steps 1 --out "$T/swp"
ok sweep-param-rows '[ "$(grep -c "" "$T/swp/sweep.csv")" -eq 3 ]'
# errors: nothing written
check sweep-no-range 2 "--vary expects NAME=A..B UNIT" "$BIN" sweep "$S" --vary "ischemic_compression.pressure=2 kg/cm2" --out "$T/swx"
check sweep-units 2 "give both ends in one unit" "$BIN" sweep "$S" --vary "ischemic_compression.pressure=1 mmHg..4 kg/cm2" --out "$T/swx"
check sweep-no-field 1 "sets 'hold'" "$BIN" sweep "$SRC/scenarios/stretching_programme.yaml" --vary "desk_work.hold=1..2 min" --out "$T/swx"
check sweep-bad-value 1 "error" "$BIN" sweep "$S" --vary "ischemic_compression.pressure=1..4 kPa/s" --out "$T/swx"
ok sweep-errors-nothing '[ ! -e "$T/swx" ]'
# a run that fails fails the sweep once, naming the value (the library's workers report it;
# nothing else is printed about workers), and nothing is written
printf 'model: %s/tests/validate/audit/blowup.myo\nduration: 10 s\noutput_every: 0.5 s\n' "$SRC" > "$T/blowup.yaml"
check sweep-run-fails 1 "at f.b1 = 2 1/s: model 'blowup': integration stopped" "$BIN" sweep "$T/blowup.yaml" \
    --vary "f.b1=0..2 1/s" --steps 2 --out "$T/swb"
ok sweep-run-fails-once '! "$BIN" sweep "$T/blowup.yaml" --vary "f.b1=0..2 1/s" --steps 2 --out "$T/swb" 2>&1 | grep -q "workers failed\|workers reported"'
ok sweep-run-fails-nothing '[ ! -e "$T/swb" ]'

echo "compare_sweep: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
