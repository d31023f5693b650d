#!/bin/sh
# trial_smoke.sh -- `myoknot trial` end to end in seconds (tests/cohort/tiny.yaml): the output
# folder's files, the same bytes with 1 and 2 threads, a bad design at file:line:col with
# nothing written, bad command lines.
#   usage: trial_smoke.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# check NAME WANT_STATUS WANT_TEXT CMD..., absent NAME PATH, exists NAME PATH (tests/cli/check.sh)
. "$SRC/tests/cli/check.sh"
ok() { # NAME CONDITION...
    name=$1
    shift
    if "$@"; then pass=$((pass + 1)); else echo "FAIL $name"; fail=$((fail + 1)); fi
}

D=$SRC/tests/cohort/tiny.yaml
check run1 0 "patient flow: 6 virtual patients sampled" "$BIN" trial "$D" --patients 6 --threads 1 --seed 3 --out "$T/one"
for f in patients.csv trial_summary.csv responders.csv forest.png report.html summary.txt; do
    ok "file $f" test -s "$T/one/$f"
done
ok "summary header" grep -qx "comparison,outcome,time,n_a,n_b,md,md_lo,md_hi,smd,smd_lo,smd_hi,p" "$T/one/trial_summary.csv"
ok "summary rows" test "$(grep -c '^needling vs sham,' "$T/one/trial_summary.csv")" -eq 10
ok "one row per patient, arm and time" test "$(grep -c '^[0-9]*,analysed,' "$T/one/patients.csv")" -eq \
    "$(( $(grep -o '[0-9]* analysed' "$T/one/summary.txt" | grep -o '[0-9]*') * 2 * 3 ))"
ok "report flow" grep -q "Enrolled: " "$T/one/report.html"
ok "responders in the account" grep -q "^  ppt (MID 30 kPa) at after: needling [0-9]*/[0-9]*" "$T/one/summary.txt"
check run2 0 "2 worker threads" "$BIN" trial "$D" --patients 6 --threads 2 --seed 3 --out "$T/two"
for f in patients.csv trial_summary.csv responders.csv; do
    ok "same bytes $f" cmp -s "$T/one/$f" "$T/two/$f"
done
# the model: named with its hash; --model chooses another (a hypothesis variant); an unknown
# name is a usage error with a did-you-mean, nothing written
ok "model in the account" grep -q "^model: tp_site (hash [0-9a-f]*), chosen by the arms' scenarios" "$T/one/summary.txt"
check variant 0 "model tp_site_neurogenic, 3 patients" "$BIN" trial "$D" --model tp_site_neurogenic --patients 3 --out "$T/var"
ok "variant in the account" grep -q "^model: tp_site_neurogenic (hash [0-9a-f]*), chosen by the caller" "$T/var/summary.txt"
ok "variant in the report" grep -q "model tp_site_neurogenic (hash [0-9a-f]*, chosen by the caller)" "$T/var/report.html"
check variant_unknown 2 "did you mean 'tp_site_neurogenic'" "$BIN" trial "$D" --model tp_site_neurogenc --out "$T/x"
check variant_noarg 2 "--model needs a value" "$BIN" trial "$D" --model
# power by simulation: replicate trials, the share of p < 0.05
check power 0 "power by simulation: 3 replicate trials" "$BIN" trial "$D" --patients 4 --power 3 --out "$T/power"
ok "power.csv" grep -q "^needling vs sham,ppt,after,3," "$T/power/power.csv"
check power0 2 "--power expects" "$BIN" trial "$D" --power 0 --out "$T/x"
# bad input: file:line:col, exit 1, no folder
check bad 1 "unknown_arm.yaml:35:16: error: unknown arm 'shame'" "$BIN" trial "$SRC/tests/cohort/bad/unknown_arm.yaml" --out "$T/bad"
ok "nothing written" test ! -e "$T/bad"
check rtol 0 "rtol 1e-05" "$BIN" trial "$D" --patients 2 --rtol 1e-5 --out "$T/rtol"
ok "rtol in summary" grep -q "solver: relative tolerance 1e-05 (the caller's)" "$T/rtol/summary.txt"
ok "default rtol in summary" grep -q "solver: relative tolerance 0.0001 (the trials' default)" "$T/one/summary.txt"
check rtol_bad 2 "--rtol expects a relative tolerance" "$BIN" trial "$D" --rtol 0.5 --out "$T/x"
check rtol_text 2 "--rtol expects a relative tolerance" "$BIN" trial "$D" --rtol tight --out "$T/x"
check threads0 2 "--threads expects" "$BIN" trial "$D" --threads 0 --out "$T/x"
check patients0 2 "--patients expects" "$BIN" trial "$D" --patients 0 --out "$T/x"
check nodesign 2 "needs a design" "$BIN" trial --out "$T/x"
check unknown_opt 2 "unknown option '--powr'" "$BIN" trial "$D" --powr 2 --out "$T/x"
check missing 1 "cannot open" "$BIN" trial "$T/nope.yaml" --out "$T/x"
ok "nothing written (usage)" test ! -e "$T/x"
check resume_no_out 2 "--resume needs the --out DIR" "$BIN" trial "$D" --resume

# An interrupted trial: killed (SIGKILL, nothing caught) once its journal holds a patient,
# then the same command with --resume gives the bytes of an uninterrupted run.  300 patients so
# the run lasts seconds: a short one could end between two polls, journal gone.
check whole 0 "patient flow: 300 virtual patients" "$BIN" trial "$D" --patients 300 --seed 4 --out "$T/whole"
ok "no journal left after a whole run" test ! -e "$T/whole.journal"
"$BIN" trial "$D" --patients 300 --seed 4 --out "$T/cut" > /dev/null 2>&1 &
pid=$!
records() { n=$(grep -c '^P ' "$1" 2>/dev/null); echo "${n:-0}"; }
tries=0
while [ "$(records "$T/cut.journal")" -lt 1 ] && [ $tries -lt 3000 ]; do
    sleep 0.01
    tries=$((tries + 1))
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
ok "killed with a journal of at least one patient" test "$(records "$T/cut.journal")" -ge 1
ok "killed before its outputs" test ! -e "$T/cut/patients.csv"
check again_in_the_way 1 "rerun with --resume" "$BIN" trial "$D" --patients 300 --seed 4 --out "$T/cut"
check resumed 0 "resumed: " "$BIN" trial "$D" --patients 300 --seed 4 --out "$T/cut" --resume
for f in patients.csv trial_summary.csv responders.csv; do
    ok "resumed: same bytes $f" cmp -s "$T/whole/$f" "$T/cut/$f"
done
ok "journal removed once the outputs are in place" test ! -e "$T/cut.journal"
check foreign 1 "belongs to another trial" sh -c "printf 'myoknot trial journal 2\nfingerprint 0000000000000000\npatients 30\nrecord 1\n' > '$T/f.journal' && '$BIN' trial '$D' --patients 30 --seed 4 --out '$T/f' --resume"

echo "trial_smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
