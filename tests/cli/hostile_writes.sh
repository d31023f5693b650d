#!/bin/sh
# hostile_writes.sh -- what myoknot writes cannot be turned against the user (issue 7, findings
# 2, 4 and 5): no symlink followed, no device or FIFO replaced, two runs into one --out never
# both "succeed", an interrupted run leaves no temporary folder, stale ones are swept, and a
# bad output path fails before any computing.
#   usage: hostile_writes.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# check NAME WANT_STATUS WANT_TEXT CMD...: exit status and a text in the combined output
check() {
    name=$1 want=$2 text=$3
    shift 3
    "$@" > "$T/out" 2>&1
    got=$?
    if [ "$got" -ne "$want" ] || { [ -n "$text" ] && ! grep -qF -- "$text" "$T/out"; }; then
        bad "$name: exit $got (want $want), output:"; sed 's/^/    /' "$T/out"
        echo "    (wanted text: $text)"
    else
        ok
    fi
}
# lacks NAME TEXT: the last command's output does not contain TEXT (it did not compute)
lacks() { if grep -qF -- "$2" "$T/out"; then bad "$1: output has '$2' (computed before failing)"; else ok; fi; }
same() { if [ "$(cat "$2")" = "$3" ]; then ok; else bad "$1: $2 changed to '$(cat "$2")'"; fi; }
none() { # none NAME GLOB...: no file matches
    n=$1; shift
    for f in "$@"; do if [ -e "$f" ] || [ -L "$f" ]; then bad "$n: $f exists"; return; fi; done
    ok
}

Q="--model decay --duration 2s"
SCN="$SRC/scenarios/desk_day.yaml"

# ---- a symlink planted at the temporary name the old code used (PATH.tmp.PID, PID predicted
# by exec-ing from a shell whose $$ it is) is not followed: the file it points to is untouched
echo secret > "$T/victim"
sh -c 'ln -s "$1" "$2.tmp.$$"; ln -s "$1" "$2.tmp-$$"; exec "$3" run --model decay --duration 2s --csv "$2"' \
    _ "$T/victim" "$T/t.csv" "$BIN" > "$T/out" 2>&1 || bad "planted-tmp: run failed: $(cat "$T/out")"
same planted-tmp-csv "$T/victim" secret
grep -qF "t [s]" "$T/t.csv" && ok || bad "planted-tmp: $T/t.csv not written"
sh -c 'ln -s "$1" "$2.tmp.$$"; exec "$3" model c decay -o "$2"' _ "$T/victim" "$T/m.c" "$BIN" > /dev/null 2>&1
same planted-tmp-model-c "$T/victim" secret

# ---- targets that are not regular files are refused, named, and left as they were
mkfifo "$T/fifo"
check csv-fifo 1 "$T/fifo exists and is a FIFO" "$BIN" run $Q --csv "$T/fifo"
[ -p "$T/fifo" ] && ok || bad "csv-fifo: the FIFO was replaced"
lacks csv-fifo-early "solver:"
ln -s "$T/victim" "$T/link.csv"
check csv-symlink 1 "$T/link.csv exists and is a symbolic link" "$BIN" run $Q --csv "$T/link.csv"
[ -L "$T/link.csv" ] && ok || bad "csv-symlink: the link was replaced"
same csv-symlink-target "$T/victim" secret
check model-c-symlink 1 "is a symbolic link" "$BIN" model c decay -o "$T/link.csv"
check model-show-fifo 1 "is a FIFO" "$BIN" model show decay -o "$T/fifo"
mkdir "$T/adir"
check csv-folder 1 "$T/adir exists and is a folder" "$BIN" run $Q --csv "$T/adir"
same no-write-through-link "$T/victim" secret
# a planted lock file that is a symlink is not followed either
ln -s "$T/victim" "$T/lk.lock"
check lock-symlink 1 "lk.lock is a symbolic link" "$BIN" run "$SCN" --out "$T/lk"
same lock-symlink-target "$T/victim" secret
none lock-symlink-no-run "$T/lk"

# ---- a bad output path fails before anything is computed
check out-no-parent 1 "$T/no/such" "$BIN" run "$SCN" --out "$T/no/such/run"
lacks out-no-parent-early "solver:"
echo x > "$T/afile"
check out-parent-file 1 "is not a folder" "$BIN" run "$SCN" --out "$T/afile/run"
lacks out-parent-file-early "scenario '"
check csv-no-parent 1 "$T/no/such" "$BIN" run $Q --csv "$T/no/such/x.csv"
lacks csv-no-parent-early "solver:"
check scan-no-parent 1 "$T/no/such" "$BIN" scan load.activation --from "0 %" --to "10 %" --steps 2 --settle "1 h" --out "$T/no/such/s"
lacks scan-no-parent-early "solver:"
check sens-no-parent 1 "$T/no/such" "$BIN" sensitivity "$SCN" --trajectories 2 --out "$T/no/such/s"
lacks sens-no-parent-early "runs:"
check validate-no-parent 1 "$T/no/such" "$BIN" validate --dir "$SRC/data/validation" --out "$T/no/such/v"
lacks validate-no-parent-early "published"
none no-parent-nothing-made "$T/no"

# ---- two runs into one --out at once: exactly one succeeds, the other says why.  The second
# starts once the first has its temporary folder (a longer first run, so that it is still
# writing): started together, a fast first run could finish before the second began, and both
# would then rightly succeed one after the other.
"$BIN" run "$SCN" --set "duration=20 d" --out "$T/race" > "$T/r1" 2>&1 &
p1=$!
k=0
while ! ls -d "$T/race".tmp-* > /dev/null 2>&1 && [ $k -lt 400 ]; do sleep 0.05; k=$((k + 1)); done
"$BIN" run "$SCN" --out "$T/race" > "$T/r2" 2>&1 &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
if { [ $s1 -eq 0 ] && [ $s2 -ne 0 ]; } || { [ $s1 -ne 0 ] && [ $s2 -eq 0 ]; }; then ok; else
    bad "race: exit statuses $s1 and $s2 (want one 0, one failure)"; sed 's/^/    /' "$T/r1" "$T/r2"
fi
grep -qF "is being written by another myoknot" "$T/r1" "$T/r2" && ok || bad "race: no clear message for the loser"
for f in manifest.json series.csv measurements.csv report.html fig1_timecourses.png; do
    [ -s "$T/race/$f" ] && ok || bad "race: $T/race/$f missing"
done
none race-clean "$T"/race.tmp-* "$T/race.lock"

# ---- SIGTERM and SIGINT during a run: the process dies of it and leaves nothing behind
sigtest() { # sigtest NAME SIGNAL WANT_STATUS [env prefix...]
    name=$1 sig=$2 want=$3
    shift 3
    "$@" "$BIN" run --set "duration=300 d" --out "$T/$name" > /dev/null 2>&1 &
    p=$!
    k=0 # wait until the run has a temporary folder (since the fix: from its start)
    while ! ls -d "$T/$name".tmp-* > /dev/null 2>&1 && [ $k -lt 400 ]; do sleep 0.05; k=$((k + 1)); done
    kill -"$sig" $p 2> /dev/null
    wait $p
    got=$?
    [ "$got" -eq "$want" ] && ok || bad "$name: exit $got, want $want (killed by SIG$sig)"
    none "$name-clean" "$T/$name" "$T/$name".tmp-* "$T/$name.lock"
}
sigtest sigterm TERM 143
# a background job of a script ignores SIGINT unless it is reset (env --default-signal)
if env --default-signal=INT true 2> /dev/null; then sigtest sigint INT 130 env --default-signal=INT; fi

# ---- temporary folders of dead processes are swept; a live process's are not touched
sh -c 'exit 0' &
dead=$!
wait $dead
mkdir "$T/sw.tmp-$dead-AbCdEfGh" "$T/sw.tmp-$dead" "$T/sw.tmp-$$-live0001"
echo half > "$T/sw.tmp-$dead-AbCdEfGh/series.csv"
check sweep-run 0 "run directory: $T/sw" "$BIN" run "$SCN" --out "$T/sw"
none sweep-dead "$T/sw.tmp-$dead-AbCdEfGh" "$T/sw.tmp-$dead"
[ -d "$T/sw.tmp-$$-live0001" ] && ok || bad "sweep: the folder of a live process (pid $$) was removed"

echo "hostile writes: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
