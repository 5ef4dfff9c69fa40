#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang, ASan+UBSan) and runs
# each for a bounded time from its seed corpus in tests/fuzz/corpus/<name>
# (copied: the run's new inputs stay in the build dir). Prints executions
# and crashes per target; exit 1 when any target crashed, leaked or
# failed a property - its input is kept in build-fuzz/crashes/<name>/ to
# be fixed and added to the corpus as a regression case.
# Usage: scripts/fuzz.sh [SECONDS per target, default 60] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} = 0 ] && targets=(spec proto sbench journal opts http)
out=build-fuzz
CC=clang cmake -S tests/fuzz -B "$out" -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 1
cmake --build "$out" -j"$(nproc)" >/dev/null || { cmake --build "$out" 2>&1 | tail -20; exit 1; }
fail=0
printf '%-8s %12s %10s %8s %s\n' target executions exec/s crashes corpus
for t in "${targets[@]}"; do
    work=$out/corpus/$t crashes=$out/crashes/$t
    rm -rf "$work" "$crashes"
    mkdir -p "$work" "$crashes"
    cp tests/fuzz/corpus/"$t"/* "$work"/
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$out/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$work" >"$out/$t.log" 2>&1
    rc=$?
    execs=$(awk '/stat::number_of_executed_units/{print $2}' "$out/$t.log")
    rate=$(awk '/stat::average_exec_per_sec/{print $2}' "$out/$t.log")
    n=$(ls -A "$crashes" | wc -l)
    printf '%-8s %12s %10s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$n" "$(ls "$work" | wc -l)"
    if [ $rc != 0 ] || [ "$n" != 0 ]; then
        fail=1
        grep -m5 -E "ERROR|SUMMARY|runtime error|deadly" "$out/$t.log"
        echo "fuzz_$t: exit $rc, input(s) in $crashes/ (log $out/$t.log)"
    fi
done
exit $fail
