#!/bin/sh
# neuropeptides.sh -- CGRP and substance P have their own release and clearance (issue 8): after
# an intramuscular bolus of hypertonic saline (scenarios/saline_referred_pain.yaml) drives the
# site's nociceptors, substance P (cleared by neprilysin and ACE within minutes) must peak
# before CGRP (plasma half-lives 3.6 and 13.6 min, longer in tissue), and at the end of the run
# keep a smaller share of its peak excess than CGRP does.  With one shared equation the two
# curves coincide and both checks fail.
#   usage: neuropeptides.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

if ! "$BIN" run "$SRC/scenarios/saline_referred_pain.yaml" --model "$SRC/models/tp_site.myo" --out "$T/run" > "$T/log" 2>&1; then
    echo "FAIL the saline scenario did not run:"; tail -3 "$T/log"; exit 1
fi
# series.csv, long format t_s,variable,unit,value: peak time, peak and last value of each
awk -F, '
    $2 == "chem.cgrp" || $2 == "chem.sp" {
        n = $2; v = $4 + 0
        if (!(n in peak) || v > peak[n]) { peak[n] = v; tpeak[n] = $1 + 0 }
        last[n] = v
    }
    END {
        if (!("chem.cgrp" in peak) || !("chem.sp" in peak)) { print "FAIL series.csv lacks chem.cgrp or chem.sp"; exit 1 }
        c = "chem.cgrp"; s = "chem.sp"
        if (peak[c] <= 1.05 || peak[s] <= 1.05) { printf "FAIL no neuropeptide release: peaks CGRP %g, SP %g\n", peak[c], peak[s]; exit 1 }
        rc = (last[c] - 1) / (peak[c] - 1); rs = (last[s] - 1) / (peak[s] - 1)
        printf "CGRP peak %.3f at %g s, keeps %.2f of it; SP peak %.3f at %g s, keeps %.2f\n", peak[c], tpeak[c], rc, peak[s], tpeak[s], rs
        bad = 0
        if (!(tpeak[s] < tpeak[c])) { print "FAIL substance P does not peak before CGRP"; bad = 1 }
        if (!(rs < rc)) { print "FAIL substance P is not cleared faster than CGRP"; bad = 1 }
        exit bad
    }' "$T/run/series.csv"
