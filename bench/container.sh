#!/usr/bin/env bash
# Container benchmarks, one run, ratios (root; Release build in build/).
#  1. start -> agent ready: isobench's own runtime vs `runc run` of an
#     equivalent OCI bundle (same overlay root, same agent, net=none,
#     overlay storage), with a new network namespace and with the host's
#     (creating a netns costs both several ms). Target: own/runc <= 0.6.
#  2. CPU/memory workloads in `container` (Docker's defaults) vs native:
#     overhead should sit within its 95 % CI (the paper: Docker ~ native).
# Usage: bench/container.sh [STARTS] [SIZE]   (defaults 15, tiny)
set -euo pipefail
cd "$(dirname "$0")/.."
STARTS=${1:-15}
SIZE=${2:-tiny}
bin=./build/isobench
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
[ -x "$bin" ] || { echo "build first (scripts/quickstart.sh)" >&2; exit 2; }
grep -q -- '-fsanitize' <<<"$($bin version)" && { echo "refusing to benchmark a sanitizer build" >&2; exit 2; }
command -v runc >/dev/null || { echo "runc missing: apt-get install runc" >&2; exit 2; }
work=$(mktemp -d /tmp/isobench-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "start-up: $STARTS runs of each, interleaved..." >&2
for _ in $(seq "$STARTS"); do
    "$bin" run -w null -e container:net=none,runc,container:net=host,runc:net=host -r 1 --no-warmup \
        --db "$work/s.db" >/dev/null 2>&1
done
med() { sort -g | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }
startup() { sqlite3 "$work/s.db" "SELECT f.value FROM env_facts f JOIN run_envs r ON r.run_id=f.run_id AND r.idx=f.env_idx WHERE r.spec='$1' AND f.key='startup_s'" | med; }
printf '%-44s %10s %10s %7s\n' "metric" "isobench" "runc" "ratio"
pair() {
    local own runc
    own=$(startup "$2"); runc=$(startup "$3")
    printf '%-44s %9.2fms %9.2fms %7.2f\n' "$1" "$(awk -v v="$own" 'BEGIN{print v*1000}')" \
        "$(awk -v v="$runc" 'BEGIN{print v*1000}')" "$(awk -v a="$own" -v b="$runc" 'BEGIN{print a/b}')"
}
pair "start -> ready, own netns (median of $STARTS)" container:net=none runc
pair "start -> ready, host netns (median of $STARTS)" container:net=host runc:net=host

echo "CPU/memory workloads, container vs native ($SIZE)..." >&2
"$bin" run -w stream,randomaccess,compress,linpack -e native,container -r 5 --size "$SIZE" \
    --db "$work/c.db" >/dev/null 2>&1
"$bin" report --db "$work/c.db" --format csv |
    awk -F, 'NR>1 {gsub(/"/, "")} NR>1 && $7=="container" {printf "%-44s %+9.1f%% [%+.1f, %+.1f]  %s\n", $3" "$4" overhead vs native", $16, $17, $18, ($19=="1"?"within noise":"outside noise")}'
echo "(overhead: + = container slower; 95% bootstrap CI; $(nproc) CPUs, $(uname -r))"
