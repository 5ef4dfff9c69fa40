#!/usr/bin/env bash
# Ctrl-C mid-run: exit 130, every finished sample stays in the store, the
# run is marked interrupted and no agent process is left behind.
set -uo pipefail
bin=$1
dir=$(mktemp -d /tmp/isobench-e2e-XXXXXX)
trap 'rm -rf "$dir"' EXIT
db=$dir/r.db
"$bin" run -w null,stream -e native -r 50 --size tiny --db "$db" --json >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 1 300); do
    n=$(grep -c '"workload":"stream"' "$dir/out" 2>/dev/null || true)
    [ "${n:-0}" -ge 2 ] && break
    sleep 0.1
done
kill -INT $pid
wait $pid; rc=$?
fail=0
[ "$rc" = 130 ] || { echo "FAIL: exit $rc, want 130"; cat "$dir/err"; fail=1; }
lines=$(wc -l <"$dir/out")
stored=$(sqlite3 "$db" 'SELECT count(*) FROM measurements')
[ "$stored" -ge "$lines" ] && [ "$stored" -ge 50 ] || { echo "FAIL: stored $stored, printed $lines"; fail=1; }
[ "$(sqlite3 "$db" 'SELECT status FROM runs')" = interrupted ] || { echo "FAIL: status"; fail=1; }
sleep 0.2
if pgrep -f "$bin agent" >/dev/null; then echo "FAIL: agent left running"; fail=1; fi
[ $fail = 0 ] && echo "e2e interrupt: ok ($stored samples kept)"
exit $fail
