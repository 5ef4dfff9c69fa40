#!/usr/bin/env bash
# Root only: the fleet playbook (deploy/ansible/fleet.yml) against two
# "hosts" on this machine - two network namespaces made here, each with a
# veth to the host and its own sshd, its own /etc/machine-id and
# /var/lib/isobench (tests/lib/sshns.sh), reached with keys made here and
# a known_hosts filled from their host keys. A tiny plan (null, native, 2
# rounds) with the binary already built (the hosts share this filesystem;
# real runs build). Checks: each host recorded its facts with a host id of
# its own; the merged JSON report has both hosts, their facts and a row
# of each; the HTML was written; the playbook run again merges nothing new
# (merge by run uuid). Nothing is left: the namespaces, their sshd, the
# veths (trap).
set -uo pipefail
bin=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/sshns.sh"
priv_init "network namespaces, sshd, bind mounts"
src=$(cd "$(dirname "$0")/../.." && pwd)
for t in ansible-playbook ssh ssh-keygen /usr/sbin/sshd unshare; do
    if ! command -v "$t" >/dev/null; then
        if [ "${CI:-}" = true ]; then echo "FAIL: $t missing under CI (scripts/deps.sh installs it)"; exit 1; fi
        echo "SKIP: $t missing (scripts/deps.sh: ansible-core, openssh-server, openssh-client)"; exit 77
    fi
done
hosts="fa fb"
trap 'for h in $hosts; do sshns_down "$h"; done; priv_subid_undo; [ -n "${FLEET_KEEP:-}" ] || rm -rf "$dir"' EXIT
before=$(leftovers)
i=0
for h in $hosts; do
    i=$((i + 1))
    sshns_up "$h" $((100 + i)) "$dir" || { bad "sshns_up $h"; exit 1; }
done

# the inventory (YAML: the plan stays a list): each namespace host by its
# Host block in ssh_config
{
    echo "isobench_hosts:"
    echo "  hosts: {$(for h in $hosts; do printf '%s: {}, ' "$h"; done)}"
    echo "  vars:"
    echo "    ansible_user: root"
    echo "    ansible_python_interpreter: /usr/bin/python3"
    echo "    ansible_ssh_common_args: '-F $dir/ssh_config'"
    echo "    ansible_remote_tmp: $dir/ansible-remote"
    echo "    ansible_async_dir: $dir/ansible-async"
    echo "    isobench_become: false"
    echo "    isobench_build: false"
    echo "    isobench_bin: $bin"
    echo "    isobench_poll: 1"
    echo "    isobench_plan: [run, -w, 'null', -e, native, --size, tiny, -r, 2]"
} >"$dir/inventory.yml"
export ANSIBLE_HOME=$dir/ansible-home ANSIBLE_LOCAL_TEMP=$dir/ansible-local
export ANSIBLE_SSH_CONTROL_PATH_DIR=$dir/ansible-cp ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_HOST_KEY_CHECKING=True
play() {
    ansible-playbook -i "$dir/inventory.yml" "$src/deploy/ansible/fleet.yml" \
        -e "fleet_dir=$dir/fleet" -e "isobench_local_bin=$bin" >"$dir/play$1.log" 2>&1
}
t0=$(date +%s)
play 1 || bad "the playbook failed: $(tail -25 "$dir/play1.log")"
echo "playbook: $(($(date +%s) - t0)) s; $(grep -E '^(fa|fb|localhost) +:' "$dir/play1.log" | tr -s ' ' | tr '\n' ';')"

# each host's facts, its own host id (its machine-id), the report's two columns
python3 - "$dir/fleet" $hosts <<'EOF' || bad "the fleet's facts or report: see above"
import json, sys, os
d, hosts = sys.argv[1], sys.argv[2:]
ok = True
def fail(m):
    global ok
    print("FAIL:", m); ok = False
ids = []
for h in hosts:
    f = json.load(open(os.path.join(d, h + ".facts.json")))
    if f.get("schema") != "isobench.facts/1" or not f.get("host_id"): fail(h + ": facts without a host id")
    for k in ("cpu_model", "kernel", "virt", "mitigations", "qemu_version"):
        if k not in f["facts"]: fail(h + ": no fact " + k)
    ids.append(f["host_id"])
if len(set(ids)) != len(hosts): fail("the hosts share a host id: %s" % ids)
r = json.load(open(os.path.join(d, "fleet.json")))
if r.get("schema") != "isobench.hosts/1": fail("fleet.json schema %r" % r.get("schema"))
got = sorted(h["host_id"] for h in r["hosts"])
if got != sorted(ids): fail("the report's hosts %s are not the hosts' %s" % (got, ids))
for h in r["hosts"]:
    if "cpu_model" not in h["facts"] or "kernel_cmdline" not in h["facts"]: fail("host %s without its facts" % h["name"])
rows = [x for x in r["rows"] if x["workload"] == "null" and x["env"] == "native"]
if not rows or any(c is None or c["n"] != 2 for x in rows for c in x["cells"]):
    fail("no null/native row with 2 rounds for each host: %s" % rows)
print("fleet.json: %d hosts (%s), %d rows, differing facts: %s" %
      (len(r["hosts"]), ", ".join(h["name"] for h in r["hosts"]), len(r["rows"]),
       ", ".join(x["key"] for x in r["differing"]) or "none"))
sys.exit(0 if ok else 1)
EOF
grep -q "isobench: 2 hosts side by side" "$dir/fleet/fleet.html" 2>/dev/null || bad "fleet.html not written"
[ "$(sqlite3 "$dir/fleet/fleet.db" 'SELECT count(*) FROM runs')" = 2 ] || bad "fleet.db does not hold 2 runs"

# again: each host adds a run, the merge takes only the new ones
play 2 || bad "the second playbook run failed: $(tail -25 "$dir/play2.log")"
[ "$(sqlite3 "$dir/fleet/fleet.db" 'SELECT count(*) FROM runs')" = 4 ] || bad "fleet.db after a second play: $(sqlite3 "$dir/fleet/fleet.db" 'SELECT count(*) FROM runs') runs, not 4"
m=$("$bin" merge "$dir/fleet/fleet.db" "$dir"/fleet/f[ab].db) || bad "merge again: $m"
case "$m" in "merge: 0 run(s) added, 4 already there"*) ;; *) bad "merging again changed something: $m" ;; esac

for h in $hosts; do sshns_down "$h"; done
ip netns list | grep -q '^isobt-f[ab]' && bad "a namespace host is left"
ip -o link | grep -q 'sshns10[12]' && bad "a veth is left"
now=$(leftovers)
[ "$now" = "$before" ] || bad "left on the host: $(comm -13 <(echo "$before") <(echo "$now") | head -5)"
[ $fail = 0 ] && echo "fleet: ok"
exit $fail
