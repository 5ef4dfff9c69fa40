# sshns.sh - a second "host" on this machine for the tests (sourced): a
# network namespace with a veth to the host and its own sshd, in a private
# mount namespace with its own /etc/machine-id and /var/lib/isobench (so
# isobench there gets a host id of its own). Keys are made in the test's
# temp dir: a host key per namespace, one client key for all, and a
# known_hosts filled from the host keys - no StrictHostKeyChecking=no.
#
#   sshns_up NAME INDEX TMPDIR
#       netns isobt-NAME; veth isobtINDEX (host side, 10.215.INDEX.1/30) to
#       eth0 in it (10.215.INDEX.2/30); sshd on port 22 there (root logs in
#       with the client key only). Makes, in TMPDIR: id_ed25519 (the client
#       key, once), known_hosts (a line per namespace host), ssh_config (a
#       Host block per namespace host: ssh -F TMPDIR/ssh_config NAME), and
#       NAME/ (the host key, sshd_config, machine-id, var-lib-isobench/,
#       sshd.log). 0, or 1 with the reason on stderr.
#   sshns_down NAME
#       ends the processes in isobt-NAME (sshd and its sessions, each by its
#       pid) and deletes the namespace (and so the veth pair).
#
# Needs root, ip, nsenter, unshare, ssh-keygen, /usr/sbin/sshd (openssh-server).

sshns_up() {
    local name=$1 idx=$2 tmp=$3 ns=isobt-$1 d=$3/$1 i
    [ -x /usr/sbin/sshd ] || { echo "sshns_up: /usr/sbin/sshd missing (openssh-server)" >&2; return 1; }
    case "$idx" in '' | *[!0-9]*) echo "sshns_up: INDEX must be 0..255" >&2; return 1 ;; esac
    [ "$idx" -le 255 ] || { echo "sshns_up: INDEX must be 0..255" >&2; return 1; }
    mkdir -p "$d/var-lib-isobench" || return 1
    [ -f "$tmp/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C isobench-test -f "$tmp/id_ed25519" || return 1
    rm -f "$d/ssh_host_ed25519_key" "$d/ssh_host_ed25519_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "$ns" -f "$d/ssh_host_ed25519_key" || return 1
    echo "10.215.$idx.2 $(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" >>"$tmp/known_hosts"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$d/machine-id" && echo >>"$d/machine-id"
    cat >"$d/sshd_config" <<EOF
ListenAddress 10.215.$idx.2:22
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $tmp/id_ed25519.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
    cat >>"$tmp/ssh_config" <<EOF
Host $name
    HostName 10.215.$idx.2
    User root
    IdentityFile $tmp/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $tmp/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
EOF
    ip netns add "$ns" || return 1
    ip link add "isobt$idx" type veth peer name eth0 netns "$ns" || return 1
    ip addr add "10.215.$idx.1/30" dev "isobt$idx" && ip link set "isobt$idx" up || return 1
    ip -n "$ns" addr add "10.215.$idx.2/30" dev eth0 && ip -n "$ns" link set eth0 up &&
        ip -n "$ns" link set lo up || return 1
    mkdir -p /run/sshd # sshd's privilege separation dir (what the package's unit makes)
    # the namespace's own machine-id and isobench state, seen by sshd and every
    # session; nsenter, not ip netns exec: that remounts /sys, hiding the
    # cgroup hierarchies isobench's environments need
    nsenter --net="/run/netns/$ns" unshare -m --propagation private \
        sh -c 'mount --bind "$1/machine-id" /etc/machine-id &&
               mkdir -p /var/lib/isobench && mount --bind "$1/var-lib-isobench" /var/lib/isobench &&
               exec /usr/sbin/sshd -D -e -f "$1/sshd_config"' sh "$d" >"$d/sshd.log" 2>&1 &
    for i in $(seq 50); do
        ip netns exec "$ns" ss -Hltn 2>/dev/null | grep -q "10.215.$idx.2:22" && return 0
        sleep 0.1
    done
    echo "sshns_up: sshd in $ns did not listen: $(tail -3 "$d/sshd.log")" >&2
    return 1
}

sshns_down() {
    local ns=isobt-$1 p i
    ip netns list 2>/dev/null | grep -qw "^$ns" || return 0
    for i in 1 2 3 4 5; do
        p=$(ip netns pids "$ns" 2>/dev/null)
        [ -z "$p" ] && break
        for pid in $p; do kill "$pid" 2>/dev/null; done
        sleep 0.2
    done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns"
}
