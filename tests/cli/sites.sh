#!/bin/sh
# sites.sh -- several trigger points in one body (issue 10 item 4, docs/site-composition.md):
#   (a) a scenario with one site under `sites:` runs the composed model (tp_site's parts,
#       prefixed), and gives the default scenario's series, measurements and end state bit for
#       bit, with the same solver work (same steps and right-hand sides: the same analytic
#       Jacobian and sparse KLU path);
#   (b) two sites sharing spinal segments sum their afferent drive in one segment: hypertonic
#       saline into both the right upper trapezius and the right levator scapulae gives the
#       shared segment more central sensitisation and referred pain than either alone, and
#       the body regions of both sites' referral maps;
#   (c) bad `sites:` input: errors at file:line:col, non-zero exit, no run directory;
#   (h) the body map marks and names every site;
#   (i) sweep, sensitivity's one-site outputs and compare refuse several sites at the sites: key;
#   (d) the satellite hypothesis (satellite_of): the key's referred pain over the satellite's
#       muscle raises the satellite's activation and nociceptor firing; off without the key.
#   usage: sites.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$SRC/tests/cli/check.sh"
# the composed models are compiled once into the test's own cache
export MYOKNOT_CACHE="$T/cache"
mkdir -m 700 "$T/cache"

# ---- (a) one site composed = the single-site model
sed 's/^site:/sites:/; s/^  muscle: upper_trapezius/  - muscle: upper_trapezius/; s/^  side: right/    side: right/' \
    "$SRC/scenarios/default.yaml" > "$T/one.yaml"
grep -q '^  - muscle: upper_trapezius' "$T/one.yaml" || { echo "FAIL: default.yaml's site: block not found"; exit 1; }
check one_site 0 "" "$BIN" run "$T/one.yaml" --out "$T/r_one"
check default 0 "" "$BIN" run "$SRC/scenarios/default.yaml" --out "$T/r_def"
strip() { sed -E 's/(upper_trapezius_r_|seg_r_c2_c4_)//g' "$1"; }
# every value of every column, names without the instance prefixes
if [ -s "$T/r_one/series.csv" ] && grep -q 'upper_trapezius_r_core.po2' "$T/r_one/series.csv" &&
    strip "$T/r_one/series.csv" | sort > "$T/one.s" && sort "$T/r_def/series.csv" > "$T/def.s" &&
    cmp -s "$T/one.s" "$T/def.s"; then pass=$((pass + 1)); else
    echo "FAIL one_site_series: the composed one-site series differs from tp_site's"; fail=$((fail + 1)); fi
if cmp -s "$T/r_one/measurements.csv" "$T/r_def/measurements.csv"; then pass=$((pass + 1)); else
    echo "FAIL one_site_measurements: differ"; fail=$((fail + 1)); fi
# the end state at full precision (checkpoint.json: 17 digits)
state() { strip "$1" | awk '/"states"/{on=1} /"inputs"/{on=0} on && /"name"/{n=$2} on && /"value"/{print n, $2}' | sort; }
state "$T/r_one/checkpoint.json" > "$T/one.y"
state "$T/r_def/checkpoint.json" > "$T/def.y"
if [ "$(wc -l < "$T/def.y")" -gt 40 ] && cmp -s "$T/one.y" "$T/def.y"; then pass=$((pass + 1)); else
    echo "FAIL one_site_state: end states differ:"; diff "$T/one.y" "$T/def.y" | head -5; fail=$((fail + 1)); fi
work() { grep -E '"(steps|rhs_evals)"' "$1/manifest.json" | tr -d ' \t'; }
if [ -n "$(work "$T/r_def")" ] && [ "$(work "$T/r_one")" = "$(work "$T/r_def")" ]; then pass=$((pass + 1)); else
    echo "FAIL one_site_work: solver work differs: $(work "$T/r_one") vs $(work "$T/r_def")"; fail=$((fail + 1)); fi

# ---- (b) two sites in one segment sum their drive
saline='{event: injection, at: 3 min, substance: hypertonic_saline, volume: 1 mL, over: 20 s'
scen() { # NAME SITES_LINES EVENT_LINES
    printf 'name: %s\nsites:\n%s\nduration: 20 min\noutput_every: 10 s\ntimeline:\n%s\n' "$1" "$2" "$3" > "$T/$1.yaml"
    check "run_$1" 0 "" "$BIN" run "$T/$1.yaml" --out "$T/r_$1"
}
scen trap '  - {muscle: upper_trapezius, side: right}' "  - $saline}"
scen lev '  - {muscle: levator_scapulae, side: right}' "  - $saline}"
scen both '  - {muscle: upper_trapezius, side: right}
  - {muscle: levator_scapulae, side: right}' "  - $saline}
  - $saline, site: levator_scapulae_r}"
# peak NAME PATTERN: the largest value of the columns matching PATTERN
peak() { awk -F, -v p="$2" '$2 ~ p { if ($4 + 0 > m) m = $4 + 0 } END { printf "%.9g\n", m }' "$T/r_$1/series.csv"; }
below() { # NAME A B: A < B, A a number
    if [ -n "$2" ] && [ "$2" != none ] && awk -v a="$2" -v b="$3" 'BEGIN { exit !(a < b) }'; then pass=$((pass + 1)); else
        echo "FAIL $1: $2 is not below $3"; fail=$((fail + 1)); fi
}
# above NAME A B: A > 1.05 B (a real rise, far above the solver's tolerance)
above() {
    if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a > 1.05 * b && b > 0) }'; then pass=$((pass + 1)); else
        echo "FAIL $1: $2 is not above $3"; fail=$((fail + 1)); fi
}
cs_t=$(peak trap 'spinal\.central_sens$'); cs_l=$(peak lev 'spinal\.central_sens$'); cs_b=$(peak both 'spinal\.central_sens$')
rp_t=$(peak trap 'pain\.referred$'); rp_l=$(peak lev 'pain\.referred$'); rp_b=$(peak both 'pain\.referred$')
echo "central sensitisation: trapezius $cs_t, levator $cs_l, both $cs_b; referred pain: $rp_t, $rp_l, $rp_b"
above cs_both_over_trapezius "$cs_b" "$cs_t"
above cs_both_over_levator "$cs_b" "$cs_l"
above referred_both_over_trapezius "$rp_b" "$rp_t"
above referred_both_over_levator "$rp_b" "$rp_l"
# one segment instance for the two (C2-C4 and C3-C5 overlap), each site its own tissue
n_seg=$(grep -o 'seg_r_[a-z0-9_]*_spinal\.central_sens' "$T/r_both/series.csv" | sort -u | wc -l)
if [ "$n_seg" -eq 1 ] && grep -q '^0,seg_r_c2_c5_spinal.central_sens,' "$T/r_both/series.csv" &&
    grep -q ',levator_scapulae_r_core.po2,' "$T/r_both/series.csv"; then pass=$((pass + 1)); else
    echo "FAIL one_segment: $n_seg segment instances"; fail=$((fail + 1)); fi
# the regions of both maps: the trapezius's acromion and the levator's medial scapular border
ac=$(peak both 'pain\.region\.acromion_r$'); ms=$(peak both 'pain\.region\.medial_scapular_border_r$')
above regions_trapezius_map "$ac" 0.1
above regions_levator_map "$ms" 0.1

# ---- (d) the satellite hypothesis, switched on by satellite_of: the key's referred pain (over
# the occiput, the semispinalis capitis's own region) adds to the satellite's activation
sat_sites='  - {muscle: upper_trapezius, side: right}
  - {muscle: semispinalis_capitis, side: right'
scen sat "$sat_sites, satellite_of: upper_trapezius_r}" "  - $saline}"
scen nosat "$sat_sites}" "  - $saline}"
act=$(peak sat 'semispinalis_capitis_r_satellite\.activation$')
nr_s=$(peak sat 'semispinalis_capitis_r_noci\.rate$'); nr_n=$(peak nosat 'semispinalis_capitis_r_noci\.rate$')
echo "satellite: activation from the key $act % MVC; its nociceptors $nr_s Hz with, $nr_n Hz without"
above satellite_activation "$act" 0.1
above satellite_nociceptors "$nr_s" "$nr_n"
# the coupling is the key's: saline into the satellite alone (same segment) leaves its added
# activation near zero (it read the segment's referred pain, the satellite's own input included,
# and rose as much as from the key)
scen satself "$sat_sites, satellite_of: upper_trapezius_r}" "  - $saline, site: semispinalis_capitis_r}"
act_self=$(peak satself 'semispinalis_capitis_r_satellite\.activation$')
echo "satellite: activation from saline into the satellite itself $act_self % MVC (from the key $act)"
below satellite_not_self_driven "$act_self" "$(awk -v x="$act" 'BEGIN { print x / 20 }')"
# the hypothesis is a model file (models/satellite.myo), its parameters with range and source
check satellite_model 0 "Hsieh et al. 2007" "$BIN" model show satellite
check satellite_model_ports 0 "satellite_zone_weight" "$BIN" model show satellite
if grep -q 'semispinalis_capitis_r_satellite' "$T/r_nosat/series.csv"; then
    echo "FAIL satellite_off: the coupling exists without satellite_of"; fail=$((fail + 1)); else pass=$((pass + 1)); fi

# ---- (e) local pain per site (docs/site-composition.md, "Local pain per site"): ischaemic
# compression of the right upper trapezius alone, with the right levator scapulae in the same
# segment.  The pressed site's local pain rises; the levator's follows its own input through the
# shared dorsal horn and stays near its baseline, and so does its own region, the lateral neck,
# which is in no referral zone of the trapezius.
scen ic '  - {muscle: upper_trapezius, side: right}
  - {muscle: levator_scapulae, side: right}' '  - {event: ischemic_compression, at: 5 min, pressure: 2.5 kg/cm2, tool: thumb, hold: 90 s, repeats: 1, rest: 30 s}'
# window NAME PATTERN T0 T1: the largest value of the column matching PATTERN in [T0, T1] s,
# "none" without such a column
window() { awk -F, -v p="$2" -v a="$3" -v b="$4" '$2 ~ p && $1 >= a && $1 <= b { n++; if ($4 + 0 > m) m = $4 + 0 }
    END { if (n) printf "%.9g\n", m; else print "none" }' "$T/r_$1/series.csv"; }
pl_a=$(window ic '^upper_trapezius_r_pain\.local$' 300 420); pl_b=$(window ic '^levator_scapulae_r_pain\.local$' 300 420)
pl_b0=$(window ic '^levator_scapulae_r_pain\.local$' 0 290); pl_a0=$(window ic '^upper_trapezius_r_pain\.local$' 0 290)
ln=$(window ic '^pain\.region\.lateral_neck_r$' 300 420); ln0=$(window ic '^pain\.region\.lateral_neck_r$' 0 290)
echo "compression of the trapezius: its local pain $pl_a; the levator's $pl_b (before $pl_b0); lateral neck $ln (before $ln0)"
# the pressed site's pain rises by more than a point of the 0-10 scale (2.5 kg/cm2 is near the
# PPT, and a felt threshold is rated 1, pain.p_at_thr)
below local_pressed_site_exists "$(awk -v x="$pl_a0" 'BEGIN { print x + 1 }')" "$(awk -v x="$pl_a" 'BEGIN { print (x == "none") ? 0 : x + 0 }')"
below local_other_site "$pl_b" "$(awk -v x="$pl_b0" 'BEGIN { print x + 0.5 }')"
below lateral_neck_region "$ln" "$(awk -v x="$ln0" 'BEGIN { print x + 0.5 }')"

# ---- (f) measurements at any site (`site:` on a measure event): during the compression of the
# trapezius, the pain rated at the trapezius and at the levator (each its own local pain)
printf 'name: meas\nsites:\n  - {muscle: upper_trapezius, side: right}\n  - {muscle: levator_scapulae, side: right}\nduration: 10 min\noutput_every: 1 min\ntimeline:\n  - {event: ischemic_compression, at: 5 min, pressure: 2.5 kg/cm2, tool: thumb, hold: 90 s, repeats: 1, rest: 30 s}\n  - {event: measure, at: 6 min, what: [pain, stiffness]}\n  - {event: measure, at: 6 min, what: [pain, stiffness], site: levator_scapulae_r}\n' > "$T/meas.yaml"
check run_meas 0 "" "$BIN" run "$T/meas.yaml" --out "$T/r_meas"
mval() { awk -F, -v l="$1" '$2 == l { v = $5 } END { print (v == "") ? "none" : v }' "$T/r_meas/measurements.csv"; }
m_a=$(mval 'pain local'); m_b=$(mval 'pain local at levator_scapulae_r'); k_b=$(mval 'stiffness at levator_scapulae_r')
echo "measured during compression of the trapezius: pain there $m_a, at the levator $m_b (stiffness $k_b kPa)"
below measure_pain_pressed_site 1 "$(awk -v x="$m_a" 'BEGIN { print (x == "none") ? 0 : x + 0 }')"
below measure_pain_other_site "$m_b" 1
below measure_stiffness_other_site 0 "$(awk -v x="$k_b" 'BEGIN { print (x == "none") ? 0 : x + 0 }')"

# ---- (g) the parts are declared in the model (`part segment`, `part person`), not known to the
# composer by component name: tp_site with its dorsal horn renamed composes the same, one
# segment instance of it for the two sites, and the same central sensitisation
sed -E 's/^model tp_site \{/model tp_renamed {/; s/^component spinal \{/component dorsal_horn {/; s/([^a-z_])spinal\./\1dorsal_horn./g' \
    "$SRC/models/tp_site.myo" > "$T/renamed.myo"
sed "s|^name: both|name: renamed\nmodel: $T/renamed.myo|" "$T/both.yaml" > "$T/renamed.yaml"
check run_renamed 0 "" "$BIN" run "$T/renamed.yaml" --out "$T/r_renamed"
cs_rn=$(peak renamed '^seg_r_c2_c5_dorsal_horn\.central_sens$')
if [ "$cs_rn" = "$cs_b" ] && ! grep -q ',upper_trapezius_r_dorsal_horn\.central_sens,' "$T/r_renamed/series.csv"; then
    pass=$((pass + 1)); else echo "FAIL renamed_segment: central sensitisation $cs_rn (want $cs_b, one segment instance)"; fail=$((fail + 1)); fi

# ---- (h) the body map marks every site (issue 10 item 4): the report's body-map title and
# caption name both trigger points of the run with two, and their local regions are not
# counted as referral
if grep -q 'Trigger points in the upper trapezius (right) and the levator scapulae (right)' "$T/r_both/report.html" &&
    grep -q 'A circled cross marks each trigger point' "$T/r_both/report.html"; then pass=$((pass + 1)); else
    echo "FAIL body_map_every_site: the body map names the first site only"; fail=$((fail + 1)); fi

# ---- (i) commands that do not compose refuse several sites at the sites: key, never run one
# site silently (sweep opens the model by name)
check sweep_sites 1 "$T/both.yaml:2:1: error: 2 sites need the model composed from them, and model 'tp_site' is not" \
    "$BIN" sweep "$T/both.yaml" --vary 'core.k_tn=1..2 uM' --steps 1 --jobs 1 --out "$T/r_sweep_sites"
absent sweep_sites_nothing_written "$T/r_sweep_sites"
# sensitivity's pain, ppt and stiffness are each site's own: one output per site, measured there
check sensitivity_sites 0 "" \
    "$BIN" sensitivity "$T/both.yaml" --trajectories 1 --params 'upper_trapezius_r_core.k_tn' --jobs 1 --out "$T/r_sens_sites"
sens_out() { cut -d, -f1,2 "$T/r_sens_sites/sensitivity.csv" | grep -c "^$1,\"$2\"$"; }
if [ "$(sens_out 'pain upper_trapezius_r' 'upper_trapezius_r_pain.local at the end')" = 1 ] &&
    [ "$(sens_out 'pain levator_scapulae_r' 'levator_scapulae_r_pain.local at the end')" = 1 ] &&
    [ "$(sens_out 'ppt levator_scapulae_r' 'PPT at the end (algometer ramp) at levator_scapulae_r')" = 1 ] &&
    [ "$(sens_out 'stiffness levator_scapulae_r' 'levator_scapulae_r_band.stiffness at the end')" = 1 ] &&
    [ "$(cut -d, -f1 "$T/r_sens_sites/sensitivity.csv" | sort -u | wc -l)" = 7 ]; then pass=$((pass + 1)); else
    echo "FAIL sensitivity_sites_outputs: not one pain, ppt and stiffness per site:"; cut -d, -f1,2 "$T/r_sens_sites/sensitivity.csv"
    fail=$((fail + 1)); fi

# compare takes runs of several sites: its table holds every site's measurements (a site
# column, matched per site), its figure the first site's curves; measurements.csv written
# before the site column (seven fields) still reads, every row at the first site
check compare_sites 0 "" "$BIN" compare "$T/r_meas" "$T/r_meas" --out "$T/r_cmp_sites"
if head -1 "$T/r_cmp_sites/compare.csv" | grep -q '^label,kind,region,site,unit,t_s,' &&
    grep -q '^pain local at levator_scapulae_r,pain,local,levator_scapulae_r,0-10,' "$T/r_cmp_sites/compare.csv" &&
    grep -q '^pain local,pain,local,,0-10,' "$T/r_cmp_sites/compare.csv"; then pass=$((pass + 1)); else
    echo "FAIL compare_sites_table: no per-site rows:"; cat "$T/r_cmp_sites/compare.csv"; fail=$((fail + 1)); fi
mkdir -p "$T/r_meas7" && cp "$T/r_meas/manifest.json" "$T/r_meas/series.csv" "$T/r_meas7/" &&
    cut -d, -f1-7 "$T/r_meas/measurements.csv" > "$T/r_meas7/measurements.csv"
check compare_sites_7 0 "" "$BIN" compare "$T/r_meas7" "$T/r_meas" --out "$T/r_cmp_sites7"
# two runs of one scenario are told apart by their folders in the table's columns
if head -1 "$T/r_cmp_sites7/compare.csv" | grep -qF ",meas (r_meas7),meas (r_meas),"; then pass=$((pass + 1)); else
    echo "FAIL compare_same_scenario_names: $(head -1 "$T/r_cmp_sites7/compare.csv")"; fail=$((fail + 1)); fi

# ---- (c) bad input
bad() { # NAME TEXT_WANTED SITES_LINES [EVENT_LINE]
    printf 'name: bad\nsites:\n%s\nduration: 10 min\ntimeline:\n%s\n' "$3" "${4:-  - {event: stress, at: 0 s, level: 0.5, duration: 1 min\}}" > "$T/$1.yaml"
    check "$1" 1 "$2" "$BIN" run "$T/$1.yaml" --out "$T/r_$1"
    absent "$1_nothing_written" "$T/r_$1"
}
bad unknown_muscle "$T/unknown_muscle.yaml:4:14: error: unknown muscle 'levator_scapula' (did you mean 'levator_scapulae'?)" \
    '  - {muscle: upper_trapezius, side: right}
  - {muscle: levator_scapula, side: right}'
bad twice "$T/twice.yaml:5:5: error: site upper_trapezius right given twice (first at line 3)" \
    '  - {muscle: upper_trapezius, side: right}
  - {muscle: levator_scapulae, side: right}
  - {muscle: upper_trapezius, side: both}'
bad too_many "$T/too_many.yaml:9:5: error: too many sites: at most 12 trigger points in one body" \
    '  - {muscle: upper_trapezius, side: both}
  - {muscle: levator_scapulae, side: both}
  - {muscle: splenius_capitis, side: both}
  - {muscle: splenius_cervicis, side: both}
  - {muscle: infraspinatus, side: both}
  - {muscle: masseter, side: both}
  - {muscle: temporalis, side: both}'
bad empty "$T/empty.yaml:3:2: error: expected a list of sites for 'sites'" ' []'
bad bad_side "unknown side 'centre'" '  - {muscle: upper_trapezius, side: centre}'
bad event_site "$T/event_site.yaml:7:97: error: unknown site 'levator_scapulae_l' (did you mean 'levator_scapulae_r'?)" \
    '  - {muscle: upper_trapezius, side: right}
  - {muscle: levator_scapulae, side: right}' "  - $saline, site: levator_scapulae_l}"
bad satellite_later "$T/satellite_later.yaml:3:58: error: 'satellite_of: levator_scapulae_r' names no site listed before it" \
    '  - {muscle: upper_trapezius, side: right, satellite_of: levator_scapulae_r}
  - {muscle: levator_scapulae, side: right}'
bad satellite_unknown "did you mean 'upper_trapezius_r'?" \
    '  - {muscle: upper_trapezius, side: right}
  - {muscle: levator_scapulae, side: right, satellite_of: upper_trapezius_l}'
bad measure_site "$T/measure_site.yaml:7:50: error: unknown site 'levator_scapula_r' (did you mean 'levator_scapulae_r'?)" \
    '  - {muscle: upper_trapezius, side: right}
  - {muscle: levator_scapulae, side: right}' "  - {event: measure, at: 1 min, what: ppt, site: levator_scapula_r}"
printf 'name: bad\nsite: {muscle: upper_trapezius, side: right}\nsites:\n  - {muscle: upper_trapezius}\nduration: 1 min\ntimeline: []\n' > "$T/both_keys.yaml"
check both_keys 1 "$T/both_keys.yaml:2:1: error: 'site' and 'sites' both given" "$BIN" run "$T/both_keys.yaml" --out "$T/r_both_keys"
printf 'name: bad\nduration: 10 min\ntimeline:\n  - {event: stress, at: 0 s, level: 0.5, duration: 1 min, site: upper_trapezius_r}\n' > "$T/no_sites.yaml"
check event_site_without_sites 1 "needs the scenario's 'sites:' list" "$BIN" run "$T/no_sites.yaml" --out "$T/r_no_sites"

echo "sites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
