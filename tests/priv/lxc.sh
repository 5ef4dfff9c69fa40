#!/usr/bin/env bash
# Root only: the lxc driver (Debian's LXC, lxc-start -F with a config
# isobench writes) runs the same agent as the other container drivers.
#  1. null, netlat and redis on lxc (NAT: a veth LXC makes on the run's
#     bridge, published port) and on lxc:net=host,storage=volume; blockio
#     (O_DIRECT on the data dir) on lxc; the kernel is the host's, the
#     namespaces are not; the label names LXC; host CPU is charged;
#     lxc:net=none refuses netlat with its reason;
#  2. cgroup limits reach the container: with cpus=0 (written as LXC's
#     cpuset key) the agent sees one CPU; pids= and mem= are accepted;
#  3. bad specs exit 2 with one line, nothing started;
#  4. no server listens outside the run's namespaces and peer link;
#  5. SIGKILL mid-run (10 rounds), then `isobench cleanup`: nothing left
#     (lxc-start, its veth, cgroups, mounts, state).
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "LXC containers"
priv_need_env "$bin" lxc
before=$(leftovers)
priv_listen_start
"$bin" run -w null,netlat,redis -e native,lxc,lxc:net=host,storage=volume,lxc:net=none -r 1 \
    --no-warmup --size tiny --db "$db" -o duration=0.3 -o redis.clients=1,4 -o redis.warmup=0.1 \
    --json >"$dir/out.json" 2>"$dir/err" || { cat "$dir/err"; bad "the lxc run failed"; }
priv_listen_check "null, netlat, redis on lxc"
"$bin" run -w blockio,null -e lxc:cpus=0,pids=64,mem=512M -r 1 --no-warmup --size tiny --db "$db" \
    -o runtime=0.3 -o file-size=32M -o jobs=randread --json >>"$dir/out.json" 2>>"$dir/err" ||
    { cat "$dir/err"; bad "blockio on lxc failed"; }
python3 - "$dir/out.json" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def bad(m): print("FAIL:", m); sys.exit(1)
got = {(r["workload"], r["env"]): r for r in rows}
native = got[("null", "native")]
for w, env in (("null", "lxc"), ("netlat", "lxc"), ("redis", "lxc"),
               ("null", "lxc:net=host,storage=volume"), ("netlat", "lxc:net=host,storage=volume"),
               ("redis", "lxc:net=host,storage=volume"), ("null", "lxc:net=none"),
               ("blockio", "lxc:cpus=0,pids=64,mem=512M")):
    r = got.get((w, env))
    if not r or not r["ok"]: bad(f"{w} on {env}: {r and r.get('error')}")
    f = r["facts"]
    if f.get("kernel") != native["facts"].get("kernel"): bad(f"{w} on {env}: another kernel {f.get('kernel')}")
    if f.get("ns.pid") == native["facts"].get("ns.pid"): bad(f"{w} on {env}: the host's pid namespace")
    if float(f.get("host_cpu_s", 0)) <= 0: bad(f"{w} on {env}: no host CPU charged")
    host = "net=host" in env
    if (f.get("ns.net") == native["facts"].get("ns.net")) != host: bad(f"{w} on {env}: ns.net {f.get('ns.net')}")
r = got[("null", "lxc:cpus=0,pids=64,mem=512M")]
if r["facts"].get("cpus") != "1": bad(f"cpus=0: the container sees {r['facts'].get('cpus')} CPUs")
r = got.get(("netlat", "lxc:net=none"))
if not r or r["ok"] or "net=none" not in (r.get("error") or ""): bad(f"netlat on lxc:net=none should be n/a: {r}")
PY
# the environment's facts (label) are stored with the run
sqlite3 "$db" "SELECT value FROM env_facts WHERE key = 'label'" | grep -q "^LXC [0-9.]* (lxc-start -F" ||
    bad "no environment labelled LXC in the store"
priv_bad_specs lxc:net=bogus lxc:storage=aufs lxc:cpus=99 lxc:platform=kvm lxc:mem=1T
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
priv_sigkill_loop 10 1.5 run -w null,netlat -e lxc,lxc:net=host,storage=volume -r 3 --size tiny \
    -o duration=0.3
[ $fail = 0 ] && echo "priv lxc: ok"
exit $fail
