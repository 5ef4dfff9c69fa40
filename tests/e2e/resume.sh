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
# rounds with one of their two samples stored: split by the kill, so their
# halves must not be paired (run fact split_round.null.<round>). The kill
# may land between rounds: then a round is split here by hand, the way a
# kill inside it would leave it (the null environment's sample of round 2
# gone).
if [ -z "$(q "SELECT rep FROM measurements WHERE rep > 0 GROUP BY rep HAVING count(*) = 1")" ]; then
    id=$(q "SELECT id FROM measurements WHERE rep = 2 AND env = 'null'")
    for t in metrics measurement_facts measurement_raw; do q "DELETE FROM $t WHERE measurement_id = $id"; done
    q "DELETE FROM measurements WHERE id = $id"
fi
split=$(q "SELECT rep FROM measurements WHERE rep > 0 GROUP BY rep HAVING count(*) = 1 ORDER BY rep")
"$bin" run --resume 1 --db "$db" >/dev/null 2>&1 || bad "resume failed"
got=$(q "SELECT substr(key, 18) FROM run_facts WHERE key LIKE 'split_round.null.%' ORDER BY CAST(substr(key, 18) AS INTEGER)")
[ "$got" = "$split" ] || bad "split rounds: stored '$got', want '$split'"
[ -n "$split" ] || bad "no split round to test"
if [ -n "$split" ]; then
    rounds=$("$bin" report 1 --db "$db" --format json | python3 -c '
import json,sys; d=json.load(sys.stdin)
print(min(c["overhead_rounds"] for c in d["results"] if "overhead_rounds" in c))')
    [ "$rounds" = $((12 - $(wc -l <<<"$split"))) ] || bad "overhead paired $rounds rounds with split rounds $split"
fi
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
# --target-ci survives --resume: the design (looks, level) is the run's
db2=$dir/t.db
"$bin" run -w null -e native -r 6 --size tiny --db "$db2" -o sleep=0.05 --target-ci 0.0001 --max-repetitions 9 --json >"$dir/out2" 2>/dev/null &
pid=$!
for _ in $(seq 1 200); do
    [ "$(grep -c '"rep":[1-9]' "$dir/out2" 2>/dev/null)" -ge 3 ] && break
    sleep 0.05
done
kill -KILL $pid
wait $pid 2>/dev/null
"$bin" cleanup --db "$db2" >/dev/null
"$bin" run --resume 1 --db "$db2" >/dev/null 2>&1 # not converged: exit 0 still
[ "$(sqlite3 "$db2" "SELECT value FROM run_facts WHERE key='rounds.null'")" = 9 ] || bad "--target-ci after resume: $(sqlite3 "$db2" "SELECT key, value FROM run_facts WHERE key LIKE 'rounds%' OR key LIKE 'target%'")"
[ "$(sqlite3 "$db2" "SELECT count(*) FROM measurements WHERE rep > 0")" = 9 ] || bad "resumed --target-ci run: not 9 rounds"
[ $fail = 0 ] && echo "e2e resume: ok ($before samples before the kill)"
exit $fail
