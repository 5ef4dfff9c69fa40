# sshns.sh - a second "host" on this machine for the tests (sourced): a
# network namespace with a veth to the host and its own sshd, in a private
# mount namespace with its own /etc/machine-id and /var/lib/isobench (so
# isobench there gets a host id of its own). Keys are made in the test's
# temp dir - no StrictHostKeyChecking=no anywhere.
#
#   sshns_up NAME INDEX TMPDIR
#     netns isobt-NAME; host side sshns<INDEX> 10.215.INDEX.1/30, inside
#     eth0 10.215.INDEX.2/30 with its default route via .1; sshd on port 22
#     inside (on .2 only; root logs in with the client key only). Files:
#       TMPDIR/sshns-NAME/id, id.pub   the client key for this host
#       .../authorized_keys            sshd's AuthorizedKeysFile (id.pub as
#                                      is; a test may rewrite it, restricted)
#       .../known_hosts                this host's key only
#       .../ssh_config                 `ssh -F` it: Host NAME and 10.215.INDEX.2
#       .../hostkey, sshd_config, sshd.log, machine-id, var-lib-isobench/
#       TMPDIR/ssh_config, known_hosts every host made with this TMPDIR, one
#                                      Host block / line each (a fleet's)
#     0, or 1 with the reason on stderr.
#   sshns_down NAME
#     ends every process in isobench-NAME's netns (sshd and its sessions)
#     and deletes the netns (and so the veth pair). Idempotent.
# Needs root, ip, nsenter, unshare, ssh-keygen, /usr/sbin/sshd
# (openssh-server). Nothing else of the host is touched but /run/sshd
# (sshd's privilege separation directory), made when missing and left.

sshns_up() {
    local name=$1 idx=$2 tmp=$3 ns=isobt-$1 d=$3/sshns-$1 a=10.215.$2 i
    [ -x /usr/sbin/sshd ] || { echo "sshns_up: /usr/sbin/sshd missing (openssh-server)" >&2; return 1; }
    case "$idx" in '' | *[!0-9]*) echo "sshns_up: INDEX must be 0..255" >&2; return 1 ;; esac
    [ "$idx" -le 255 ] || { echo "sshns_up: INDEX must be 0..255" >&2; return 1; }
    mkdir -p "$d/var-lib-isobench" /run/sshd || return 1
    rm -f "$d/hostkey" "$d/hostkey.pub" "$d/id" "$d/id.pub"
    ssh-keygen -q -t ed25519 -N '' -C "isobench-test-host-$name" -f "$d/hostkey" || return 1
    ssh-keygen -q -t ed25519 -N '' -C "isobench-test-client-$name" -f "$d/id" || return 1
    cp "$d/id.pub" "$d/authorized_keys"
    echo "$a.2 $(cut -d' ' -f1,2 "$d/hostkey.pub")" >"$d/known_hosts"
    cat "$d/known_hosts" >>"$tmp/known_hosts"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$d/machine-id" && echo >>"$d/machine-id"
    cat >"$d/sshd_config" <<EOC
ListenAddress $a.2:22
HostKey $d/hostkey
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
Subsystem sftp internal-sftp
EOC
    local block="    HostName $a.2
    User root
    IdentityFile $d/id
    IdentitiesOnly yes
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    LogLevel ERROR"
    printf 'Host %s %s\n%s\n    UserKnownHostsFile %s\n' "$name" "$a.2" "$block" "$d/known_hosts" >"$d/ssh_config"
    printf 'Host %s\n%s\n    UserKnownHostsFile %s\n' "$name" "$block" "$tmp/known_hosts" >>"$tmp/ssh_config"
    chmod 600 "$d/id" "$d/hostkey"
    ip netns add "$ns" || return 1
    ip link add "sshns$idx" type veth peer name eth0 netns "$ns" || return 1
    ip addr add "$a.1/30" dev "sshns$idx" && ip link set "sshns$idx" up || return 1
    ip -n "$ns" link set lo up && ip -n "$ns" addr add "$a.2/30" dev eth0 &&
        ip -n "$ns" link set eth0 up && ip -n "$ns" route add default via "$a.1" || return 1
    # the namespace's own machine-id and isobench state, seen by sshd and
    # every session; nsenter, not ip netns exec: that remounts /sys, hiding
    # the cgroup hierarchies isobench's environments need
    nsenter --net="/run/netns/$ns" unshare -m --propagation private \
        sh -c 'mount --bind "$1/machine-id" /etc/machine-id &&
               mkdir -p /var/lib/isobench && mount --bind "$1/var-lib-isobench" /var/lib/isobench &&
               exec /usr/sbin/sshd -D -e -f "$1/sshd_config"' sh "$d" >"$d/sshd.log" 2>&1 &
    for i in $(seq 50); do
        ip netns exec "$ns" ss -Hltn 2>/dev/null | grep -q "$a.2:22" && return 0
        sleep 0.1
    done
    echo "sshns_up: sshd in $ns did not listen: $(tail -3 "$d/sshd.log")" >&2
    return 1
}

sshns_down() {
    local ns=isobt-$1 pid i p
    ip netns list 2>/dev/null | grep -qw "^$ns" || return 0
    for i in 1 2 3 4 5; do
        p=$(ip netns pids "$ns" 2>/dev/null)
        [ -z "$p" ] && break
        for pid in $p; do kill "$pid" 2>/dev/null; done
        sleep 0.2
    done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns"
    return 0 # the host side of the veth went with its netns side
}
