#!/usr/bin/env bash
# Fidelity of isobench's CPU/memory workloads against the reference tools,
# in one run on this machine, on the same sizes. Prints ratios
# isobench/reference; target: every ratio of isobench's defaults >= 1.00.
#   stream triad  vs hpcc StarSTREAM_Triad x ranks (aggregate, same bytes per array set)
#   randomaccess  vs hpcc StarRandomAccess_GUPs x ranks (same total table)
#   linpack       vs hpcc HPL at the same N
#   compress      vs xz -T0 -2 on the same input bytes
# The host drifts by tens of percent within a minute, so the script runs
# ROUNDS rounds of (isobench, hpcc, compress/xz pairs) and reports the median
# of the per-round ratios with their range. Besides the defaults it measures
# the reference loops (stream stores=plain, randomaccess prefetch=off), so the
# part of each ratio that comes from isobench's kernels is visible.
# Usage: bench/fidelity-cpu.sh [N] (HPL order, default 10000: hpcc's STREAM
# arrays are then >= 4x a 32 MiB LLC). ROUNDS (3), REPS (3) from the
# environment. Needs a Release build in build/. About 4 min per round here.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
REPS=${REPS:-3}
ROUNDS=${ROUNDS:-3}
bin=./build/isobench
[ -x "$bin" ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 2; }
grep -q -- '-fsanitize' <<<"$($bin version)" && { echo "refusing to benchmark a sanitizer build" >&2; exit 2; }
command -v hpcc mpirun xz sqlite3 >/dev/null || { echo "missing hpcc/mpirun/xz/sqlite3: run scripts/deps.sh" >&2; exit 2; }
np=$(nproc)
work=$(mktemp -d /tmp/isobench-fidelity-XXXXXX)
trap 'rm -rf "$work"' EXIT

# hpcc sizes its STREAM arrays N^2/(3 ranks) elements each per rank and its
# RandomAccess table as the largest power of two <= N^2 words in total
# (checked against its output below); isobench gets the same totals.
array_elems=$((N * N / (3 * np)))
array_bytes=$((array_elems * 8 * np))
table_words=1
while [ $((table_words * 2)) -le $((N * N)) ]; do table_words=$((table_words * 2)); done
table_bytes=$((table_words * 8))
sizes=(-o "stream.array-size=$array_bytes" -o "randomaccess.table-size=$table_bytes")
{
    printf 'HPLinpack benchmark input file\nisobench fidelity\nHPL.out\n8\n1\n%s\n1\n192\n0\n1\n1\n%s\n16.0\n' "$N" "$np"
    printf '1\n2\n1\n4\n1\n2\n1\n1\n1\n1\n1\n1\n2\n64\n0\n0\n1\n8\n'
    printf '##### separator #####\n0\n1200\n0\n40\n'
} >"$work/hpccinf.txt"
"$bin" corpus 64M >"$work/corpus"
corpus_bytes=$(stat -c %s "$work/corpus")

med() { sort -g | awk '{v[NR]=$1} END{if (NR) print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }
# median of one metric of one workload in one isobench database
dbmed() {
    sqlite3 "$1" "SELECT x.value FROM metrics x JOIN measurements m ON m.id=x.measurement_id
                  WHERE m.workload='$2' AND x.name='$3' AND m.warmup=0 AND m.ok=1" | med
}
# one row of $work/rows: round label isobench reference
record() {
    [ -n "$3" ] && [ -n "$4" ] || { echo "round $1: no value for $2 (logs in $work)" >&2; trap - EXIT; exit 1; }
    echo "$1|$2|$3|$4" >>"$work/rows"
}

out=$work/hpccoutf.txt
val() { sed -n "s/^$1=//p" "$out" | head -1; }

for round in $(seq "$ROUNDS"); do
    echo "round $round/$ROUNDS: isobench..." >&2
    db=$work/r$round.db
    ref=$work/ref$round.db
    "$bin" run -w stream,randomaccess,linpack -e native -r "$REPS" --db "$db" "${sizes[@]}" -N "$N" \
        >>"$work/isobench.txt" 2>&1
    "$bin" run -w stream,randomaccess -e native -r "$REPS" --db "$ref" "${sizes[@]}" \
        -o stream.stores=plain -o randomaccess.prefetch=off >>"$work/isobench.txt" 2>&1

    echo "round $round/$ROUNDS: hpcc (N=$N, $np ranks)..." >&2
    rm -f "$work/hpccoutf.txt"
    (cd "$work" && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
        mpirun --allow-run-as-root --oversubscribe -np "$np" hpcc >"$work/hpcc.log" 2>&1)
    hpcc_elems=$(sed -n 's/^Array size = \([0-9]*\).*/\1/p' "$out" | head -1)
    hpcc_words=$(sed -n 's/^Total Main table size = 2^[0-9]* = \([0-9]*\) words/\1/p' "$out" | head -1)
    [ "$hpcc_elems" = "$array_elems" ] && [ "$hpcc_words" = "$table_words" ] ||
        echo "warning: hpcc used arrays of $hpcc_elems (we $array_elems) and a table of $hpcc_words words (we $table_words)" >&2
    triad=$(awk -v t="$(val StarSTREAM_Triad)" -v n="$np" 'BEGIN{print t*n}')
    gups=$(awk -v t="$(val StarRandomAccess_GUPs)" -v n="$np" 'BEGIN{print t*n}')
    hpl=$(awk -v t="$(val HPL_Tflops)" 'BEGIN{print t*1000}')
    record "$round" "stream triad GB/s" "$(dbmed "$db" stream triad)" "$triad"
    record "$round" "  stores=plain" "$(dbmed "$ref" stream triad)" "$triad"
    record "$round" "randomaccess GUP/s" "$(dbmed "$db" randomaccess gups)" "$gups"
    record "$round" "  prefetch=off" "$(dbmed "$ref" randomaccess gups)" "$gups"
    record "$round" "linpack GFLOPS" "$(dbmed "$db" linpack gflops)" "$hpl"

    # compress vs xz, alternating one for one within the round
    echo "round $round/$ROUNDS: compress vs xz..." >&2
    xdb=$work/x$round.db
    : >"$work/xz$round"
    for _ in $(seq "$REPS"); do
        t0=$(date +%s.%N)
        xz -T0 -2 -c "$work/corpus" >/dev/null
        t1=$(date +%s.%N)
        awk -v a="$t0" -v b="$t1" -v s="$corpus_bytes" 'BEGIN{print s/(b-a)/1e6}' >>"$work/xz$round"
        "$bin" run -w compress --input "$work/corpus" -r 1 --no-warmup --db "$xdb" >>"$work/isobench.txt" 2>&1
    done
    record "$round" "compress MB/s" "$(dbmed "$xdb" compress throughput)" "$(med <"$work/xz$round")"
done

printf '%-22s %10s %10s %7s  %-11s  %s\n' "metric" "isobench" "reference" "ratio" "range" "reference tool"
ref_tool() {
    case "$1" in
    stream*) echo "hpcc StarSTREAM_Triad x $np, arrays $((array_bytes >> 20)) MiB" ;;
    randomaccess*) echo "hpcc StarRandomAccess_GUPs x $np, table $((table_bytes >> 20)) MiB" ;;
    linpack*) echo "hpcc HPL N=$N, 1x$np grid" ;;
    compress*) echo "xz -T0 -2, $((corpus_bytes >> 20)) MiB corpus, alternating" ;;
    *) echo "(same reference, isobench's reference loop)" ;;
    esac
}
cut -d'|' -f2 "$work/rows" | awk '!seen[$0]++' | while IFS= read -r label; do
    awk -F'|' -v l="$label" '$2==l' "$work/rows" >"$work/sel"
    iso_m=$(cut -d'|' -f3 "$work/sel" | med)
    ref_m=$(cut -d'|' -f4 "$work/sel" | med)
    ratios=$(awk -F'|' '{printf "%.4f\n", $3/$4}' "$work/sel")
    r_med=$(med <<<"$ratios")
    r_lo=$(sort -g <<<"$ratios" | head -1)
    r_hi=$(sort -g <<<"$ratios" | tail -1)
    printf '%-22s %10.4g %10.4g %7.2f  %4.2f–%4.2f  %s\n' "$label" "$iso_m" "$ref_m" "$r_med" "$r_lo" "$r_hi" "$(ref_tool "$label")"
done
echo "(ratio: median over $ROUNDS rounds of isobench's median of $REPS / the reference in that round; range: lowest–highest round; host: $np CPUs, $(uname -r))"
