#!/usr/bin/env bash
# The threaded parts under ThreadSanitizer (tests only: never benchmark
# this build): the scenario engine's parallel tenants (scen_tenants_up's
# threads for native) and jobs (scen_run_jobs: a victim beside its
# aggressor), blockio's job threads, the runner and the agent's cancel
# path. Builds build-tsan, runs the unit tests of those modules, then one
# noisy-neighbour scenario on native and the own runtime with a blockio
# victim (its threads are isobench's own code: OpenMP workloads are left
# out, libgomp is not instrumented and would report its own barriers).
# Any report fails the script (exitcode 66). Root: the scenario makes
# cgroups and namespaces. Usage: scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISOBENCH_TSAN=ON -DISOBENCH_WERROR=ON >/dev/null
cmake --build build-tsan -j"$(nproc)" >/dev/null || { cmake --build build-tsan 2>&1 | tail -20; exit 1; }
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
(cd build-tsan && ctest --output-on-failure -j1 -R '^unit_(scenario|runner|blockio|journal|proc)$')
dir=$(mktemp -d /tmp/isobench-tsan-XXXXXX)
trap 'rm -rf "$dir"' EXIT
if ! ./build-tsan/isobench scenario run noisy-neighbour -e native,container --size tiny -r 1 \
    -o victims=blockio -o aggressors=cpu -o workers=1 --db "$dir/r.db" >"$dir/out" 2>"$dir/err"; then
    cat "$dir/out" "$dir/err"
    echo "tsan: the noisy-neighbour scenario failed or raced (above)"
    exit 1
fi
grep -c "blockio" "$dir/out" >/dev/null || { cat "$dir/out"; echo "tsan: no blockio rows"; exit 1; }
# the check can fail: with a planted race (job threads bump a counter
# without a lock) the same scenario must end with TSan's exit code
rc=0
ISOBENCH_FAILPOINT=tsan-race ./build-tsan/isobench scenario run noisy-neighbour -e native --size tiny \
    -r 1 -o victims=blockio -o aggressors=cpu -o workers=1 --db "$dir/r.db" >"$dir/out2" 2>&1 || rc=$?
[ "$rc" = 66 ] && grep -q "data race" "$dir/out2" ||
    { tail -20 "$dir/out2"; echo "tsan: a planted race went unreported (exit $rc)"; exit 1; }
./build-tsan/isobench cleanup >/dev/null 2>&1 || true # what the halted run left
echo "tsan: no race reported"
