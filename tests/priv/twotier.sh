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
#     password of the run in the store; the tiers share CPUs by weight (the
#     default, cpu-share=weight; the DB tier on 2 CPUs) with app-weight=50,
#     db-weight=200: each tier's cgroup holds its weight (cpu.shares 512 /
#     2048 on v1, cpu.weight 50 / 200 on v2) - read by this test from the cgroups while
#     the run goes on, and as the driver read it back (the tier's idle
#     sample's cpu_weight fact, its own cgroup's file); the footprint's two
#     tables (per tenant, host side with the study's 906/161 MB beside it
#     only) and each tier's layer_pss_mib (0 for the own runtime);
#  3. the app tier in a container, the DB tier native (tiers of two kinds):
#     equal weights (100: cpu.shares 1024), native's stated not applied;
#  4. both tiers in LXC (the study's container side), weights 50/200 in
#     LXC's cgroups, lxc-start counted on the host side;
#  5. cpu-share=cpuset (the earlier layout): no weight set, the DB tier on
#     a CPU of its own after the app tier's;
#  6. the kill drill: SIGKILL anywhere (tenants coming up, the installer,
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

# cpu-weight W as the kernel holds it here: the file and its value
# (v1: cpu.shares = W x 1024 / 100, rounded; v2: cpu.weight = W).
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then wfile=cpu.weight; else wfile=cpu.shares; fi
wval() { if [ $wfile = cpu.weight ]; then echo "$1"; else echo $((($1 * 1024 + 50) / 100)); fi; }

# The weight files of the run's tenants' cgroups ("FILE VALUE" lines, LXC's
# lxc.payload.* included), read from the cgroups themselves every 0.5 s
# while the run goes on (weights_start .. weights_stop): independent of
# what isobench reports.
weights_start() {
    (while :; do
        find /sys/fs/cgroup -maxdepth 8 -path '*/isobench-*' -name $wfile 2>/dev/null |
            grep -v '/lxc.pivot/\|-host/' | while read -r f; do echo "$f $(cat "$f" 2>/dev/null)"; done
        sleep 0.5
    done) >"$dir/weights.log" 2>/dev/null &
    weights_pid=$!
}
weights_stop() { kill "$weights_pid" 2>/dev/null; wait "$weights_pid" 2>/dev/null; }

# A run's CPU weights: each tier's idle sample names its cgroup's weight
# file (the run's own cgroup, one per tier; LXC's: lxc.payload.NAME in
# lxc.cgroup.dir) holding APPW / DBW; the same
# values were seen in the run's cgroups from outside; the run fact says
# how the tiers shared the CPUs.
check_weights() { # LABEL APPW DBW [native: the DB tier is native]
    local id uuid t w want f seen paths
    id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
    uuid=$(sqlite3 "$db" "SELECT uuid FROM runs WHERE id=$id")
    idle_fact() { # TENANT KEY
        sqlite3 "$db" "SELECT f.value FROM measurement_facts f JOIN measurements m ON m.id = f.measurement_id
            WHERE m.run_id=$id AND m.step='idle' AND m.tenant='$1' AND f.key='$2'"
    }
    run_fact() { sqlite3 "$db" "SELECT value FROM run_facts WHERE run_id=$id AND key='$1'"; }
    case "$(run_fact two-tier.cpu)" in weight:*) ;; *) bad "$1: two-tier.cpu is '$(run_fact two-tier.cpu)'" ;; esac
    paths=
    for t in app db aggressor; do
        w=$3
        [ $t = app ] && w=$2
        f=$(idle_fact $t cpu_weight)
        if [ -n "${4:-}" ] && [ $t != app ]; then
            case "$f" in "not applied: native"*) ;; *) bad "$1: native tier $t: cpu_weight '$f'" ;; esac
            continue
        fi
        want=$(wval "$w")
        [[ "$f" =~ ^/sys/fs/cgroup(/.*)?/(lxc\.payload\.)?isobench-$uuid-[0-9]+/$wfile\ =\ $want$ ]] ||
            bad "$1: tier $t's cpu_weight is '$f', want its cgroup's $wfile = $want"
        paths="$paths ${f%% *}"
        seen=$(grep "isobench-$uuid-[0-9]*/$wfile $want\$" "$dir/weights.log" | head -1)
        [ -n "$seen" ] || bad "$1: no cgroup of the run held $wfile = $want (tier $t) while it ran"
        [ "$(sqlite3 "$db" "SELECT value FROM measurement_facts f JOIN measurements m ON m.id = f.measurement_id
            WHERE m.run_id=$id AND m.step='idle' AND m.tenant='$t' AND f.key='cpu_weight.asked'")" != "" ] ||
            bad "$1: tier $t has no cpu_weight.asked"
    done
    [ "$(tr ' ' '\n' <<<"$paths" | grep -c .)" = "$(tr ' ' '\n' <<<"$paths" | grep . | sort -u | grep -c .)" ] ||
        bad "$1: two tiers name the same cgroup:$paths"
}

# The footprint: two tables, the study's numbers beside the host side
# only; each tier's layer measured (LAYER: the app tier's layer_pss_mib is
# zero for the own runtime, "pos" for a runtime with a host process).
check_footprint() { # LABEL LAYER
    local id v
    id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
    "$bin" report "$id" --db "$db" >"$dir/report.txt" || bad "$1: report failed"
    grep -q "^(1) per tenant" "$dir/report.txt" || bad "$1: no per-tenant footprint table"
    grep -q "^(2) host side" "$dir/report.txt" || bad "$1: no host-side footprint table"
    sed -n '/^(1) per tenant/,/^(2) host side/p' "$dir/report.txt" | grep -q "906 MB\|161 MB" &&
        bad "$1: the study's numbers beside the per-tenant footprint"
    grep -q "XenServer 6.2's domain0, 906 MB" "$dir/report.txt" || bad "$1: no line on what the study measured"
    v=$(sqlite3 "$db" "SELECT x.value FROM metrics x JOIN measurements m ON m.id = x.measurement_id
        WHERE m.run_id=$id AND m.step='idle' AND m.tenant='app' AND x.name='layer_pss_mib'")
    case "$2" in
    zero) [ "$v" = 0 ] || [ "$v" = 0.0 ] || bad "$1: the own runtime's layer is '$v' MiB, not 0" ;;
    pos) awk -v v="$v" 'BEGIN{exit !(v > 0)}' || bad "$1: no host-side layer measured ('$v')" ;;
    esac
}

# 2. both tiers in the own runtime, weights 50/200 (the DB tier and its
# aggressor ahead of the app tier: the aggressor's CPU check holds)
shared=(-o db-cpus=2)
[ "$(nproc)" -ge 2 ] || shared=()
priv_listen_start
weights_start
"$bin" scenario run two-tier -e container "${quick[@]}" "${shared[@]}" -o app-weight=50 \
    -o db-weight=200 --db "$db" >"$dir/out.txt" 2>&1 || bad "two-tier on container: $(tail -5 "$dir/out.txt")"
weights_stop
priv_listen_check "two-tier on container"
check_run "two-tier on container"
check_weights "two-tier on container" 50 200
check_footprint "two-tier on container" zero
# 3. app in a container, DB native: equal weights, native's not applied
weights_start
"$bin" scenario run two-tier -e container,native "${quick[@]}" "${shared[@]}" --db "$db" >"$dir/out.txt" 2>&1 ||
    bad "two-tier on container,native: $(tail -5 "$dir/out.txt")"
weights_stop
check_run "two-tier container app, native DB"
check_weights "two-tier container app, native DB" 100 100 native
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
sqlite3 "$db" "SELECT value FROM run_facts WHERE run_id=$id AND key='two-tier.cpu.not_applied'" |
    grep -q "native takes no cpu-weight" || bad "container,native: native's weight not said to be not applied"
# 4. LXC, weights 50/200 in LXC's cgroups
weights_start
"$bin" scenario run two-tier -e lxc "${quick[@]}" "${shared[@]}" -o app-weight=50 -o db-weight=200 \
    --db "$db" >"$dir/out.txt" 2>&1 || bad "two-tier on lxc: $(tail -5 "$dir/out.txt")"
weights_stop
check_run "two-tier on lxc"
check_weights "two-tier on lxc" 50 200
check_footprint "two-tier on lxc" pos
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
sqlite3 "$db" "SELECT value FROM run_facts WHERE run_id=$id AND key LIKE 'two-tier.layer.app@%'" |
    grep -q "lxc-start" || bad "lxc: lxc-start not on the app tier's host side"
# 5. cpu-share=cpuset: the earlier layout, no weight
"$bin" scenario run two-tier -e container "${quick[@]}" -o cpu-share=cpuset --db "$db" \
    >"$dir/out.txt" 2>&1 || bad "two-tier cpu-share=cpuset: $(tail -5 "$dir/out.txt")"
check_run "two-tier cpu-share=cpuset"
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
case "$(sqlite3 "$db" "SELECT value FROM run_facts WHERE run_id=$id AND key='two-tier.cpu'")" in
cpuset:*) ;; *) bad "cpu-share=cpuset: two-tier.cpu does not say cpuset" ;; esac
[ -z "$(sqlite3 "$db" "SELECT f.value FROM measurement_facts f JOIN measurements m ON m.id = f.measurement_id
    WHERE m.run_id=$id AND f.key='cpu_weight'")" ] || bad "cpu-share=cpuset: a weight was set"
app=$(sqlite3 "$db" "SELECT value FROM run_facts WHERE run_id=$id AND key='two-tier.tier.app'")
dbt=$(sqlite3 "$db" "SELECT value FROM run_facts WHERE run_id=$id AND key='two-tier.tier.db'")
case "$app $dbt" in *cpu-weight*) bad "cpu-share=cpuset: a tier's spec has a weight: $app / $dbt" ;; esac
[ "$(nproc)" -ge 2 ] && [ "${app#*cpus=}" = "${dbt#*cpus=}" ] && bad "cpu-share=cpuset: the tiers share CPUs: $app / $dbt"

# 6. SIGKILL anywhere in a run of about 25 s
priv_sigkill_loop 4 20 scenario run two-tier -e container --size tiny -r 1 -o duration=10 \
    -o ramp=5 -o selects=50 -o inserts=200

[ "$fail" = 0 ] && echo "ok"
exit "$fail"
