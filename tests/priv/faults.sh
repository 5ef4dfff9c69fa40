#!/usr/bin/env bash
# Root only: the result store on a file system that fills up.
#  1. a run stores its samples on a small tmpfs, a second run finds it
#     filling up mid-run: it stops with a clear error (exit 1, a line that
#     names the store and says it is full), nothing is left running or
#     mounted, the first run's rows are byte for byte what they were, the
#     database passes PRAGMA integrity_check, the samples of the second run
#     committed before the disk filled are still there, and once space is
#     back `isobench cleanup` marks the stopped run interrupted;
#  2. a store on a file system with no space at all: refused at the start,
#     one line, nothing started.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "mounting a small tmpfs"
before=$(leftovers)
mnt=$(mktemp -d /tmp/fulltest-XXXXXX)
mount -t tmpfs -o size=2M fulltest "$mnt" || { echo "FAIL: cannot mount a tmpfs"; exit 1; }
trap 'umount -l "$mnt" 2>/dev/null; rmdir "$mnt"; rm -rf "$dir"' EXIT
sdb=$mnt/r.db
"$bin" run -w null -e native -r 2 --no-warmup --size tiny --db "$sdb" >/dev/null 2>&1 || bad "the first run failed"
snap() { sqlite3 "$sdb" "SELECT m.id, m.workload, m.env, m.rep, x.name, x.value FROM measurements m JOIN metrics x ON x.measurement_id = m.id WHERE m.run_id = 1 ORDER BY 1, 5"; }
first=$(snap)
[ -n "$first" ] || bad "the first run stored nothing"
# leave about 256 KiB: a handful of null samples fit (each commit appends
# its pages to the WAL, beside its 32 KiB index; 96 KiB held one sample,
# then none once the agent reported a few more facts), 400 do not
free_kb=$(df -k --output=avail "$mnt" | tail -1)
dd if=/dev/zero of="$mnt/fill" bs=1k count=$((free_kb - 256)) status=none 2>/dev/null
out=$("$bin" run -w null -e native -r 400 --no-warmup --size tiny --db "$sdb" --json 2>"$dir/err" >"$dir/out.json"); rc=$?
err=$(cat "$dir/err")
[ $rc = 1 ] || bad "a run on a filling disk exited $rc (want 1): $(tail -2 <<<"$err")"
grep -qiE "full|No space" <<<"$err" || bad "the error does not say the disk is full: $(tail -2 <<<"$err")"
[ "$(sqlite3 "$sdb" 'PRAGMA integrity_check' 2>&1)" = ok ] || bad "integrity_check: $(sqlite3 "$sdb" 'PRAGMA integrity_check' 2>&1 | head -3)"
[ "$(snap)" = "$first" ] || bad "the first run's rows changed"
seen=$(grep -c '"rep":' "$dir/out.json")
kept=$(sqlite3 "$sdb" "SELECT count(*) FROM measurements WHERE run_id = 2")
[ "$kept" -ge "$seen" ] || bad "the second run reported $seen samples, the store keeps $kept"
[ "$seen" -ge 1 ] || bad "the second run committed nothing before the disk filled (the test proves less)"
rm -f "$mnt/fill"
"$bin" cleanup --db "$sdb" >/dev/null || bad "cleanup failed once space was back"
st=$(sqlite3 "$sdb" "SELECT status FROM runs WHERE id = 2")
case "$st" in interrupted | error) ;; *) bad "the stopped run is '$st'" ;; esac
[ "$(leftovers)" = "$before" ] || bad "the full-disk run left: $(leftovers)"
echo "full disk: stopped after $seen samples ($kept kept), run status $st"
# 2. no space at all: refused before anything starts
dd if=/dev/zero of="$mnt/fill" bs=1k status=none 2>/dev/null
out=$("$bin" run -w null -e container -r 2 --size tiny --db "$mnt/new.db" 2>&1 >/dev/null); rc=$?
[ $rc != 0 ] && [ "$(wc -l <<<"$out")" -le 2 ] && grep -qiE "full|No space" <<<"$out" ||
    bad "a store with no space: exit $rc: $out"
[ "$(leftovers)" = "$before" ] || bad "the no-space run left: $(leftovers)"
[ $fail = 0 ] && echo "priv faults: ok"
exit $fail
