#!/bin/sh
# same_numbers.sh MYOKNOT REFERENCE_MYOKNOT -- the default scenario gives byte-identical
# series.csv and measurements.csv with this build and with the reference build (issue 7: a
# number in a paper must not depend on how myoknot was built).  `make test` runs it in the
# sanitizer build (Debug, -O0, ASan+UBSan) against the Release build.
set -eu
this=$1
ref=$2
[ -x "$ref" ] || { echo "same_numbers: no reference build at $ref" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mk-same-numbers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$ref" run --out "$tmp/ref" > /dev/null
"$this" run --out "$tmp/this" > /dev/null
status=0
for f in series.csv measurements.csv; do
    if ! cmp "$tmp/ref/$f" "$tmp/this/$f"; then
        echo "same_numbers: $f differs between $this and $ref; first differing lines:" >&2
        diff "$tmp/ref/$f" "$tmp/this/$f" | head -6 >&2
        status=1
    fi
done
# both record the same compiler and flags for the model
g1=$(grep '"generator"' "$tmp/ref/manifest.json")
g2=$(grep '"generator"' "$tmp/this/manifest.json")
if [ "$g1" != "$g2" ]; then
    echo "same_numbers: the model was compiled differently: $g1 vs $g2" >&2
    status=1
fi
[ $status = 0 ] && echo "same_numbers: series.csv and measurements.csv identical to $ref ($g1)"
exit $status
