# Shared by the fidelity scripts (sourced after `cd` to the project root):
# the checks every benchmark makes, a twin of isobench's peer path for the
# reference tools (netns "$ns" + veth, host side 10.215.0.1/30, peer side
# 10.215.0.2/30, removed on exit with everything in $work), and the
# helpers that turn NDJSON and tool output into medians and ratios.
#   bench_init NEEDED_COMMAND...   -> $bin $work $hi (highest CPU) $ns, inns
bench_init() {
    bin=$PWD/build/isobench
    [ -x "$bin" ] || { echo "build first: cmake -S . -B build && cmake --build build" >&2; exit 2; }
    grep -q -- '-fsanitize' <<<"$($bin version)" && { echo "refusing to benchmark a sanitizer build" >&2; exit 2; }
    [ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null || { echo "missing $c: run scripts/deps.sh" >&2; exit 2; }
    done
    hi=$(($(nproc) - 1))
    ns=isobbench$$
    vh=isobbh$$
    work=$(mktemp -d /var/tmp/isobench-fidelity-XXXXXX)
    trap bench_cleanup EXIT
    ip netns add "$ns"
    ip link add "$vh" type veth peer name eth0 netns "$ns"
    ip addr add 10.215.0.1/30 dev "$vh"
    ip link set "$vh" up
    ip -n "$ns" addr add 10.215.0.2/30 dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
}
# Scripts add their own steps by defining bench_stop (servers they started).
bench_cleanup() {
    declare -F bench_stop >/dev/null && bench_stop
    ip link del "$vh" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
inns() { ip netns exec "$ns" "$@"; }
iso() { # workload opts... -> NDJSON lines (native, one repetition, no warm-up)
    local w=$1
    shift
    "$bin" run -w "$w" -e native -r 1 --no-warmup --json --db "$work/r.db" "$@" 2>"$work/iso.err" ||
        { cat "$work/iso.err" >&2; return 1; }
}
metric() { # name < ndjson -> its value
    python3 -c '
import json,sys
for l in sys.stdin:
    r=json.loads(l)
    for m in r["metrics"]:
        if m["name"]==sys.argv[1]: print(m["value"])' "$1"
}
fact() { # key < ndjson -> its value
    python3 -c '
import json,sys
for l in sys.stdin:
    v=json.loads(l)["facts"].get(sys.argv[1])
    if v is not None: print(v)' "$1"
}
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
ratio() { # label iso-file ref-file target -> one line: medians and their ratio
    local i r
    i=$(median <"$work/$2")
    r=$(median <"$work/$3")
    awk -v l="$1" -v i="$i" -v r="$r" -v t="$4" 'BEGIN{printf "%-40s isobench %10.2f  reference %10.2f  ratio %.2f (target %s)\n", l, i, r, i/r, t}'
}
