#!/usr/bin/env bash
# Root only: the hostile drill. Root in a harmful image, in every container
# driver available here, tries (null's hostile=1, core/sandbox.h):
#   - mknod of one of the host's block devices, then open of the node
#     (Docker's device policy: mknod may work, open must not);
#   - TIOCSTI on every tty it holds or can open - isobench runs on a pty
#     that is its controlling terminal (script(1)), as an operator's shell;
#   - opening /proc/sys/kernel/hostname and
#     /sys/kernel/mm/transparent_hugepage/enabled for writing (runsc: its
#     sentry's own /proc and /sys, which gVisor emulates - an open there is
#     no write to the host's, and the host's values are checked after);
#   - a TCP connect to "the LAN": a namespace this test makes, with a
#     listener, reachable from the host - never from a run's namespace.
# Then the link-planting race: redis, mysql and Apache run natively while
# a process as uid 65534 plants links in every directory handed to that
# account; root must never follow one (a victim directory stays as it was).
# Every attempt must be refused (a fact "refused: ..."), none "DONE", and
# the host unchanged: its hostname, THP setting, the checksum of /etc's
# listing and nothing left of the runs. A failpoint run first proves the
# check can fail: native holds CAP_SYS_ADMIN and says "skipped", and a
# fact forged "DONE" is caught by the same checker.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "containers, namespaces"
command -v script >/dev/null || { echo "SKIP: script(1) (util-linux) is missing"; exit 77; }
if [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ] && command -v dockerd >/dev/null; then
    priv_dockerd || { echo "FAIL: could not start dockerd: $(tail -3 "$dockerd_dir/log")"; exit 1; }
fi
envs=()
for e in container runc podman docker runsc lxc; do
    priv_need_env "$bin" "$e"
    envs+=("$e")
done

# "The LAN": 172.31.254.1 in a namespace of the test's own, on a veth whose
# host side is 172.31.254.254; a listener there counts connections.
lan=hostile-lan-$$
ip netns add "$lan" || { echo "FAIL: ip netns add"; exit 1; }
cleanup_lan() { ip netns pids "$lan" 2>/dev/null | xargs -r kill; ip link del hlan$$ 2>/dev/null; ip netns del "$lan" 2>/dev/null; }
trap 'cleanup_lan; dockerd_private_stop; priv_subid_undo; rm -rf "$dir"' EXIT
ip link add hlan$$ type veth peer name eth0 netns "$lan"
ip addr add 172.31.254.254/24 dev hlan$$ && ip link set hlan$$ up
ip -n "$lan" addr add 172.31.254.1/24 dev eth0 && ip -n "$lan" link set eth0 up && ip -n "$lan" link set lo up
ip -n "$lan" route add default via 172.31.254.254
ip netns exec "$lan" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("172.31.254.1", 7777)); s.listen(64)
n = 0
while True:
    c, a = s.accept(); n += 1; c.close()
    open(sys.argv[1], "w").write(str(n))
' "$dir/lan.count" &
for _ in $(seq 50); do ss -N "$lan" -Hlt 2>/dev/null | grep -q 7777 && break; sleep 0.1; done
timeout 3 bash -c 'exec 3<>/dev/tcp/172.31.254.1/7777' || bad "the LAN listener is not reachable from the host"
rm -f "$dir/lan.count"

# The block device: one this host's root can open (the control), so that a
# refusal in a container is the container's policy, not the host's.
blk=
for d in /dev/loop0 /dev/loop1 /dev/vda /dev/sda /dev/nvme0n1; do
    [ -b "$d" ] && python3 -c 'import os,sys; os.close(os.open(sys.argv[1], os.O_RDONLY))' "$d" 2>/dev/null &&
        { blk=$(stat -c '%t:%T' "$d"); blk=$((16#${blk%:*})):$((16#${blk#*:})); break; }
done
[ -n "$blk" ] || bad "no block device this host can open, for the control"
etc_sum() { find /etc -xdev -printf '%p %m %U %G %s %T@\n' 2>/dev/null | sort | sha256sum; }
host_state() { echo "$(hostname) $(cat /sys/kernel/mm/transparent_hugepage/enabled) $(etc_sum)"; }
host0=$(host_state)
before=$(leftovers)

# Checks the NDJSON of a run: every container row tried each attempt and
# each was refused; native skipped. Prints what failed; exit 1 on any.
check() {
    python3 - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = set(sys.argv[2].split(","))
fail = []
keys = ["hostile.blockdev", "hostile.tiocsti", "hostile.proc_sys", "hostile.sysfs", "hostile.reach"]
seen = set()
for r in rows:
    env, f = r["env"], r.get("facts", {})
    if not r["ok"]: fail.append(f"{env}: {r.get('error')}"); continue
    if env == "native":
        if not f.get("hostile", "").startswith("skipped"): fail.append(f"native was not skipped: {f.get('hostile')}")
        continue
    seen.add(env.split(":")[0])
    if f.get("hostile") != "tried": fail.append(f"{env}: the drill did not run: {f.get('hostile')}")
    for k in keys:
        v = f.get(k, "(missing)")
        print(f"{env:10} {k:17} {v}")
        emulated = env.startswith("runsc") and k in ("hostile.proc_sys", "hostile.sysfs")
        if not v.startswith("refused") and not emulated: fail.append(f"{env}: {k}: {v}")
if seen != want: fail.append(f"drivers run {sorted(seen)}, expected {sorted(want)}")
for m in fail: print("FAIL:", m)
sys.exit(1 if fail else 0)
PY
}

# The checker can fail: a forged "DONE" is caught.
printf '%s\n' '{"env":"native","ok":true,"facts":{"hostile":"skipped: x"}}' \
    '{"env":"container","ok":true,"facts":{"hostile":"tried","hostile.blockdev":"DONE: opened b 8:0","hostile.tiocsti":"refused: x","hostile.proc_sys":"refused: x","hostile.sysfs":"refused: x","hostile.reach":"refused: x"}}' \
    >"$dir/forged.json"
check "$dir/forged.json" container >/dev/null && bad "the checker passed a forged DONE"

list=$(IFS=,; echo "${envs[*]}")
# on a pty that is the run's controlling terminal (script -e: its exit code)
script -qec "$(printf '%q ' "$bin" run -w null -e "$list" -r 1 --no-warmup --size tiny \
    -o hostile=1 -o reach=172.31.254.1:7777 -o blockdev=$blk --db "$db" --json) >$(printf '%q' "$dir/out.json")" \
    "$dir/typescript" </dev/null >/dev/null 2>&1 || { tail -5 "$dir/typescript"; bad "the hostile run failed"; }
check "$dir/out.json" "$list" || fail=1
[ -s "$dir/lan.count" ] && bad "the LAN was reached $(cat "$dir/lan.count") time(s) from a run"
[ "$host0" = "$(host_state)" ] || bad "the host changed: hostname, THP setting or /etc"

# The link-planting race: while redis, mysql and Apache run natively (each
# in a directory handed to uid 65534), a process as uid 65534 keeps
# planting links in every directory it owns under /var/tmp, named as the
# files and directories root writes there, pointing at a victim directory
# of root's. Samples may fail (a planted name is refused), but root never
# follows one: the victim keeps its files, contents and owner.
victim=$(mktemp -d /tmp/isobench-victim-XXXXXX)
for n in httpd.conf www my.cnf redis.conf token server.js probe mu wproot data; do echo orig >"$victim/$n"; done
vsum() { find "$victim" -printf '%p %U %G %m %s\n' | sort; cat "$victim"/*; }
v0=$(vsum)
setpriv --reuid 65534 --regid 65534 --clear-groups bash -c '
    while :; do
        for d in $(find /var/tmp -maxdepth 3 -user 65534 -type d 2>/dev/null); do
            for n in httpd.conf www my.cnf redis.conf token server.js probe mu wproot data apache.log; do
                ln -s "$1/$n" "$d/$n" 2>/dev/null
            done
        done
        sleep 0.005
    done' planter "$victim" &
planter=$!
"$bin" run -w redis,mysql,http -e native -r 2 --no-warmup --size tiny --db "$db" \
    -o redis.clients=1 -o redis.duration=0.3 -o mysql.threads=1 -o mysql.duration=1 \
    -o http.users=2 -o http.duration=0.3 >"$dir/plant.out" 2>&1
rc=$?
kill $planter 2>/dev/null; wait $planter 2>/dev/null
[ $rc -le 1 ] || bad "the run under the planter ended with $rc: $(tail -2 "$dir/plant.out")"
[ "$(vsum)" = "$v0" ] || bad "root followed a planted link: the victim changed: $(vsum | head -5)"
echo "link planting: run exit $rc, the victim unchanged"
rm -rf "$victim"
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
[ $fail = 0 ] && echo "priv hostile: ok"
exit $fail
