# A second "host" for the tests, on this machine (sourced): a network
# namespace with its own sshd, joined to the host by a veth pair.
#   sshns_up NAME INDEX TMPDIR
#     netns isobt-NAME; host side sshns<INDEX> 10.215.INDEX.1/30, inside
#     eth0 10.215.INDEX.2/30 with its default route via .1; sshd on port 22
#     inside (listening on .2 only), its host key, a client key and the
#     files under TMPDIR/sshns-NAME/:
#       id, id.pub        the client key (authorized_keys holds id.pub as is;
#                         a test may rewrite authorized_keys, e.g. restricted)
#       authorized_keys   sshd's AuthorizedKeysFile for every user
#       known_hosts       10.215.INDEX.2's host key (nothing else is trusted)
#       ssh_config        for `ssh -F`: root@10.215.INDEX.2 with id and
#                         known_hosts, BatchMode, StrictHostKeyChecking yes
#   sshns_down NAME
#     kills that sshd and every process left in the netns, deletes the
#     netns and the link. Idempotent.
# Nothing else of the host is touched but /run/sshd (sshd's privilege
# separation directory), made when missing and left (openssh's own).
sshns_up() {
    local name=$1 idx=$2 tmp=$3 ns=isobt-$1
    local d=$tmp/sshns-$name host_if=sshns$2 a=10.215.$2
    mkdir -p "$d" /run/sshd || return 1
    ssh-keygen -q -t ed25519 -N '' -C "isobench-test-host-$name" -f "$d/hostkey" || return 1
    ssh-keygen -q -t ed25519 -N '' -C "isobench-test-client-$name" -f "$d/id" || return 1
    cp "$d/id.pub" "$d/authorized_keys"
    echo "$a.2 $(cut -d' ' -f1,2 "$d/hostkey.pub")" >"$d/known_hosts"
    cat >"$d/sshd_config" <<EOC
Port 22
ListenAddress $a.2
HostKey $d/hostkey
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
AcceptEnv none
EOC
    cat >"$d/ssh_config" <<EOC
Host $a.2
    User root
    IdentityFile $d/id
    IdentitiesOnly yes
    UserKnownHostsFile $d/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    LogLevel ERROR
EOC
    chmod 600 "$d/id" "$d/hostkey"
    ip netns add "$ns" || return 1
    ip link add "$host_if" type veth peer name eth0 netns "$ns" || return 1
    ip addr add "$a.1/30" dev "$host_if" && ip link set "$host_if" up || return 1
    ip -n "$ns" link set lo up && ip -n "$ns" addr add "$a.2/30" dev eth0 &&
        ip -n "$ns" link set eth0 up && ip -n "$ns" route add default via "$a.1" || return 1
    ip netns exec "$ns" /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || return 1
    local i
    for i in $(seq 50); do [ -s "$d/sshd.pid" ] && return 0; sleep 0.1; done
    echo "sshns_up: sshd in $ns did not start: $(tail -2 "$d/sshd.log")" >&2
    return 1
}
sshns_down() {
    local ns=isobt-$1 pid
    if ip netns list | grep -qw "$ns"; then
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    fi
    return 0 # the host side of the veth went with its netns side
}
