#!/bin/sh
# examiner_seed.sh -- `seed` drives the simulated examiner's algometer error (run --examiner, or
# `examiner: {algometer_sem: Q}` in a scenario): the same seed gives the same readings, another
# seed other ones, the error has the sourced SD, and without it the numbers are the model's.
#   usage: examiner_seed.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL $1: $2"; fail=$((fail + 1)); fi; }
run() { "$BIN" run "$@" > "$T/log" 2>&1 || { echo "FAIL: myoknot run $*"; cat "$T/log"; fail=$((fail + 1)); }; }
# the PPT readings (value column) and the model's thresholds (from the note) of a run
ppt() { awk -F, '$3 == "ppt" { print $5 }' "$1/measurements.csv"; }
truth() { awk -F, '$3 == "ppt" { n = split($7, a, "model "); split(a[n], b, " "); print b[1] }' "$1/measurements.csv"; }

S="$SRC/scenarios/ischemic_compression_session.yaml"
run "$S" --out "$T/exact"
run "$S" --examiner --out "$T/a"
run "$S" --examiner --out "$T/a2"
run "$S" --examiner --set seed=2 --out "$T/b"
run "$S" --set "examiner.algometer_sem=0.2 kg/cm2" --out "$T/set"
sed 's/^duration:/examiner: {algometer_sem: 0.2 kg\/cm2}\nduration:/' "$S" > "$T/with_examiner.yaml"
run "$T/with_examiner.yaml" --out "$T/key"
run "$T/with_examiner.yaml" --set "examiner.algometer_sem=0 kPa" --out "$T/off"
ok set-is-examiner 'cmp -s "$T/a/measurements.csv" "$T/set/measurements.csv"'
ok key-is-examiner 'cmp -s "$T/a/measurements.csv" "$T/key/measurements.csv"'
ok set-zero-is-off 'cmp -s "$T/exact/measurements.csv" "$T/off/measurements.csv"'
ok three-readings '[ "$(ppt "$T/exact" | wc -l)" -eq 3 ]'
ok same-seed-same 'cmp -s "$T/a/measurements.csv" "$T/a2/measurements.csv"'
ok other-seed-other '[ "$(ppt "$T/a")" != "$(ppt "$T/b")" ]'
ok noisy-differs '[ "$(ppt "$T/a")" != "$(ppt "$T/exact")" ]'
# the noise is on the reading only: the simulated thresholds are the noiseless run's, to 0.1 kPa
ok truth-unchanged '[ "$(truth "$T/a")" = "$(ppt "$T/exact" | awk "{ printf \"%.1f\\n\", \$1 }")" ]'
ok series-unchanged 'cmp -s "$T/a/series.csv" "$T/exact/series.csv"'
ok manifest-sem 'grep -q "\"algometer_sem_kpa\":[[:space:]]*19.6" "$T/a/manifest.json"'
ok manifest-no-sem 'grep -q "\"algometer_sem_kpa\":[[:space:]]*0[,}]*$" "$T/exact/manifest.json"'

# the error's size: 200 readings of a resting muscle, their SD about the model's thresholds
cat > "$T/many.yaml" <<'YAML'
name: many_readings
description: two hundred algometer readings of a resting muscle
duration: 200 min
output_every: 10 min
examiner: {algometer_sem: 0.2 kg/cm2}
timeline:
  - {event: measure, at: 1 min, what: ppt, label: reading, every: 1 min, times: 199}
YAML
run "$T/many.yaml" --out "$T/many"
ok many-readings '[ "$(ppt "$T/many" | wc -l)" -eq 199 ]'
ok sd-is-sem 'awk -F, "\$3 == \"ppt\" { n = split(\$7, a, \"model \"); split(a[n], b, \" \"); d = \$5 - b[1]; s += d; q += d * d; k++ }
    END { m = s / k; sd = sqrt(q / k - m * m); print \"    examiner error: mean \" m \" kPa, SD \" sd \" kPa over \" k; exit !(sd > 16.5 && sd < 23 && m > -4 && m < 4) }" "$T/many/measurements.csv"'

# a scenario's examiner: its errors are file:line:col
printf 'duration: 1 h\nexaminer: {algometer_sm: 1 kPa}\n' > "$T/bad.yaml"
"$BIN" run "$T/bad.yaml" --out "$T/bad" > "$T/log" 2>&1
ok bad-key '[ $? -eq 1 ] && grep -q "bad.yaml:2:.*algometer_sm" "$T/log" && [ ! -e "$T/bad" ]'
printf 'duration: 1 h\nexaminer: {algometer_sem: -1 kPa}\n' > "$T/neg.yaml"
"$BIN" run "$T/neg.yaml" --out "$T/neg" > "$T/log" 2>&1
ok negative-sem '[ $? -eq 1 ] && grep -q "neg.yaml:2:" "$T/log"'

echo "examiner_seed: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
