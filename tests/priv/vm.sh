#!/usr/bin/env bash
# Root only: the vm environment boots a real guest (TCG here, labelled),
# runs the agent there, measures on its virtio disk, and leaves nothing.
#  1. null,stream,blockio on native,vm: the guest's kernel and namespaces
#     differ from the host's; accel and "emulated" facts on every sample
#     when not KVM; the table says EMULATED;
#     Apache (http, prefork) in the guest: every request a 200, no
#     complaint in its log;
#  2. bad vm specs exit 2 with one line;
#  3. SIGKILL during boot and during a run, then `isobench cleanup`: no
#     QEMU, disk image, journal or mount is left.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "undo journal, guest files"
priv_need_env "$bin" vm
before=$(leftovers)
export GOTO_ISOBENCH_TEST=marker # a harmless tuning variable: it must reach the guest too

priv_listen_start
"$bin" run -w null,stream,blockio,netlat,linpack -e native,vm:cpus=1,mem=1G -r 1 --size tiny --db "$db" -o duration=0.3 \
    -o runtime=0.3 -o file-size=32M -o linpack.n=200 --json >"$dir/out.json" 2>"$dir/err" || { cat "$dir/err"; bad "vm run failed"; }
priv_listen_check "netlat on native, vm"
python3 - "$dir/out.json" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def bad(m): print("FAIL:", m); sys.exit(1)
native = {r["workload"]: r for r in rows if r["env"] == "native"}
vm = [r for r in rows if r["env"].startswith("vm")]
if len(vm) != 10: bad(f"expected 10 vm samples, got {len(vm)}")
for r in vm:
    if not r["ok"]: bad(f"{r['workload']} in vm failed: {r.get('error')}")
    f = r["facts"]
    if f.get("accel") not in ("kvm", "tcg"): bad(f"no accel fact: {f}")
    if f["accel"] == "tcg" and f.get("emulated") != "1": bad("tcg sample not marked emulated")
    if f.get("cpus") != "1": bad(f"guest has {f.get('cpus')} CPUs, asked 1")
    n = native[r["workload"]]["facts"]
    # TCG's qemu64 is an AMD model OpenBLAS misreads: isobench forces its
    # Prescott kernels there and says so (without it, SIGILL)
    if r["workload"] == "linpack" and f["accel"] == "tcg":
        if "Prescott" not in f.get("linpack.blas", "") or "#5831" not in f.get("linpack.blas_coretype", ""):
            bad(f"linpack on TCG's qemu64 without the forced kernels: {f.get('linpack.blas')}")
        if f.pop("env.OPENBLAS_CORETYPE", None) != "Prescott": bad("OPENBLAS_CORETYPE not in the sample's facts")
    envs = lambda d: {k: v for k, v in d.items() if k.startswith("env.")}
    if envs(f) != envs(n) or envs(f).get("env.GOTO_ISOBENCH_TEST") != "marker":
        bad(f"guest runs with other tuning variables: {envs(f)} vs {envs(n)}")
    if f.get("ns.mnt") == n.get("ns.mnt") and f.get("kernel") == n.get("kernel"):
        bad("the vm sample ran on the host")
    if r["workload"] == "blockio" and f.get("blockio.dir") != "/data": bad(f"blockio dir {f.get('blockio.dir')}")
    if r["workload"] == "netlat" and ("10.213." not in f.get("ipv4", "") or "10.214." not in f.get("client.ipv4", "")):
        bad(f"netlat path: guest {f.get('ipv4')} client {f.get('client.ipv4')}")
PY
# QEMU confined, in every vm of the run: its seccomp sandbox (Seccomp: 2)
# and, past its setup, uid 65534 (the env facts read from /proc/PID/status)
conf=$(sqlite3 "$db" "SELECT group_concat(DISTINCT key || '=' || value) FROM env_facts WHERE key IN ('qemu.euid','qemu.seccomp')")
[ "$conf" = "qemu.euid=65534,qemu.seccomp=2" ] || [ "$conf" = "qemu.seccomp=2,qemu.euid=65534" ] ||
    bad "QEMU runs unconfined: $conf"
# Apache in the guest (its workers need a passwd entry for uid 65534,
# which the initramfs carries): every request a 200, nothing logged at warn
# or above (prefork: the threaded MPMs stall under TCG, docs/workloads.md).
"$bin" run -w http -e vm:cpus=1,mem=1G -r 1 --no-warmup --size tiny --db "$db" -o http.mpm=prefork \
    -o http.users=2 -o http.warmup=1 -o http.duration=2 --json >"$dir/http.json" 2>"$dir/err" ||
    { cat "$dir/err"; bad "http in the vm failed"; }
python3 - "$dir/http.json" <<'PY' || fail=1
import json, sys
vm = [json.loads(l) for l in open(sys.argv[1])]
vm = [r for r in vm if r["env"].startswith("vm")]
def bad(m): print("FAIL:", m); sys.exit(1)
if len(vm) != 1 or not vm[0]["ok"]: bad(f"http in the vm: {vm}")
f = vm[0]["facts"]
if f.get("client.http.failures") != "5xx=0 status=0 content=0 timeout=0 reset=0 connect=0":
    bad(f"http in the vm: failed requests: {f.get('client.http.failures')}")
if "http.server_log" in f: bad(f"Apache complained in the guest: {f['http.server_log']}")
if f.get("http.user") != "65534": bad(f"Apache's workers ran as {f.get('http.user')}")
PY
"$bin" report --db "$db" >"$dir/report.txt" 2>&1
grep -Eq "EMULATED VM \(TCG\)|KVM guest" "$dir/report.txt" || bad "report does not label the vm: $(head -5 "$dir/report.txt")"
# The tuned profile: pinned vCPUs, hugepage RAM; vm.nr_hugepages comes back.
hp_before=$(cat /proc/sys/vm/nr_hugepages)
"$bin" run -w null -e vm:tuned,mem=1G -r 1 --size tiny --db "$db" >"$dir/tuned.txt" 2>&1 || { cat "$dir/tuned.txt"; bad "vm:tuned run failed"; }
pins=$(sqlite3 "$db" "SELECT value FROM env_facts WHERE key='vcpu_pinning' ORDER BY run_id DESC LIMIT 1")
grep -Eq '^0->[0-9]+' <<<"$pins" || bad "vm:tuned vCPUs not pinned: '$pins'"
# the environment line states the shape as run, and what TCG could not apply
grep -Eq "QEMU q35 (tcg|kvm) tuned: [0-9]+x[0-9]+x[0-9]+ (max|host), pinned" "$dir/tuned.txt" || bad "vm:tuned label missing: $(grep 'env vm' "$dir/tuned.txt")"
if grep -q "EMULATED" "$dir/tuned.txt"; then
    grep -q "not applied here: TCG: the host CPU model cannot pass through" "$dir/tuned.txt" || bad "vm:tuned under TCG does not say what did not apply"
fi
smp=$(sqlite3 "$db" "SELECT value FROM env_facts WHERE key='cpus.smp' ORDER BY run_id DESC LIMIT 1")
n=$(nproc)
[ "$smp" = "$n,sockets=1,cores=$n,threads=1" ] || [ "$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list)" != 0 ] || bad "vm:tuned smp '$smp' is not this host's 1x${n}x1"
# stock (the first run's vm:cpus=1): the paper's untuned shape, N sockets of
# one core, qemu64 named
stock=$(sqlite3 "$db" "SELECT value FROM env_facts WHERE key='cpus.smp' AND run_id=(SELECT min(run_id) FROM env_facts WHERE key='cpus.smp')")
[ "$stock" = "1,sockets=1,cores=1,threads=1" ] || bad "stock vm smp '$stock'"
grep -Eq "QEMU q35 (tcg|kvm) stock: 1x1x1 qemu64" "$dir/report.txt" || bad "stock vm label: $(grep 'env vm' "$dir/report.txt")"
[ "$(cat /proc/sys/vm/nr_hugepages)" = "$hp_before" ] || bad "nr_hugepages not restored ($(cat /proc/sys/vm/nr_hugepages) vs $hp_before)"
for spec in vm:tuned=maybe vm:accel=xen vm:cpus=0 vm:cpus=999 vm:mem=1K vm:mem=100T vm:kernel=/nonexistent vm:bogus=1; do
    out=$("$bin" run -w null -e "$spec" --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "$spec: exit $rc: $out"
done
out=$("$bin" run -w stream -e vm:mem=128M -r 1 --size tiny --db "$db" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && grep -q "too small" <<<"$out" || bad "vm:mem=128M with stream: exit $rc: $out"
# A guest whose init fails before ready: its own words reach the user (a
# fatal frame in place of ready), not a timeout or "unknown reply line".
out=$(ISOBENCH_FAILPOINT=guest-init "$bin" run -w null -e vm:mem=1G -r 1 --size tiny --db "$db" 2>&1 >/dev/null); rc=$?
[ $rc = 1 ] && grep -q "the guest failed before it was ready: init failed on request (isobench.failpoint=init)" <<<"$out" ||
    bad "guest init failpoint: exit $rc: $out"
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
# vm:disk=DEVICE: a loop device as the guest's whole data disk (the paper
# passed a block device: virtio-blk, cache=none, aio=native); refused when
# mounted, or when the path is no block device - before anything starts.
truncate -s 600M "$dir/dev.img"
loopdev=$(losetup -f --show "$dir/dev.img") || bad "losetup"
trap 'umount "$dir/mnt" 2>/dev/null; [ -n "${loopdev:-}" ] && losetup -d "$loopdev"; priv_subid_undo; rm -rf "$dir"' EXIT
"$bin" run -w blockio -e "vm:cpus=1,mem=1G,disk=$loopdev" -r 1 --no-warmup --size tiny --db "$db" \
    -o runtime=0.5 -o file-size=32M >"$dir/dev.txt" 2>&1 || { cat "$dir/dev.txt"; bad "blockio on vm:disk=$loopdev failed"; }
grep -q "data disk: a block device" "$dir/dev.txt" || bad "vm:disk=DEVICE not in the environment line: $(grep 'env vm' "$dir/dev.txt")"
[ "$(sqlite3 "$db" "SELECT value FROM env_facts WHERE key='datadir' ORDER BY run_id DESC LIMIT 1")" = "$loopdev" ] || bad "the guest's data disk is not $loopdev"
"$bin" report 1 --db "$db" >"$dir/report1.txt" 2>&1
grep -q "data disk: a file on the host's filesystem" "$dir/report1.txt" || bad "the default data disk is not named a file on the host's filesystem"
# the first run's netlat: the guest on the run's bridge, reached at its own address
grep -q "net: bridge, direct" "$dir/report1.txt" || bad "the vm's network path is not in its line"
reach=$(sqlite3 "$db" "SELECT value FROM env_facts WHERE run_id=1 AND env_idx=1 AND key='net.reach'")
[[ "$reach" == 10.213.* ]] || bad "vm reached at $reach, not at its own address on the run's bridge"
mkfs.ext4 -q -F "$loopdev" && mkdir -p "$dir/mnt" && mount "$loopdev" "$dir/mnt" || bad "mounting $loopdev"
priv_bad_specs "vm:disk=$loopdev" vm:disk=/etc/passwd vm:disk=/dev/nonexistent vm:net=tap
out=$("$bin" run -w null -e "vm:disk=$loopdev" --db "$db" 2>&1 >/dev/null)
grep -q "is mounted: refused" <<<"$out" || bad "a mounted device: $out"
umount "$dir/mnt"
priv_sigkill_loop 10 8 run -w null,blockio,netlat -e vm -r 2 --size tiny -o runtime=0.5 -o file-size=32M
[ $fail = 0 ] && echo "priv vm: ok"
exit $fail
