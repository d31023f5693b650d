#!/bin/sh
# conservation.sh -- the site model's declared conservation laws (`conserve` in models/tp_site*.myo:
# total fibre Ca2+ of the knot and of its flanks, total creatine, adenine nucleotides and
# phosphoryl groups of the core and the surround) hold at every output row of every shipped
# scenario, for every site variant: the library checks each declared law at every row and a run
# fails when one drifts beyond its tol (docs/model-language.md), so a run that exits 0 held them
# all.  The checker refuses laws that hold by construction; the second part proves that these
# can fail: for each law one state's equation is scaled by 1.001 in a copy of the model, and the
# run must then stop, naming that law.
#   usage: conservation.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
runs=0

for model in tp_site tp_site_central tp_site_neurogenic tp_site_endplate_knot; do
    # a run checks only the laws its model declares: each variant must declare all eight (a
    # variant inherits its base's laws, so count them in the resolved model, not in its file)
    n=$("$BIN" model c "$model" | sed -n 's/^static const mk_law k_laws\[\([0-9]*\)\].*/\1/p')
    n=${n:-0}
    [ "$n" -ge 8 ] || { echo "FAIL $model declares $n conservation laws, expected 8"; fail=$((fail + 1)); }
    for f in "$SRC"/scenarios/*.yaml; do
        name=$(basename "$f" .yaml)
        out="$T/$model-$name"
        if ! "$BIN" run "$f" --model "$model" --out "$out" > "$out.log" 2>&1; then
            echo "FAIL $model/$name: the run failed"; tail -5 "$out.log"; fail=$((fail + 1)); continue
        fi
        runs=$((runs + 1))
        echo "ok   $model/$name"
        rm -rf "$out"
    done
done

# Falsifiability: scale one state's right-hand side of each law by 1.001; the law must fail.
# (ADP, not AMP, for the adenine pool: AMP is ~25 nM, so 0.1 % of its tiny flux is below the
# tolerance -- the perturbation must move the law by more than 1e-6 to prove anything.)
for pert in "core.creatine_pool:d(cr)/dt = j_ck" "core.adenine_pool:d(adp)/dt = -j_ck - 2 * j_ak - j_ox - j_gly + j_demand" \
            "core.phosphoryl_pool:d(pi)/dt = j_demand - j_ox - j_gly" \
            "core.ca_fibre:d(ca_s)/dt = (j_serca - j_rel - j_leak) * v_myo / v_sr" \
            "core.ca_fibre_flank:d(ca_s_flank)/dt = (j_serca_flank - j_rel_flank - j_leak_flank) * v_myo / v_sr" \
            "surround.adenine_pool:d(adp)/dt = -j_ck - 2 * j_ak - j_ox - j_gly + j_demand"; do
    lawname=${pert%%:*}
    eq=${pert#*:}
    lhs=${eq%% = *}
    rhs=${eq#* = }
    comp=${lawname%%.*}
    # the equation as the model writes it (in the component or in a template the component
    # uses), then a variant that replaces it in the law's component only
    grep -qF "  $eq" "$SRC/models/tp_site.myo" || {
        echo "FAIL falsifiability: equation '$eq' not found in models/tp_site.myo"; fail=$((fail + 1)); continue; }
    state=${lhs#d(}
    state=${state%)/dt}
    printf 'model broken extends "%s" {}\nreplace d(%s.%s)/dt = 1.001 * (%s)\n' \
        "$SRC/models/tp_site.myo" "$comp" "$state" "$rhs" > "$T/broken.myo"
    if "$BIN" run "$SRC/scenarios/sustained_contraction_fatigue.yaml" --model "$T/broken.myo" --out "$T/broken" > "$T/broken.log" 2>&1; then
        echo "FAIL falsifiability: law '$lawname' still holds with its equation scaled by 1.001 (a check that cannot fail)"; fail=$((fail + 1))
    elif grep -q "conservation law '$lawname' drifted" "$T/broken.log"; then
        echo "ok   falsifiability: $(grep -o "conservation law '$lawname' drifted.*" "$T/broken.log")"
    else
        echo "FAIL falsifiability: perturbing '$eq' did not stop the run on law '$lawname':"; tail -5 "$T/broken.log" | sed 's/^/    /'; fail=$((fail + 1))
    fi
    [ -e "$T/broken" ] && { echo "FAIL falsifiability ($lawname): a failed run left its folder"; fail=$((fail + 1)); }
    rm -rf "$T/broken"
done

echo "conservation: $runs scenario runs hold every law, $fail failures"
[ "$fail" -eq 0 ] && [ "$runs" -ge 27 ]
