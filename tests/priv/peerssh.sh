#!/usr/bin/env bash
# Root only: --peer ssh:// with the second host played by a network
# namespace with its own sshd (tests/lib/sshns.sh), reached over a veth.
#  1. bad --peer URLs: exit 2, one line, no run stored;
#  2. a host key that is not in known_hosts: refused, nothing left;
#  3. netlat, netbw, redis on native, container (and vm when
#     ISOBENCH_TEST_VM=1: TCG is slow) with every client half in the
#     remote agent (its address, its netns), the peer's facts stored;
#  4. drills: the ssh client killed mid-sample, the remote agent killed
#     mid-sample ("peer host lost: ..."), isobench SIGKILLed (then
#     `isobench cleanup`) - nothing left on this host or in the namespace.
# The key is restricted as docs/security.md says:
#   restrict,command="isobench agent --stdio" <key>
set -uo pipefail
bin=$1
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/../lib/sshns.sh"
priv_init "network namespaces, veth, nftables, sshd"
for p in /usr/sbin/sshd ssh ssh-keygen; do
    command -v "$p" >/dev/null && continue
    [ "${CI:-}" = true ] && { echo "FAIL: $p missing under CI (scripts/deps.sh installs openssh-server)"; exit 1; }
    echo "SKIP: $p missing (openssh-server, openssh-client)"; exit 77
done
name=peer$$ idx=$((200 + $$ % 50))
ns=isobt-$name
trap 'sshns_down "$name"; priv_subid_undo; rm -rf "$dir"' EXIT
sshns_up "$name" "$idx" "$dir" || { echo "FAIL: sshns_up"; exit 1; }
s=$dir/sshns-$name
echo "restrict,command=\"$bin agent --stdio\" $(cat "$s/id.pub")" >"$s/authorized_keys"
export ISOBENCH_SSH_CONFIG=$s/ssh_config
url=ssh://10.215.$idx.2
sshd_pid=$(cat "$s/sshd.pid")
before=$(leftovers)
# Nothing of the run in the namespace: only the listening sshd.
remote_clean() {
    local p left=
    sleep 1
    for p in $(ip netns pids "$ns"); do [ "$p" = "$sshd_pid" ] || left="$left $p:$(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"; done 2>/dev/null
    [ -z "$left" ] || bad "$1: left in $ns:$left"
    [ "$(leftovers)" = "$before" ] || bad "$1: left on the host: $(leftovers)"
}
runs() { sqlite3 "$db" 'SELECT count(*) FROM runs' 2>/dev/null || echo 0; }

# 1. bad URLs
for u in http://h ssh:// ssh://-oProxyCommand=x ssh://h:0 ssh://h:70000 ssh://h/path ssh://a@b@c 'ssh://[::1]' ssh://u@; do
    n0=$(runs)
    out=$("$bin" run -w netlat -e native --peer "$u" --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && [ "$(runs)" = "$n0" ] || bad "--peer $u: exit $rc: $out"
done
out=$("$bin" run -w null -e native --peer "$url" --db "$db" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && grep -q "no planned workload has a client half" <<<"$out" || bad "--peer without a network workload: exit $rc: $out"

# 2. an unknown host key: ssh refuses (BatchMode, StrictHostKeyChecking)
sed "s#UserKnownHostsFile .*#UserKnownHostsFile $dir/empty_known_hosts#" "$s/ssh_config" >"$dir/bad_config"
: >"$dir/empty_known_hosts"
out=$(ISOBENCH_SSH_CONFIG=$dir/bad_config "$bin" run -w netlat -e native --peer "$url" -r 1 --size tiny --db "$db" 2>&1); rc=$?
[ $rc != 0 ] && grep -q "Host key verification failed" <<<"$out" || bad "unknown host key: exit $rc: $(tail -2 <<<"$out")"
remote_clean "unknown host key"

# 3. the workloads through the remote peer
envs=native,container
[ "${ISOBENCH_TEST_VM:-0}" = 1 ] && envs=$envs,vm
"$bin" run -w netlat,netbw,redis -e $envs --peer "$url" -r 1 --size tiny --db "$db" --json \
    -o netlat.duration=0.5 -o netbw.duration=0.5 >"$dir/out.json" 2>"$dir/err" ||
    { tail -5 "$dir/err"; bad "run through the peer host failed"; }
python3 - "$dir/out.json" "$idx" "$envs" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
peer = "10.215.%s.2" % sys.argv[2]
def bad(m): print("FAIL:", m); sys.exit(1)
seen = set()
for r in rows:
    if r.get("na"): continue
    seen.add((r["workload"], r["env"]))
    if not r["ok"]: bad(f"{r['workload']} on {r['env']} failed: {r.get('error')}")
    f = r["facts"]
    if peer not in f.get("client.ipv4", ""): bad(f"{r['workload']}/{r['env']}: client not on the peer host: {f.get('client.ipv4')}")
    if f.get("client.ns.net") == f.get("ns.net"): bad(f"{r['env']}: client in the server's netns")
    if not r["metrics"]: bad(f"{r['workload']}/{r['env']}: no metrics")
want = {(w, e) for w in ("netlat", "netbw", "redis") for e in sys.argv[3].split(",")}
if seen != want: bad(f"measured {sorted(seen)}, want {sorted(want)}")
PY
# each environment says how the peer reaches its server
n=$(sqlite3 "$db" "SELECT count(DISTINCT env_idx) FROM env_facts WHERE key = 'net.path' AND value != 'none' AND run_id = (SELECT max(id) FROM runs)")
[ "$n" = "$(tr ',' '\n' <<<"$envs" | grep -c .)" ] || bad "net.path facts for $n environments, want $envs"
for k in peer.url peer.cpu_model peer.kernel peer.nic_driver peer.nic_mtu peer.nic_speed_mbps peer.base_rtt_ms peer.ctl_rtt_ms peer.clock_offset_ms peer.host_id; do
    v=$(sqlite3 "$db" "SELECT value FROM run_facts WHERE key = '$k' AND run_id = (SELECT max(id) FROM runs)")
    [ -n "$v" ] || bad "run fact $k missing"
done
"$bin" report --db "$db" | grep -q "^peer host: $url" || bad "the report's host section has no peer host line"
remote_clean "the run"
echo "through the peer host: $(grep -c '"ok":true' "$dir/out.json") samples ok on $envs"

# 4. drills. A long netlat sample; the kill lands while the remote agent
# runs a job (it has a child), then the run must end on its own.
agent_pid() { # the remote agent in the namespace: isobench, its parent not (its jobs are)
    local p pp
    for p in $(ip netns pids "$ns"); do
        {
            [ "$(cat /proc/$p/comm)" = isobench ] || continue
            pp=$(awk '{print $4}' /proc/$p/stat)
            [ "$(cat /proc/$pp/comm)" = isobench ] && continue
        } 2>/dev/null
        echo "$p"
        return
    done
}
# From a second address on the peer's link (10.215.idx.5, not the peer's),
# the run's port is dropped (the SYN times out) while a port outside the
# run's range still answers (refused): the fence is what stops it.
probe() { # PORT -> dropped | refused | connected | error ...
    ip netns exec "$ns" python3 - "10.215.$idx.1" "$1" "10.215.$idx.5" <<'PY'
import socket, sys
s = socket.socket(); s.bind((sys.argv[3], 0)); s.settimeout(2)
try: s.connect((sys.argv[1], int(sys.argv[2]))); print("connected")
except socket.timeout: print("dropped")
except ConnectionRefusedError: print("refused")
except OSError as e: print("error", e)
PY
}
fence_probe() {
    local t port=
    for t in $(nft list tables | awk '/isobp_/{print $3}'); do
        port=$(nft list table ip "$t" | grep "iifname \"sshns$idx\"" | grep -o -m1 'dport [0-9]*' | cut -d' ' -f2)
        [ -n "$port" ] && break
    done
    [ -n "$port" ] || { bad "fence probe: no fenced port found"; return; }
    ip -n "$ns" addr add "10.215.$idx.5/32" dev eth0 && ip route add "10.215.$idx.5/32" dev "sshns$idx" ||
        { bad "fence probe: no second address"; return; }
    local in out
    in=$(probe "$port") out=$(probe $((port - 1)))
    echo "fence probe from 10.215.$idx.5: run port $port $in, port $((port - 1)) $out"
    [ "$in" = dropped ] && [ "$out" = refused ] || bad "fence probe: run port $port $in (want dropped), port $((port - 1)) $out (want refused)"
    ip route del "10.215.$idx.5/32" dev "sshns$idx"
    ip -n "$ns" addr del "10.215.$idx.5/32" dev eth0
}
drill() { # WHAT
    "$bin" run -w netlat -e native --peer "$url" -r 3 --no-warmup --size tiny --db "$db" --json \
        -o netlat.duration=4 >"$dir/drill.json" 2>"$dir/drill.err" &
    local run=$! a= i victim
    for i in $(seq 300); do
        a=$(agent_pid)
        # a job: a forked isobench (the agent's facts run other programs -
        # runtimes' --version, ethtool - while the run connects)
        [ -n "$a" ] && [ -n "$(pgrep -P "$a" -x isobench)" ] && break
        sleep 0.1
    done
    [ -n "$a" ] || { bad "$1: the remote agent never ran a job"; kill -KILL $run; wait $run; return; }
    if [ "$1" = ssh ]; then # mid-run: the fence lets only the peer's address reach the run's ports
        local t fence=
        for t in $(nft list tables | awk '/isobp_/{print $3}'); do
            # grep -c reads it all: grep -q would end early, nft die of SIGPIPE, pipefail fail it
            [ "$(nft list table ip "$t" | grep -c "iifname \"sshns$idx\" ip saddr != 10.215.$idx.2 .*dport.*drop")" -gt 0 ] && fence=$t
        done
        [ -n "$fence" ] && echo "fence: table $fence" || bad "no fence for the peer on sshns$idx: $(nft list tables | grep isobp_)"
    fi
    [ "$1" = isobench ] && fence_probe
    case $1 in
    ssh) victim=$(pgrep -P $run -x ssh) ;;
    agent) victim=$a ;;
    isobench) victim=$run ;;
    esac
    kill -KILL $victim
    if [ "$1" = isobench ]; then
        wait $run 2>/dev/null
        "$bin" cleanup --db "$db" >/dev/null 2>&1 || bad "isobench drill: cleanup failed"
    else
        timeout 120 tail --pid=$run -f /dev/null
        wait $run; local rc=$?
        [ $rc = 1 ] || bad "$1 drill: exit $rc (want 1: failed samples)"
        echo "$1 drill: $(grep -o -m1 'peer host lost: [^"]*' "$dir/drill.json")"
        grep -q '"error":"[^"]*peer host lost: ' "$dir/drill.json" ||
            bad "$1 drill: no 'peer host lost' sample: $(grep -o '"error":"[^"]*"' "$dir/drill.json" | head -2) $(tail -2 "$dir/drill.err")"
    fi
    remote_clean "$1 drill"
}
drill ssh
drill agent
drill isobench

exit $fail
