#!/bin/sh
# The layers include one another in one direction only (issue 13 item 5): no cycle among the
# modules of src/ (a module is a folder; src/X/a.c including "Y/b.h" makes X depend on Y).
# tsort(1) fails on a loop and names its members.
#   usage: module_cycles.sh SOURCE_DIR
set -u
SRC=$1
pairs=$(cd "$SRC/src" && for f in */*.c */*.h; do
    m=${f%%/*}
    grep -ho '^#include "[a-z_]*/' "$f" | sed 's/#include "//; s#/$##' | while read -r dep; do
        [ "$dep" = "$m" ] || [ "$dep" = myoknot ] || echo "$dep $m"
    done
done | sort -u)
if ! out=$(echo "$pairs" | tsort 2>&1 >/dev/null) || [ -n "$out" ]; then
    echo "FAIL: the modules of src/ include one another in a loop:"
    echo "$out"
    exit 1
fi
echo "ok: no include cycle among the modules of src/ ($(echo "$pairs" | wc -l) dependencies)"
echo "$pairs" | tsort | tr '\n' ' '
echo
