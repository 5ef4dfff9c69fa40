#!/usr/bin/env bash
# A run killed with SIGKILL stays "running" only until cleanup (or the next
# open of the store) finds its runner dead and marks it interrupted; then
# `run --resume` continues it to its planned rounds: every round once, no
# duplicate, the same options and environments, status complete.
set -uo pipefail
bin=$1
dir=$(mktemp -d /tmp/isobench-e2e-XXXXXX)
trap 'rm -rf "$dir"' EXIT
db=$dir/r.db
fail=0
bad() { echo "FAIL: $*"; fail=1; }
q() { sqlite3 "$db" "$1"; }

"$bin" run -w null -e native,null -r 12 --size tiny --db "$db" -o sleep=0.05 --seed 7 --json >"$dir/out" 2>/dev/null &
pid=$!
for _ in $(seq 1 200); do
    [ "$(grep -c '"rep":[1-9]' "$dir/out" 2>/dev/null)" -ge 6 ] && break
    sleep 0.05
done
kill -KILL $pid
wait $pid 2>/dev/null
before=$(q "SELECT count(*) FROM measurements WHERE rep > 0")
[ "$before" -ge 6 ] && [ "$before" -lt 24 ] || bad "killed run stored $before samples"
[ "$(q 'SELECT status FROM runs')" = running ] || bad "a SIGKILLed run should still say running before cleanup"
"$bin" cleanup --db "$db" >"$dir/cleanup" || bad "cleanup failed"
grep -q "1 run(s) of dead runners marked interrupted" "$dir/cleanup" || bad "cleanup: $(cat "$dir/cleanup")"
[ "$(q 'SELECT status FROM runs')" = interrupted ] || bad "status after cleanup: $(q 'SELECT status FROM runs')"
out=$("$bin" run --resume 1 -e native --db "$db" 2>&1); rc=$?
[ $rc = 2 ] || bad "--resume with -e: exit $rc: $out"
"$bin" run --resume 1 --db "$db" >/dev/null 2>&1 || bad "resume failed"
[ "$(q 'SELECT status FROM runs')" = complete ] || bad "status after resume: $(q 'SELECT status FROM runs')"
[ "$(q 'SELECT count(*) FROM runs')" = 1 ] || bad "resume made a new run"
for env in native null; do
    n=$(q "SELECT count(*) || '/' || count(DISTINCT rep) FROM measurements WHERE env='$env' AND rep > 0")
    [ "$n" = 12/12 ] || bad "$env: $n samples/rounds after resume, want 12/12"
done
[ "$(q "SELECT value FROM run_facts WHERE key='resumed'")" = 1 ] || bad "resumed fact"
[ "$(q "SELECT options FROM run_workloads")" = "sleep=0.05" ] || bad "options changed: $(q 'SELECT options FROM run_workloads')"
out=$("$bin" run --resume 1 --db "$db" 2>&1); rc=$?
[ $rc = 2 ] && grep -q "complete: nothing to resume" <<<"$out" || bad "resuming a complete run: exit $rc: $out"
[ $fail = 0 ] && echo "e2e resume: ok ($before samples before the kill)"
exit $fail
