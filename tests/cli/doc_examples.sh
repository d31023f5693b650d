#!/bin/sh
# doc_examples.sh -- every example command of the README and docs/ runs as written.
#
# The examples are the lines of the fenced ```sh blocks that hold a command starting
# `build/myoknot` or `myoknot` (synopsis lines live in plain ``` blocks and are not run).  Each
# such block runs line by line, in order, in a scratch folder that looks like the repository
# (build/myoknot, scenarios/, data/, models/ linked in), so a block may prepare a file for the
# next line.  Every line must exit 0.  A line marked with the comment `# (make bench)` is too
# slow for the test suite: it is skipped here and run by `make bench` (this script with --bench).
#   usage: doc_examples.sh PATH/TO/myoknot SOURCE_DIR [--bench]
set -u
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
BENCH=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/build" "$T/bin"
ln -s "$BIN" "$T/build/myoknot"
ln -s "$BIN" "$T/bin/myoknot"
for d in scenarios data models docs; do ln -s "$SRC/$d" "$T/$d"; done
pass=0
fail=0
skipped=0

# the sh blocks with a myoknot command, as "FILE:LINE<TAB>COMMAND" lines, one block after another
extract() {
    for f in "$SRC/README.md" "$SRC"/docs/*.md; do
        awk -v F="${f#"$SRC"/}" '
            /^```/ {
                if (inblk) { if (has) for (i = 1; i <= n; i++) print F ":" ln[i] "\t" cmd[i]; inblk = 0 }
                else if ($0 ~ /^```sh[ \t]*$/) { inblk = 1; n = 0; has = 0 }
                next
            }
            inblk && cont { cmd[n] = cmd[n] " " $0; cont = sub(/\\$/, "", cmd[n]); next }
            inblk && NF && $1 !~ /^#/ {
                n++; cmd[n] = $0; ln[n] = NR
                cont = sub(/\\$/, "", cmd[n])   # a line ending in a backslash goes on
                if ($1 == "build/myoknot" || $1 == "myoknot") has = 1
            }' "$f"
    done
}

extract > "$T/examples"
total=$(grep -c . "$T/examples")
# there are examples to run: an extraction that finds nothing must not pass
if [ "$total" -lt 10 ]; then
    echo "FAIL only $total example lines found in README.md and docs/"
    exit 1
fi
while IFS="$(printf '\t')" read -r where cmd; do
    case "$cmd" in
    *"# (make bench)"*)
        if [ "$BENCH" != "--bench" ]; then skipped=$((skipped + 1)); continue; fi ;;
    esac
    start=$(date +%s)
    if (cd "$T" && PATH="$T/bin:$PATH" sh -c "$cmd") > "$T/out" 2>&1 < /dev/null; then
        pass=$((pass + 1))
        echo "ok   $where ($(($(date +%s) - start)) s): $cmd" | cut -c1-160
    else
        echo "FAIL $where: exit $?: $cmd"
        tail -n 15 "$T/out" | sed 's/^/    /'
        fail=$((fail + 1))
    fi
done < "$T/examples"
echo "doc_examples: $pass passed, $fail failed, $skipped marked (make bench) and skipped"
[ "$fail" -eq 0 ]
