#!/usr/bin/env python3
"""Checks that two runs of the same command made the same run but for
timings - the check a refactoring must pass (issue #37: "a tiny isobench
paper run's JSON is the same but for timings").

    scripts/same-but-timings.py [--expect KEY]... BEFORE.db AFTER.db [RUN_BEFORE RUN_AFTER]

Reads each run's JSON report (`isobench report RUN --format json`, with
the isobench beside each database or $ISOBENCH_BEFORE / $ISOBENCH_AFTER)
and the stored samples (SQLite, read-only) and compares:
  - the run: size, rounds, status, the command;
  - environments (specs), workloads (names, resolved options, caveats);
  - every result row's identity: workload, metric, unit, direction, env,
    sample count, failures - not its values;
  - failures and pairs not measured;
  - per workload x environment, the set of sample fact keys, and the
    values of the facts that describe what was run (not how fast): a fact
    whose values differ is listed unless its key is a known measurement
    (times, rates, counts of work done, addresses, paths, pids).
The command is compared without its --db and -o paths. --expect KEY names
a fact whose value a change between the builds meant to change (printed as
EXPECTED, not counted). Prints each difference and exits 1 if any is not
explained, 0 if the runs are the same but for timings. Facts present in only one run are printed
as ADDED/REMOVED (a feature between the two builds adds some; the caller
names them in its note).
"""
import json
import os
import re
import sqlite3
import subprocess
import sys

# facts whose values are measurements or per-run identities, not the setup
VOLATILE = re.compile(
    r"(^|\.)(cpu_s|cpu_us|wall|elapsed|seconds?|_s$|ms$|us$|rate|rps|tps|bytes_read|"
    r"bytes_written|ops|units|ratio|residual|huge_share|hostcpu|host_cpu|pid|uuid|addr|"
    r"reach|port|link|netns|datadir|dir|path|started|time|pss|rss|smaps|dev_|throttl|"
    r"steal|irq|ctxt|faults|perop|pcount|count|server_cpu|client_cpu|settle|quota_hit|"
    r"blas_coretype|guest|boot|ns\.|ipv4|position|^cgroup$|bind|loadgen)",
    re.I,
)


def report(db, run, env_var):
    exe = os.environ.get(env_var) or "isobench"
    out = subprocess.run(
        [exe, "report", str(run), "--db", db, "--format", "json"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def facts(db, run):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = c.execute(
        "select m.workload, m.env, f.key, f.value from measurements m "
        "join measurement_facts f on f.measurement_id = m.id "
        "where m.run_id = ? and m.warmup = 0", (run,))
    keys, vals = {}, {}
    for wl, env, k, v in rows:
        keys.setdefault((wl, env), set()).add(k)
        vals.setdefault((wl, env, k), set()).add(v)
    return keys, vals


def command(run):
    """The run's command without its --db and -o paths (they name the files)."""
    w, out, skip = run.get("command", "").split(), [], False
    for t in w:
        if skip:
            skip = False
        elif t in ("--db", "-o", "--output"):
            skip = True
        else:
            out.append(t)
    return " ".join(out)


def result_ids(rep):
    return sorted((r["workload"], r["metric"], r["unit"], r["better"], r["env"], r["n"],
                   r["failed"]) for r in rep["results"])


def main():
    args, expect = sys.argv[1:], set()
    while len(args) > 1 and args[0] == "--expect":
        expect.add(args[1])
        args = args[2:]
    a_db, b_db = args[0], args[1]
    ra, rb = (args[2], args[3]) if len(args) > 3 else ("latest", "latest")
    a, b = report(a_db, ra, "ISOBENCH_BEFORE"), report(b_db, rb, "ISOBENCH_AFTER")
    bad = []
    for k in ("size", "repetitions", "status"):
        if a["run"].get(k) != b["run"].get(k):
            bad.append(f"run.{k}: {a['run'].get(k)!r} -> {b['run'].get(k)!r}")
    if command(a["run"]) != command(b["run"]):
        bad.append(f"run.command: {command(a['run'])!r} -> {command(b['run'])!r}")
    if [e["spec"] for e in a["environments"]] != [e["spec"] for e in b["environments"]]:
        bad.append("environments differ")
    for wa, wb in zip(a["workloads"], b["workloads"]):
        if wa != wb:
            bad.append(f"workload {wa['name']}: {json.dumps(wa)} -> {json.dumps(wb)}")
    if len(a["workloads"]) != len(b["workloads"]):
        bad.append("workload lists differ")
    ia, ib = result_ids(a), result_ids(b)
    for r in sorted(set(ia) - set(ib)):
        bad.append(f"result only before: {r}")
    for r in sorted(set(ib) - set(ia)):
        bad.append(f"result only after: {r}")
    for k in ("failures", "not_measured"):
        if json.dumps(a.get(k), sort_keys=True) != json.dumps(b.get(k), sort_keys=True):
            bad.append(f"{k}: {a.get(k)} -> {b.get(k)}")
    ka, va = facts(a_db, a["run"]["id"])
    kb, vb = facts(b_db, b["run"]["id"])
    added, removed, differ, expected = set(), set(), set(), set()
    for pair in sorted(set(ka) | set(kb)):
        x, y = ka.get(pair, set()), kb.get(pair, set())
        removed |= {(pair[0], k) for k in x - y}
        added |= {(pair[0], k) for k in y - x}
        for k in x & y:
            if VOLATILE.search(k) or va[pair + (k,)] == vb[pair + (k,)]:
                continue
            if k in expect:
                expected.add((pair[0], pair[1], k, "|".join(sorted(va[pair + (k,)])),
                              "|".join(sorted(vb[pair + (k,)]))))
            else:
                differ.add((pair[0], pair[1], k, "|".join(sorted(va[pair + (k,)]))[:80],
                            "|".join(sorted(vb[pair + (k,)]))[:80]))
    for wl, k in sorted(removed):
        print(f"REMOVED fact {wl}: {k}")
    for wl, k in sorted(added):
        print(f"ADDED fact {wl}: {k}")
    for d in sorted(differ):
        bad.append(f"fact {d[0]} on {d[1]}: {d[2]} = {d[3]!r} -> {d[4]!r}")
    for d in sorted(expected):
        print(f"EXPECTED fact {d[0]} on {d[1]}: {d[2]} = {d[3]!r} -> {d[4]!r}")
    for m in bad:
        print("DIFF", m)
    print(f"same-but-timings: {len(ia)} result rows, {sum(len(v) for v in ka.values())} fact "
          f"keys before, {sum(len(v) for v in kb.values())} after; {len(bad)} differences, "
          f"{len(expected)} expected, {len(added)} facts added, {len(removed)} removed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
