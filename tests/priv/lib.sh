# Shared by the root-only tests (sourced): the skip rule, a scratch dir and
# database, failure bookkeeping, and one list of every kind of object a
# run may leave on the host, so each test checks them all.
#   priv_init "REASON the test needs root"   -> $dir, $db, $fail, bad()
priv_init() {
    if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root ($1)"; exit 77; fi
    dir=$(mktemp -d /tmp/isobench-priv-XXXXXX)
    trap 'priv_subid_undo; rm -rf "$dir"' EXIT
    db=$dir/r.db
    fail=0
}
bad() { echo "FAIL: $*"; fail=1; }
# userns=on's ids: isobench's own range in /etc/subuid and /etc/subgid
# (2^31, 65536 ids: no user's), added for the test when missing and taken
# out again on exit (priv_subid_undo, from the caller's trap).
priv_subid_line=isobench:2147483648:65536
priv_subid() {
    local f
    priv_subid_added=
    for f in /etc/subuid /etc/subgid; do
        grep -q '^isobench:' "$f" 2>/dev/null && continue
        echo "$priv_subid_line" >>"$f" && priv_subid_added="$priv_subid_added $f"
    done
}
priv_subid_undo() {
    local f
    for f in ${priv_subid_added:-}; do sed -i "/^$priv_subid_line\$/d" "$f"; done
    priv_subid_added=
}
# The listening-socket audit: priv_listen_start samples the host netns's
# listening TCP and UDP sockets every 0.1 s while a run goes on;
# priv_listen_check fails on any socket that appeared meanwhile bound to an
# address other than a peer link's host side (10.214.N.1): a server of the
# run reachable from outside the run's own namespaces and peer link.
priv_listen_start() {
    ss -Hltun | awk '{print $5}' | sort -u >"$dir/listen.before"
    (while :; do ss -Hltunp; sleep 0.1; done) >"$dir/listen.log" 2>/dev/null &
    listen_pid=$!
}
priv_listen_check() {
    kill "$listen_pid" 2>/dev/null; wait "$listen_pid" 2>/dev/null
    local n
    n=$(awk '{print $5}' "$dir/listen.log" | sort -u | grep -c .)
    # (netid and process kept for the message: a socket whose process had
    # gone by the time ss read /proc shows none)
    awk '{print $5, $1, $7}' "$dir/listen.log" | sort -u | while read -r addr netid proc; do
        grep -qxF "$addr" "$dir/listen.before" && continue
        case "$addr" in 10.214.*.1:*) continue ;; esac
        echo "$addr $netid ${proc:-(no process)}"
    done >"$dir/listen.bad"
    if [ -s "$dir/listen.bad" ]; then
        bad "$1: servers listen outside the run's namespaces and peer link: $(head -5 "$dir/listen.bad" | tr '\n' ';')"
    else
        echo "listening-socket audit ($1): ok ($n addresses seen)"
    fi
}
# Per-operation counters (docs/results.md): every listed environment's
# samples of WORKLOAD in the NDJSON FILE carry perop.ctxsw > 0, and cycles
# either as a metric (a host with a PMU) or, without one, the fact
# counters.cycles=absent: <reason> - never both, never a 0 in its place.
#   priv_perop_check FILE WORKLOAD ENV...
priv_perop_check() {
    python3 - "$@" <<'PY' || fail=1
import json, os, sys
f, wl, envs = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = [json.loads(l) for l in open(f)]
pmu = any(d in ("cpu", "cpu_core", "cpu_atom") or d.startswith("armv") for d in os.listdir("/sys/bus/event_source/devices"))
bad = 0
for env in envs:
    got = [r for r in rows if r.get("env") == env and r.get("workload") == wl and r.get("ok")]
    if not got:
        print(f"FAIL: perop: no {wl} sample on {env}"); bad = 1; continue
    for r in got:
        m = {x["name"]: x["value"] for x in r["metrics"]}
        why = r["facts"].get("counters.cycles", "")
        if not m.get("perop.ctxsw", 0) > 0:
            print(f"FAIL: perop: {wl} on {env}: perop.ctxsw {m.get('perop.ctxsw')} ({r['facts'].get('counters.ctxsw')})"); bad = 1
        if ("perop.cycles" in m) == bool(why) or (pmu != ("perop.cycles" in m)) or (why and not why.startswith("absent: ")):
            print(f"FAIL: perop: {wl} on {env}: cycles metric {m.get('perop.cycles')} fact '{why}' (PMU: {pmu})"); bad = 1
print("perop counters (" + wl + " on " + ", ".join(envs) + "):", "FAIL" if bad else "ok")
sys.exit(bad)
PY
}
leftovers() {
    {
        find /sys/fs/cgroup -maxdepth 4 -name 'isobench-*' 2>/dev/null
        ls -d /var/tmp/isobench-* 2>/dev/null
        ls "${ISOBENCH_RUN_DIR:-/run/isobench}" 2>/dev/null
        grep isob /proc/mounts
        ip -o link | grep -o 'isob[0-9a-f]*[a-z0-9]*'
        nft list tables | grep isob
        pgrep -f "isobench agent"
        pgrep -f "qemu-system-x86_64.*isobench"
        # live servers only: a server killed with its job is a zombie until
        # init reaps it, a moment later
        pgrep -r D,R,S,T,t -f "mariadbd --no-defaults"; pgrep -r D,R,S,T,t -x redis-server
        pgrep -f "sysbench oltp_read_write"
        pgrep -r D,R,S,T,t -f "^/usr/sbin/apache2 -DFOREGROUND" # the http workload's Apache and its workers
        pgrep -r D,R,S,T,t -f "^(/usr/bin/)?stress-ng" # live: a scenario's stressors and their workers
        swapon --show=NAME --noheadings | grep isobench # a scenario's --swap file, still on
        nft list table ip nat 2>/dev/null | grep -o "dnat to 10.88[^ ]*" # podman's port forwards
        ls /run/runc 2>/dev/null | grep isob
        pgrep -f "runsc.*isobench-"
        pgrep -f "lxc-start .*isobench-" # an lxc container's monitor
        if command -v podman >/dev/null; then podman ps -a --format '{{.Names}}' | grep isobench; fi
        pgrep -f "conmon .*-n isobench-" # a killed podman run's monitor, once its container is gone
        ip netns list | grep -o '^netns-[0-9a-f-]*' # podman's (netavark's) network namespaces
        if [ -n "${DOCKER_HOST:-}" ] || [ -S /var/run/docker.sock ]; then
            timeout 20 docker ps -a --format '{{.Names}}' | grep isobench
            timeout 20 docker images --format '{{.Repository}}' | grep isobench
        fi
    } | sort
}
# An environment `isobench list` marks unavailable: a failure under CI (the
# project's own scripts install what it needs), a skip otherwise.
priv_need_env() { # BIN ENV
    local why
    why=$("$1" list 2>/dev/null | awk -v e="$2" '$1==e && /unavailable/')
    [ -z "$why" ] && return 0
    if [ "${CI:-}" = true ]; then echo "FAIL: $2 unavailable under CI (scripts/deps.sh installs it): $why"; exit 1; fi
    echo "SKIP: $why"; exit 77
}
# A private dockerd for the docker driver's test when none runs
# (scripts/lib/dockerd.sh), stopped on exit.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/dockerd.sh"
priv_dockerd() {
    trap 'dockerd_private_stop; priv_subid_undo; rm -rf "$dir"' EXIT
    dockerd_private_start
}
# Each SPEC must be refused before anything starts: `run -w null -e SPEC`
# exits 2 with one line.
priv_bad_specs() {
    local spec out rc
    for spec in "$@"; do
        out=$("$bin" run -w null -e "$spec" --db "$db" 2>&1 >/dev/null); rc=$?
        [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "$spec: exit $rc: $out"
    done
}

# SIGKILLs `isobench run ARGS...` after each delay, runs `isobench
# cleanup` and checks that nothing the run made is left (against
# $before, taken before the test's first run).
#   priv_sigkill_loop "DELAYS" ARGS...   (uses $bin, $db)
# The kill drill: ROUNDS runs of `isobench CMD...` (run, scenario run), each SIGKILLed
# after a delay drawn uniformly from [0.02, MAX] s (setup, mid-sample,
# teardown alike), then `isobench cleanup`. After every round: nothing of
# the run is left (leftovers), the database passes PRAGMA
# integrity_check, every sample the run had reported (a plain run: its
# NDJSON lines, written after each commit) is still stored, and the run is marked
# interrupted (or complete, when it ended before the kill). Seeded: the
# seed is printed, and ISOBENCH_DRILL_SEED=S replays the same delays.
#   priv_sigkill_loop ROUNDS MAX CMD...
priv_sigkill_loop() {
    local rounds=$1 max=$2 seed=${ISOBENCH_DRILL_SEED:-$((RANDOM * 32768 + RANDOM))} i delay pid
    shift 2
    local json=()
    [ "$1" = run ] && json=(--json)
    echo "kill drill: $rounds rounds of $*, delays up to ${max}s, ISOBENCH_DRILL_SEED=$seed"
    for i in $(seq "$rounds"); do
        delay=$(awk -v s="$seed" -v i="$i" -v m="$max" 'BEGIN{srand(s + i); printf "%.3f", 0.02 + rand() * (m - 0.02)}')
        local last # the newest run before this one: a kill before its row exists finds no run
        last=$(sqlite3 "$db" "SELECT coalesce(max(id), 0) FROM runs" 2>/dev/null || echo 0)
        "$bin" "$@" --db "$db" "${json[@]}" >"$dir/drill.json" 2>/dev/null &
        pid=$!
        sleep "$delay"
        kill -KILL $pid 2>/dev/null
        wait $pid 2>/dev/null
        sleep 0.5
        local at="round $i (SIGKILL at ${delay}s, seed $seed)"
        "$bin" cleanup --db "$db" >"$dir/cleanup.out" 2>&1 || bad "$at: cleanup failed: $(tail -2 "$dir/cleanup.out")"
        grep -qi "failed\|kept" "$dir/cleanup.out" && bad "$at: cleanup could not undo everything: $(grep -i "failed\|kept" "$dir/cleanup.out" | head -2)"
        [ "$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)" = ok ] || bad "$at: integrity_check: $(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1 | head -3)"
        local uuid st seen kept
        uuid=$(grep -o -m1 '"run":"[^"]*"' "$dir/drill.json" | cut -d'"' -f4)
        if [ -n "$uuid" ]; then
            seen=$(grep -c '"rep":' "$dir/drill.json")
            kept=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN runs r ON r.id = m.run_id WHERE r.uuid = '$uuid'")
            [ "$kept" -ge "$seen" ] || bad "$at: the run reported $seen samples, the store keeps $kept"
            st=$(sqlite3 "$db" "SELECT status FROM runs WHERE uuid = '$uuid'")
        else # killed before the first sample: its run, if it got that far (never an earlier one)
            st=$(sqlite3 "$db" "SELECT status FROM runs WHERE id > ${last:-0} ORDER BY id DESC LIMIT 1" 2>/dev/null)
        fi
        case "$st" in interrupted | complete | "") ;; *) bad "$at: the run is '$st' after cleanup, not interrupted" ;; esac
        now=$(leftovers)
        if [ "$now" != "$before" ]; then
            bad "$at: left: $now"
            for cg in $(comm -13 <(echo "$before") <(echo "$now") | grep /sys/fs/cgroup/); do
                for t in $(cat "$cg/tasks" "$cg/cgroup.threads" 2>/dev/null | sort -u); do
                    echo "  in $cg: $(ps -o pid=,stat=,comm=,wchan= -p "$t" 2>/dev/null)"
                done
            done
        fi
    done
}
