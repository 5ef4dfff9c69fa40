#!/usr/bin/env bash
# The project's own layer check (scripts/test.sh runs it; shared/tools has
# the workplace's): every #include "DIR/..." in src/ points down or sideways
#   core <- workloads <- agent <- envs <- run <- cli (main.c with cli),
#   report on core only, and only run and cli use report.
# A file in no known folder is an error too. Exit 1 on any violation.
set -u
cd "$(dirname "$0")/../src"
awk '
function rank(d) {
    if (d == "core") return 0; if (d == "workloads") return 1; if (d == "agent") return 2
    if (d == "envs") return 3; if (d == "run") return 4; if (d == "cli" || d == "main.c") return 5
    if (d == "report") return "R"; return "?"
}
FNR == 1 { from = FILENAME; sub(/\/.*/, "", from); rf = rank(from)
           if (rf == "?") { print "layers: " FILENAME " is in no layer"; bad = 1 } }
/^[ \t]*#[ \t]*include[ \t]*"/ {
    inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
    to = inc; if (to !~ /\//) next; sub(/\/.*/, "", to); rt = rank(to)
    if (rt == "?" || to == from || rf == "?") next
    if (rf == "R" && to != "core") { print "layers: " FILENAME " includes " inc " (report uses core only)"; bad = 1 }
    else if (rt == "R" && rf != "R" && rf < 4) { print "layers: " FILENAME " includes " inc " (only run and cli use report)"; bad = 1 }
    else if (rt != "R" && rf != "R" && rt > rf) { print "layers: " FILENAME " includes " inc " (" from " is below " to ")"; bad = 1 }
}
END { if (!bad) print "layers (own check): ok"; exit bad }
' $(find . -name '*.[ch]' | sed 's|^\./||' | sort)
