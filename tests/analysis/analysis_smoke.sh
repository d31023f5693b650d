#!/bin/sh
# analysis_smoke.sh -- `myoknot scan` and `myoknot sensitivity` on the default model with a tiny
# budget, so that CI exercises both commands end to end in seconds: exit codes, outputs written
# atomically, the verdict printed.
#   usage: analysis_smoke.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# check NAME WANT_STATUS WANT_TEXT CMD..., absent NAME PATH, exists NAME PATH (tests/cli/check.sh)
. "$SRC/tests/cli/check.sh"

check scan-help 0 "--from A" "$BIN" scan --help
check sens-help 0 "--trajectories R" "$BIN" sensitivity --help
check scan-no-name 2 "needs the NAME" "$BIN" scan --from 0 --to 1
check scan-no-range 2 "needs --from A and --to B" "$BIN" scan load.activation
check scan-unknown 2 "has no parameter or input 'load.nothing'" "$BIN" scan load.nothing --from 0 --to 1
check scan-bad-unit 2 "--from" "$BIN" scan load.activation --from "3 mmHg" --to "5 %"
check scan-same 2 "the same value" "$BIN" scan load.activation --from "5 %" --to 5
check sens-bad-levels 2 "even" "$BIN" sensitivity --levels 3
check sens-no-match 2 "no parameter of model 'tp_site' matches" "$BIN" sensitivity --params 'nothing.*' --out "$T/none"

# a scan of the default model: few steps, short settle; both branches, the verdict, the files
check scan-tp-site 0 "no coexistence found in [0, 10] %" \
    "$BIN" scan load.activation --method time --from "0 %" --to "10 %" --steps 2 --settle "1 h" --out "$T/scan"
exists scan-csv "$T/scan/scan.csv"
exists scan-png "$T/scan/scan.png"
exists scan-verdict "$T/scan/verdict.txt"
check scan-csv-rows 0 "backward,2," grep -F "backward,2," "$T/scan/scan.csv"
# the default method: Newton continuation; converged branches with their stability.  With the
# sarcomeres' passive tension the knot stays near the length-tension plateau (2.70-2.84 um) and
# the branch is followed over the whole range: one verdict for [0, 10] % (without it the knot
# ran past the plateau's end at 0.17 %MVC to 15 um and the verdict came in pieces)
check scan-newton 0 "load.activation in [0, 10] %: one stable steady state (1 in all)" \
    "$BIN" scan load.activation --from "0 %" --to "10 %" --steps 4 --out "$T/newton"
check scan-newton-csv 0 "1,1,0,0,1,yes,0," grep -F "1,1,0,0,1,yes,0," "$T/newton/scan.csv"
check scan-freeze 0 "frozen (quasi-steady states" \
    "$BIN" scan load.activation --from "0 %" --to "10 %" --steps 4 --freeze 'adapt.*' --out "$T/frozen"
check scan-freeze-bad 1 "no state of model 'tp_site' matches 'nothing.*'" \
    "$BIN" scan load.activation --from "0 %" --to "10 %" --freeze 'nothing.*' --out "$T/frozen2"
check scan-bad-method 2 "--method expects newton or time" "$BIN" scan load.activation --from 0 --to 1 --method x
# rerun into the same directory: replaced; a foreign directory is not touched
check scan-again 0 "output: $T/scan" \
    "$BIN" scan life.stress --from 0 --to 1 --steps 1 --settle "10 min" --set "load.activation=5 %" --out "$T/scan"
mkdir -p "$T/foreign" && echo keep > "$T/foreign/notes.txt"
check scan-foreign 1 "not an output of this analysis" \
    "$BIN" scan life.stress --from 0 --to 1 --steps 1 --settle "10 min" --out "$T/foreign"
exists foreign-kept "$T/foreign/notes.txt"
[ -z "$(ls -d "$T"/foreign.tmp-* 2>/dev/null)" ] && pass=$((pass + 1)) || { echo "FAIL: temporary directory left"; fail=$((fail + 1)); }

# Morris screening with a tiny budget: three parameters, two trajectories (9 runs of the
# default two-week scenario, about 2 s)
check sens-tp-site 0 "runs: 9 (0 failed" \
    "$BIN" sensitivity --params 'band.f_k,phys.p_cc0,noci.p_mech50' --trajectories 2 --out "$T/sens"
exists sens-csv "$T/sens/sensitivity.csv"
exists sens-png "$T/sens/sensitivity.png"
check sens-csv-ppt 0 "ppt," grep -F "ppt," "$T/sens/sensitivity.csv"

# not a terminal: one progress line per percent on stderr (issue 14: it printed nothing)
check sens-log-progress 0 "sensitivity: 100 % (9/9 runs)" \
    "$BIN" sensitivity --params 'band.f_k,phys.p_cc0,noci.p_mech50' --trajectories 2 --jobs 1 --out "$T/sens2"
# the same design and numbers with 1 and 2 workers
check sens-jobs-same 0 "" cmp "$T/sens/sensitivity.csv" "$T/sens2/sensitivity.csv"
# Sobol indices with a tiny budget: N = 2 base samples of 2 parameters (9 runs)
check sobol-tp-site 0 "runs: 9 (0 failed" \
    "$BIN" sensitivity --method sobol --samples 2 --bootstrap 10 --params 'phys.p_cc0,noci.p_mech50' --out "$T/sobol"
check sobol-csv 0 "ppt," grep -F "ppt," "$T/sobol/sensitivity.csv"
exists sobol-png "$T/sobol/sensitivity.png"
check sobol-too-many 2 "screen them first with Morris" "$BIN" sensitivity --method sobol --out "$T/sobol-all"
check sens-bad-method 2 "--method expects morris or sobol" "$BIN" sensitivity --method x

echo "analysis smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
