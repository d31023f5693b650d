#!/bin/sh
# therapy_dose.sh -- therapies act through mechanisms that follow the dose (issue 8, item 5):
# on the site after one working day (8 h at 5 % MVC, stress 0.7, then 1 h of rest),
# the PPT 2-3 min after one session must
#   - rise with the number of needle movements (10 < 60 < 300), saturate (the last 240
#     movements add less than the 50 before them) and beat a sham needle of 60 skin contacts;
#   - with the sham needle, rise above no treatment by at least half the needle's rise (a
#     credible sham shares the skin input and the expectation of relief);
#   - rise with the compression's pressure (1 < 2 < 3 kg/cm2 for 90 s) and with its hold
#     (30 s < 90 s at 2 kg/cm2; Hou 2002: pressure and duration both matter).
# A therapy whose effect were a constant per therapy, or absent, fails these orderings.
#   usage: therapy_dose.sh PATH/TO/myoknot SOURCE_DIR [MODEL]   (MODEL: another .myo to test)
set -u
BIN=$1
SRC=$2
MODEL=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# ppt NAME EVENT_LINE MEASURE_MIN: run the day with one therapy event, print the PPT after it
ppt() {
    cat > "$T/$1.yaml" <<EOF
name: $1
duration: $3 min
output_every: 10 min
timeline:
  - {event: desk_work, at: 0 s, load: 5 %, duration: 8 h}
  - {event: stress, at: 0 s, level: 0.7, duration: 8 h}
$2
  - {event: measure, at: $3 min, what: ppt, label: after}
EOF
    if [ -n "$MODEL" ]; then
        "$BIN" run "$T/$1.yaml" --model "$MODEL" --out "$T/out_$1" > "$T/log_$1" 2>&1
    else
        "$BIN" run "$T/$1.yaml" --out "$T/out_$1" > "$T/log_$1" 2>&1
    fi || { echo "FAIL $1: run failed:" >&2; sed 's/^/    /' "$T/log_$1" >&2; echo nan; return; }
    grep '^[0-9.]*,after,ppt,' "$T/out_$1/measurements.csv" | cut -d, -f5
}

# holds NAME A lt B: A must be below B by more than 1 kPa (0.01 kg/cm2, far above the solver's
# tolerance), so an ordering made of numerical noise does not count
holds() {
    if awk -v a="$2" -v b="$4" 'BEGIN { exit !(a == a + 0 && b == b + 0 && a + 1 < b) }'; then
        pass=$((pass + 1))
    else
        echo "FAIL $1: $2 + 1 < $4 does not hold"
        fail=$((fail + 1))
    fi
}

# needling ends at 541 min for every dose; PPT 2 min later
sham=$(ppt sham60 "  - {event: dry_needling, at: 32400 s, rate: 1 1/s, duration: 60 s, sham: true}" 543)
n10=$(ppt dn10 "  - {event: dry_needling, at: 32450 s, rate: 1 1/s, duration: 10 s}" 543)
n60=$(ppt dn60 "  - {event: dry_needling, at: 32400 s, rate: 1 1/s, duration: 60 s}" 543)
n300=$(ppt dn300 "  - {event: dry_needling, at: 32160 s, rate: 1 1/s, duration: 300 s}" 543)
echo "PPT 2 min after needling: sham 60 contacts $sham kPa; 10, 60, 300 movements: $n10, $n60, $n300 kPa"
holds needle-beats-sham "$sham" lt "$n60"
holds needle-dose-10-60 "$n10" lt "$n60"
holds needle-dose-60-300 "$n60" lt "$n300"
holds needle-saturates "$(awk -v a="$n300" -v b="$n60" 'BEGIN { print a - b }')" lt \
    "$(awk -v a="$n60" -v b="$n10" 'BEGIN { print a - b }')"
# A credible sham shares the needle's non-specific effects (the skin contacts and the expectation
# of relief, which a no-treatment comparator lacks): the sham must give at least half of the
# needle's PPT rise over no treatment (the sham-controlled trials find no immediate difference
# at the needled muscle, the weak-comparator pool a large one; issue 8).
none=$(ppt none "" 543)
echo "PPT with no treatment at the same time: $none kPa"
holds sham-shares-half-of-needle "$(awk -v a="$n60" -v b="$none" 'BEGIN { print (a - b) / 2 }')" lt \
    "$(awk -v a="$sham" -v b="$none" 'BEGIN { print a - b }')"

# compression ends at 542.5 min for every dose; PPT 1.5 min later
p1=$(ppt ic1 "  - {event: ischemic_compression, at: 32460 s, pressure: 1 kg/cm2, tool: thumb, hold: 90 s}" 544)
p2=$(ppt ic2 "  - {event: ischemic_compression, at: 32460 s, pressure: 2 kg/cm2, tool: thumb, hold: 90 s}" 544)
p3=$(ppt ic3 "  - {event: ischemic_compression, at: 32460 s, pressure: 3 kg/cm2, tool: thumb, hold: 90 s}" 544)
h30=$(ppt ic2s "  - {event: ischemic_compression, at: 32520 s, pressure: 2 kg/cm2, tool: thumb, hold: 30 s}" 544)
echo "PPT 1.5 min after compression for 90 s at 1, 2, 3 kg/cm2: $p1, $p2, $p3 kPa; 30 s at 2 kg/cm2: $h30 kPa"
holds compression-pressure-1-2 "$p1" lt "$p2"
holds compression-pressure-2-3 "$p2" lt "$p3"
holds compression-hold-30-90 "$h30" lt "$p2"

echo "therapy_dose: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
