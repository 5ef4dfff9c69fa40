#!/usr/bin/env bash
# isobench explain end to end: the dry run prints the ladder and starts
# nothing; bad input is one line, exit 2, nothing stored; a real explain
# of the own container runtime (`explain container -w null --size tiny
# -r 2`) is one run whose JSON report has every rung of the ladder and a
# increment per rung that ran, and leaves nothing on the host.
set -uo pipefail
bin=$1
dir=$(mktemp -d /tmp/isobench-e2e-XXXXXX)
trap 'rm -rf "$dir"' EXIT
db=$dir/r.db
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# --dry-run: the ladder as JSON, n/a rungs with their reason; no store
"$bin" explain container --dry-run --json --db "$db" >"$dir/ladder.json" || bad "dry run"
python3 - "$dir/ladder.json" <<'EOF' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
r = j["rungs"]
ok = j["schema"] == "isobench.explain-ladder/1" and r[0]["spec"] == "native" and \
    r[-1]["knob"] == "+userns" and any(x["spec"] == "container" for x in r) and \
    all((x["spec"] is None) != (x["na"] is None) for x in r)
if not ok: print("FAIL: dry-run JSON:", r); sys.exit(1)
EOF
"$bin" explain vm --dry-run | grep -q -- "-host CPU model (= stock) *vm$" || bad "vm dry run"
[ ! -e "$db" ] || bad "the dry run made a store"

# bad input: exit 2, one line on stderr, nothing stored
for args in "native -w null" "null -w null" "container:bogus=1 -w null" "container" \
    "container runc -w null" "container -w nosuch" "container -w null -r 0" \
    "runc:net=nat --dry-run" "container --dry-run -w nosuch"; do
    # shellcheck disable=SC2086
    "$bin" explain $args --db "$db" >"$dir/out" 2>"$dir/err"
    rc=$?
    [ "$rc" = 2 ] || bad "explain $args: exit $rc, not 2"
    [ "$(wc -l <"$dir/err")" = 1 ] || bad "explain $args: not one line: $(cat "$dir/err")"
done
[ ! -e "$db" ] || bad "bad input made a store"

if [ "$(id -u)" != 0 ]; then
    echo "the container runtime needs root: skipping the real explain"
    [ "${CI:-}" = true ] && exit 1
    [ "$fail" = 0 ] && exit 77
    exit 1
fi
start=$(date +%s)
"$bin" explain container -w null --size tiny -r 2 --db "$db" >"$dir/table.txt" 2>"$dir/err.txt" ||
    bad "explain container: $(tail -3 "$dir/err.txt")"
echo "explain container -w null --size tiny -r 2: $(($(date +%s) - start)) s"
grep -q "explain container: native -> ENV one knob at a time" "$dir/table.txt" || bad "no explain view in the table"
"$bin" report latest --db "$db" --format json >"$dir/run.json" || bad "report --format json"
python3 - "$dir/run.json" "$dir/ladder.json" <<'EOF' || fail=1
import json, sys
run, lad = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
x = run.get("explain")
def die(m): print("FAIL:", m); sys.exit(1)
if not x: die("no explain in the report")
if [r["knob"] for r in x["rungs"]] != [r["knob"] for r in lad["rungs"]]: die("rungs differ from the ladder")
if [r["spec"] for r in x["rungs"]] != [r["spec"] for r in lad["rungs"]]: die("specs differ from the ladder")
running = [r for r in x["rungs"] if r["spec"]]
envs = [e["spec"] for e in run["environments"]]
if envs != [r["spec"] for r in running]: die("environments %s are not the running rungs" % envs)
if not x["metrics"]: die("no headline metric")
for m in x["metrics"]:
    increments = m["increments"]
    if [s["rung"] for s in increments] != [x["rungs"].index(r) for r in running[1:]]:
        die("%s: not an increment per running rung: %s" % (m["metric"], increments))
    if any(s["overhead"] is None for s in increments) or m["total"] is None:
        die("%s: an increment or the total has no paired round" % m["metric"])
    if m["residual_pct"] is None: die("%s: no residual" % m["metric"])
print("explain JSON: %d rungs, %d running, %d metrics, each an increment per running rung" %
      (len(x["rungs"]), len(running), len(x["metrics"])))
EOF
# the HTML page: the explain section with a waterfall per headline metric,
# rendered by chromium when it is installed
"$bin" report latest --db "$db" --format html -o "$dir/run.html" || bad "report --format html"
n=$(grep -c "overhead by knob, native -&gt; container" "$dir/run.html")
[ "$n" -ge 1 ] || bad "no waterfall in the HTML"
chrome=$(command -v chromium || true)
if [ -n "$chrome" ]; then
    HOME=$dir timeout 120 "$chrome" --headless=new --no-sandbox --disable-gpu --no-first-run \
        --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$dir/profile" \
        --dump-dom "file://$dir/run.html" >"$dir/dom.html" 2>/dev/null || bad "chromium --dump-dom"
    grep -q '<section id="explain">' "$dir/dom.html" && grep -q "<rect" "$dir/dom.html" ||
        bad "chromium did not render the explain section"
fi
# the stored run carries the ladder
[ "$(sqlite3 "$db" "SELECT value FROM run_facts WHERE key='explain.env'")" = container ] || bad "no explain.env fact"
# nothing of this run is left on the host (other runs may share it)
uuid=$(sqlite3 "$db" "SELECT uuid FROM runs")
[ -n "$uuid" ] || bad "no run stored"
[ -e "/run/isobench/$uuid" ] && bad "left: /run/isobench/$uuid"
find /sys/fs/cgroup -maxdepth 3 -name "isobench-$uuid*" 2>/dev/null | grep -q . && bad "cgroups of $uuid left"
ls /var/tmp | grep -q "isobench-$uuid" && bad "volumes of $uuid left in /var/tmp"
exit $fail
