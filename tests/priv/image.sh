#!/usr/bin/env bash
# Root only: images built by `isobench image build` (debootstrap from the
# host's apt mirror) are what container:image=NAME and runc:image=NAME run
# on.
#  1. build a minimal image (only the packages isobench's own libraries
#     come from); list shows it; the same name again, a bad name and a
#     missing image are exit 2 with one line;
#  2. null and stream in container:image=NAME, runc:image=NAME and
#     vm:image=NAME (the guest moves into a root disk made from the image):
#     the agent reports the image it ran on (its /etc/isobench-image),
#     native none; vm:image=NAME,nested=container (container-in-VM) runs
#     in a container inside the guest: other pid namespace than the plain
#     guest's;
#  3. a hostile image whose mount targets (/.isobench, /data, /proc) are
#     symlinks to host paths: nothing is written or mounted on the host
#     (refused, or contained in the image);
#  4. SIGKILL during a build, then `isobench cleanup`: no partial tree, no
#     mount, no journal left; `image rm` removes the image.
set -uo pipefail
bin=$1
. "$(dirname "$0")/lib.sh"
priv_init "debootstrap, containers"
if ! command -v debootstrap >/dev/null; then
    [ "${CI:-}" = true ] && { echo "FAIL: debootstrap missing under CI (scripts/deps.sh installs it)"; exit 1; }
    echo "SKIP: debootstrap is not installed (apt-get install debootstrap)"; exit 77
fi
export ISOBENCH_IMAGE_DIR=$dir/images
before=$(leftovers)
img=isobtest
if ! "$bin" image build $img --packages none >"$dir/build.out" 2>&1; then
    # no route to the Debian mirror: a skip outside CI, a failure under CI
    if grep -qiE "resolve|connect|Temporary failure|Could not" "$dir/build.out" && [ "${CI:-}" != true ]; then
        echo "SKIP: the Debian mirror is not reachable: $(tail -1 "$dir/build.out")"; exit 77
    fi
    cat "$dir/build.out"; bad "image build failed"
fi
"$bin" image list | grep -q "^$img " || bad "image list does not show $img"
[ -f "$ISOBENCH_IMAGE_DIR/$img/debootstrap.log" ] || bad "no debootstrap log in the image"
for args in "build $img --packages none" "build Bad/Name" "build .x" "rm nosuchimage" "build"; do
    out=$("$bin" image $args 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "image $args: exit $rc: $out"
done
for spec in container:image=nosuchimage vm:image=nosuchimage vm:nested=container "vm:image=$img,nested=docker"; do
    out=$("$bin" run -w null -e "$spec" --db "$db" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] || bad "$spec: exit $rc: $out"
done
"$bin" run -w null,stream -e "native,container:image=$img,runc:image=$img,storage=volume,vm:image=$img,vm:image=$img,nested=container" -r 1 \
    --no-warmup --size tiny --db "$db" -o ntimes=2 --json >"$dir/out.json" 2>"$dir/err" ||
    { cat "$dir/err"; bad "runs on the image failed"; }
python3 - "$dir/out.json" "$img" <<'PY' || fail=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
img = sys.argv[2]
def bad(m): print("FAIL:", m); sys.exit(1)
if len(rows) != 10: bad(f"{len(rows)} samples, 10 expected")
vm = next(r for r in rows if r["env"] == f"vm:image={img}")
nest = next(r for r in rows if r["env"] == f"vm:image={img},nested=container")
if nest["facts"].get("nested") != "container": bad("the nested sample does not say nested=container")
if nest["facts"].get("ns.pid") == vm["facts"].get("ns.pid"): bad("nested=container ran in the guest's own pid namespace")
if nest["facts"].get("kernel") != vm["facts"].get("kernel"): bad("nested=container did not run on the guest's kernel")
for r in rows:
    if not r["ok"]: bad(f"{r['workload']} on {r['env']}: {r.get('error')}")
    want = None if r["env"] == "native" else img
    if r["facts"].get("image") != want: bad(f"{r['env']} ran on image {r['facts'].get('image')}, not {want}")
PY
[ "$(leftovers)" = "$before" ] || bad "runs left objects: $(leftovers)"
# A hostile image (a hard-linked copy of the built one): its mount targets
# are symlinks to host paths. Every mount must stay inside the container's
# root: refused, or made inside it - never a file or mount on the host.
hostile=$dir/hostile
cp -al "$ISOBENCH_IMAGE_DIR/$img/rootfs" "$hostile"
mkdir -p "$dir/escape" "$hostile/tmp/inside"
rm -rf "$hostile/.isobench" "$hostile/data" "$hostile/proc"
ln -s "$dir/escape" "$hostile/.isobench" # the agent's bind target
ln -s "$dir/escape" "$hostile/data"      # the data dir
ln -s /tmp/inside "$hostile/proc"        # exists inside the image: contained there
truncate -s 1T "$hostile/huge"           # a huge (sparse) file: the overlay's lower, never copied
cp /usr/bin/id "$hostile/usr/local/bin/suid-id" && chmod 4755 "$hostile/usr/local/bin/suid-id"
# Each run holds its sample 4 s (null sleep=4): the host is checked while
# the run's mounts stand, before the journal unwinds them. The escape dir
# is not empty (a mount over it would hide its file).
echo marker >"$dir/escape/marker"
for spec in "container:image=$hostile" "container:image=$hostile,storage=volume" "runc:image=$hostile" \
    "runsc:image=$hostile" "lxc:image=$hostile"; do
    "$bin" run -w null -e "$spec" -r 1 --no-warmup --size tiny -o sleep=4 --db "$db" >"$dir/hostile.out" 2>&1 &
    run=$!
    for _ in $(seq 30); do
        grep -q "$dir/escape" /proc/mounts && bad "$spec: a mount landed on the host: $(grep "$dir/escape" /proc/mounts)"
        [ "$(ls -A "$dir/escape")" = marker ] || bad "$spec: the image made isobench write on the host: $(ls -A "$dir/escape")"
        kill -0 $run 2>/dev/null || break
        sleep 0.2
    done
    wait $run; rc=$?
    out=$(cat "$dir/hostile.out")
    [ $rc = 0 ] || grep -q "refused\|ordinary directory" <<<"$out" ||
        bad "$spec: exit $rc without saying why: $(tail -2 <<<"$out")"
done
grep -q "$dir/escape" /proc/mounts && bad "a mount landed on the host: $(grep "$dir/escape" /proc/mounts)"
# fixed up so it runs: the huge file and the setuid binary stay contained -
# no_new_privs holds (setuid raises nothing), and the host's disk did not
# take the huge file's terabyte
rm -f "$hostile/.isobench" "$hostile/data"
mkdir -p "$hostile/data"
used0=$(df -k --output=used /var/lib /run | tail -n +2 | awk '{s += $1} END {print s}')
"$bin" run -w null -e "container:image=$hostile" -r 1 --no-warmup --size tiny --db "$db" --json >"$dir/hostile.json" 2>"$dir/hostile.err" ||
    { cat "$dir/hostile.err"; bad "the fixed-up hostile image did not run"; }
grep -q '"sandbox.no_new_privs":"1"' "$dir/hostile.json" || bad "no_new_privs is not set in the image's container"
used1=$(df -k --output=used /var/lib /run | tail -n +2 | awk '{s += $1} END {print s}')
[ $((used1 - used0)) -lt 1048576 ] || bad "the host's disk grew by $((used1 - used0)) KiB running an image with a huge file"
[ "$(leftovers)" = "$before" ] || bad "hostile image runs left objects: $(leftovers)"
"$bin" image build killed --packages none >/dev/null 2>&1 &
pid=$!
sleep 4
kill -KILL $pid
wait $pid 2>/dev/null
sleep 0.5
"$bin" cleanup >/dev/null || bad "cleanup after a killed build failed"
[ -z "$(ls -A "$ISOBENCH_IMAGE_DIR" | grep -v "^$img\$" | grep -v '^\.killed\.log$')" ] ||
    bad "a killed build left: $(ls -A "$ISOBENCH_IMAGE_DIR")"
grep -q "$ISOBENCH_IMAGE_DIR" /proc/mounts && bad "a killed build left mounts: $(grep "$ISOBENCH_IMAGE_DIR" /proc/mounts)"
"$bin" image rm $img >/dev/null || bad "image rm failed"
[ -e "$ISOBENCH_IMAGE_DIR/$img" ] && bad "image rm left $ISOBENCH_IMAGE_DIR/$img"
[ "$(leftovers)" = "$before" ] || bad "left objects: $(leftovers)"
[ $fail = 0 ] && echo "priv image: ok"
exit $fail
