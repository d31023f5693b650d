#!/bin/sh
# cli_smoke.sh -- the myoknot command as a user meets it: help, exit codes, messages naming
# file:line:col, and no output file left behind when something fails.
#   usage: cli_smoke.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# check NAME WANT_STATUS WANT_TEXT CMD... and absent NAME PATH (tests/cli/check.sh)
. "$SRC/tests/cli/check.sh"

check version 0 "myoknot 0." "$BIN" --version
check help 0 "commands:" "$BIN" --help
check no-args 2 "usage: myoknot" "$BIN"
check unknown-command 2 "unknown command 'frobnicate'" "$BIN" frobnicate
check run-help 0 "--duration Q" "$BIN" run --help
check model-help 0 "myoknot model check MODEL" "$BIN" model --help
check model-list 0 "oscillator" "$BIN" model list

check check-ok 0 "ok: model 'decay', 1 states, 1 parameters, 1 inputs, 1 variables, 1 outputs" \
    "$BIN" model check "$SRC/models/decay.myo"
check check-builtin 0 "ok: model 'oscillator'" "$BIN" model check oscillator
check check-missing 1 "no built-in model or file named 'nosuch'" "$BIN" model check nosuch
check check-missing-file 1 "cannot open" "$BIN" model check "$T/nosuch.myo"
check show 0 '$$\frac{d\mathrm{x}}{dt} = \mathrm{inflow} - \mathrm{washout}$$' "$BIN" model show decay
check show-param-table 0 "| \`k\` | 0.5 | 1/s | 0.001 .. 100 |" "$BIN" model show "$SRC/models/decay.myo"

cat > "$T/bad.myo" <<'MYO'
model bad { }
component c {
  state x = 1 [mM]
  d(x)/dt = x * 2 [s]
}
MYO
check check-bad 1 "bad.myo:4:13: error: the right-hand side of d(x)/dt must have unit mM/s" \
    "$BIN" model check "$T/bad.myo"
check c-bad-no-output 1 "error:" "$BIN" model c "$T/bad.myo" -o "$T/bad.c"
absent c-bad-no-output-file "$T/bad.c"
check c-ok 0 "" "$BIN" model c decay -o "$T/decay.c"
grep -q "const mk_model_abi mk_model_decay" "$T/decay.c" && pass=$((pass + 1)) || { echo "FAIL c-ok content"; fail=$((fail + 1)); }
check show-to-file 0 "" "$BIN" model show decay -o "$T/decay.md"
grep -q "## Dependency order" "$T/decay.md" && pass=$((pass + 1)) || { echo "FAIL show-to-file content"; fail=$((fail + 1)); }
check model-extra-arg 2 "takes one model" "$BIN" model check decay oscillator
check model-bad-option 2 "unknown option '--frob'" "$BIN" model show decay --frob

check run-default 0 "run directory: $T/default-run" "$BIN" run --out "$T/default-run"
cp "$T/out" "$T/default.txt"
check run-default-summary 0 "measurements (on a copy of the simulated patient)" cat "$T/default.txt"
for f in report.html series.csv measurements.csv manifest.json; do
    [ -s "$T/default-run/$f" ] && pass=$((pass + 1)) || { echo "FAIL run-default: no $f"; fail=$((fail + 1)); }
done
check run-scenario-file 0 "scenario 'ischemic_compression_session'" "$BIN" run "$SRC/scenarios/ischemic_compression_session.yaml" --out "$T/ic"
cat > "$T/bad.yaml" <<'YML'
name: bad
duration: 1 h
output_every: 10 min
timeline:
  - {event: stress, at: 10 min, level: 0.5, duraton: 5 min}
YML
check run-bad-scenario 1 "bad.yaml:5:" "$BIN" run "$T/bad.yaml" --out "$T/badrun"
absent run-bad-scenario-no-dir "$T/badrun"
check run-missing-scenario 1 "nosuch.yaml" "$BIN" run "$T/nosuch.yaml"
check run-two-scenarios 2 "takes one scenario" "$BIN" run a.yaml b.yaml
check run-input-needs-quick 2 "belong to the quick mode" "$BIN" run "$T/bad.yaml" --input "therapy.pressure=1 kPa"

# a folder that is not a previous run is never replaced, even with a manifest.json in it
mkdir "$T/mine"; echo '{}' > "$T/mine/manifest.json"; echo precious > "$T/mine/notes.txt"
check run-foreign-dir 1 "is not a myoknot run directory" "$BIN" run "$SRC/scenarios/desk_day.yaml" --out "$T/mine"
[ -s "$T/mine/notes.txt" ] && pass=$((pass + 1)) || { echo "FAIL run-foreign-dir: notes.txt lost"; fail=$((fail + 1)); }
# a previous run is replaced as a whole
check run-replace-previous 0 "run directory: $T/ic" "$BIN" run "$SRC/scenarios/ischemic_compression_session.yaml" --out "$T/ic"
# runaway sizes are refused before any work
check run-huge-duration 1 "longer than 10 years" "$BIN" run "$SRC/scenarios/desk_day.yaml" --set "duration=1e300 s" --out "$T/huge"
check run-tiny-interval 1 "raise output_every" "$BIN" run "$SRC/scenarios/desk_day.yaml" --set "output_every=1e-9 s" --out "$T/tiny"
absent run-tiny-interval-no-dir "$T/tiny"
check validate-only-nothing 2 "no validation target" "$BIN" validate --dir "$SRC/data/validation" --only nosuch --out "$T/v"
absent validate-only-nothing-no-dir "$T/v"

Q="--model decay --duration 10s"
check run-quick-last-row 0 "         1        0.60653" "$BIN" run --model decay --duration "1 s" --every "0.3 s"
check run-quick-every-too-long 2 "--every: the interval (5 s) is longer than the duration" "$BIN" run --model decay --duration "1 s" --every "5 s"
check run-table 0 "0.00673" "$BIN" run $Q          # x(10 s) = exp(-5)
check run-set 0 "0.367879" "$BIN" run $Q --set "pool.k=6 1/min" # exp(-1) at 10 s
check run-set-range 0 "outside its plausible range" "$BIN" run --model decay --duration "1 s" --set "pool.k=1000 1/s"
check run-set-unit 2 "pool.k: cannot convert mmHg" "$BIN" run $Q --set "pool.k=0.2 mmHg"
check run-set-name 2 "has no parameter 'pool.kk'" "$BIN" run $Q --set "pool.kk=0.2 1/s"
check run-set-syntax 2 "expects NAME=VALUE UNIT" "$BIN" run $Q --set "pool.k"
check run-input 0 "1.99326" "$BIN" run --input "pool.inflow=1 mM/s"   # x = 2 - exp(-t/2 s) at 10 s
check run-neg-duration 2 "must be positive" "$BIN" run --model decay --duration "-5 s"
check run-nan-duration 2 "not a finite number" "$BIN" run --model decay --duration "nan s"
check run-unitless-duration 2 "has no unit" "$BIN" run --model decay --duration "5"
check run-wrong-unit 2 "different dimensions" "$BIN" run --model decay --duration "5 mmHg"
check run-unknown-option 2 "unknown option '--bogus'" "$BIN" run --bogus 1
check run-bad-rtol 2 "positive number" "$BIN" run --rtol -1
check run-csv 0 "table written to" "$BIN" run $Q --csv "$T/out.csv"
head -1 "$T/out.csv" | grep -qF "t [s],pool.x [mM],pool.washout [mM/s]" && pass=$((pass + 1)) || { echo "FAIL csv header"; fail=$((fail + 1)); }
check run-file-model 0 "spring.x [mm]" "$BIN" run --model "$SRC/models/oscillator.myo" --duration "2 s"
check run-bad-model 1 "bad.myo:4:13: error:" "$BIN" run --model "$T/bad.myo" --csv "$T/bad.csv"
absent run-bad-model-no-csv "$T/bad.csv"

# x' = x^2 from x(0) = 1 blows up at t = 1 s: the solver must stop with a message naming the
# time and the variable, and leave no table behind
cat > "$T/blowup.myo" <<'MYO'
model blowup { }
component c {
  state x = 1 [1]
  d(x)/dt = x^2 / 1 [s]
}
MYO
check run-solver-failure 1 "c.x" "$BIN" run --model "$T/blowup.myo" --duration "2 s" --csv "$T/blow.csv"
absent run-solver-failure-no-csv "$T/blow.csv"

# Issue 7, finding 1: a mailed model whose doc ends the generated C comment through a line
# splice (backslash + lone CR) must not run its constructor, whether run through a scenario
# or checked; it is refused at the CR.
printf 'model evil { doc "d" }\ncomponent c {\n  param x = 1 [1] { range 0 .. 2 source "s" doc "*\\\\\r/ } evil_t; int creat(const char *, unsigned); __attribute__((constructor)) static void evil(void) { creat(\\"%s\\", 0600); } typedef struct { double c__x; /*" }\n  output w [1] = x\n}\n' "$T/pwned" > "$T/evil.myo"
printf 'name: evil\nmodel: evil.myo\nduration: 1 h\n' > "$T/evil.yaml"
check run-evil-model 1 "evil.myo:3:53: error: a carriage return not followed by a line feed in a string" \
    "$BIN" run "$T/evil.yaml" --out "$T/evilrun"
absent run-evil-model-ran-nothing "$T/pwned"
check check-evil-model 1 "evil.myo:3:53:" "$BIN" model check "$T/evil.myo"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
