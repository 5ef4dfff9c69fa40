#!/usr/bin/env bash
# `isobench list --json` against the registries: every entry of the
# X-macro lists in the sources (WORKLOAD_LIST, ENV_LIST, SCENARIO_LIST,
# REPORT_LIST) is in the document, in that order, and nothing else; every
# option carries its type, presets and range; each environment's pick
# names it (the picks themselves run in CI's quickstart smoke). Needs no
# root.
set -euo pipefail
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)/src
out=$(mktemp /tmp/isobench-list-XXXXXX.json)
trap 'rm -f "$out"' EXIT
"$bin" list --json >"$out"
python3 - "$out" "$src" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
src = sys.argv[2]
def xlist(path, macro):
    text = open(f"{src}/{path}").read()
    m = re.search(r"#define " + macro + r"\(X\)((?:[^\n]*\\\n)*[^\n]*)", text)
    return [n.replace("_", "-") if macro == "SCENARIO_LIST" else n
            for n in re.findall(r"X\((\w+)\)", m.group(1))]
want = {
    "workloads": xlist("workloads/workload.h", "WORKLOAD_LIST"),
    "environments": xlist("envs/env.h", "ENV_LIST"),
    "scenarios": xlist("run/scenario.h", "SCENARIO_LIST"),
    "reporters": xlist("report/report.h", "REPORT_LIST"),
}
bad = []
if d.get("schema") != "isobench.list/1": bad.append(f"schema {d.get('schema')}")
for k, names in want.items():
    got = [e["name"] for e in d[k]]
    if got != names: bad.append(f"{k}: {got} != registered {names}")
for k in ("workloads", "environments", "scenarios"):
    for e in d[k]:
        if not isinstance(e["available"], bool): bad.append(f"{e['name']}: available not a bool")
        if (e["reason"] is None) != e["available"]: bad.append(f"{e['name']}: reason and available disagree")
types = {"text", "uint", "size", "seconds", "enum", "cpu", "uints"}
for k in ("workloads", "scenarios"):
    for e in d[k]:
        for o in e["options"]:
            if o["type"] not in types: bad.append(f"{e['name']}.{o['name']}: type {o['type']}")
            if set(o["presets"]) != {"tiny", "small", "full"}: bad.append(f"{e['name']}.{o['name']}: presets")
            if o["type"] in ("uint", "size", "seconds", "uints") and not (o["min"] <= o["max"]):
                bad.append(f"{e['name']}.{o['name']}: range {o.get('min')}..{o.get('max')}")
            if o["type"] == "enum" and not o["values"]: bad.append(f"{e['name']}.{o['name']}: enum without values")
envs = {e["name"]: e for e in d["environments"]}
if envs["null"]["pick"] is not None: bad.append("null is picked by -e available")
for e in d["environments"]:
    if e["pick"] and e["pick"].split(":")[0] != e["name"]: bad.append(f"{e['name']}: pick {e['pick']}")
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo "list --json: ok"
