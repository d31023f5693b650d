#!/bin/sh
# scenarios_run.sh -- every scenario in scenarios/ runs to the end and writes its run
# directory; a scenario that fails to load, compile or integrate fails the test.
#   usage: scenarios_run.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
for f in "$SRC"/scenarios/*.yaml; do
    name=$(basename "$f" .yaml)
    start=$(date +%s)
    if "$BIN" run "$f" --out "$T/$name" > "$T/$name.log" 2>&1 && [ -s "$T/$name/report.html" ]; then
        pass=$((pass + 1))
        echo "ok   $name ($(( $(date +%s) - start )) s)"
    else
        fail=$((fail + 1))
        echo "FAIL $name:"; sed 's/^/    /' "$T/$name.log" | tail -20
    fi
done
echo "scenarios: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -ge 9 ]
