#!/usr/bin/env bash
# Fidelity of isobench's CPU/memory workloads against the reference tools,
# in one run on this machine, on the same sizes. Prints ratios
# isobench/reference; target: every ratio >= 1.00.
#   stream triad  vs hpcc StarSTREAM_Triad x ranks (aggregate, same bytes per array set)
#   randomaccess  vs hpcc StarRandomAccess_GUPs x ranks (same total table)
#   linpack       vs hpcc HPL at the same N
#   compress      vs xz -T0 -2 on the same input bytes
# Usage: bench/fidelity-cpu.sh [N] (HPL order, default 10000: hpcc's STREAM
# arrays are then >= 4x a 32 MiB LLC). Needs a Release build in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
REPS=${REPS:-3}
bin=./build/isobench
[ -x "$bin" ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 2; }
grep -q -- '-fsanitize' <<<"$($bin version)" && { echo "refusing to benchmark a sanitizer build" >&2; exit 2; }
command -v hpcc mpirun xz >/dev/null || { echo "missing hpcc/mpirun/xz: run scripts/deps.sh" >&2; exit 2; }
np=$(nproc)
work=$(mktemp -d /tmp/isobench-fidelity-XXXXXX)
trap 'rm -rf "$work"' EXIT

# isobench's CPU workloads at hpcc's sizes, into one db; called before and
# after hpcc so slow drift of the host hits both sides alike.
iso_run() {
    echo "running isobench ($1)..." >&2
    "$bin" run -w stream,randomaccess,linpack -e native -r "$REPS" --db "$work/r.db" \
        -o stream.array-size=$array_bytes -o randomaccess.table-size=$table_bytes -N "$N" \
        >>"$work/isobench.txt" 2>&1
}
# hpcc sizes its STREAM arrays N^2/(3 ranks) elements each per rank and its
# RandomAccess table as the largest power of two <= N^2 words (checked below).
array_elems=$((N * N / (3 * $(nproc))))
array_bytes=$((array_elems * 8 * $(nproc)))
table_words=1
while [ $((table_words * 2)) -le $((N * N)) ]; do table_words=$((table_words * 2)); done
table_bytes=$((table_words * 8))
iso_run before

# ---- hpcc, one rank per CPU, single-threaded BLAS per rank
{
    printf 'HPLinpack benchmark input file\nisobench fidelity\nHPL.out\n8\n1\n%s\n1\n192\n0\n1\n1\n%s\n16.0\n' "$N" "$np"
    printf '1\n2\n1\n4\n1\n2\n1\n1\n1\n1\n1\n1\n2\n64\n0\n0\n1\n8\n'
    printf '##### separator #####\n0\n1200\n0\n40\n'
} >"$work/hpccinf.txt"
echo "running hpcc (N=$N, $np ranks)..." >&2
(cd "$work" && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    mpirun --allow-run-as-root --oversubscribe -np "$np" hpcc >"$work/hpcc.log" 2>&1)
out=$work/hpccoutf.txt
val() { sed -n "s/^$1=//p" "$out" | head -1; }
hpl_gflops=$(awk -v t="$(val HPL_Tflops)" 'BEGIN{print t*1000}')
star_triad=$(awk -v t="$(val StarSTREAM_Triad)" -v n="$np" 'BEGIN{print t*n}')
star_gups=$(awk -v t="$(val StarRandomAccess_GUPs)" -v n="$np" 'BEGIN{print t*n}')
mpi_gups=$(val MPIRandomAccess_GUPs)
hpcc_elems=$(sed -n 's/^Array size = \([0-9]*\).*/\1/p' "$out" | head -1)
hpcc_words=$(sed -n 's/^Total Main table size = 2^[0-9]* = \([0-9]*\) words/\1/p' "$out" | head -1)
[ "$hpcc_elems" = "$array_elems" ] && [ "$hpcc_words" = "$table_words" ] ||
    echo "warning: hpcc used arrays of $hpcc_elems (we $array_elems) and a table of $hpcc_words words (we $table_words)" >&2
iso_run after

# ---- compress vs xz on the same generated corpus, interleaved one for one
# (this host drifts by tens of % over a minute: separate phases mislead)
size=64M
"$bin" corpus $size >"$work/corpus"
xz_runs=()
for _ in $(seq "$REPS"); do
    t0=$(date +%s.%N); xz -T0 -2 -c "$work/corpus" >/dev/null; t1=$(date +%s.%N)
    xz_runs+=("$(awk -v a="$t0" -v b="$t1" -v s="$(stat -c %s "$work/corpus")" 'BEGIN{print s/(b-a)/1e6}')")
    "$bin" run -w compress --input "$work/corpus" -r 1 --no-warmup --db "$work/x.db" >/dev/null 2>&1
done
med() { sort -g | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }
med_xz=$(printf '%s\n' "${xz_runs[@]}" | med)
med_iso_xz=$(sqlite3 "$work/x.db" "SELECT value FROM metrics WHERE name='throughput'" | med)

iso() {
    local v
    v=$(sqlite3 "$work/r.db" "SELECT x.value FROM metrics x JOIN measurements m ON m.id=x.measurement_id WHERE m.workload='$1' AND x.name='$2' AND m.warmup=0 AND m.ok=1" | med)
    [ -n "$v" ] || { echo "no isobench result for $1 $2 (see $work/isobench.txt)" >&2; exit 1; }
    echo "$v"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
stream_iso=$(iso stream triad)
ra_iso=$(iso randomaccess gups)
lp_iso=$(iso linpack gflops)
[ -n "$med_iso_xz" ] || { echo "no isobench compress result" >&2; exit 1; }

printf '%-22s %14s %14s %8s  %s\n' "metric" "isobench" "reference" "ratio" "reference tool"
row() { printf '%-22s %14.4g %14.4g %8s  %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"; }
row "stream triad GB/s" "$stream_iso" "$star_triad" "hpcc StarSTREAM_Triad x $np, arrays $((array_bytes >> 20)) MiB"
row "randomaccess GUP/s" "$ra_iso" "$star_gups" "hpcc StarRandomAccess x $np, table $((table_bytes >> 20)) MiB (MPIRandomAccess: $mpi_gups)"
row "linpack GFLOPS" "$lp_iso" "$hpl_gflops" "hpcc HPL N=$N, 1x$np grid"
row "compress MB/s" "$med_iso_xz" "$med_xz" "xz -T0 -2, $size corpus, interleaved"
echo "(isobench: median of 2x$REPS, run before and after hpcc; references: hpcc once, xz and isobench compress interleaved, medians of $REPS; host: $(nproc) CPUs, $(uname -r))"
