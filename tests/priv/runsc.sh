#!/usr/bin/env bash
# Root only: the runsc (gVisor) driver runs the agent inside gVisor's
# user-space kernel, from the same OCI bundle as runc.
#  1. null on runsc, netlat and redis on runsc:net=host: the kernel the
#     workload sees is gVisor's, not the host's; the peer reaches the
#     net=host server; on runsc (net=none) the network workloads fail with
#     that reason, and blockio refuses plainly (gVisor serves O_DIRECT from
#     its page cache);
#  2. bad specs exit 2 with one line;
#  3. SIGKILL mid-run, then `isobench cleanup`: nothing left.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "gVisor sandboxes (runsc)"
priv_need_env "$bin" runsc
before=$(leftovers)
priv_listen_start
"$bin" run -w null,netlat,redis -e native,runsc:net=host,storage=volume,runsc -r 1 --no-warmup \
    --size tiny --db "$db" -o duration=0.3 -o redis.clients=1,4 -o redis.warmup=0.1 \
    --json >"$dir/out.json" 2>"$dir/err"
priv_listen_check "netlat, redis on native, runsc"
# gVisor serves O_DIRECT from its page cache: blockio must refuse, plainly
"$bin" run -w blockio -e runsc -r 1 --no-warmup --size tiny --db "$db" -o runtime=0.3 \
    -o file-size=32M -o jobs=randread --json >>"$dir/out.json" 2>>"$dir/err"
python3 - "$dir/out.json" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def bad(m): print("FAIL:", m); sys.exit(1)
native = next(r for r in rows if r["env"] == "native" and r["workload"] == "null")
got = {(r["workload"], r["env"]): r for r in rows}
for w, env in (("null", "runsc"), ("null", "runsc:net=host,storage=volume"),
               ("netlat", "runsc:net=host,storage=volume"), ("redis", "runsc:net=host,storage=volume")):
    r = got.get((w, env))
    if not r or not r["ok"]: bad(f"{w} on {env}: {r and r.get('error')}")
    if r["facts"].get("kernel") == native["facts"].get("kernel"):
        bad(f"{w} on {env} saw the host's kernel {native['facts'].get('kernel')}: not in gVisor")
for w, env, why in (("netlat", "runsc", "net=none"), ("blockio", "runsc", "does not honour O_DIRECT")):
    r = got.get((w, env))
    if not r or r["ok"] or why not in (r.get("error") or ""): bad(f"{w} on {env} should fail with '{why}': {r and r.get('error')}")
PY
priv_bad_specs runsc:platform=bogus runsc:net=nat runsc:storage=aufs runsc:cpus=99
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
priv_sigkill_loop 10 1.5 run -w null,netlat -e runsc,runsc:net=host,storage=volume -r 3 --size tiny \
    -o duration=0.3
[ $fail = 0 ] && echo "priv runsc: ok"
exit $fail
