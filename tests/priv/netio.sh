#!/usr/bin/env bash
# Root only: the network and block I/O workloads on real paths.
#  1. netlat/netbw: the client runs in the peer netns (its ns.net differs
#     from the server's), native/net=host/net=nat all measure; net=none
#     fails plainly; blockio runs on volume and on-disk overlay storage;
#  2. blockio on a tmpfs says so instead of reporting page-cache numbers;
#  3. bad options exit 2 with one line, before anything is created;
#  4. SIGKILL mid-run, then `isobench cleanup`: no netns, link, nft table,
#     mount, data dir or process is left.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "network namespaces, veth, nftables"
before=$(leftovers)
short=(-o duration=0.3 -o runtime=0.3 -o file-size=32M -o netlat.duration=0.3)

envs=native,container,container:net=host,storage=volume
priv_listen_start
"$bin" run -w netlat,netbw,blockio -e $envs -r 1 --size tiny --db "$db" "${short[@]}" --json >"$dir/out.json" 2>"$dir/err" ||
    { cat "$dir/err"; bad "network/blockio run failed"; }
priv_listen_check "netlat, netbw on native, container, container:net=host"
python3 - "$dir/out.json" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
bad = lambda m: (print("FAIL:", m), sys.exit(1))
want = {"netlat": ["tcp_rr_p50", "udp_rr_p99.9", "tcp_rr_rate"],
        "netbw": ["tx_goodput", "rx_goodput", "tx_cpu_per_gb", "rx_cpu_per_gb",
                  "tx_host_cpu_per_gb", "rx_host_cpu_per_gb"],  # cgroup-charged, and host-wide (perf -a)
        "blockio": ["randread_qd16x8_iops", "randread_qd16_lat_p50", "randrw_qd32x8_lat_p99",
                    "cpu_us_per_io", "seqread_qd1_bw", "seqread_qd2_bw", "seqwrite_qd16_bw",
                    "randwrite_qd16x8_iops"]}
envs = set()
for r in rows:
    envs.add(r["env"])
    if not r["ok"]: bad(f"{r['workload']} on {r['env']} failed: {r.get('error')}")
    names = {m["name"]: m for m in r["metrics"]}
    for n in want[r["workload"]]:
        if n not in names or not names[n]["value"] > 0: bad(f"{r['workload']}/{r['env']}: no {n}")
    f = r["facts"]
    # every sample is charged what its environment cost the host (its cgroup)
    if not float(f.get("host_cpu_s", "-1")) > 0: bad(f"{r['workload']}/{r['env']}: host_cpu_s {f.get('host_cpu_s')}")
    if r["workload"] in ("netlat", "netbw"):
        if f.get("client.ns.net") in (None, f.get("ns.net")):
            bad(f"{r['env']}: client not in its own netns ({f.get('client.ns.net')} vs {f.get('ns.net')})")
        if not f.get("client.ipv4", "").count("10.214."):
            bad(f"{r['env']}: client has no peer address: {f.get('client.ipv4')}")
    # one engine for every environment: the paper's libaio, the containers too
    if r["workload"] == "blockio" and f.get("blockio.engine") != "libaio":
        bad(f"blockio engine fact not libaio: {f}")
if envs != {"native", "container", "container:net=host,storage=volume"}: bad(f"envs {envs}")
PY

# net=none has no path from the peer: n/a by design, decided at plan time -
# not a failure (exit 0, status complete), the reason under the table.
out=$("$bin" run -w netlat -e container:net=none -r 1 --size tiny --db "$db" -o duration=0.2 2>&1); rc=$?
[ $rc = 0 ] && grep -q "n/a: netlat on container:net=none: net=none: no network path" <<<"$out" &&
    grep -q "status=complete" <<<"$out" || bad "net=none: exit $rc: $out"
# A tmpfs data dir: said plainly.
out=$("$bin" run -w blockio -e native:data=/dev/shm -r 1 --size tiny --db "$db" -o runtime=0.2 -o file-size=16M 2>&1); rc=$?
[ $rc = 1 ] && grep -q "tmpfs" <<<"$out" || bad "tmpfs data: exit $rc: $out"
# engine=io_uring: native runs it; the container's seccomp profile refuses
# it, so that pair is n/a with the reason, decided at plan time (never a
# silent switch to libaio).
out=$("$bin" run -w blockio -e native,container -r 1 --size tiny --db "$db" -o runtime=0.2 -o file-size=16M -o engine=io_uring --json 2>"$dir/uring.err"); rc=$?
[ $rc = 0 ] && grep -q '"blockio.engine":"io_uring"' <<<"$out" &&
    grep -q "n/a: blockio on container: the container's seccomp profile refuses io_uring" "$dir/uring.err" &&
    grep -q '"env":"container".*"na":true' <<<"$out" || bad "engine=io_uring: exit $rc: $(cat "$dir/uring.err")"

for opt in qd=0 jobs=seqread,bogus jobs=seqread@0 jobs=seqread@1,seqread@1 jobs=randread@16x0 runtime=0 file-size=100T engine=spdk engine=auto engine=psync; do
    out=$("$bin" run -w blockio -e native --db "$db" -o "$opt" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "blockio $opt: exit $rc: $out"
done
for opt in duration=0 duration=-1 modes=sctp req-size=1 cpu-client=x; do
    out=$("$bin" run -w netlat -e native --db "$db" -o "$opt" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "netlat $opt: exit $rc: $out"
done
out=$("$bin" run -w blockio -e native:data=relative --db "$db" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || bad "native:data=relative: exit $rc: $out"
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"

priv_sigkill_loop 10 1.2 run -w netlat,blockio -e native,container -r 2 --size tiny -o duration=1 \
    -o runtime=0.5 -o file-size=32M
[ $fail = 0 ] && echo "priv netio: ok"
exit $fail
