#!/bin/sh
# mpi_trial.sh -- `mpirun -n K myoknot-mpi trial` splits the patients across K ranks and gives
# the same patients.csv, trial_summary.csv and responders.csv as `myoknot trial` in one
# process (K = 1, 2, 3 on any machine: --oversubscribe; --allow-run-as-root for CI as root).
#   usage: mpi_trial.sh PATH/TO/myoknot PATH/TO/myoknot-mpi SOURCE_DIR
set -u
BIN=$1
MPIBIN=$2
SRC=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
D=$SRC/tests/cohort/tiny.yaml
"$BIN" trial "$D" --patients 7 --seed 4 --out "$T/one" > "$T/one.log" 2>&1 || { cat "$T/one.log"; exit 1; }
for n in 1 2 3; do
    if ! mpirun --allow-run-as-root --oversubscribe -n "$n" "$MPIBIN" trial "$D" --patients 7 --seed 4 \
            --out "$T/mpi$n" > "$T/mpi$n.log" 2>&1; then
        echo "FAIL mpirun -n $n:"; sed 's/^/    /' "$T/mpi$n.log" | tail -20
        fail=$((fail + 1))
        continue
    fi
    for f in patients.csv trial_summary.csv responders.csv; do
        if ! cmp -s "$T/one/$f" "$T/mpi$n/$f"; then
            echo "FAIL $f differs with $n ranks"; diff "$T/one/$f" "$T/mpi$n/$f" | head -5
            fail=$((fail + 1))
        fi
    done
done
# The same under a hypothesis variant (--model): 2 ranks give one process's bytes, which differ
# from tp_site's (the model reaches every rank)
"$BIN" trial "$D" --model tp_site_neurogenic --patients 7 --seed 4 --out "$T/var" > "$T/var.log" 2>&1 ||
    { cat "$T/var.log"; exit 1; }
if ! mpirun --allow-run-as-root --oversubscribe -n 2 "$MPIBIN" trial "$D" --model tp_site_neurogenic --patients 7 \
        --seed 4 --out "$T/var2" > "$T/var2.log" 2>&1; then
    echo "FAIL mpirun -n 2 --model:"; sed 's/^/    /' "$T/var2.log" | tail -20
    fail=$((fail + 1))
fi
for f in patients.csv trial_summary.csv responders.csv; do
    if ! cmp -s "$T/var/$f" "$T/var2/$f"; then
        echo "FAIL $f differs with 2 ranks under tp_site_neurogenic"
        fail=$((fail + 1))
    fi
done
if cmp -s "$T/one/patients.csv" "$T/var/patients.csv"; then
    echo "FAIL tp_site_neurogenic gives tp_site's patients.csv"
    fail=$((fail + 1))
fi
# An interrupted trial under 2 ranks: each rank keeps its own journal (DIR.journal.R-of-2, its
# own patients in patient order); killed once both hold a patient, the same command with
# --resume takes them from there and gives the bytes of one process; the journals then go.
# NCUT patients so the run lasts seconds (tiny runs ~80 patients/s): with 24 it could finish,
# outputs written and journals gone, between two polls.
NCUT=400
"$BIN" trial "$D" --patients $NCUT --seed 4 --out "$T/whole" > "$T/whole.log" 2>&1 || { cat "$T/whole.log"; exit 1; }
records() { n=$(grep -c '^P ' "$1" 2>/dev/null); echo "${n:-0}"; }
mpirun --allow-run-as-root --oversubscribe -n 2 "$MPIBIN" trial "$D" --patients $NCUT --seed 4 --out "$T/cut" \
    > "$T/cut.log" 2>&1 &
pid=$!
tries=0
while { [ "$(records "$T/cut.journal.0-of-2")" -lt 1 ] || [ "$(records "$T/cut.journal.1-of-2")" -lt 1 ]; } &&
    [ $tries -lt 6000 ]; do
    sleep 0.01
    tries=$((tries + 1))
done
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null
r0=$(records "$T/cut.journal.0-of-2")
r1=$(records "$T/cut.journal.1-of-2")
if [ "$r0" -lt 1 ] || [ "$r1" -lt 1 ] || [ -e "$T/cut/patients.csv" ]; then
    echo "FAIL interrupted under mpirun: journals hold $r0 and $r1 patients, or the outputs were written"
    fail=$((fail + 1))
fi
if ! mpirun --allow-run-as-root --oversubscribe -n 2 "$MPIBIN" trial "$D" --patients $NCUT --seed 4 --out "$T/cut" \
        --resume > "$T/resume.log" 2>&1; then
    echo "FAIL mpirun --resume:"; tail -20 "$T/resume.log"
    fail=$((fail + 1))
elif [ "$(grep -c '^resumed: ' "$T/resume.log")" -ne 2 ]; then
    echo "FAIL mpirun --resume: each rank should say what it resumed"; cat "$T/resume.log"
    fail=$((fail + 1))
fi
for f in patients.csv trial_summary.csv responders.csv; do
    if ! cmp -s "$T/whole/$f" "$T/cut/$f"; then
        echo "FAIL $f differs after resuming under 2 ranks"; diff "$T/whole/$f" "$T/cut/$f" | head -5
        fail=$((fail + 1))
    fi
done
if [ -e "$T/cut.journal.0-of-2" ] || [ -e "$T/cut.journal.1-of-2" ]; then
    echo "FAIL the journals stay after the outputs are in place"
    fail=$((fail + 1))
fi
# a journal of 2 ranks is not one of 3: the fingerprint holds the ranks
# a bad design: one message (from rank 0), exit 1
mpirun --allow-run-as-root --oversubscribe -n 2 "$MPIBIN" trial "$SRC/tests/cohort/bad/unknown_arm.yaml" \
    --out "$T/bad" > "$T/bad.log" 2>&1
if [ "$(grep -c "unknown_arm.yaml:35:16: error" "$T/bad.log")" -ne 1 ] || [ -e "$T/bad" ]; then
    echo "FAIL bad design under mpirun:"; cat "$T/bad.log"
    fail=$((fail + 1))
fi
echo "mpi_trial: $fail failed"
[ "$fail" -eq 0 ]
