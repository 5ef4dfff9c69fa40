#!/usr/bin/env bash
# The unit tests as an unprivileged user (nobody): they must pass without
# root, each test that needs root skipping itself with its reason (cmocka's
# SKIPPED). Runs the binaries of an existing build (default build/) from a
# scratch directory the user owns; exit non-zero if any fails.
#   scripts/unit-nonroot.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
user=nobody
scratch=$(mktemp -d /tmp/isobench-nonroot-XXXXXX)
chown "$user" "$scratch"
trap 'rm -rf "$scratch"' EXIT
fail=0 n=0 skipped=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    n=$((n + 1))
    name=$(basename "$t")
    if ! out=$(cd "$scratch" && timeout 600 runuser -u "$user" -- \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$scratch" TMPDIR="$scratch" "$t" 2>&1); then
        echo "unit-nonroot: $name FAILED as $user:"
        echo "$out" | tail -20
        fail=1
    fi
    s=$(echo "$out" | grep -c '^\[  SKIPPED \] [a-z_]*$' || true)
    skipped=$((skipped + s / 2)) # (cmocka lists each skipped test twice)
done
echo "unit-nonroot: $n unit test programs as $user, $skipped tests skipped (need root)"
exit $fail
