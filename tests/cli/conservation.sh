#!/bin/sh
# conservation.sh -- the site model's conservation laws (total fibre Ca2+ of the knot and of
# its flanks, total creatine, adenine nucleotides and phosphoryl groups of the core and the
# surround) hold at every output row of every shipped scenario, for every site variant, to a
# relative tolerance of 1e-6 (10 x the solver's default rtol).  Each law is a sum of states that
# are each integrated (tests/cli/conservation_check.awk), so it can fail; the second part proves
# that it does: for each law one state's equation is scaled by 1.001 in a copy of the model, and
# the check must then report that law.
#   usage: conservation.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
CHK="$SRC/tests/cli/conservation_check.awk"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
RTOL=1e-6
fail=0
runs=0

check() { # scenario-name series.csv
    awk -v RTOL=$RTOL -v SCEN="$1" -v VMYO=0.85 -v VSR=0.054 -f "$CHK" "$2"
}

for model in tp_site tp_site_central tp_site_neurogenic; do
    for f in "$SRC"/scenarios/*.yaml; do
        name=$(basename "$f" .yaml)
        out="$T/$model-$name"
        if ! "$BIN" run "$f" --model "$model" --out "$out" > "$out.log" 2>&1; then
            echo "FAIL $model/$name: the run failed"; tail -5 "$out.log"; fail=$((fail + 1)); continue
        fi
        if check "$model/$name" "$out/series.csv" > "$out.laws"; then
            runs=$((runs + 1))
            echo "ok   $model/$name: $(awk '{ if ($1 == "law" && $7 + 0 > m) m = $7 + 0 } END { printf "max drift %.2g", m }' "$out.laws")"
        else
            fail=$((fail + 1)); echo "FAIL $model/$name:"; sed 's/^/    /' "$out.laws"
        fi
        rm -rf "$out"
    done
done

# Falsifiability: scale one state's right-hand side of each law by 1.001; the law must fail.
# (ADP, not AMP, for the adenine pool: AMP is ~25 nM, so 0.1 % of its tiny flux is below the
# tolerance -- the perturbation must move the law by more than 1e-6 to prove anything.)
for pert in "core.creatine:d(cr)/dt = j_ck" "core.adenine:d(adp)/dt = -j_ck - 2 * j_ak - j_ox - j_gly + j_demand" \
            "core.phosphate:d(pi)/dt = j_demand - j_ox - j_gly" \
            "core.ca_total:d(ca_s)/dt = (j_serca - j_rel - j_leak) * v_myo / v_sr" \
            "core.ca_total_flank:d(ca_s_flank)/dt = (j_serca_flank - j_rel_flank - j_leak_flank) * v_myo / v_sr" \
            "surround.adenine:d(adp)/dt = -j_ck - 2 * j_ak - j_ox - j_gly + j_demand"; do
    lawname=${pert%%:*}
    eq=${pert#*:}
    lhs=${eq%% = *}
    rhs=${eq#* = }
    comp=${lawname%%.*}
    # replace the equation only inside the law's component
    awk -v comp="$comp" -v eq="$eq" -v new="$lhs = 1.001 * ($rhs)" '
        /^component / { inside = ($2 == comp) }
        inside && index($0, eq) { sub(/d\(.*$/, new); done = 1 }
        { print }
        END { if (!done) exit 3 }' "$SRC/models/tp_site.myo" > "$T/broken.myo" || {
        echo "FAIL falsifiability: equation '$eq' not found in component $comp"; fail=$((fail + 1)); continue; }
    if ! "$BIN" run "$SRC/scenarios/sustained_contraction_fatigue.yaml" --model "$T/broken.myo" --out "$T/broken" > "$T/broken.log" 2>&1; then
        echo "FAIL falsifiability ($lawname): the perturbed model did not run"; tail -5 "$T/broken.log"; fail=$((fail + 1)); continue
    fi
    if check "broken-$lawname" "$T/broken/series.csv" > "$T/broken.laws"; then
        echo "FAIL falsifiability: law '$lawname' still holds with its equation scaled by 1.001 (a check that cannot fail)"; fail=$((fail + 1))
    elif grep -q "VIOLATION conservation law '$lawname'" "$T/broken.laws"; then
        echo "ok   falsifiability: $(grep "VIOLATION conservation law '$lawname'" "$T/broken.laws")"
    else
        echo "FAIL falsifiability: perturbing '$eq' did not break law '$lawname':"; sed 's/^/    /' "$T/broken.laws"; fail=$((fail + 1))
    fi
    rm -rf "$T/broken"
done

echo "conservation: $runs scenario runs hold every law, $fail failures"
[ "$fail" -eq 0 ] && [ "$runs" -ge 27 ]
