#!/usr/bin/env bash
# Fidelity of isobench's HTTP load generator (the http workload's client,
# src/workloads/lib/hload.c, run by `isobench load`) against wrk, on the very
# same server instance, in one run. Prints ratios:
#   req/s of isobench's generator vs wrk -t1 at the same user/connection
#         count, both against Apache serving the same 8 KiB page   >= 1.00
#   generator CPU per request vs wrk's (user+sys over its requests) <= 1.00
# Path and pinning as isobench's native run: Apache is started here with
# the http workload's configuration (event MPM, the package's
# sizes, uid 65534), pinned to CPU 0, bound to the host side of a twin of
# the peer namespace (bench/lib.sh); wrk runs in that namespace pinned to
# the highest CPU, as is isobench's generator. Both count only complete
# 200 responses. The order alternates between rounds, so drift favours
# neither.
# Usage: bench/fidelity-http.sh [SECONDS per count, default 5]. USERS
# (default 1,8,64) the counts; ROUNDS (default 1) repeats; medians. Root.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-5}
ROUNDS=${ROUNDS:-1}
USERS=${USERS:-1,8,64}
. bench/lib.sh
bench_init apache2 wrk
PORT=5398
bench_stop() {
    [ -f "$work/ap/apache.pid" ] && kill "$(cat "$work/ap/apache.pid")" 2>/dev/null || true
    sleep 0.5
}

# Apache by hand, configured as the http workload configures it.
apache_start() {
    local d=$work/ap
    rm -rf "$d" && mkdir -p "$d/www"
    head -c 8192 /dev/zero | tr '\0' 'a' >"$d/www/index.html"
    chmod 711 "$work" # Apache's uid must reach its root (mktemp made it 0700)
    chown 65534:65534 "$d" && chmod 700 "$d"
    cat >"$d/httpd.conf" <<EOF
ServerRoot $d
Listen 10.215.0.1:$PORT
ServerName isobench
PidFile $d/apache.pid
DefaultRuntimeDir $d
Mutex file:$d default
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
User #65534
Group #65534
ErrorLog $d/error.log
StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
MaxRequestWorkers 150
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
DocumentRoot $d/www
<Directory />
  Require all granted
</Directory>
EOF
    taskset -c 0 apache2 -DFOREGROUND -f "$d/httpd.conf" -d "$d" >"$d/out.log" 2>&1 &
    for i in $(seq 100); do
        inns wrk -t1 -c1 -d1 "http://10.215.0.1:$PORT/index.html" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "apache2 did not start: $(cat "$d/out.log" "$d/error.log" 2>/dev/null)" >&2
    return 1
}
apache_stop() {
    kill "$(cat "$work/ap/apache.pid")" 2>/dev/null || true
    for i in $(seq 50); do [ -f "$work/ap/apache.pid" ] || break; sleep 0.1; done
}

iso_one() { # users
    inns "$bin" load --users "$1" --duration "$D" --warmup 1 --timeout 10 --cpu "$hi" --json \
        "http://10.215.0.1:$PORT/index.html" >"$work/load.json"
    python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))
bad=sum(r["failures"].values())
if bad: sys.exit("isobench load saw %d failed requests: %s" % (bad, r["failures"]))
print(r["rps"]); print(r["cpu_us_per_req"], file=sys.stderr)' "$work/load.json" \
        >>"$work/iso_rps_$1" 2>>"$work/iso_cpu_$1"
    echo "  users=$1: isobench $(tail -1 "$work/iso_rps_$1") req/s" >&2
}
wrk_one() { # users
    local u=$1 rps req
    inns taskset -c "$hi" wrk -t1 -c"$u" -d1 "http://10.215.0.1:$PORT/index.html" >/dev/null
    TIMEFORMAT='%3U %3S'
    { time inns taskset -c "$hi" wrk -t1 -c"$u" -d"$D" --timeout 10s \
        "http://10.215.0.1:$PORT/index.html" >"$work/wrk.txt"; } 2>"$work/wrk.time"
    # wrk counts any status as a request: only 200s may compare. (Its
    # "Socket errors: read" are kept-alive connections Apache's event MPM
    # closed when busy; isobench's generator reconnects for those.)
    grep 'Socket errors' "$work/wrk.txt" >&2 || true
    if grep -q 'Non-2xx' "$work/wrk.txt"; then
        cat "$work/wrk.txt" >&2
        echo "wrk saw failed requests: not comparable" >&2
        exit 1
    fi
    rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$work/wrk.txt")
    req=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.txt")
    echo "$rps" >>"$work/ref_rps_$u"
    awk -v t="$(cat "$work/wrk.time")" -v n="$req" 'BEGIN{split(t,x," "); print (x[1]+x[2])/n*1e6}' \
        >>"$work/ref_cpu_$u"
    echo "  users=$u: wrk $rps req/s" >&2
}

for r in $(seq "$ROUNDS"); do
    echo "round $r/$ROUNDS" >&2
    apache_start
    for u in ${USERS//,/ }; do
        if [ $((r % 2)) = 1 ]; then iso_one "$u"; wrk_one "$u"; else wrk_one "$u"; iso_one "$u"; fi
    done
    apache_stop
done
echo "fidelity-http: ${D}s per count, $ROUNDS round(s), medians"
for u in ${USERS//,/ }; do
    ratio "http $u users req/s vs wrk" "iso_rps_$u" "ref_rps_$u" ">= 1.00"
    ratio "http $u users CPU us/req vs wrk" "iso_cpu_$u" "ref_cpu_$u" "<= 1.00"
done
