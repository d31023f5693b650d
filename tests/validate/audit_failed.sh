#!/bin/sh
# audit_failed.sh -- validate --audit counts a variant whose run fails apart (variants_failed),
# never as a flip, and judges sensitivity over the variants that ran.  The toy model
# (tests/validate/audit/blowup.myo) blows up at the high end of b1 and of b2; k moves the
# targets; c does nothing.  toy-late passes for every variant that ran but k=lo: insensitive.
#   usage: audit_failed.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# check NAME WANT_STATUS WANT_TEXT CMD..., absent NAME PATH, exists NAME PATH (tests/cli/check.sh)
. "$SRC/tests/cli/check.sh"

mkdir "$T/targets"
cp "$SRC/tests/validate/audit/early.yaml" "$SRC/tests/validate/audit/late.yaml" "$T/targets/"
check audit 0 "marks written to" "$BIN" validate --audit --model "$SRC/tests/validate/audit/blowup.myo" --dir "$T/targets" \
    --out "$T/audit" --jobs 2
check columns 0 "target,role,model_passes,variants_pass,variants_ran,variants_failed,variants,mark,flipped_by,failed_in" \
    cat "$T/audit/audit-table.csv"
# 6 variants: k lo/hi, b1 hi, b2 hi (their low end is the default), c lo/hi; b1=hi and b2=hi fail
check early-row 0 'toy-early,validation,pass,2,4,2,6,,"f.k=lo f.k=hi","f.b1=hi f.b2=hi"' cat "$T/audit/audit-table.csv"
check late-row 0 'toy-late,validation,pass,3,4,2,6,insensitive,"f.k=lo","f.b1=hi f.b2=hi"' cat "$T/audit/audit-table.csv"
check marks 0 "toy-late,validation,pass,3,4,2,6,insensitive" cat "$T/targets/audit.csv"
check marks-early 0 "toy-early,validation,pass,2,4,2,6," cat "$T/targets/audit.csv"
# validate shows the mark read back from the marks file
check shown 0 "insensitive" "$BIN" validate --model "$SRC/tests/validate/audit/blowup.myo" --dir "$T/targets" --only toy-late \
    --out "$T/v"

# the output folder is opened before the long run and never written into a folder of other files
mkdir "$T/foreign"
echo keep > "$T/foreign/keep.txt"
check foreign-out 1 "is not an audit output" "$BIN" validate --audit --model "$SRC/tests/validate/audit/blowup.myo" \
    --dir "$T/targets" --out "$T/foreign" --jobs 2
absent foreign-no-table "$T/foreign/audit-table.csv"
check foreign-kept 0 "keep" cat "$T/foreign/keep.txt"
# a second audit replaces its own previous output
check audit-again 0 "marks written to" "$BIN" validate --audit --model "$SRC/tests/validate/audit/blowup.myo" \
    --dir "$T/targets" --out "$T/audit" --jobs 1

echo "audit_failed: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
