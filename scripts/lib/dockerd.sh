# shellcheck shell=bash
# A private dockerd (Debian's docker.io) for when none answers on
# DOCKER_HOST or /var/run/docker.sock: sourced by scripts/quickstart.sh and
# tests/priv/lib.sh. Its state lives in a temp dir of its own (not named
# isob*, so its mounts are not taken for isobench's), its socket is exported
# as DOCKER_HOST, and dockerd_private_stop removes it with its mounts, the
# docker0 bridge and the nft tables and chains it made.

# 0 when a dockerd answers where the docker driver looks (DOCKER_HOST, else
# the default socket).
dockerd_answers() {
    command -v docker >/dev/null && timeout 10 docker version >/dev/null 2>&1
}

# Starts the private dockerd and waits (30 s at most) until it answers;
# 1 when it does not (its log: $dockerd_dir/log). The caller traps EXIT
# (and INT/TERM) to dockerd_private_stop.
dockerd_private_start() {
    local i
    dockerd_dir=$(mktemp -d /tmp/dockerd-private-XXXXXX)
    dockerd_docker0_new=0
    ip link show docker0 >/dev/null 2>&1 || dockerd_docker0_new=1
    dockerd_nft_before=$(nft list tables 2>/dev/null)
    # dockerd turns the filter table's FORWARD policy to DROP when it has to
    # enable ip_forward itself, which cuts every other bridge's forwarding
    # (isobench's NAT containers and VMs) while it runs: enable it first,
    # and put the old value back on stop.
    dockerd_fwd_before=$(cat /proc/sys/net/ipv4/ip_forward)
    echo 1 >/proc/sys/net/ipv4/ip_forward
    dockerd --data-root "$dockerd_dir/root" --exec-root "$dockerd_dir/exec" \
        --pidfile "$dockerd_dir/pid" -H "unix://$dockerd_dir/sock" \
        >"$dockerd_dir/log" 2>&1 &
    dockerd_pid=$!
    export DOCKER_HOST="unix://$dockerd_dir/sock"
    for i in $(seq 150); do
        docker version >/dev/null 2>&1 && return 0
        kill -0 "$dockerd_pid" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# Stops it and removes all it made; idempotent, always 0.
dockerd_private_stop() {
    [ -n "${dockerd_dir:-}" ] || return 0
    local -
    set +e # a trap's cleanup goes on past a failed step
    kill "$dockerd_pid" 2>/dev/null
    wait "$dockerd_pid" 2>/dev/null
    [ "$dockerd_docker0_new" = 1 ] && ip link del docker0 2>/dev/null
    local t # the iptables-nft tables dockerd made for its chains, if they were not there before
    nft list tables 2>/dev/null | while read -r t; do
        grep -qxF "$t" <<<"$dockerd_nft_before" || nft delete table ${t#table } 2>/dev/null
    done
    # in tables that were there (podman's), dockerd's own rules and chains
    for t in "ip nat" "ip filter"; do
        nft -a list table $t 2>/dev/null | awk '/^\tchain /{c=$2} /docker0|DOCKER/ && /# handle/{print c, $NF}' |
            while read -r c h; do nft delete rule $t "$c" handle "$h" 2>/dev/null; done
        nft list table $t 2>/dev/null | awk '/^\tchain DOCKER/{print $2}' |
            while read -r c; do nft flush chain $t "$c"; nft delete chain $t "$c"; done 2>/dev/null
    done
    grep -o " $dockerd_dir[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$dockerd_dir"
    echo "$dockerd_fwd_before" >/proc/sys/net/ipv4/ip_forward
    dockerd_dir=
    unset DOCKER_HOST
    return 0
}
