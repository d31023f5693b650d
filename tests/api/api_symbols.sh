#!/bin/sh
# The shared library exports the public API and nothing else (issue 13 item 2): every
# dynamic symbol it defines starts with mk_ and is declared MK_API in a public header
# (include/), and every MK_API declaration is exported.
#   usage: api_symbols.sh LIBMYOKNOT.so SOURCE_DIR
set -u
LIB=$1
SRC=$2
fail=0
syms=$(nm -D --defined-only "$LIB" | awk 'NF == 3 && $2 ~ /^[TDRBVW]$/ { print $3 }' | sort -u)
if [ -z "$syms" ]; then
    echo "FAIL: $LIB exports no symbols"
    exit 1
fi
n=0
for s in $syms; do
    n=$((n + 1))
    case $s in
    mk_*) ;;
    __odr_asan.mk_*) continue ;; # AddressSanitizer's one-definition-rule marker of an exported mk_ object
    *) echo "FAIL: exported symbol '$s' lacks the mk_ prefix"; fail=1; continue ;;
    esac
    # a function (NAME followed by '(') or an object (NAME followed by ',' or ';')
    if ! grep -rqE "MK_API[^;]*[^a-z_0-9]$s *[(,;]" "$SRC/include"; then
        echo "FAIL: exported symbol '$s' is not declared MK_API in a public header"
        fail=1
    fi
done
# the other way round: a declared function that is not exported is a broken promise
for s in $(grep -rhoE "^MK_API[^;(]*[^a-z_0-9(]mk_[a-z_0-9]+\(" "$SRC/include" | grep -oE 'mk_[a-z_0-9]+\($' | tr -d '(' | sort -u); do
    if ! echo "$syms" | grep -qx "$s"; then
        echo "FAIL: '$s' is declared MK_API but the library does not export it"
        fail=1
    fi
done
[ $fail = 0 ] && echo "ok: $n exported symbols, all mk_* and declared MK_API in include/"
exit $fail
