#!/bin/sh
# run.sh BUILD SECONDS -- run fuzz_model and fuzz_scenario from BUILD for SECONDS each
# (`make fuzz`).  Each works on a corpus in BUILD/fuzz-corpus/NAME, seeded from the
# committed fuzz/corpus/NAME and the shipped models or scenarios; findings go to
# BUILD/fuzz-artifacts/.  Exits non-zero if a target found something.
set -eu
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build/fuzz-corpus/model" "$build/fuzz-corpus/scenario" "$build/fuzz-artifacts"
cp "$root"/fuzz/corpus/model/* "$root"/models/*.myo "$root"/tests/lang/golden/*.myo \
   "$root"/tests/lang/bad/*.myo "$build/fuzz-corpus/model/"
cp "$root"/fuzz/corpus/scenario/* "$root"/scenarios/*.yaml "$root"/tests/protocol/bad/*.yaml \
   "$build/fuzz-corpus/scenario/"
status=0
for target in model scenario; do
    dict=""
    [ "$target" = model ] && dict="-dict=$root/fuzz/myo.dict"
    log="$build/fuzz-$target.log"
    echo "fuzz_$target: $seconds s"
    # shellcheck disable=SC2086
    ASAN_OPTIONS=quarantine_size_mb=64 "$build/fuzz_$target" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $dict \
        -artifact_prefix="$build/fuzz-artifacts/$target-" "$build/fuzz-corpus/$target" \
        > "$log" 2>&1 || status=1
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz_$target: ${runs:-?} inputs executed (log: $log)"
    [ $status = 0 ] || { tail -30 "$log"; break; }
done
exit $status
