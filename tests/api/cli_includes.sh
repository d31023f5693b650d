#!/bin/sh
# The command is a client of the public API (issue 13 item 1): src/cli includes no header of
# the library's internals, only include/ (myoknot.h, myoknot/*.h) and its own cli/ headers.
#   usage: cli_includes.sh SOURCE_DIR
set -u
SRC=$1
bad=$(grep -n '#include "' "$SRC"/src/cli/*.c "$SRC"/src/cli/*.h |
      grep -vE '#include "(myoknot\.h|myoknot/[a-z_]+\.h|cli/[a-z_]+\.h)"')
if [ -n "$bad" ]; then
    echo "FAIL: src/cli includes internal headers:"
    echo "$bad"
    exit 1
fi
echo "ok: src/cli includes only public headers"
