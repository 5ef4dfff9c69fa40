#!/usr/bin/env bash
# Root only: the two-tier scenario (WordPress + MariaDB in separate tenants).
#  1. bad input: one line, exit 2, no run stored (no network path between
#     tiers, three environments, a ramp not shorter than the run, no users,
#     tiers larger than the host);
#  2. both tiers in the own runtime (NAT, the run's bridge): WordPress
#     installed through its installer on a fresh MariaDB, the front page
#     under a ramped load, the inter-tier probe, the INSERTs alone and
#     beside the aggressor, each tier's idle footprint and CPU; both servers
#     as uid 65534, listening only where the run reaches them, and no
#     password of the run in the store;
#  3. the app tier in a container, the DB tier native (tiers of two kinds);
#  4. both tiers in LXC (the study's container side);
#  5. the kill drill: SIGKILL anywhere (tenants coming up, the installer,
#     mid-ramp), then `isobench cleanup`: no Apache, MariaDB, stress-ng,
#     tenant or data dir left.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "tenants' cgroups, namespaces and servers"
priv_need_env "$bin" container
priv_need_env "$bin" lxc
"$bin" list | grep -q "^  wordpress .*available" || {
    [ -n "${CI:-}" ] && { echo "FAIL: the wordpress workload is unavailable under CI"; exit 1; }
    echo "SKIP: wordpress unavailable: $("$bin" list | grep '^  wordpress')"; exit 77
}
before=$(leftovers)
runs() { sqlite3 "$db" "SELECT count(*) FROM runs" 2>/dev/null || echo 0; }
quick=(--size tiny -r 1 -o duration=20 -o ramp=10 -o selects=100 -o inserts=300)

# 1. bad input
"$bin" scenario run density -e native -r 1 --size tiny -o tenants=1 --db "$db" >/dev/null 2>&1 ||
    bad "a one-tenant density run failed"
n0=$(runs)
for args in "-e container:net=none" "-e native,container,lxc" "-e native -o ramp=60" \
    "-e native -o users=0" "-e native -o app-mem=100T" "-e native -o db-cpus=999"; do
    # shellcheck disable=SC2086
    out=$(timeout 120 "$bin" scenario run two-tier $args --size tiny --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "two-tier $args: exit $rc: $out"
done
[ "$(runs)" = "$n0" ] || bad "bad input stored a run"

# A run's checks: status, the client's numbers alone and beside the
# aggressor, every tier's idle and serving samples, the servers' account.
check_run() { # LABEL
    local id st v
    id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
    st=$(sqlite3 "$db" "SELECT status FROM runs WHERE id=$id")
    [ "$st" = complete ] || bad "$1: status $st: $(sqlite3 "$db" "SELECT error FROM measurements WHERE run_id=$id AND ok=0" | head -3)"
    metric() { # STEP TENANT METRIC
        sqlite3 "$db" "SELECT x.value FROM metrics x JOIN measurements m ON m.id = x.measurement_id
            WHERE m.run_id=$id AND m.step='$1' AND m.tenant='$2' AND x.name='$3'"
    }
    for m in rps mean p95 select_p50 select_p99 insert_s; do
        v=$(metric alone client $m)
        awk -v v="$v" 'BEGIN{exit !(v > 0)}' || bad "$1: client $m alone is '$v'"
    done
    v=$(metric aggressor client insert_s)
    awk -v v="$v" 'BEGIN{exit !(v > 0)}' || bad "$1: no insert_s beside the aggressor ('$v')"
    for t in app db aggressor; do
        [ -n "$(metric idle $t start_s)" ] || bad "$1: no idle footprint of tier $t"
    done
    for t in app db; do
        v=$(metric alone $t host_cpus_busy)
        awk -v v="$v" 'BEGIN{exit !(v > 0)}' || bad "$1: tier $t alone used no CPU ('$v')"
    done
    v=$(metric aggressor aggressor host_cpus_busy)
    awk -v v="$v" 'BEGIN{exit !(v > 0.3)}' || bad "$1: the aggressor kept no CPU busy ('$v')"
    fact() { # TENANT KEY
        sqlite3 "$db" "SELECT f.value FROM measurement_facts f JOIN measurements m ON m.id = f.measurement_id
            WHERE m.run_id=$id AND m.step='alone' AND m.tenant='$1' AND f.key='$2'"
    }
    [ "$(fact app wordpress.user)" = 65534 ] || bad "$1: WordPress's Apache did not run as 65534"
    [ -n "$(fact app wordpress.install_s)" ] || bad "$1: no install time (the installer did not run?)"
    "$bin" report "$id" --db "$db" >"$dir/report.txt" || bad "$1: report failed"
    grep -q "^INSERTs beside the aggressor" "$dir/report.txt" || bad "$1: the table lacks the INSERT comparison"
    grep -q "app@alone" "$dir/report.txt" || bad "$1: the table lacks the tiers' CPU"
    # the run's password (the job secret, 32 hex digits) is nowhere in the store
    # (32 hex digits after a '/' are a cgroup path of the host's, as in priv_apps)
    v=$(sqlite3 "$db" .dump | grep -oE '(^|[^0-9a-f/])[0-9a-f]{32}([^0-9a-f]|$)' | head -3)
    [ -z "$v" ] || bad "$1: a 32-hex-digit secret is in the store: $v"
    now=$(leftovers)
    [ "$now" = "$before" ] || bad "$1: left: $now"
}

# 2. both tiers in the own runtime
priv_listen_start
"$bin" scenario run two-tier -e container "${quick[@]}" --db "$db" >"$dir/out.txt" 2>&1 ||
    bad "two-tier on container: $(tail -5 "$dir/out.txt")"
priv_listen_check "two-tier on container"
check_run "two-tier on container"
# 3. app in a container, DB native
"$bin" scenario run two-tier -e container,native "${quick[@]}" --db "$db" >"$dir/out.txt" 2>&1 ||
    bad "two-tier on container,native: $(tail -5 "$dir/out.txt")"
check_run "two-tier container app, native DB"
# 4. LXC
"$bin" scenario run two-tier -e lxc "${quick[@]}" --db "$db" >"$dir/out.txt" 2>&1 ||
    bad "two-tier on lxc: $(tail -5 "$dir/out.txt")"
check_run "two-tier on lxc"

# 5. SIGKILL anywhere in a run of about 25 s
priv_sigkill_loop 4 20 scenario run two-tier -e container --size tiny -r 1 -o duration=10 \
    -o ramp=5 -o selects=50 -o inserts=200

[ "$fail" = 0 ] && echo "ok"
exit "$fail"
