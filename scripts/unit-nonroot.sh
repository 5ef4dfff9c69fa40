#!/usr/bin/env bash
# The unit tests as an unprivileged user (nobody): they must pass without
# root, each test that needs root skipping itself with its reason (cmocka's
# SKIPPED). With --without-programs, also without the workloads' server and
# load programs (mariadbd, redis-server, apache2, sysbench, stress-ng, node:
# an empty file bound over each in a private mount namespace), as on a host
# where those packages are not installed: a test that needs one skips.
# Runs the binaries of an existing build (default build/) from a scratch
# directory the user owns, CI unset; exit non-zero if any fails.
#   scripts/unit-nonroot.sh [--without-programs] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --without-programs ]; then
    shift
    if [ -z "${ISOBENCH_HIDDEN:-}" ]; then
        export ISOBENCH_HIDDEN=1
        exec unshare -m --propagation private "$0" --without-programs "$@"
    fi
    empty=$(mktemp /tmp/isobench-hidden-XXXXXX)
    chmod 0644 "$empty"
    for b in /usr/sbin/mariadbd /usr/bin/mariadb-admin /usr/bin/redis-server /usr/sbin/apache2 \
        /usr/bin/sysbench /usr/bin/stress-ng /usr/bin/node; do
        if [ -e "$b" ]; then mount --bind "$empty" "$b"; fi
    done
    what="as nobody, without the workloads' programs"
else
    what="as nobody"
fi
build=$(realpath "${1:-build}")
user=nobody
scratch=$(mktemp -d /tmp/isobench-nonroot-XXXXXX)
chown "$user" "$scratch"
trap 'rm -rf "$scratch" ${empty:+"$empty"}' EXIT
fail=0 n=0 skipped=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    n=$((n + 1))
    name=$(basename "$t")
    if ! out=$(cd "$scratch" && timeout 600 runuser -u "$user" -- \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$scratch" TMPDIR="$scratch" "$t" 2>&1); then
        echo "unit-nonroot: $name FAILED $what:"
        echo "$out" | tail -20
        fail=1
    fi
    s=$(echo "$out" | grep -c '^\[  SKIPPED \] [a-z_]*$' || true)
    skipped=$((skipped + s / 2)) # (cmocka lists each skipped test twice)
done
echo "unit-nonroot: $n unit test programs $what: $skipped tests skipped"
exit $fail
