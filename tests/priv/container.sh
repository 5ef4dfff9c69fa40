#!/usr/bin/env bash
# Root only: the container environment is real and leaves nothing behind.
#  1. the workload's own /proc/self/ns/* and cgroup, read from inside, differ
#     from the host's (net too, unless net=host); cpus=0 is applied;
#  2. bad specs fail with exit 2 before anything is created;
#  3. per-operation counters: netlat on native, container and runc carries
#     perop.ctxsw > 0, cycles a metric or an absent fact by the host's PMU;
#  4. SIGKILL at several points of setup and run, then `isobench cleanup`:
#     no cgroup, process, journal, volume dir or mount of those runs remains.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "namespaces, cgroups, mounts"
priv_subid # userns=on's host ids

# A harmless variable with a tuning prefix: it must reach the agent everywhere.
export GOTO_ISOBENCH_TEST=marker
have_runc=0; command -v runc >/dev/null && have_runc=1
extra=; [ $have_runc = 1 ] && extra=,runc:cpus=0
# scripts/deps.sh installs runc: under CI its absence is a failure, not a skip.
if [ $have_runc = 0 ]; then
    if [ "${CI:-}" = true ]; then bad "runc is missing (scripts/deps.sh installs it)"; else echo "note: runc not installed: runc driver not tested"; fi
fi
"$bin" run -w null -e native,container,container:net=none,container:net=host,storage=volume,container:net=none,cpus=0,mem=256M,pids=64,container:userns=on,storage=volume \
    -r 2 --size tiny --db "$db" >"$dir/out" 2>&1 || { cat "$dir/out"; bad "container run failed"; }
if [ $have_runc = 1 ]; then
    "$bin" run -w null -e runc:cpus=0,runc:net=host,storage=volume -r 2 --size tiny --db "$db" >"$dir/out" 2>&1 ||
        { cat "$dir/out"; bad "runc run failed"; }
fi
# per-operation counters of a real workload: native, the own container, runc
perop_envs="native container:net=host"; [ $have_runc = 1 ] && perop_envs="$perop_envs runc:net=host"
"$bin" run -w netlat -e "${perop_envs// /,}" -r 1 --size tiny -o duration=0.3 --counters --db "$dir/perop.db" --json \
    >"$dir/perop.json" 2>"$dir/out" || { cat "$dir/out"; bad "perop run failed"; }
priv_perop_check "$dir/perop.json" netlat $perop_envs
q() { sqlite3 "$db" "SELECT DISTINCT f.value FROM measurements m JOIN measurement_facts f ON f.measurement_id=m.id WHERE m.env='$1' AND f.key='$2' AND m.warmup=0"; }
envs="container container:net=none container:net=host,storage=volume container:net=none,cpus=0,mem=256M,pids=64 container:userns=on,storage=volume"
[ $have_runc = 1 ] && envs="$envs runc:cpus=0 runc:net=host,storage=volume"
for env in $envs; do
    for ns in pid mnt uts ipc cgroup; do
        [ -n "$(q "$env" ns.$ns)" ] && [ "$(q "$env" ns.$ns)" != "$(q native ns.$ns)" ] || bad "$env shares the host's $ns namespace"
    done
    [ "$(q "$env" cgroup)" != "$(q native cgroup)" ] || bad "$env reports the host's cgroup"
    [ "$(q "$env" hostname)" != "$(q native hostname)" ] || bad "$env has the host's hostname"
done
[ "$(q container:net=none ns.net)" != "$(q native ns.net)" ] || bad "net=none shares the host netns"
[ "$(q container:net=none ipv4)" = "lo=127.0.0.1" ] || bad "net=none has addresses: $(q container:net=none ipv4)"
# Docker's default: NAT, its own netns with eth0 on the run's bridge subnet.
[ "$(q container ns.net)" != "$(q native ns.net)" ] || bad "nat shares the host netns"
grep -Eq '^lo=127.0.0.1,eth0=10\.213\.[0-9]+\.3$' <<<"$(q container ipv4)" || bad "nat container addresses: $(q container ipv4)"
[ "$(q container:net=host,storage=volume ns.net)" = "$(q native ns.net)" ] || bad "net=host has its own netns"
# userns=on: its own user namespace, root mapped to isobench's range of /etc/subuid; the others share the host's
[ "$(q container:userns=on,storage=volume ns.user)" != "$(q native ns.user)" ] || bad "userns=on shares the host's user namespace"
[ "$(q container:userns=on,storage=volume uid_map)" = "$(awk -F: '$1=="isobench"{print 0, $2, 65536; exit}' /etc/subuid)" ] || bad "userns=on uid_map: $(q container:userns=on,storage=volume uid_map)"
[ "$(q container ns.user)" = "$(q native ns.user)" ] || bad "the default container has its own user namespace"
[ $have_runc = 0 ] || [ "$(q runc:cpus=0 cpus)" = 1 ] || bad "runc cpus=0 not applied"
# Every environment runs the agent with the same tuning variables (they change results).
envfacts() { sqlite3 "$db" "SELECT group_concat(f.key||'='||f.value) FROM (SELECT DISTINCT f.key, f.value FROM measurements m JOIN measurement_facts f ON f.measurement_id=m.id WHERE m.env='$1' AND f.key LIKE 'env.%' ORDER BY f.key) f"; }
grep -q 'env.GOTO_ISOBENCH_TEST=marker' <<<"$(envfacts native)" || bad "native agent lacks the tuning marker"
for env in $envs; do
    [ "$(envfacts "$env")" = "$(envfacts native)" ] || bad "$env runs with other tuning variables: $(envfacts "$env") vs $(envfacts native)"
done
[ $have_runc = 0 ] || [ "$(q runc:net=host,storage=volume ns.net)" = "$(q native ns.net)" ] || bad "runc net=host has its own netns"
[ "$(q container:net=none,cpus=0,mem=256M,pids=64 cpus)" = 1 ] || bad "cpus=0 not applied (agent sees $(q container:net=none,cpus=0,mem=256M,pids=64 cpus) CPUs)"
[ "$(sqlite3 "$db" "SELECT count(*) FROM env_facts WHERE key='startup_s' AND value > 0")" = $((5 + 2 * have_runc)) ] || bad "no startup_s"
[ "$(sqlite3 "$db" "SELECT count(*) FROM env_facts WHERE key='footprint_bytes' AND value > 0")" = 5 ] || bad "no footprint"

before=$(leftovers)
fwd_before=$(cat /proc/sys/net/ipv4/ip_forward)
[ -z "$before" ] || echo "note: objects present before the test: $before"

# Bad specs: exit 2, nothing created.
for spec in container:cpus=7 container:mem=1K container:image=/nonexistent container:image=/tmp \
    container:nett=host container:net=bogus container:storage=aufs container:pids=2 container:userns=maybe; do
    out=$("$bin" run -w null -e "$spec" --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "$spec: exit $rc: $out"
done
[ "$(leftovers)" = "$before" ] || bad "bad specs left objects: $(leftovers)"
# Bad input only the environment sees while starting (here: no place for the
# undo journal): the run is "aborted" with the reason, exit 2, nothing measured.
out=$(ISOBENCH_RUN_DIR=/proc/isobench-none/x "$bin" run -w null -e container -r 1 --db "$dir/ab.db" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && grep -q "no undo journal: cannot create /proc/isobench-none" <<<"$out" || bad "journal-less container: exit $rc: $out"
[ "$(sqlite3 "$dir/ab.db" "SELECT status FROM runs")" = aborted ] || bad "status: $(sqlite3 "$dir/ab.db" 'SELECT status FROM runs')"
sqlite3 "$dir/ab.db" "SELECT value FROM run_facts WHERE key='abort_reason'" | grep -q "no undo journal" || bad "no abort_reason"
[ "$(sqlite3 "$dir/ab.db" "SELECT count(*) FROM measurements WHERE env='container'")" = 0 ] || bad "aborted run measured the container"
[ "$(leftovers)" = "$before" ] || bad "the aborted run left objects: $(leftovers)"

# SIGKILL at several points of container setup and run, then cleanup.
priv_sigkill_loop 10 1.5 run -w null,stream -e "container,container:userns=on,container:net=host,storage=volume$extra" \
    -r 3 --size tiny
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fwd_before" ] || bad "ip_forward not restored"
[ $fail = 0 ] && echo "priv container: ok"
exit $fail
