#!/bin/sh
# report_labels.sh -- the report reads local and referred pain through the model's site
# interface (labels pain_local and pain_referred, docs/site-interface.md), not through the names
# tp_site happens to use: a variant that binds the labels to other variables (here tp_site's
# pain plus 3 and plus 2 points) must see those numbers in report.html's "What happened".
#   usage: report_labels.sh PATH/TO/myoknot
set -u
BIN=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

cat > "$T/relabel.myo" <<'EOF2'
model relabel extends tp_site {
  doc "test: tp_site with local and referred pain rebound to other variables"
}
interface {
  pain_local = pain.local_shown
  pain_referred = pain.referred_shown
}
extend component pain {
  var local_shown [1] = pain.local + 3 { doc "local pain plus 3 points (test only)" }
  output local_shown
  var referred_shown [1] = pain.referred + 2 { doc "referred pain plus 2 points (test only)" }
  output referred_shown
}
EOF2
cat > "$T/short.yaml" <<'EOF2'
name: short
duration: 20 min
output_every: 1 min
timeline:
  - {event: measure, at: 10 min, what: pain}
EOF2

if ! "$BIN" run "$T/short.yaml" --model "$T/relabel.myo" --out "$T/run" > "$T/log" 2>&1; then
    echo "FAIL the run failed:"; tail -3 "$T/log"; exit 1
fi
for want in "pain at the trigger point peaked at 3" "referred pain peaked at 2"; do
    if grep -qF "$want" "$T/run/report.html"; then
        pass=$((pass + 1))
    else
        echo "FAIL report.html lacks '$want':"
        grep -o "<h2>What happened</h2>.*" "$T/run/report.html" | head -c 600; echo
        fail=$((fail + 1))
    fi
done
echo "report_labels: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
