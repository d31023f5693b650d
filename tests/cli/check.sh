# check.sh -- sourced by the command-line test scripts (they set T, pass and fail):
#   check NAME WANT_STATUS WANT_TEXT CMD...  run CMD, compare its exit status and look for
#                                            WANT_TEXT in its combined output
#   absent NAME PATH                         PATH must not exist (nothing left behind)
#   exists NAME PATH                         PATH must exist and not be empty
check() {
    name=$1 want=$2 text=$3
    shift 3
    "$@" > "$T/out" 2>&1
    got=$?
    if [ "$got" -ne "$want" ] || { [ -n "$text" ] && ! grep -qF -- "$text" "$T/out"; }; then
        echo "FAIL $name: exit $got (want $want), output:"; sed 's/^/    /' "$T/out"
        echo "    (wanted text: $text)"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}
absent() {
    if [ -e "$2" ]; then echo "FAIL $1: $2 exists"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
}
exists() {
    if [ -s "$2" ]; then pass=$((pass + 1)); else echo "FAIL $1: $2 missing or empty"; fail=$((fail + 1)); fi
}
