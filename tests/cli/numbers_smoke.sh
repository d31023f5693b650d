#!/bin/sh
# numbers_smoke.sh -- no exit 0 with wrong numbers (issue 7, finding 3): a singularity, a
# division by zero and an overflow each end in an error naming time, quantity and value, with
# no table, CSV or run directory left behind; a rate given as a time is a dimension error.
#   usage: numbers_smoke.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# check NAME WANT_STATUS WANT_TEXT CMD... and absent NAME PATH (tests/cli/check.sh)
. "$SRC/tests/cli/check.sh"

# y' = -1/y from y(0) = 1: y = sqrt(1 - 2t) reaches 0 at t = 0.5 s with an infinite slope.
# CVODE used to step through the pole and print y = 1.3e8 at t = 1 s with exit 0.
cat > "$T/pole.myo" <<'MYO'
model pole { doc "a finite-time singularity at t = 0.5 s" }
component c {
  state y = 1 [1] { doc "sqrt(1 - 2 t)" }
  d(y)/dt = -1 / y / 1 [s]
}
MYO
check pole-fails 1 "integration stopped at t = 0.4999" "$BIN" run --model "$T/pole.myo" --duration "1 s" --csv "$T/pole.csv"
for text in "d(c.y)/dt" "the step size fell below the resolution of time"; do
    grep -qF "$text" "$T/out" && pass=$((pass + 1)) || { echo "FAIL pole: no '$text'"; fail=$((fail + 1)); }
done
absent pole-no-csv "$T/pole.csv"

# A parameter that divides, set to 0: the state is fine, the output variable 1/k is not.
cat > "$T/div.myo" <<'MYO'
model div { doc "an output that divides by a parameter" }
component c {
  param k = 1 [1/s] { range 0 .. 2; source "assumed: test"; doc "rate" }
  state x = 1 [mM] { doc "pool" }
  output tau [s] = 1 / k { doc "time constant" }
  d(x)/dt = -k * x
}
MYO
check div-ok 0 "c.tau [s]" "$BIN" run --model "$T/div.myo" --duration "1 s"
check div-zero 1 "at t = 0 s, variable 'c.tau' is inf [s]" "$BIN" run --model "$T/div.myo" --duration "1 s" --set "c.k=0 1/s" --csv "$T/div.csv"
absent div-zero-no-csv "$T/div.csv"

# The default scenario with an overflowing parameter: exp(1e300 * debt) is infinite, and the
# summary used to read it as "PPT 0.0 kPa" and write series.csv full of Inf with exit 0.
check debt-overflow 1 "variable 'spinal.desc' is inf" "$BIN" run --set "spinal.d_debt=1e300" --out "$T/debt"
absent debt-overflow-no-rundir "$T/debt"
if ls "$T" | grep -q "^debt"; then echo "FAIL debt-overflow: a temporary run directory is left"; fail=$((fail + 1)); else pass=$((pass + 1)); fi

# A time for a rate: UDUNITS converts reciprocals (5 s -> 0.2 1/s), which used to end in
# "cannot be set to -nan"; it is a dimension mismatch.
check reciprocal-quick 2 "cannot convert s (s) to 1/s (Hz): different dimensions" "$BIN" run --model decay --duration "1 s" --set "pool.k=5 s"
check reciprocal-scenario 2 "wrong unit for 'endplate.mepp0'" "$BIN" run --set "endplate.mepp0=5 s" --out "$T/recip"
absent reciprocal-no-rundir "$T/recip"

echo "numbers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
