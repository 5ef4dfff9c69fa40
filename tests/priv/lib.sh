# Shared by the root-only tests (sourced): the skip rule, a scratch dir and
# database, failure bookkeeping, and one list of every kind of object a
# run may leave on the host, so each test checks them all.
#   priv_init "REASON the test needs root"   -> $dir, $db, $fail, bad()
priv_init() {
    if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root ($1)"; exit 77; fi
    dir=$(mktemp -d /tmp/isobench-priv-XXXXXX)
    trap 'rm -rf "$dir"' EXIT
    db=$dir/r.db
    fail=0
}
bad() { echo "FAIL: $*"; fail=1; }
leftovers() {
    {
        find /sys/fs/cgroup -maxdepth 4 -name 'isobench-*' 2>/dev/null
        ls -d /var/tmp/isobench-* 2>/dev/null
        ls "${ISOBENCH_RUN_DIR:-/run/isobench}" 2>/dev/null
        grep isob /proc/mounts
        ip -o link | grep -o 'isob[0-9a-f]*[a-z0-9]*'
        nft list tables | grep isob
        pgrep -f "isobench agent"
        pgrep -f "qemu-system-x86_64.*isobench"
        pgrep -f "mariadbd --no-defaults"; pgrep -x redis-server; pgrep -f "sysbench oltp_read_write"
        ls /run/runc 2>/dev/null | grep isob
        if command -v podman >/dev/null; then podman ps -a --format '{{.Names}}' | grep isobench; fi
    } | sort
}
# An environment `isobench list` marks unavailable: a failure under CI (the
# project's own scripts install what it needs), a skip otherwise.
priv_need_env() { # BIN ENV
    local why
    why=$("$1" list 2>/dev/null | awk -v e="$2" '$1==e && /unavailable/')
    [ -z "$why" ] && return 0
    if [ "${CI:-}" = true ]; then echo "FAIL: $2 unavailable under CI (scripts/deps.sh installs it): $why"; exit 1; fi
    echo "SKIP: $why"; exit 77
}
