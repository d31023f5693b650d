#!/bin/sh
# model_cache.sh -- a user's compiled model is cached (src/core/compile.h): the second run skips
# the compiler, a changed model or --no-cache compiles again, and an entry that is corrupted,
# truncated, foreign (another key's), writable by others or a symlink is refused and rebuilt,
# never loaded.  Concurrent runs leave one whole entry; the folder's size is bounded.
#   usage: model_cache.sh PATH/TO/myoknot SOURCE_DIR
set -u
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
pass=0
fail=0
. "$SRC/tests/cli/check.sh"

# the cache where a user's would be: $XDG_CACHE_HOME/myoknot
unset MYOKNOT_CACHE
export XDG_CACHE_HOME="$T/xdg"
C="$XDG_CACHE_HOME/myoknot"
# a compiler that counts its runs
cat > "$T/cc.sh" <<EOS
#!/bin/sh
echo run >> "$T/cc.count"
exec cc "\$@"
EOS
chmod +x "$T/cc.sh"
export CC="$T/cc.sh"
compiles() { if [ -f "$T/cc.count" ]; then wc -l < "$T/cc.count" | tr -d ' '; else echo 0; fi; }
want_compiles() {
    if [ "$(compiles)" = "$2" ]; then pass=$((pass + 1)); else echo "FAIL $1: $(compiles) compiler runs, want $2"; fail=$((fail + 1)); fi
}
entries() { ls "$C" 2>/dev/null | grep -c '^[0-9a-f]\{64\}\.mkso$'; }
want_entries() {
    if [ "$(entries)" = "$2" ]; then pass=$((pass + 1)); else echo "FAIL $1: $(entries) cache entries, want $2:"; ls -la "$C"; fail=$((fail + 1)); fi
}
cp "$SRC/models/decay.myo" "$T/m.myo"
run() { "$BIN" run --model "$T/m.myo" --duration "10 s" "$@"; }
# the numbers of a run, for comparing: everything but timings
numbers() { run "$@" 2>&1 | grep -v -i 'time\|cpu\|[0-9] s)' ; }

numbers > "$T/first.txt"
want_compiles "first run compiles" 1
want_entries "first run stores its object" 1
E=$(ls "$C"/*.mkso)
mode=$(stat -c %a "$E")
[ "$mode" = 600 ] && pass=$((pass + 1)) || { echo "FAIL entry mode $mode, want 600"; fail=$((fail + 1)); }
[ "$(stat -c %a "$C")" = 700 ] && pass=$((pass + 1)) || { echo "FAIL cache folder mode $(stat -c %a "$C"), want 700"; fail=$((fail + 1)); }

numbers > "$T/second.txt"
want_compiles "second run uses the cache" 1
cmp -s "$T/first.txt" "$T/second.txt" && pass=$((pass + 1)) || { echo "FAIL the cached model's numbers differ:"; diff "$T/first.txt" "$T/second.txt" | head; fail=$((fail + 1)); }

check "--no-cache" 0 "" "$BIN" run --no-cache --model "$T/m.myo" --duration "10 s"
want_compiles "--no-cache compiles" 2
want_entries "--no-cache stores nothing new" 1
check "MYOKNOT_CACHE=off" 0 "" env MYOKNOT_CACHE=off "$BIN" run --model "$T/m.myo" --duration "10 s"
want_compiles "MYOKNOT_CACHE=off compiles" 3

# a changed model is another key
sed 's/param k = 0.5/param k = 0.25/' "$SRC/models/decay.myo" > "$T/m.myo"
numbers > "$T/changed.txt"
want_compiles "a changed model misses the cache" 4
want_entries "a changed model has its own entry" 2
cmp -s "$T/first.txt" "$T/changed.txt" && { echo "FAIL the changed model gave the old numbers"; fail=$((fail + 1)); } || pass=$((pass + 1))
cp "$SRC/models/decay.myo" "$T/m.myo"
E2=$(ls -t "$C"/*.mkso | head -1)   # the changed model's entry
run > /dev/null 2>&1
want_compiles "the first model still hits" 4

# hostile and damaged entries: each refused (the compiler runs again), the run's numbers right,
# and the rebuilt entry used next time
n=4
refused() {
    name=$1
    numbers > "$T/after.txt"
    n=$((n + 1))
    want_compiles "$name: refused" $n
    cmp -s "$T/first.txt" "$T/after.txt" && pass=$((pass + 1)) || { echo "FAIL $name: wrong numbers:"; diff "$T/first.txt" "$T/after.txt" | head; fail=$((fail + 1)); }
    run > /dev/null 2>&1
    want_compiles "$name: rebuilt entry used" $n
}
size=$(stat -c %s "$E")
# one byte of the object changed
printf 'X' | dd of="$E" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
refused "corrupted object"
head -c $((size / 2)) "$E" > "$T/half" && cat "$T/half" > "$E"
refused "truncated entry"
cp "$E2" "$E"                     # the other model's entry under this key
refused "foreign entry (another key's)"
sed '2s/key ./key 0/' "$E2" > "$T/foreign" && cat "$T/foreign" > "$E"   # header lies about the key
refused "entry naming another key"
printf 'garbage' > "$E"
refused "not an entry at all"
chmod 664 "$E"
refused "entry writable by others"
cp "$E" "$T/elsewhere.mkso" && rm "$E" && ln -s "$T/elsewhere.mkso" "$E"
refused "entry that is a symlink"
[ -L "$E" ] && { echo "FAIL the symlink was kept"; fail=$((fail + 1)); } || pass=$((pass + 1))
# a folder others can write to is not used at all
chmod 777 "$C"
run > /dev/null 2>&1; run > /dev/null 2>&1
want_compiles "a folder writable by others is not used" $((n + 2))
chmod 700 "$C"

# concurrent runs on an empty cache: all succeed, one whole entry, no temporary left
rm -f "$C"/*
for i in 1 2 3 4; do numbers > "$T/par$i.txt" & done
wait
for i in 1 2 3 4; do
    cmp -s "$T/first.txt" "$T/par$i.txt" && pass=$((pass + 1)) || { echo "FAIL concurrent run $i:"; head "$T/par$i.txt"; fail=$((fail + 1)); }
done
want_entries "concurrent runs leave one entry" 1
left=$(ls "$C" | grep -vc '^[0-9a-f]\{64\}\.mkso$')
[ "$left" = 0 ] && pass=$((pass + 1)) || { echo "FAIL concurrent runs left $left other files:"; ls -la "$C"; fail=$((fail + 1)); }

# bounded size: an old 300 MB entry (sparse) is evicted when a new one is stored
rm -f "$C"/*
big="$C/$(printf '%064d' 0).mkso"
truncate -s 300M "$big" && touch -d '2001-01-01' "$big"
run > /dev/null 2>&1
[ ! -e "$big" ] && pass=$((pass + 1)) || { echo "FAIL the folder grew past its bound: the old entry stayed"; fail=$((fail + 1)); }
want_entries "the new entry stays" 1

echo "model_cache: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
