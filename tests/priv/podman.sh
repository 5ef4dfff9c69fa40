#!/usr/bin/env bash
# Root only: the podman driver runs the agent in a real podman container.
#  1. null,netlat,blockio on native,podman,podman:net=host,storage=volume:
#     pid/mnt namespaces differ from the host's, net=host shares the host
#     netns, NAT (published port) does not; the client reached both;
#  2. bad specs exit 2 with one line;
#  3. SIGKILL mid-run, then `isobench cleanup`: no container, journal or
#     volume is left.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "rootful podman"
priv_need_env "$bin" podman
before=$(leftovers)
"$bin" run -w null,netlat,blockio -e native,podman,podman:net=host,storage=volume -r 1 --size tiny --db "$db" \
    -o duration=0.3 -o runtime=0.3 -o file-size=32M --json >"$dir/out.json" 2>"$dir/err" || { cat "$dir/err"; bad "podman run failed"; }
python3 - "$dir/out.json" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def bad(m): print("FAIL:", m); sys.exit(1)
nat = {r["workload"]: r for r in rows if r["env"] == "podman"}
host = {r["workload"]: r for r in rows if r["env"] == "podman:net=host,storage=volume"}
native = {r["workload"]: r for r in rows if r["env"] == "native"}
if len(nat) != 3 or len(host) != 3: bad(f"missing podman samples: {len(nat)} {len(host)}")
for r in list(nat.values()) + list(host.values()):
    if not r["ok"]: bad(f"{r['workload']} on {r['env']} failed: {r.get('error')}")
    for ns in ("ns.pid", "ns.mnt"):
        if r["facts"].get(ns) == native[r["workload"]]["facts"].get(ns): bad(f"{r['env']} shares the host's {ns}")
if nat["netlat"]["facts"]["ns.net"] == native["netlat"]["facts"]["ns.net"]: bad("podman NAT shares the host netns")
if host["netlat"]["facts"]["ns.net"] != native["netlat"]["facts"]["ns.net"]: bad("podman net=host has its own netns")
PY
for spec in podman:net=bogus podman:image=/ podman:storage=aufs podman:cpus=99; do
    out=$("$bin" run -w null -e "$spec" --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "$spec: exit $rc: $out"
done
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
for delay in 0.1 0.6 2; do
    "$bin" run -w null,netlat -e podman,podman:storage=volume -r 3 --size tiny --db "$db" -o duration=0.5 >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    sleep 0.5
    "$bin" cleanup >/dev/null || bad "cleanup failed after SIGKILL at ${delay}s"
    [ "$(leftovers)" = "$before" ] || bad "after SIGKILL at ${delay}s and cleanup, left: $(leftovers)"
done
[ $fail = 0 ] && echo "priv podman: ok"
exit $fail
