#!/bin/sh
# locate_smoke.sh -- myoknot locate from the command line: a drawing given as items or as a
# YAML file gives the same ranking; --csv holds every candidate (two per muscle) with
# probabilities summing to 1; bad drawings end with their message and exit 1 and leave no
# CSV or figure behind.
#   usage: locate_smoke.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# check NAME WANT_STATUS WANT_TEXT CMD... and absent NAME PATH (tests/cli/check.sh)
. "$SRC/tests/cli/check.sh"

check items 0 "rank  probability  muscle" "$BIN" locate temple_r=6 mastoid_r=4 occiput_r=3 posterior_neck_r=5 \
    --csv "$T/items.csv" --figure "$T/items.png"
check file 0 "from $SRC/data/drawings/neck_headache.yaml" "$BIN" locate --drawing "$SRC/data/drawings/neck_headache.yaml" \
    --csv "$T/file.csv"
if cmp -s "$T/items.csv" "$T/file.csv"; then pass=$((pass + 1)); else echo "FAIL items and file rank differently"; fail=$((fail + 1)); fi
[ -s "$T/items.png" ] && pass=$((pass + 1)) || { echo "FAIL no figure"; fail=$((fail + 1)); }
muscles=$(($(grep -c . "$SRC/data/anatomy/muscles.csv") - 1))
awk -F, -v want=$((2 * muscles)) '
    NR == 1 { ok = $0 == "rank,muscle,side,probability"; next }
    { n++; s += $4; if ($1 != n || ($3 != "right" && $3 != "left") || $4 < 0 || $4 > 1) ok = 0; if (n > 1 && $4 > prev + 1e-12) ok = 0; prev = $4 }
    END { exit !(ok && n == want && s > 0.9999 && s < 1.0001) }' "$T/items.csv" \
    && pass=$((pass + 1)) || { echo "FAIL csv: not $((2 * muscles)) ranked rows summing to 1:"; head -3 "$T/items.csv"; fail=$((fail + 1)); }
check muscles 0 "prior: uniform over 4 candidates" "$BIN" locate temple_r=6 --muscle upper_trapezius --muscle temporalis

# bad drawings: a message, exit 1, nothing written
cat > "$T/twice.yaml" <<'YAML'
regions:
  temple_r: 6
  temple_r: 3
YAML
check unknown 1 "unknown region 'temple' (did you mean 'temple_r'?)" "$BIN" locate temple=6 --csv "$T/bad.csv"
check twice 1 "argument 2: region 'temple_r' given twice" "$BIN" locate temple_r=6 temple_r=3 --csv "$T/bad.csv"
check twice-file 1 "twice.yaml:3:3: error: region 'temple_r' given twice (first at line 2)" \
    "$BIN" locate --drawing "$T/twice.yaml" --csv "$T/bad.csv"
check high 1 "intensity of 'temple_r' must be 0 .. 10" "$BIN" locate temple_r=11 --csv "$T/bad.csv"
check negative 1 "intensity of 'temple_r' must be 0 .. 10" "$BIN" locate temple_r=-2 --csv "$T/bad.csv"
check empty 1 "the pain drawing is empty" "$BIN" locate temple_r=0 --csv "$T/bad.csv" --figure "$T/bad.png"
check muscle 1 "unknown muscle 'upper_trapezus' (did you mean 'upper_trapezius'?)" \
    "$BIN" locate temple_r=6 --muscle upper_trapezus --csv "$T/bad.csv"
check muscle-twice 1 "muscle 'temporalis' given twice" \
    "$BIN" locate temple_r=6 --muscle temporalis --muscle temporalis --csv "$T/bad.csv"
check both 1 "not both" "$BIN" locate temple_r=6 --drawing "$T/twice.yaml" --csv "$T/bad.csv"
check none 2 "'locate' needs a pain drawing" "$BIN" locate --csv "$T/bad.csv"
check no-folder 1 "" "$BIN" locate temple_r=6 --csv "$T/nowhere/x.csv"
absent no-csv "$T/bad.csv"
absent no-figure "$T/bad.png"

# the cross-validations show their progress in a log (stderr not a terminal): a line per fold's percent
check referral-cv-progress 0 "progress: 100 % (27/27 folds)" "$BIN" referral --cv --starts 1 --evals 5 --no-check
check locate-cv-progress 0 "progress: 100 % (27/27 folds)" "$BIN" locate --cv --starts 1 --evals 5

echo "locate_smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
