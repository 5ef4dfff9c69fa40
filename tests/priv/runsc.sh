#!/usr/bin/env bash
# Root only: the runsc (gVisor) driver runs the agent inside gVisor's
# user-space kernel, from the same OCI bundle as runc.
#  1. null and blockio on runsc, netlat and redis on runsc:net=host: the
#     kernel the workload sees is gVisor's, not the host's; blockio falls
#     back from io_uring to native AIO and says why; the peer reaches the
#     net=host server;
#  2. bad specs exit 2 with one line;
#  3. SIGKILL mid-run, then `isobench cleanup`: nothing left.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "gVisor sandboxes (runsc)"
priv_need_env "$bin" runsc
before=$(leftovers)
"$bin" run -w null,blockio,netlat,redis -e native,runsc:net=host,storage=volume -r 1 --no-warmup \
    --size tiny --db "$db" -o duration=0.3 -o runtime=0.3 -o file-size=32M -o jobs=randread \
    -o redis.clients=1,4 -o redis.warmup=0.1 --json >"$dir/out.json" 2>"$dir/err" ||
    { cat "$dir/err"; bad "runsc run failed"; }
"$bin" run -w null,blockio -e runsc -r 1 --no-warmup --size tiny --db "$db" -o runtime=0.3 \
    -o file-size=32M -o jobs=randread --json >>"$dir/out.json" 2>"$dir/err" ||
    { cat "$dir/err"; bad "runsc (net=none) run failed"; }
python3 - "$dir/out.json" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def bad(m): print("FAIL:", m); sys.exit(1)
native = next(r for r in rows if r["env"] == "native" and r["workload"] == "null")
got = {(r["workload"], r["env"]): r for r in rows}
for w, env in (("null", "runsc"), ("blockio", "runsc"), ("null", "runsc:net=host,storage=volume"),
               ("blockio", "runsc:net=host,storage=volume"), ("netlat", "runsc:net=host,storage=volume"),
               ("redis", "runsc:net=host,storage=volume")):
    r = got.get((w, env))
    if not r or not r["ok"]: bad(f"{w} on {env}: {r and r.get('error')}")
    if w in ("null", "blockio") and r["facts"].get("kernel") == native["facts"].get("kernel"):
        bad(f"{w} on {env} saw the host's kernel {native['facts'].get('kernel')}: not in gVisor")
for env in ("runsc", "runsc:net=host,storage=volume"):
    b = got[("blockio", env)]
    if b["facts"].get("blockio.engine") == "libaio" and "io_uring" not in b["facts"].get("blockio.engine_note", ""):
        bad(f"blockio on {env} fell back without saying why")
PY
for spec in runsc:platform=bogus runsc:net=nat runsc:storage=aufs runsc:cpus=99; do
    out=$("$bin" run -w null -e "$spec" --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "$spec: exit $rc: $out"
done
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
priv_sigkill_loop "0.1 0.5 1.5" -w null,netlat -e runsc,runsc:net=host,storage=volume -r 3 --size tiny \
    -o duration=0.3
[ $fail = 0 ] && echo "priv runsc: ok"
exit $fail
