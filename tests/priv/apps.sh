#!/usr/bin/env bash
# Root only: the application workloads with real servers.
#  1. redis, mysql and http (Apache) on native and container (NAT +
#     overlay): every client and thread count of the sweep measured, every
#     HTTP response a 200 with the page's marker, the servers bound where they
#     should be (native: the peer-facing host address only), the container
#     samples from another netns, every sysbench report stored raw; both
#     servers ran as uid 65534 (Apache's workers), no listening socket of the run on the host
#     outside the peer link, no password in the store;
#  2. bad options exit 2 with one line; a datadir that does not fit fails
#     the sample with a clear error and leaves nothing running;
#  3. a client half that fails ends its server half within seconds;
#  4. SIGKILL during the MySQL load and bootstrap, and during Apache's
#     start and load, then `isobench cleanup`: no server (nor an Apache
#     worker), client, datadir or journal left.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "real servers in namespaces and the peer netns"
for w in redis mysql http; do
    why=$("$bin" list 2>/dev/null | awk -v w="$w" '$1==w && /unavailable/')
    if [ -n "$why" ]; then
        [ "${CI:-}" = true ] && { echo "FAIL: $w unavailable under CI: $why"; exit 1; }
        echo "SKIP: $why"; exit 77
    fi
done
before=$(leftovers)
opts=(-o redis.clients=1,4 -o redis.duration=0.5 -o redis.warmup=0.2
      -o mysql.threads=1,2 -o mysql.duration=1 -o mysql.warmup=0
      -o http.users=4 -o http.duration=0.5 -o http.warmup=0.2)
priv_listen_start
"$bin" run -w redis,mysql,http -e native,container -r 1 --no-warmup --size tiny --db "$db" "${opts[@]}" \
    --json >"$dir/out.json" 2>"$dir/err" || { cat "$dir/err"; bad "apps run failed"; }
priv_listen_check "redis, mysql, http on native, container"
python3 - "$dir/out.json" <<'PY' || fail=1
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def bad(m): print("FAIL:", m); sys.exit(1)
got = {(r["workload"], r["env"]): r for r in rows}
for w in ("redis", "mysql", "http"):
    for env in ("native", "container"):
        r = got.get((w, env))
        if not r: bad(f"no {w} sample on {env}")
        if not r["ok"]: bad(f"{w} on {env} failed: {r.get('error')}")
        names = {m["name"] for m in r["metrics"]}
        want = {"c1_rps", "c1_p50", "c1_p99", "c4_rps", "c4_mean", "peak_rps", "cpu_us_per_req"} if w == "redis" else \
               {"t1_tps", "t1_lat_avg", "t1_lat_p95", "t1_cpu_ms_per_trans", "t2_tps", "peak_tps"} if w == "mysql" else \
               {"rps", "mean", "p50", "p95", "p99", "fail_pct", "cpu_us_per_req"}
        if not want <= names: bad(f"{w} on {env}: missing {want - names}")
        if any(m["value"] <= 0 for m in r["metrics"] if m["name"].endswith(("rps", "tps"))):
            bad(f"{w} on {env}: a zero rate")
        if w == "mysql" and "transactions:" not in r.get("raw", ""): bad(f"mysql on {env}: no raw sysbench report")
        if w == "http":
            fails = r["facts"].get("client.http.failures", "")
            if not re.fullmatch(r"5xx=0 status=0 content=0 timeout=0 reset=0 connect=0", fails):
                bad(f"http on {env}: failed requests: {fails}")
            if not r.get("raw", "").startswith("t_s,users,ok,"): bad(f"http on {env}: no latency series")
            if not r["facts"].get("http.server", "").startswith("Apache/2"): bad(f"http on {env}: server {r['facts'].get('http.server')}")
    n, c = got[(w, "native")], got[(w, "container")]
    if n["facts"].get("ns.net") == c["facts"].get("ns.net"): bad(f"{w}: container server in the host netns")
    bind = n["facts"].get(f"{w}.bind")
    if not re.fullmatch(r"10\.214\.\d+\.1", bind or ""): bad(f"{w} native server bound to {bind}, not the peer-facing host address")
    if c["facts"].get(f"{w}.bind") != "0.0.0.0": bad(f"{w} container server bound to {c['facts'].get(w + '.bind')}")
    for r in (n, c):  # least privilege: the server dropped root for uid 65534
        if r["facts"].get(f"{w}.user") != "65534":
            bad(f"{w} on {r['env']} ran as {r['facts'].get(w + '.user')}: {r['facts'].get(w + '.user.why')}")
PY
# The run's passwords (32 hex digits, fresh per measurement) never reach
# the store: not in a fact, an error, a raw report or an option (a run of
# 32 hex digits after a '/' is a cgroup path of the host's, not one).
leak=$(sqlite3 "$db" .dump | grep -oE '(^|[^0-9a-f/])[0-9a-f]{32}([^0-9a-f]|$)' | head -3)
[ -z "$leak" ] || bad "the store holds what looks like a secret: $leak"
raws=$(sqlite3 "$db" "select count(*) from measurement_raw r join measurements m on m.id=r.measurement_id where m.workload='mysql' and r.output like '%transactions:%'")
[ "$raws" = 2 ] || bad "expected 2 raw sysbench reports in the store, found $raws"
for o in redis.clients=0 redis.clients=4,2 mysql.threads=1,1 mysql.buffer-pool=1K redis.pipeline=0 mysql.duration=0.5 \
    http.users=0 http.timeout=0 http.page-size=1 http.ramp=60; do
    out=$("$bin" run -w redis,mysql -e native --db "$db" -o "$o" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "-o $o: exit $rc: $out"
done
out=$("$bin" run -w mysql -e native -r 1 --no-warmup --size tiny --db "$db" -o mysql.tables=64 \
    -o mysql.table-size=100000000 2>&1); rc=$?
# (refused at plan time, before anything starts: the workloads declare their disk needs)
[ $rc = 2 ] && grep -q "mysql at this size writes .* MiB but /var/tmp has" <<<"$out" || bad "a datadir that does not fit: exit $rc: $out"
# A client half that fails at once (test failpoint) cancels its server half:
# the sample fails in seconds with the client's error, instead of the server
# waiting out its budget (tiny redis: about 2 minutes).
for env in native container; do
    t0=$(date +%s)
    out=$(ISOBENCH_FAILPOINT=client "$bin" run -w redis -e "$env" -r 1 --no-warmup --size tiny \
        --db "$db" 2>&1); rc=$?
    took=$(($(date +%s) - t0))
    [ $rc = 1 ] && grep -q "client half failed on request" <<<"$out" &&
        grep -q "server half cancelled" <<<"$out" && [ "$took" -lt 40 ] ||
        bad "failing client on $env: exit $rc after ${took}s: $out"
done
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
priv_sigkill_loop 10 4 run -w mysql -e container,native -r 2 --size tiny "${opts[@]:6:6}"
priv_sigkill_loop 4 3 run -w http -e native,container -r 2 --size tiny -o http.duration=1
[ $fail = 0 ] && echo "priv apps: ok"
exit $fail
