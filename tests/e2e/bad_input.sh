#!/usr/bin/env bash
# Bad input: one clear line, exit 2, and nothing already stored changes.
set -uo pipefail
bin=$1
dir=$(mktemp -d /tmp/isobench-e2e-XXXXXX)
trap 'rm -rf "$dir"' EXIT
db=$dir/r.db
fail=0

expect() { # expect CODE PATTERN -- command...
    local code=$1 pat=$2; shift 3
    local out rc
    out=$("$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" != "$code" ] || ! grep -q -- "$pat" <<<"$out" || [ "$(wc -l <<<"$out")" -gt 2 ]; then
        echo "FAIL: $* -> rc=$rc (want $code), stderr: $out"; fail=1
    fi
}

"$bin" run -w null -e native -r 1 --size tiny --db "$db" >/dev/null 2>&1 || { echo "seed run failed"; exit 1; }
before=$(sqlite3 "$db" 'SELECT count(*) FROM measurements'):$(sqlite3 "$db" 'SELECT count(*) FROM runs')

expect 2 "unknown workload 'nope'" -- "$bin" run -w nope --db "$db"
# an empty item in a list is a typo, never skipped
expect 2 "empty item in the workload list" -- "$bin" run -w stream,, --db "$db"
expect 2 "empty item in the workload list" -- "$bin" run -w ,null --db "$db"
expect 2 "empty item in the environment list" -- "$bin" run -w null -e native,,container --db "$db"
expect 2 "empty item in the environment list" -- "$bin" run -w null -e available, --db "$db"
expect 2 "cannot write into" -- "$bin" run -w null --html "$dir/nodir/x.html" --db "$db"
expect 2 "already has everything" -- "$bin" list --json -v
expect 2 "unknown environment 'mars'" -- "$bin" run -w null -e mars --db "$db"
expect 2 "unknown key 'foo'" -- "$bin" run -w null -e native:foo=1 --db "$db"
expect 2 "environment xen is unavailable: needs a Xen dom0" -- "$bin" run -w null -e xen --db "$db"
expect 2 "no option 'bogus'" -- "$bin" run -w null -o null.bogus=1 --db "$db"
expect 2 "matches no selected workload" -- "$bin" run -w null -o ntimes=3 --db "$db"
expect 2 "are available" -- "$bin" run -w randomaccess -o table-size=64T --db "$db"
expect 2 "tiny, small or full" -- "$bin" run -w null --size huge --db "$db"
expect 2 "repetitions" -- "$bin" run -w null -r 0 --db "$db"
expect 2 "this host has" -- "$bin" run -w null --slice cpus=1000 --db "$db"
expect 2 "at least 128M" -- "$bin" run -w null --slice mem=1K --db "$db"
expect 2 "cpus=N,mem=SIZE" -- "$bin" run -w null --slice disk=1G --db "$db"
expect 2 "sets cpus= or mem= itself" -- "$bin" run -w null -e native:mem=1G --slice mem=512M --db "$db"
expect 2 "--resume continues" -- "$bin" run --resume 1 --slice cpus=1 --db "$db"
expect 2 "stress: seconds must be" -- "$bin" run -w stress -o stress.seconds=0.5 --db "$db"
expect 2 "filetask: writes" -- "$bin" run -w filetask -o filetask.bytes=10 -o filetask.writes=20 --db "$db"
expect 2 "not a readable file" -- "$bin" run -w compress --input "$dir/missing" --db "$db"
expect 2 "array-size must be size 1M..1T or auto, not .512K." -- "$bin" run -w stream -o array-size=512K --db "$db"
expect 2 "cpu-server must be cpu: auto.low.high.all.N" -- "$bin" run -w netlat -o cpu-server=fast --db "$db"
expect 2 "unknown command" -- "$bin" frobnicate
expect 2 "no run '42'" -- "$bin" report 42 --db "$db"
expect 2 "no database" -- "$bin" report --db "$dir/none.db"
test ! -e "$dir/none.db" || { echo "FAIL: report created a database"; fail=1; }
expect 2 "report: --format takes" -- "$bin" report --format pdf --db "$db"
# the fleet commands: facts, merge, report --by host
expect 2 "facts: takes no arguments" -- "$bin" facts extra
expect 2 "report: --by takes host" -- "$bin" report --by disk --db "$db"
expect 2 "no run '42'" -- "$bin" report --by host 42 --db "$db"
expect 2 "merge: needs OUT.db" -- "$bin" merge "$dir/m.db"
expect 2 "is the output database itself" -- "$bin" merge "$db" "$db"
cp "$db" "$dir/v3.db" && sqlite3 "$dir/v3.db" 'PRAGMA user_version=3'
expect 2 "schema version 3" -- "$bin" merge "$dir/m.db" "$dir/v3.db"
test ! -e "$dir/m.db" || { echo "FAIL: a refused merge made its output database"; fail=1; }
expect 2 "schema version 3" -- "$bin" merge "$dir/v3.db" "$db"
expect 2 "db path too long" -- "$bin" report --db "$(printf 'x%.0s' $(seq 5000))"
expect 2 "container, docker, podman, runc, runsc or lxc" -- "$bin" paper --container lxd --db "$db"
expect 2 "tiny, small or full" -- "$bin" paper --size huge --db "$db"
expect 2 "unknown environment 'mars'" -- "$bin" paper --extra-envs mars --db "$db"
if [ "$(id -u)" = 0 ]; then
    expect 2 "cannot write into the report's directory" -- "$bin" paper -o "$dir/no/such/r.html" --db "$db"
else
    expect 2 "needs root" -- "$bin" paper --db "$db"
fi

after=$(sqlite3 "$db" 'SELECT count(*) FROM measurements'):$(sqlite3 "$db" 'SELECT count(*) FROM runs')
[ "$before" = "$after" ] || { echo "FAIL: store changed $before -> $after"; fail=1; }

# A corrupt database and a foreign one are left byte for byte as they were.
head -c 5000 /dev/urandom >"$dir/corrupt.db"
sum=$(sha256sum <"$dir/corrupt.db")
expect 2 "corrupt\|not a database" -- "$bin" run -w null --db "$dir/corrupt.db"
[ "$sum" = "$(sha256sum <"$dir/corrupt.db")" ] || { echo "FAIL: corrupt db modified"; fail=1; }
sqlite3 "$dir/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES(1)'
sum=$(sha256sum <"$dir/other.db")
expect 2 "not an isobench database" -- "$bin" run -w null --db "$dir/other.db"
[ "$sum" = "$(sha256sum <"$dir/other.db")" ] || { echo "FAIL: foreign db modified"; fail=1; }
# Unwritable location.
touch "$dir/file"
expect 2 "cannot" -- "$bin" run -w null --db "$dir/file/sub/r.db"

# A measurement that fails: exit 1, stored as a failure.
"$bin" run -w null -o fail=1 -r 1 --db "$db" >/dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || { echo "FAIL: failing measurement exit $rc"; fail=1; }
[ "$(sqlite3 "$db" "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" = failed ] || { echo "FAIL: status"; fail=1; }

[ $fail = 0 ] && echo "e2e bad input: ok"
exit $fail
