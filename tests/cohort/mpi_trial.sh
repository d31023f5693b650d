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
# a bad design: one message (from rank 0), exit 1
mpirun --allow-run-as-root --oversubscribe -n 2 "$MPIBIN" trial "$SRC/tests/cohort/bad/unknown_arm.yaml" \
    --out "$T/bad" > "$T/bad.log" 2>&1
if [ "$(grep -c "unknown_arm.yaml:35:16: error" "$T/bad.log")" -ne 1 ] || [ -e "$T/bad" ]; then
    echo "FAIL bad design under mpirun:"; cat "$T/bad.log"
    fail=$((fail + 1))
fi
echo "mpi_trial: $fail failed"
[ "$fail" -eq 0 ]
