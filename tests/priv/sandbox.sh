#!/usr/bin/env bash
# Root only: "as tight as Docker's defaults" as a checked statement. The
# null workload runs in every container runtime here; the agent reports,
# from inside, the confinement it runs under (core/sandbox.h: CapEff and
# CapBnd, NoNewPrivs, seccomp mode and filters, which of Docker's masked
# and read-only paths are, /sys read-only, the cgroup view writable). Then:
#  1. the own runtime (NAT, net=host, userns), runc (NAT, net=host),
#     lxc (NAT, net=host; LXC's config written by isobench) and docker: Docker's 14 capabilities exactly, every masked path masked,
#     every read-only path read-only, /sys read-only, a read-only view of
#     its own cgroups (runsc: none), no writable cgroup
#     hierarchy (net=host used to bind the host's /sys with only its top
#     read-only: /sys/fs/cgroup stayed writable); a seccomp filter in all
#     of them - the profile Debian ships (containers-common), which the own
#     runtime loads and the OCI bundle hands to runc;
#  2. podman: its own defaults, a subset of Docker's capabilities (it
#     drops NET_RAW, MKNOD and AUDIT_WRITE), the rest as 1;
#  3. runsc: a subset of Docker's capabilities; gVisor's own kernel
#     emulates /proc and /sys, so paths are printed, not asserted;
#  4. the table of every fact side by side, for the record.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "container runtimes"
priv_subid # userns=on's host ids
priv_need_env "$bin" container
priv_need_env "$bin" runc
priv_need_env "$bin" podman
priv_need_env "$bin" runsc
priv_need_env "$bin" lxc
if [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ] && command -v dockerd >/dev/null; then
    priv_dockerd || { echo "FAIL: could not start dockerd: $(tail -3 "$dockerd_dir/log")"; exit 1; }
fi
priv_need_env "$bin" docker
before=$(leftovers)
# root's environment is not the containers': a secret-looking variable set
# for the run reaches none of them (sandbox.env_extra_n: the variables an
# agent has beyond what every agent gets; native has root's: at least this)
export ISOBENCH_PROBE_TOKEN=not-for-containers
envs=container,container:net=host,storage=volume,container:userns=on,runc,runc:net=host,podman,docker,runsc,lxc,lxc:net=host
"$bin" run -w null -e "$envs" -r 1 --no-warmup --size tiny --db "$db" --json >"$dir/out.json" 2>"$dir/err" ||
    { cat "$dir/err"; bad "sandbox run failed"; }
python3 - "$dir/out.json" <<'PY' || fail=1
import json, sys
rows = {r["env"]: r for r in map(json.loads, open(sys.argv[1]))}
fail = []
def bad(m): fail.append(m)
DOCKER_CAPS = 0xa80425fb  # Docker's default set (core/sandbox.h's peers: envs/ctr/confine.c)
keys = ["cap_eff", "cap_bnd", "no_new_privs", "seccomp", "seccomp_filters", "masked", "readonly", "sys", "cgroup"]
print("%-34s " % "environment" + " ".join("%-16s" % k for k in keys))
for env, r in rows.items():
    f = r["facts"]
    print("%-34s " % env + " ".join("%-16s" % f.get("sandbox." + k, "-") for k in keys))
    for k in ("unmasked", "writable", "cgroup_rw"):
        if "sandbox." + k in f: print("%-34s   %s=%s" % ("", k, f["sandbox." + k]))
for env, r in rows.items():
    if not r["ok"]: bad(f"{env}: {r.get('error')}"); continue
    f = {k[8:]: v for k, v in r["facts"].items() if k.startswith("sandbox.")}
    if env == "native":
        if int(f.get("env_extra_n", "0")) < 1: bad("native: no variable beyond the agents' set: the check could not fail")
        continue
    extra = f.get("env_extra", "...").split(",")  # the runtimes' own (HOSTNAME, PWD, container) only
    if "ISOBENCH_PROBE_TOKEN" in extra or "..." in extra: bad(f"{env}: root's environment reached it: {f.get('env_extra')}")
    caps = int(f.get("cap_eff", "ffffffffff"), 16)
    if caps & ~DOCKER_CAPS: bad(f"{env}: capabilities beyond Docker's: {caps & ~DOCKER_CAPS:#x}")
    if f.get("cgroup") == "rw": bad(f"{env}: a writable cgroup hierarchy: {f.get('cgroup_rw')}")
    # a read-only view of its own cgroups, as Docker's (a workload sizing
    # itself from its quota reads it); gVisor shows none
    want_view = "none" if env == "runsc" else "ro"
    if f.get("cgroup") != want_view: bad(f"{env}: cgroup view {f.get('cgroup')}, want {want_view}")
    if env == "runsc": continue
    if f.get("masked") != "8/8": bad(f"{env}: masked {f.get('masked')}: {f.get('unmasked')} visible")
    if f.get("readonly") != "5/5": bad(f"{env}: read-only {f.get('readonly')}: {f.get('writable')} writable")
    if f.get("sys") != "ro": bad(f"{env}: /sys is writable")
    if env.startswith("podman"): continue
    if caps != DOCKER_CAPS or f.get("cap_bnd") != f.get("cap_eff"):
        bad(f"{env}: capabilities {f.get('cap_eff')}/{f.get('cap_bnd')}, not Docker's {DOCKER_CAPS:08x}")
    if f.get("seccomp") != "2": bad(f"{env}: seccomp mode {f.get('seccomp')}, want 2 (a filter)")
if len(rows) != 11: bad(f"expected 11 environments (native first), got {sorted(rows)}")
for m in fail: print("FAIL:", m)
sys.exit(1 if fail else 0)
PY
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
[ $fail = 0 ] && echo "priv sandbox: ok"
exit $fail
