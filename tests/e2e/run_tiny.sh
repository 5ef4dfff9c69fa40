#!/usr/bin/env bash
# End to end at --size tiny on native: every workload runs, every sample is
# stored, the three reporters render it, the JSON has no NaN/inf.
set -euo pipefail
bin=$1
dir=$(mktemp -d /tmp/isobench-e2e-XXXXXX)
trap 'rm -rf "$dir"' EXIT
db=$dir/r.db

"$bin" run -w null,stream,randomaccess,compress,linpack -e native --size tiny -r 2 \
    -o null.sleep=0.001 --db "$db" --json >"$dir/samples.ndjson" 2>"$dir/table.txt"
cat "$dir/table.txt"
# the stored command keeps an option's value (it was cut at the '=')
sqlite3 "$db" "SELECT command FROM runs" | grep -q -- "-o null.sleep=0.001 "
# no history yet: the plan's duration is unknown, and said so
grep -q "duration unknown" "$dir/table.txt"

# 5 workloads x (warm-up + 2) samples, all ok, one JSON line each.
test "$(sqlite3 "$db" 'SELECT count(*) FROM measurements WHERE ok=1')" = 15
test "$(wc -l <"$dir/samples.ndjson")" = 15
test "$(sqlite3 "$db" 'SELECT status FROM runs')" = complete
for m in copy scale add triad gups throughput gflops; do
    n=$(sqlite3 "$db" "SELECT count(*) FROM metrics WHERE name='$m' AND value > 0")
    test "$n" = 3 || { echo "metric $m: $n samples"; exit 1; }
done
# Host facts and where the agent ran are stored.
sqlite3 "$db" "SELECT value FROM run_facts WHERE key='cpu_model'" | grep -q .
sqlite3 "$db" "SELECT value FROM run_facts WHERE key='build_flags'" | grep -q .
test "$(sqlite3 "$db" "SELECT count(DISTINCT value) FROM measurement_facts WHERE key='ns.pid'")" = 1
# The agent is a child process: pids differ per measurement.
test "$(sqlite3 "$db" "SELECT count(DISTINCT value) FROM measurement_facts WHERE key='pid'")" = 15

grep -q 'stream .*triad .*GB/s' "$dir/table.txt"
# tiny's 64 MiB arrays: valid STREAM only below a 16 MiB last-level cache;
# above it every sample says so and the table prints the caveat.
llc=$(sqlite3 "$db" "SELECT value FROM run_facts WHERE key='llc_bytes'")
valid=$(sqlite3 "$db" "SELECT group_concat(DISTINCT value) FROM measurement_facts WHERE key='stream.valid'")
if [ "$llc" -gt $((16 << 20)) ]; then
    test "$valid" = no || { echo "stream.valid=$valid with a $llc-byte LLC"; exit 1; }
    grep -q "note: stream: arrays of 64 MiB are below STREAM's rule" "$dir/table.txt"
elif [ "$llc" -gt 0 ]; then
    test "$valid" = yes || { echo "stream.valid=$valid with a $llc-byte LLC"; exit 1; }
    if grep -q "note: stream:" "$dir/table.txt"; then echo "caveat on a valid run"; exit 1; fi
fi
"$bin" report --db "$db" >"$dir/report.txt"
grep -q 'linpack .*gflops' "$dir/report.txt"
"$bin" report latest --db "$db" --format json >"$dir/run.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="isobench.run/2"; assert len(d["results"])==8, len(d["results"]); st=[w for w in d["workloads"] if w["name"]=="stream"][0]; assert (len(st["caveats"])==1)==(int(sys.argv[2])>16<<20), st' "$dir/run.json" "$llc"
# a value, not a name: perop.minflt has "inf" in it
if grep -Eiq '[:,[][[:space:]]*-?(nan|inf)' "$dir/run.json"; then echo "NaN/inf in JSON"; exit 1; fi
"$bin" report 1 --db "$db" --format csv >"$dir/run.csv"
test "$(wc -l <"$dir/run.csv")" = 9
# html: one page, a chart per metric (8), parsed without error, written whole.
"$bin" report 1 --db "$db" --format html -o "$dir/run.html"
python3 -c '
import sys, html.parser
t = open(sys.argv[1]).read()
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(); s.stack = []; s.svgs = 0
    def handle_starttag(s, tag, a):
        if tag == "svg": s.svgs += 1
        if tag not in ("meta", "br"): s.stack.append(tag)
    def handle_startendtag(s, tag, a):
        if tag == "svg": s.svgs += 1
    def handle_endtag(s, tag):
        assert s.stack and s.stack.pop() == tag, (tag, s.stack[-3:])
p = P(); p.feed(t); p.close()
assert p.svgs == 8 and not p.stack, (p.svgs, p.stack)
assert "<script" not in t and "http://" not in t.replace("http://www.w3.org/2000/svg", "")
assert "GB/s (higher is better)" in t and "gflops" in t' "$dir/run.html"
ls "$dir" | grep -q tmp && { echo "temporary report file left"; exit 1; }
if "$bin" report 1 --db "$db" --format html -o "$dir/no/such/dir/r.html" 2>/dev/null; then echo "-o into a missing dir"; exit 1; fi
"$bin" report 1 --db "$db" --format markdown | grep -q '^| triad | GB/s | higher |'
"$bin" show-runs --db "$db" | grep -q complete
# --target-ci: more rounds until the intervals are narrow enough, or the
# limit, saying which metrics did not converge. Looks at 6, 9, 14, 21, 30
# rounds, every interval at 99 %: none exists at 6 (96.9 % at most), at 9
# [min, max] reaches 99.6 %.
"$bin" run -w null -e native -r 6 --db "$dir/a.db" -o sleep=0.02 --target-ci 50 >/dev/null 2>&1
test "$(sqlite3 "$dir/a.db" "SELECT value FROM run_facts WHERE key='rounds.null'")" = 9
test "$(sqlite3 "$dir/a.db" "SELECT value FROM run_facts WHERE key='target_ci.looks'")" = 5
"$bin" report 1 --db "$dir/a.db" | grep -q "sequential design: 5 looks, each interval at 99.00 %"
"$bin" run -w null -e native -r 2 --db "$dir/a.db" -o sleep=0.002 --target-ci 0.0001 --max-repetitions 4 >"$dir/a.txt" 2>&1
test "$(sqlite3 "$dir/a.db" "SELECT value FROM run_facts WHERE key='rounds.null' AND run_id=2")" = 4
test "$(sqlite3 "$dir/a.db" "SELECT count(*) FROM measurements WHERE run_id=2 AND rep>0")" = 4
grep -q "note: null did not converge: intervals wider than +-0.0001 after 4 rounds: elapsed@native" "$dir/a.txt"
for bad in "--max-repetitions 4" "--target-ci 0" "--target-ci 5 --max-repetitions 1 -r 2"; do
    if "$bin" run -w null --db "$dir/a.db" $bad >/dev/null 2>&1; then echo "accepted: $bad"; exit 1; fi
done
# An environment that fails mid-run (the null environment's failpoint, once)
# is brought up again and the run goes on: one failed sample, a restart.
ISOBENCH_FAILPOINT=null-env-exec "$bin" run -w null -e null -r 3 --no-warmup --db "$dir/f.db" >/dev/null 2>&1 && { echo "failpoint run exit 0"; exit 1; }
test "$(sqlite3 "$dir/f.db" "SELECT count(*) FROM measurements WHERE ok=1")" = 5
test "$(sqlite3 "$dir/f.db" "SELECT value FROM env_facts WHERE key='restarts'")" = 1
sqlite3 "$dir/f.db" "SELECT value FROM env_facts WHERE key='restart.1'" | grep -q "failed on request"
# the sample after the restart follows one unmeasured warm-up, and says so
test "$(sqlite3 "$dir/f.db" "SELECT count(*) FROM measurement_facts WHERE key='warmed_after_restart'")" = 1
# A workload's first sample may settle an option for the rest of the run
# (mysql's stop-gain fixes its thread list so): null's test hook settles sleep.
"$bin" run -w null -e native -r 3 --db "$dir/s.db" -o settle=0.02 >/dev/null 2>&1
test "$(sqlite3 "$dir/s.db" "SELECT options FROM run_workloads")" = "settle=0.02;sleep=0.02"
test "$(sqlite3 "$dir/s.db" "SELECT count(*) FROM metrics x JOIN measurements m ON m.id = x.measurement_id WHERE m.rep > 0 AND x.value >= 0.02")" = 3
echo "e2e native tiny: ok"
