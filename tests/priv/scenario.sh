#!/usr/bin/env bash
# Root only: scenarios keep several tenants live at once and leave nothing.
#  1. bad input: one line, exit 2, no run stored;
#  2. noisy-neighbour at tiny on native and container, each tenant a slice
#     of one CPU: per round a victim sample alone and beside each
#     aggressor, the aggressor's own sample with a rate, tenant and step in
#     the store, the loss matrix in the table; the victim's CPUs are not
#     the aggressor's;
#  3. density at tiny on native, container and vm: per tenant its start
#     time and the host memory it added; a VM tenant's PSS holds QEMU's RAM;
#  4. memory-pressure on native, container and vm under an emulated 3 GiB
#     host with a swap file: per model and step the client's task times,
#     spread and swap counts, each server's own sample; the cgroup and the
#     swap file are gone afterwards;
#  5. SIGKILL while the aggressor's stress-ng runs, then `isobench
#     cleanup`: no tenant, stressor, cgroup, data dir or journal is left.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "tenants' cgroups and namespaces"
priv_need_env "$bin" container
priv_need_env "$bin" vm
before=$(leftovers)
runs() { sqlite3 "$db" "SELECT count(*) FROM runs" 2>/dev/null || echo 0; }

# 1. bad input
"$bin" scenario list | grep -q "noisy-neighbour .*available" || bad "scenario list: $("$bin" scenario list)"
"$bin" scenario run density -e native -r 1 --size tiny -o tenants=1 --db "$db" >/dev/null 2>&1 ||
    bad "a one-tenant density run failed"
n0=$(runs)
for args in "nosuch -e native" "density" "density -e native -o bogus=1" "density -e nosuchenv" \
    "density -e native --slice cpus=999" "density -e native --slice mem=1K" \
    "noisy-neighbour -e native -o victims=stress" "noisy-neighbour -e native -o aggressors=fork" \
    "density -e native -o tenants=4 --slice mem=100T" "density -e native -s huge"; do
    # shellcheck disable=SC2086
    out=$("$bin" scenario run $args --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "scenario run $args: exit $rc: $out"
done
[ "$(runs)" = "$n0" ] || bad "bad input stored a run"

# 2. noisy-neighbour
"$bin" scenario run noisy-neighbour -e native,container --size tiny -r 2 --slice cpus=1,mem=1G \
    -o victims=compress -o aggressors=cpu,vm -o bytes=64M -o workers=1 --db "$db" \
    >"$dir/nn.txt" 2>"$dir/nn.err" || { cat "$dir/nn.txt" "$dir/nn.err"; bad "noisy-neighbour failed"; }
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
for env in native container; do
    for step in alone cpu vm; do
        n=$(sqlite3 "$db" "SELECT count(*) FROM measurements WHERE run_id=$id AND env='$env' AND tenant='victim' AND step='$step' AND ok=1")
        [ "$n" = 2 ] || bad "noisy-neighbour: $n victim samples of $env/$step, want 2"
    done
    n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant='aggressor' AND x.name='host_cpus_busy' AND x.value>0.3")
    [ "$n" = 4 ] || bad "noisy-neighbour: $n aggressor samples in $env that kept a CPU busy, want 4"
    # a slice each: the victim on CPU 0, the aggressor on CPU 1
    v=$(sqlite3 "$db" "SELECT DISTINCT f.value FROM measurements m JOIN measurement_facts f ON f.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant='victim' AND f.key='tenant.spec'")
    a=$(sqlite3 "$db" "SELECT DISTINCT f.value FROM measurements m JOIN measurement_facts f ON f.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant='aggressor' AND f.key='tenant.spec'")
    grep -q "cpus=0" <<<"$v" && grep -q "cpus=1" <<<"$a" && grep -q "mem=1024M" <<<"$a" ||
        bad "noisy-neighbour slices in $env: victim '$v' aggressor '$a'"
done
grep -Eq "^native +compress +throughput +higher +\| [0-9.]+.* \| [+-][0-9.]+% .* \| [+-][0-9.]+%" "$dir/nn.txt" ||
    bad "no loss matrix row: $(cat "$dir/nn.txt")"
grep -q "slice: cpus=1,mem=1024M" "$dir/nn.txt" || bad "the table does not state the slice"
"$bin" report "$id" --db "$db" | grep -q "victim's loss" || bad "report does not render the scenario run"
# every sample as JSON and CSV, with its tenant, step and round
"$bin" report "$id" --format json --db "$db" >"$dir/nn.json" || bad "report --format json of a scenario run failed"
python3 - "$dir/nn.json" "$id" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
def bad(m): print("FAIL:", m); sys.exit(1)
if d["schema"] != "isobench.scenario/1" or d["run"]["scenario"] != "noisy-neighbour": bad(f"json head: {d['run']}")
if d["run"]["id"] != int(sys.argv[2]): bad("json of another run")
tenants = {(s["tenant"], s["step"]) for s in d["samples"]}
if not any(t == "victim" for t, _ in tenants) or not any(t == "aggressor" for t, _ in tenants): bad(f"tenants {tenants}")
if not all(s["round"] >= 1 and s["unit"] and s["better"] in ("higher", "lower") for s in d["samples"]): bad("a sample lacks round, unit or direction")
PY
n=$("$bin" report "$id" --format csv --db "$db" | grep -c ',"victim",')
[ "$n" -ge 2 ] || bad "report --format csv of a scenario run: $n victim lines"
# the page: self-contained, a chart per tenant and metric; markdown: the table
"$bin" report "$id" --format html -o "$dir/nn.html" --db "$db" || bad "report --format html of a scenario run"
charts=$(grep -o "<svg" "$dir/nn.html" | wc -l)
groups=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len({(s['workload'],s['tenant'],s['metric']) for s in d['samples']}))" "$dir/nn.json")
[ "$charts" = "$groups" ] || bad "scenario html: $charts charts for $groups tenant x metric groups"
grep -qi "<script\|src=\"http" "$dir/nn.html" && bad "scenario html fetches or runs something"
"$bin" report "$id" --format markdown --db "$db" | grep -q "^victim's loss beside each aggressor" ||
    bad "report --format markdown of a scenario run lacks its table"
out=$("$bin" compare "$id" "$id" --db "$db" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && grep -q "scenario run" <<<"$out" || bad "compare of a scenario run: exit $rc: $out"
now=$(leftovers)
[ "$now" = "$before" ] || bad "noisy-neighbour left: $now"

# 2b. a network victim: netlat's server half in the victim tenant, its client
# in the peer namespace, beside a network (sock) aggressor
priv_listen_start
"$bin" scenario run noisy-neighbour -e native,container --size tiny -r 2 --slice cpus=1,mem=1G \
    -o victims=netlat -o aggressors=sock -o workers=1 --db "$db" \
    >"$dir/nnn.txt" 2>"$dir/nnn.err" || { cat "$dir/nnn.txt" "$dir/nnn.err"; bad "noisy-neighbour netlat failed"; }
priv_listen_check "noisy-neighbour's netlat victims on native, container"
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
for env in native container; do
    for step in alone sock; do
        # the client's latency and the server half's own metrics in one sample
        n=$(sqlite3 "$db" "SELECT count(DISTINCT m.id) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant='victim' AND step='$step' AND ok=1 AND x.name LIKE '%rr%' AND x.value>0")
        [ "$n" = 2 ] || bad "noisy-neighbour netlat: $n victim samples of $env/$step with a latency, want 2"
    done
done
grep -Eq "^native +netlat +[a-z0-9_]+ +(higher|lower) +\| [0-9.]+.* \| [+-][0-9.]+%" "$dir/nnn.txt" ||
    bad "no netlat loss row: $(cat "$dir/nnn.txt")"
now=$(leftovers)
[ "$now" = "$before" ] || bad "noisy-neighbour netlat left: $now"

# 2c. sizing: a container under a 1-CPU quota on this 2-CPU host; sized
# from the host it runs 2 threads and is throttled, sized from its cgroup
# (read through its read-only cgroup view) 1 thread and hardly
"$bin" scenario run sizing -e container,runc --size tiny -r 2 --db "$db" >"$dir/sz.txt" 2>"$dir/sz.err" ||
    { cat "$dir/sz.txt" "$dir/sz.err"; bad "sizing failed"; }
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
for env in container:cpu-quota=1 runc:cpu-quota=1; do
    for want in host:2 cgroup:1; do
        n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN measurement_facts f ON f.measurement_id=m.id WHERE run_id=$id AND env='$env' AND step='${want%:*}' AND ok=1 AND f.key='compress.threads' AND f.value='${want#*:}'")
        [ "$n" = 2 ] || bad "sizing: $n samples of $env sized by ${want%:*} with ${want#*:} threads, want 2"
    done
    th=$(sqlite3 -separator ' ' "$db" "SELECT (SELECT min(x.value) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND step='host' AND x.name='throttled_s'), (SELECT max(x.value) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND step='cgroup' AND x.name='throttled_s')")
    python3 -c "import sys; h, c = map(float, sys.argv[1:3]); sys.exit(0 if h > 0.05 and c < h / 5 else 1)" $th ||
        bad "sizing: $env throttled ${th:-none} s (host-sized, cgroup-sized): the quota did not bite or was not seen"
done
grep -q "^container:cpu-quota=1 *compress *throughput" "$dir/sz.txt" || bad "sizing table: $(cat "$dir/sz.txt")"
now=$(leftovers)
[ "$now" = "$before" ] || bad "sizing left: $now"

# 3. density
"$bin" scenario run density -e native,container,vm:mem=512M --size tiny -r 1 -o tenants=2 --db "$db" \
    >"$dir/d.txt" 2>"$dir/d.err" || { cat "$dir/d.txt" "$dir/d.err"; bad "density failed"; }
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
for env in native container vm:mem=512M; do
    for m in start_s host_mem_mib; do
        n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND x.name='$m'")
        [ "$n" = 2 ] || bad "density: $n $m values in $env, want 2"
    done
done
pss=$(sqlite3 "$db" "SELECT min(x.value) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='vm:mem=512M' AND x.name='pss_mib'")
python3 -c "import sys; sys.exit(0 if float('${pss:-0}') > 50 else 1)" || bad "a VM tenant's PSS is ${pss:-none} MiB"
grep -Eq "^vm:mem=512M +2 +\| [0-9.]+" "$dir/d.txt" || bad "density table: $(cat "$dir/d.txt")"
now=$(leftovers)
[ "$now" = "$before" ] || bad "density left: $now"

# 4. memory-pressure (its file-task servers audited for where they listen)
priv_listen_start
"$bin" scenario run memory-pressure -e native,container,vm:mem=1G,balloon=on --size tiny -r 1 -o servers=2 \
    -o workers=0,2 --host-mem 3G --swap 512M --db "$db" >"$dir/mp.txt" 2>"$dir/mp.err" ||
    { cat "$dir/mp.txt" "$dir/mp.err"; bad "memory-pressure failed"; }
priv_listen_check "memory-pressure file-task servers on native, container, vm"
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
for env in native container vm:mem=1G,balloon=on; do
    for step in 0 2; do
        n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant='client' AND step='$step' AND ok=1 AND ((x.name='task_ms' AND x.value>0) OR (x.name='spread' AND x.value>=1) OR x.name='swap_out_pages')")
        [ "$n" = 3 ] || bad "memory-pressure: $env step $step: $n of task_ms, spread, swap_out_pages"
        n=$(sqlite3 "$db" "SELECT count(*) FROM measurements WHERE run_id=$id AND env='$env' AND tenant IN ('s1','s2') AND step='$step' AND ok=1")
        [ "$n" = 2 ] || bad "memory-pressure: $env step $step: $n server samples, want 2"
        # each server's own faults and swap, from its memory cgroup, and their sums
        n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant IN ('s1','s2') AND step='$step' AND x.name IN ('major_faults','swap_mib') AND x.value>=0")
        [ "$n" = 4 ] || bad "memory-pressure: $env step $step: $n per-server fault/swap counts, want 4"
        n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant='client' AND step='$step' AND x.name IN ('tenants_major_faults','tenants_swap_mib')")
        [ "$n" = 2 ] || bad "memory-pressure: $env step $step: $n summed tenant counts, want 2"
    done
done
grep -Eq "^native +2 +\| [0-9.]+ " "$dir/mp.txt" || bad "memory-pressure table: $(cat "$dir/mp.txt")"
# vm:balloon=on: the VM servers' QEMU memory and their balloons, read per step
for step in 0 2; do
    n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='vm:mem=1G,balloon=on' AND tenant='client' AND step='$step' AND ((x.name='tenants_qemu_rss_mib' AND x.value>0) OR (x.name='tenants_balloon_mib' AND x.value>=0))")
    [ "$n" = 2 ] || bad "memory-pressure: vm step $step: $n of QEMU memory and balloon, want 2"
done
n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='native' AND x.name LIKE 'tenants_%rss%'")
[ "$n" = 0 ] || bad "memory-pressure: native has QEMU memory rows"
grep -q "under one 3072M memory cgroup" "$dir/mp.txt" || bad "the table does not state --host-mem"
sw=$(sqlite3 "$db" "SELECT value FROM run_facts WHERE run_id=$id AND key='swap'")
[ -n "$sw" ] || bad "no swap fact (the file, or why the kernel refused it)"
swapon --show=NAME --noheadings | grep -q isobench && bad "the run's swap file is still on"
now=$(leftovers)
[ "$now" = "$before" ] || bad "memory-pressure left: $now"

# 4b. the study's kind of server: Node.js + Express, as uid 65534, on the run's addresses
priv_listen_start
"$bin" scenario run memory-pressure -e native,container --size tiny -r 1 -o servers=2 -o workers=0 \
    -o server=node --db "$db" >"$dir/mpn.txt" 2>"$dir/mpn.err" ||
    { cat "$dir/mpn.txt" "$dir/mpn.err"; bad "memory-pressure server=node failed"; }
priv_listen_check "memory-pressure's Node.js servers on native, container"
id=$(sqlite3 "$db" "SELECT max(id) FROM runs")
for env in native container; do
    n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN measurement_facts f ON f.measurement_id=m.id JOIN metrics x ON x.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant IN ('s1','s2') AND ok=1 AND f.key='filetask.server' AND f.value LIKE 'node v% express %' AND x.name='task_ms' AND x.value>0")
    [ "$n" = 2 ] || bad "memory-pressure server=node: $n Node.js server samples in $env, want 2"
    n=$(sqlite3 "$db" "SELECT count(*) FROM measurements m JOIN measurement_facts f ON f.measurement_id=m.id WHERE run_id=$id AND env='$env' AND tenant IN ('s1','s2') AND f.key='filetask.user' AND f.value='65534'")
    [ "$n" = 2 ] || bad "memory-pressure server=node: $n servers in $env ran as 65534, want 2"
done
out=$("$bin" scenario run memory-pressure -e native,vm -o server=node --db "$db" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && grep -q "without Node.js" <<<"$out" || bad "server=node with a plain vm: exit $rc: $out"
now=$(leftovers)
[ "$now" = "$before" ] || bad "memory-pressure server=node left: $now"

# 5. SIGKILL while stress-ng runs in the aggressor tenant
for env in native container; do
    "$bin" scenario run noisy-neighbour -e "$env" --size tiny -r 3 -o victims=compress \
        -o aggressors=vm -o bytes=64M -o workers=1 --db "$db" >"$dir/kill.txt" 2>&1 &
    pid=$!
    for _ in $(seq 600); do pgrep -r D,R,S,T,t -f "^(/usr/bin/)?stress-ng" >/dev/null && break; sleep 0.1; done
    pgrep -r D,R,S,T,t -f "^(/usr/bin/)?stress-ng" >/dev/null || bad "$env: no stress-ng seen within 60 s: $(cat "$dir/kill.txt")"
    sleep 1
    kill -KILL $pid
    wait $pid 2>/dev/null
    sleep 0.5
    "$bin" cleanup --db "$db" >/dev/null || bad "cleanup failed after SIGKILL ($env)"
    sleep 0.5
    now=$(leftovers)
    [ "$now" = "$before" ] || bad "after SIGKILL mid-step ($env) and cleanup, left: $now"
    st=$(sqlite3 "$db" "SELECT status FROM runs ORDER BY id DESC LIMIT 1")
    [ "$st" != running ] || bad "a killed scenario run is still 'running'"
done
# the kill drill over the scenario engine: ten seeded moments (tenants
# starting, stressors running, samples committing, teardown)
priv_sigkill_loop 10 5 scenario run noisy-neighbour -e native,container --size tiny -r 2 \
    -o victims=compress -o aggressors=vm -o bytes=64M -o workers=1
[ $fail = 0 ] && echo "priv scenario: ok"
exit $fail
