#!/bin/sh
# therapy_dose.sh -- therapies act through mechanisms that follow the dose (issue 8, item 5):
# on the site after one working day (8 h at 5 % MVC, stress 0.7, then 1 h of rest),
# the PPT 2-3 min after one session must
#   - rise with the number of needle movements (10 < 60 < 300), saturate (the last 240
#     movements add less than the 50 before them) and beat a sham needle of 60 skin contacts;
#   - with the sham needle, rise above no treatment, and equal the needle once the needle's
#     own early effect (CPM of its pain) is off (a credible sham shares the skin input and the
#     expectation of relief);
#   - rise with the compression's pressure (1 < 2 < 3 kg/cm2 for 90 s) and with its hold
#     (30 s < 90 s at 2 kg/cm2; Hou 2002: pressure and duration both matter);
#   - and every treatment session (compression, massage, vibration, TENS, stretching, a sham
#     needle, lidocaine, an analgesic) engages the treatment expectation, where no treatment,
#     PPT probes, rubbing and experimental stimulation do not.
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

# simulate SCENARIO OUT LOG: run it (under $MODEL if set, with the one parameter override
# $SET if set); on failure say so on stderr and fail
SET=
simulate() {
    if [ -n "$MODEL" ]; then
        "$BIN" run "$1" --model "$MODEL" ${SET:+--set "$SET"} --out "$2" > "$3" 2>&1
    else
        "$BIN" run "$1" ${SET:+--set "$SET"} --out "$2" > "$3" 2>&1
    fi || { echo "FAIL $(basename "$1" .yaml): run failed:" >&2; sed 's/^/    /' "$3" >&2; return 1; }
}

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
    simulate "$T/$1.yaml" "$T/out_$1" "$T/log_$1" || { echo nan; return; }
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

# agrees NAME A B: A and B within 1 kPa of each other (the same resolution as holds)
agrees() {
    if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a == a + 0 && b == b + 0 && a - b < 1 && b - a < 1) }'; then
        pass=$((pass + 1))
    else
        echo "FAIL $1: $2 and $3 differ by 1 or more"
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
# of relief, which a no-treatment comparator lacks; issue 8): it must rise above no treatment,
# and once the needle's own early effect is off (CPM of its pain, spinal.k_cpm = 0) needle and
# sham must give the same PPT.  (This asked the sham for half the needle's rise at 2 min until
# k_expect came from the PPT itself, Hong 1993: how much of the rise is the needle's own at a
# given minute follows from the separately sourced sizes of CPM and expectation; the trials'
# comparisons at their read times are validation targets, dn-ppt-vs-sham-immediate and
# dn-ppt-vs-weak-comparator.)
none=$(ppt none "" 543)
echo "PPT with no treatment at the same time: $none kPa"
holds sham-beats-none "$none" lt "$sham"
SET=spinal.k_cpm=0
sham_nocpm=$(ppt sham60_nocpm "  - {event: dry_needling, at: 32400 s, rate: 1 1/s, duration: 60 s, sham: true}" 543)
n60_nocpm=$(ppt dn60_nocpm "  - {event: dry_needling, at: 32400 s, rate: 1 1/s, duration: 60 s}" 543)
SET=
echo "PPT 2 min after needling without CPM: sham $sham_nocpm, 60 movements $n60_nocpm kPa"
agrees sham-is-needle-without-cpm "$sham_nocpm" "$n60_nocpm"

# compression ends at 542.5 min for every dose; PPT 1.5 min later
p1=$(ppt ic1 "  - {event: ischemic_compression, at: 32460 s, pressure: 1 kg/cm2, tool: thumb, hold: 90 s}" 544)
p2=$(ppt ic2 "  - {event: ischemic_compression, at: 32460 s, pressure: 2 kg/cm2, tool: thumb, hold: 90 s}" 544)
p3=$(ppt ic3 "  - {event: ischemic_compression, at: 32460 s, pressure: 3 kg/cm2, tool: thumb, hold: 90 s}" 544)
h30=$(ppt ic2s "  - {event: ischemic_compression, at: 32520 s, pressure: 2 kg/cm2, tool: thumb, hold: 30 s}" 544)
echo "PPT 1.5 min after compression for 90 s at 1, 2, 3 kg/cm2: $p1, $p2, $p3 kPa; 30 s at 2 kg/cm2: $h30 kPa"
holds compression-pressure-1-2 "$p1" lt "$p2"
holds compression-pressure-2-3 "$p2" lt "$p3"
holds compression-hold-30-90 "$h30" lt "$p2"

# The treatment expectation (spinal.expect, placebo analgesia) follows the ritual, not the
# dose: every treatment session engages it, real or sham, and a measurement, an experimental
# stimulus, everyday rubbing or no treatment do not.  expect NAME EVENT_LINES: a 12 min
# scenario with the event(s) from 1 min, spinal.expect read at 7 min.
expect() {
    cat > "$T/e_$1.yaml" <<EOF
name: e_$1
duration: 12 min
output_every: 10 s
timeline:
$2
  - {event: measure, at: 7 min, what: output, name: spinal.expect, label: expect}
EOF
    simulate "$T/e_$1.yaml" "$T/eout_$1" "$T/elog_$1" || { echo nan; return; }
    grep '^[0-9.]*,expect,' "$T/eout_$1/measurements.csv" | cut -d, -f5
}
# engaged: above half of its full 1 (it decays with tau 1 h, so a session ended minutes ago
# is far above 0.5); idle: below 0.01
# expect_holds NAME EVENT_LINES CONDITION WHAT: spinal.expect (as a) must meet the awk CONDITION
expect_holds() {
    v=$(expect "$1" "$2")
    if awk -v a="$v" "BEGIN { exit !(a == a + 0 && $3) }"; then
        pass=$((pass + 1))
    else
        echo "FAIL expectation-$1: spinal.expect $v, not $4"
        fail=$((fail + 1))
    fi
}
engaged() { expect_holds "$1" "$2" "a > 0.5" "above 0.5 after the session"; }
idle() { expect_holds "$1" "$2" "a < 0.01" "below 0.01"; }
engaged compression "  - {event: ischemic_compression, at: 1 min, pressure: 2 kg/cm2, tool: thumb, hold: 90 s, repeats: 2}"
engaged massage "  - {event: massage, at: 1 min, pressure: 0.5 kg/cm2, tool: roller, duration: 5 min}"
engaged vibration "  - {event: vibration, at: 1 min, intensity: 0.6, duration: 5 min}"
engaged tens "  - {event: tens, at: 1 min, rate: 80 Hz, intensity: 0.8, duration: 5 min}"
engaged stretch "  - {event: stretch, at: 1 min, strain: 10 %, hold: 30 s, repeats: 3}"
engaged sham-needle "  - {event: dry_needling, at: 1 min, rate: 1 1/s, duration: 60 s, sham: true}"
# light touch given as a sham treatment (a compression trial's sham arm), unlike everyday rubbing
engaged sham-touch "  - {event: rubbing, at: 1 min, intensity: 0.1, duration: 5 min, sham: true}"
engaged lidocaine "  - {event: lidocaine_injection, at: 1 min, dose: 5 mg, volume: 1 mL}"
engaged analgesic "  - {event: analgesic, at: 1 min, kind: nsaid, effect: 0.5, duration: 10 min}"
# two treatments at once are one session (their flags merge; not an overlap error)
engaged massage-with-tens "  - {event: massage, at: 1 min, pressure: 0.5 kg/cm2, duration: 5 min}
  - {event: tens, at: 3 min, rate: 80 Hz, intensity: 0.8, duration: 4 min}"
idle none ""
idle ppt-probe "  - {event: measure, at: 2 min, what: ppt, label: probe}
  - {event: measure, at: 4 min, what: ppt, label: probe2}"
idle rubbing "  - {event: rubbing, at: 1 min, intensity: 0.6, duration: 5 min}"
idle experimental-stimulation "  - {event: electrical_stimulation, at: 1 min, rate: 10 Hz, intensity: 1.5, duration: 5 min}"

echo "therapy_dose: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
