#!/bin/sh
# typed_args.sh -- quantities and options the way people type them (src/cli/args.c), and a
# summary that is never cut off.
#   usage: typed_args.sh PATH/TO/myoknot SOURCE_DIR
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
# same NAME REF_FILE CMD...: CMD succeeds and prints exactly what REF_FILE holds
same() {
    name=$1 ref=$2
    shift 2
    if ! "$@" > "$T/same" 2>&1 || ! cmp -s "$ref" "$T/same"; then
        echo "FAIL $name: output differs from the reference:"; diff "$ref" "$T/same" | head -5 | sed 's/^/    /'
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

# the reference: one word per quantity, quoted
"$BIN" run --model decay --duration "8 h" --set "pool.k=0.2 1/s" > "$T/ref" 2>&1 || { echo "FAIL reference run"; exit 1; }
grep -q "28800 s simulated" "$T/ref" || { echo "FAIL reference: not 8 h"; exit 1; }
same duration-glued "$T/ref" "$BIN" run --model decay --duration 8h --set "pool.k=0.2 1/s"
same duration-apart "$T/ref" "$BIN" run --model decay --duration 8 h --set "pool.k=0.2 1/s"
same duration-equals "$T/ref" "$BIN" run --model decay --duration=8h --set "pool.k=0.2 1/s"
same duration-equals-apart "$T/ref" "$BIN" run --model decay --duration=8 h --set "pool.k=0.2 1/s"
same set-apart "$T/ref" "$BIN" run --model decay --duration 8 h --set pool.k=0.2 1/s
same set-equals "$T/ref" "$BIN" run --model decay --duration "8 h" --set=pool.k=0.2 1/s
same hours-word "$T/ref" "$BIN" run --model decay --set "pool.k=0.2 1/s" --duration 8 hours
# a word that is no unit stays an argument: here a second "scenario"
check not-a-unit-word 2 "'run' takes one scenario" "$BIN" run "$SRC/scenarios/default.yaml" --set "phys.p_cc0=30 mmHg" other.yaml
# a unit-looking word UDUNITS does not know: suggest quoting
check unknown-unit 2 "keep it with its number in quotes: --duration \"8 hrz\"" "$BIN" run --model decay --duration 8 hrz
check unknown-unit-set 2 "--set \"pool.k=0.2 hrz\"" "$BIN" run --model decay --set pool.k=0.2 hrz
# options: did you mean, flags take no value, a value is needed
check did-you-mean 2 "unknown option '--duraton' for 'run'; did you mean '--duration'?" "$BIN" run --model decay --duraton 8h
check did-you-mean-scan 2 "did you mean '--steps'?" "$BIN" scan load.activation --from 0 --to 20 --step 3
check did-you-mean-eq 2 "did you mean '--trajectories'?" "$BIN" sensitivity --trajectory=2
check flag-value 2 "--strict takes no value" "$BIN" run "$SRC/scenarios/default.yaml" --strict=yes
check needs-value 2 "--out needs a value" "$BIN" validate --out
check validate-equals 2 "--jobs needs a number of workers" "$BIN" validate --audit --jobs=0
# the scan of the README, as typed (percent apart from its number)
check scan-percent 0 "along load.activation (input) from 0 to 20 %" "$BIN" scan load.activation --from 0 % --to 20 % --steps 4 --out "$T/scan"
# the same in the other spellings: the same verdict file
"$BIN" scan load.activation --from 0% --to=20% --steps 4 --out "$T/scan2" > /dev/null 2>&1
if cmp -s "$T/scan/scan.csv" "$T/scan2/scan.csv"; then pass=$((pass + 1)); else echo "FAIL scan spellings differ"; fail=$((fail + 1)); fi

# the summary grows as needed: the saline scenario's has its "why" (cut off at 8192 bytes before)
check summary-whole 0 "why, at the end:" "$BIN" run "$SRC/scenarios/saline_referred_pain.yaml" --out "$T/saline"
if grep -q "why, at the end:" "$T/saline/report.html"; then pass=$((pass + 1)); else echo "FAIL report.html lacks 'why'"; fail=$((fail + 1)); fi

echo "typed_args: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
