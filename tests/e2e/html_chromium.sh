#!/usr/bin/env bash
# The HTML report of a stored tiny run, opened in headless Chromium with no
# network at all (its own network namespace when it can have one): Chromium's
# NetLog must show no request but the file itself, the console no error,
# the rendered DOM one non-empty chart per metric, and the screenshot (kept
# as a test artifact in ARTIFACTS) must not be blank.
set -uo pipefail
bin=$1
artifacts=${2:-/tmp/isobench-artifacts}
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
    echo "chromium not installed (scripts/deps.sh installs it)"
    [ "${CI:-}" = true ] && exit 1
    exit 77
fi
dir=$(mktemp -d /tmp/isobench-e2e-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
db=$dir/r.db
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$bin" run -w null,stream -e native,null -r 3 --size tiny --db "$db" >/dev/null 2>&1 || bad "tiny run"
"$bin" report latest --db "$db" --format html -o "$dir/run.html" || bad "report --format html"
"$bin" report latest --db "$db" --format json >"$dir/run.json" || bad "report --format json"

# No network namespace of our own (not root): --host-resolver-rules still
# turns every host name into an error, and the NetLog below still sees any
# attempt.
nons=()
unshare -n true 2>/dev/null && nons=(unshare -n)
chromium_run() {
    HOME=$dir timeout 120 "${nons[@]}" "$chrome" --headless=new --no-sandbox --disable-gpu \
        --no-first-run --disable-extensions --disable-background-networking \
        --disable-component-update --disable-sync --host-resolver-rules="MAP * ~NOTFOUND" \
        --user-data-dir="$dir/profile" --enable-logging=stderr --v=0 "$@"
}
# The URLs a page asked for: NetLog's URL_REQUEST_START_JOB events that a
# document initiated (Chromium's own time and update queries say "not an
# origin").
page_requests() {
    python3 - "$1" <<'EOF'
import json, sys
t = open(sys.argv[1]).read().rstrip().rstrip(",")
if not t.endswith("}"): t += "]}"   # a log cut at exit lacks its tail
j = json.loads(t)
start = j["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
for ev in j["events"]:
    p = ev.get("params", {})
    if ev["type"] == start and "url" in p and p.get("initiator") != "not an origin":
        print(p["url"])
EOF
}
chromium_run --log-net-log="$dir/net.json" --dump-dom "file://$dir/run.html" >"$dir/dom.html" 2>"$dir/dom.log" || bad "chromium --dump-dom: $(tail -3 "$dir/dom.log")"
chromium_run --window-size=1100,1400 --screenshot="$dir/report.png" "file://$dir/run.html" >/dev/null 2>"$dir/shot.log" || bad "chromium --screenshot: $(tail -3 "$dir/shot.log")"
req=$(page_requests "$dir/net.json") || bad "cannot read the NetLog"
[ -z "$req" ] || bad "the page requested: $req"
# The check can fail: the same page with an image from elsewhere is caught.
sed 's|<body>|<body><img src="http://192.0.2.1/x.png">|' "$dir/run.html" >"$dir/leak.html"
chromium_run --log-net-log="$dir/leak.json" --dump-dom "file://$dir/leak.html" >/dev/null 2>&1
page_requests "$dir/leak.json" | grep -q '^http://192.0.2.1/x.png$' || bad "a page that fetches an image was not caught"
# The paper's layout for what this run measured (stream): Tables I and II.
grep -q "Table I: results of CPU- and memory-bound benchmarks" "$dir/dom.html" &&
    grep -q "Table II: STREAM components" "$dir/dom.html" || bad "the rendered page lacks Tables I and II"
# A console message is logged as CONSOLE(line) "text"; the page has no
# script, so any error there is the page's fault.
if grep -h 'CONSOLE' "$dir/dom.log" "$dir/shot.log" | grep -qi 'error'; then
    bad "console error: $(grep -h CONSOLE "$dir/dom.log" "$dir/shot.log" | head -3)"
fi

python3 - "$dir" <<'EOF' || fail=1
import json, struct, sys, zlib, html.parser
d = sys.argv[1]
ok = True
def bad(m):
    global ok
    print("FAIL:", m); ok = False

# 1. The DOM as rendered: a chart per metric, each with bars of width > 0.
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.charts = []; s.inside = False
    def handle_starttag(s, tag, a):
        a = dict(a)
        if tag == "svg": s.inside = True; s.charts.append(0)
        elif tag == "rect" and s.inside and a.get("class") == "bar" and float(a.get("width", 0)) > 0:
            s.charts[-1] += 1
    def handle_endtag(s, tag):
        if tag == "svg": s.inside = False
p = P(); p.feed(open(d + "/dom.html").read())
metrics = len({(r["workload"], r["metric"]) for r in json.load(open(d + "/run.json"))["results"]})
if len(p.charts) != metrics: bad("%d charts for %d metrics" % (len(p.charts), metrics))
if not p.charts or min(p.charts) < 1: bad("an empty chart: bars per chart %s" % p.charts)

# 2. The screenshot: a PNG that is not one colour.
png = open(d + "/report.png", "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n": bad("screenshot is not a PNG")
else:
    pos, idat, w = 8, b"", 0
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR": w, h, depth, colour = struct.unpack(">IIBB", body[:10])
        if kind == b"IDAT": idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    distinct = len(set(raw[i:i + 3] for i in range(1, len(raw), 997)))
    if distinct < 4: bad("screenshot looks blank (%d distinct samples)" % distinct)
sys.exit(0 if ok else 1)
EOF
mkdir -p "$artifacts" && cp "$dir/report.png" "$dir/run.html" "$artifacts/" 2>/dev/null
[ $fail = 0 ] && echo "e2e html in chromium: ok (screenshot $artifacts/report.png)"
exit $fail
