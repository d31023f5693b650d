#!/bin/sh
# fit_smoke.sh -- `myoknot fit` end to end in seconds: the toy model's data fitted and the
# parameter file used by `run --params`; a validation target refused; bad data and parameter
# files reported at file:line:col with nothing written; the same seed giving the same file.
#   usage: fit_smoke.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# check NAME WANT_STATUS WANT_TEXT CMD..., absent NAME PATH, exists NAME PATH (tests/cli/check.sh)
. "$SRC/tests/cli/check.sh"

TOY="--data $SRC/tests/fit/toy_visits.csv --scenario $SRC/tests/fit/toy.yaml --design 10 --starts 2 --evals 80 --jobs 2"
check help 0 "--targets GLOBS" "$BIN" fit --help
check listed 0 "fit          estimate parameters" "$BIN" --help
check data-alone 2 "--data and --scenario go together" "$BIN" fit --data x.csv --out "$T/x"
check bad-jobs 2 "--jobs expects 1 .. 64" "$BIN" fit --jobs 0 --out "$T/x"

# fitting to a validation target would be circular: refused before anything runs
cd "$SRC"
check refuse-validation 2 "refusing validation target active-trp-ppt-deficit: fit uses calibration targets only" \
    "$BIN" fit --targets 'healthy-ppt,active-trp-ppt-deficit' --out "$T/refused"
absent refused-nothing-written "$T/refused"
check unknown-target 2 "--targets: no target in data/validation matches 'no-such-target'" \
    "$BIN" fit --targets 'no-such-target' --out "$T/x"
check unknown-param 2 "no parameter of model 'tp_site' matches 'nothing.*'" \
    "$BIN" fit --params 'nothing.*' --targets healthy-ppt --out "$T/x"
cd "$T"

# the toy model's data: k and L recovered (1.3 1/s, 7.2), c not pinned down
check toy-fit 0 "identifiable: 2 of 3" "$BIN" fit $TOY --seed 5 --out "$T/fit"
check toy-k 0 'f.k: "1.3' grep -F 'f.k: "1.3' "$T/fit/params.yaml"
check toy-L 0 'f.L: "7.2' grep -F 'f.L: "7.2' "$T/fit/params.yaml"
check toy-c 0 "f.c,\"1\",linear" grep -F "null direction" "$T/fit/identifiability.csv"
for f in params.yaml objective.png history.csv residuals.csv identifiability.csv correlation.csv fit.txt; do
    exists "toy-$f" "$T/fit/$f"
done
# same seed, same parameters (the file's first line has the date)
check toy-again 0 "" "$BIN" fit $TOY --seed 5 --jobs 1 --out "$T/fit2"
tail -n +2 "$T/fit/params.yaml" > "$T/a" && tail -n +2 "$T/fit2/params.yaml" > "$T/b"
check same-seed 0 "" cmp "$T/a" "$T/b"

# run --params uses the file: y at the end is the fitted level
check run-params 0 "run directory" "$BIN" run "$SRC/tests/fit/toy.yaml" --params "$T/fit/params.yaml" --out "$T/run"
check run-params-level 0 "10,f.level,1,7.2" grep -F "10,f.level,1,7.2" "$T/run/series.csv"
# the fit's covariance drives run --forecast: forecast.csv and its figure in the run directory
check covariance 0 "space: [log, linear, linear]" grep -F "space: [log, linear, linear]" "$T/fit/params.yaml"
check forecast 0 "forecast: 50 draws of 3 parameters (0 failed), 12 measurements" \
    "$BIN" run "$SRC/tests/fit/toy_forecast.yaml" --params "$T/fit/params.yaml" --forecast 50 --out "$T/fc"
exists forecast-csv "$T/fc/forecast.csv"
exists forecast-png "$T/fc/fig_forecast.png"
check forecast-needs-params 2 "--forecast needs --params FILE" \
    "$BIN" run "$SRC/tests/fit/toy_forecast.yaml" --forecast 5 --out "$T/fc-bad"
printf 'parameters:\n  f.k: "1.3 1/s"\n' > "$T/nocov.yaml"
check forecast-no-cov 1 "nocov.yaml:1:1: error: no 'covariance:' block" \
    "$BIN" run "$SRC/tests/fit/toy_forecast.yaml" --params "$T/nocov.yaml" --forecast 5 --out "$T/fc-bad"
absent forecast-bad-nothing "$T/fc-bad"
printf 'parameters:\n  f.k: [1]\n' > "$T/bad.yaml"
check run-params-bad 1 "bad.yaml:2:8: error: expected a value with its unit for 'f.k'" \
    "$BIN" run "$SRC/tests/fit/toy.yaml" --params "$T/bad.yaml" --out "$T/run-bad"
absent run-params-bad-nothing "$T/run-bad"
printf 'params:\n  f.k: 1 1/s\n' > "$T/bad2.yaml"
check run-params-key 1 "bad2.yaml:1:1: error: unknown key 'params'" \
    "$BIN" run "$SRC/tests/fit/toy.yaml" --params "$T/bad2.yaml" --out "$T/run-bad"

# bad data: file:line:col, exit 1, no output folder
printf 'time,variable,value,sd\n1 s,f.y,3,0.05\n2 s,f.y,oops,0.05\n' > "$T/bad.csv"
check bad-csv 1 "bad.csv:3:9: error: expected a finite number for 'value', found 'oops'" \
    "$BIN" fit --data "$T/bad.csv" --scenario "$SRC/tests/fit/toy.yaml" --out "$T/badfit"
absent bad-csv-nothing "$T/badfit"
printf 'time,variable,value,sd\n1 s,f.y,3,0.05\n2 s,f.why,3,0.05\n' > "$T/bad2.csv"
check bad-csv-name 1 "bad2.csv:3:5: error: 'f.why' is neither a measurement label" \
    "$BIN" fit --data "$T/bad2.csv" --scenario "$SRC/tests/fit/toy.yaml" --out "$T/badfit"

# a folder or a FIFO is no data file: refused at once, not read forever
mkfifo "$T/fifo.csv"
check data-fifo 1 "not a regular file" "$BIN" fit --data "$T/fifo.csv" --scenario "$SRC/tests/fit/toy.yaml" --out "$T/badfit"
check params-folder 1 "not a regular file" "$BIN" run "$SRC/tests/fit/toy.yaml" --params "$T" --out "$T/run-bad"

echo "fit_smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
