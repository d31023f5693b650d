#!/bin/sh
# limits_smoke.sh -- the command on inputs that are no regular file or are over a limit
# (src/core/limits.h): an error naming the file, exit 1, promptly.  A FIFO opened plainly for
# reading waits for a writer forever, so every command runs under `timeout`: a regression
# fails here instead of hanging the suite.
#   usage: limits_smoke.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# check NAME WANT_STATUS WANT_TEXT CMD...: as in cli_smoke.sh, with at most 20 s for CMD
check() {
    name=$1 want=$2 text=$3
    shift 3
    timeout 20 "$@" > "$T/out" 2>&1 < /dev/null
    got=$?
    if [ "$got" -ne "$want" ] || { [ -n "$text" ] && ! grep -qF -- "$text" "$T/out"; }; then
        [ "$got" -eq 124 ] && echo "FAIL $name: still running after 20 s"
        echo "FAIL $name: exit $got (want $want), output:"; sed 's/^/    /' "$T/out"
        echo "    (wanted text: $text)"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

mkfifo "$T/pipe.myo" "$T/pipe.yaml"
check fifo-model 1 "pipe.myo: error: cannot read a model file: not a regular file (a FIFO)" \
    "$BIN" model check "$T/pipe.myo"
check fifo-scenario 1 "pipe.yaml: error: cannot read a scenario: not a regular file (a FIFO)" \
    "$BIN" run "$T/pipe.yaml" --out "$T/run1"
# a scenario naming a FIFO as its model
cat > "$T/s.yaml" <<'YML'
name: s
model: pipe.myo
duration: 1 h
output_every: 10 min
YML
check fifo-model-in-scenario 1 "pipe.myo: error: cannot read a model file: not a regular file (a FIFO)" \
    "$BIN" run "$T/s.yaml" --out "$T/run2"
[ -e "$T/run2" ] && { echo "FAIL fifo-model-in-scenario: $T/run2 exists"; fail=$((fail + 1)); } || pass=$((pass + 1))
mkdir "$T/folder.myo"
check folder-model 1 "folder.myo: error: cannot read a model file: not a regular file (a folder)" \
    "$BIN" model check "$T/folder.myo"
# a name over the limit: an error where it begins
long=$(printf 'n%.0s' $(seq 1 300))
printf 'model m {}\ncomponent c {\n  input %s = 1 [mM]\n}\n' "$long" > "$T/long.myo"
check long-name 1 "long.myo:3:9: error: name 'nnnnnnnnnnnnnnnnnnnnnnnn...' is too long (300 characters; at most 63)" \
    "$BIN" model check "$T/long.myo"

echo "limits_smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
