#!/usr/bin/env bash
# Root only: an engine driver (podman or docker) runs the agent in a real
# container of that engine. Usage: engine.sh ISOBENCH podman|docker
#  1. null,netlat,blockio on native,E,E:net=host,storage=volume: pid/mnt
#     namespaces differ from the host's, net=host shares the host netns,
#     NAT (published port) does not; the client reached both;
#  2. bad specs exit 2 with one line;
#  3. SIGKILL mid-run, then `isobench cleanup`: no container, image,
#     journal or volume is left.
# docker: when no dockerd answers on DOCKER_HOST or /var/run/docker.sock,
# the test starts a private one (Debian's docker.io; state in its scratch
# dir) and stops it at the end.
set -uo pipefail
bin=$1
eng=$2
. "$(dirname "$0")/lib.sh"
priv_init "rootful $eng"
if [ "$eng" = docker ] && [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ] &&
    command -v dockerd >/dev/null; then
    priv_dockerd || { echo "FAIL: could not start dockerd: $(tail -3 "$dockerd_dir/log")"; exit 1; }
fi
priv_need_env "$bin" "$eng"
before=$(leftovers)
priv_listen_start
"$bin" run -w null,netlat,blockio -e "native,$eng,$eng:net=host,storage=volume" -r 1 --size tiny --db "$db" \
    -o duration=0.3 -o runtime=0.3 -o file-size=32M --counters --json >"$dir/out.json" 2>"$dir/err" || { cat "$dir/err"; bad "$eng run failed"; }
priv_listen_check "netlat on $eng NAT and net=host"
python3 - "$dir/out.json" "$eng" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def bad(m): print("FAIL:", m); sys.exit(1)
eng = sys.argv[2]
nat = {r["workload"]: r for r in rows if r["env"] == eng}
host = {r["workload"]: r for r in rows if r["env"] == eng + ":net=host,storage=volume"}
native = {r["workload"]: r for r in rows if r["env"] == "native"}
if len(nat) != 3 or len(host) != 3: bad(f"missing {eng} samples: {len(nat)} {len(host)}")
for r in list(nat.values()) + list(host.values()):
    if not r["ok"]: bad(f"{r['workload']} on {r['env']} failed: {r.get('error')}")
    for ns in ("ns.pid", "ns.mnt"):
        if r["facts"].get(ns) == native[r["workload"]]["facts"].get(ns): bad(f"{r['env']} shares the host's {ns}")
if nat["netlat"]["facts"]["ns.net"] == native["netlat"]["facts"]["ns.net"]: bad(f"{eng} NAT shares the host netns")
if host["netlat"]["facts"]["ns.net"] != native["netlat"]["facts"]["ns.net"]: bad(f"{eng} net=host has its own netns")
PY
priv_perop_check "$dir/out.json" netlat native "$eng" "$eng:net=host,storage=volume"
# what a sample costs the host includes the engine's processes outside the
# container's cgroup: podman's conmon; docker's containerd-shim, dockerd, containerd
charged=$(sqlite3 "$db" "SELECT value FROM env_facts WHERE key='cpu.charged' AND run_id=(SELECT max(id) FROM runs)" | head -1)
case "$eng:$charged" in
podman:*"the container's cgroup"*conmon*) ;;
docker:*"the container's cgroup"*containerd-shim*dockerd*) ;;
docker:*"the container's cgroup"*containerd-shim*containerd*dockerd*) ;;
*) bad "$eng: cpu.charged is '$charged'" ;;
esac
cost=$(sqlite3 "$db" "SELECT x.value FROM metrics x JOIN measurements m ON m.id = x.measurement_id
    WHERE m.env='$eng' AND m.workload='blockio' AND x.name='cpu_us_per_io' ORDER BY m.id DESC LIMIT 1")
awk -v v="$cost" 'BEGIN{exit !(v > 0)}' || bad "$eng: no cpu_us_per_io ('$cost')"
for spec in $eng:net=bogus $eng:image=/ $eng:storage=aufs $eng:cpus=99; do
    out=$("$bin" run -w null -e "$spec" --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "$spec: exit $rc: $out"
done
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
priv_sigkill_loop 10 2.5 run -w null,netlat -e "$eng,$eng:storage=volume" -r 3 --size tiny -o duration=0.5
[ $fail = 0 ] && echo "priv $eng: ok"
exit $fail
