#!/usr/bin/env bash
# The README's main command: installs what is needed, builds an optimised
# isobench and runs the quick suite on every environment available here
# (`isobench run -e available`: the run's first line names those left out
# and why), prints the overhead table and writes the same run as
# isobench-quick.html, whose path is the last line printed.
#
#   scripts/quickstart.sh [--smoke] [ARGS for isobench run...]
#
# The quick suite: memory bandwidth (STREAM), network latency, block I/O
# and Redis at --size tiny, 6 rounds, each sample sized so that the whole
# run fits its budget on a 2-CPU host (10 minutes from a fresh machine,
# apt and the build included) while its CPU jobs run long enough to be
# measured: STREAM 10 passes, netlat 0.5 s per mode, three fio-like jobs of
# 1 s (sequential read, random read and write), Redis at 1 and 128
# clients. randomaccess, compress, linpack and mysql are left out for time
# (an emulated VM takes 9 s a sample of randomaccess alone): see README for
# their commands. The table's last notes say which overheads the rounds
# could not pin down to ±10 points here. --smoke runs the same
# path - the same packages, build, discovery and environments - for one
# round of the two fastest workloads; CI runs it (scripts/test.sh).
# When docker.io is installed but no dockerd answers (DOCKER_HOST or
# /var/run/docker.sock), a private dockerd is started for the run and
# stopped at the end, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=0
if [ "${1:-}" = --smoke ]; then
    smoke=1
    shift
fi
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

. scripts/lib/dockerd.sh
trap dockerd_private_stop EXIT
trap 'exit 130' INT TERM HUP
if command -v dockerd >/dev/null && ! dockerd_answers; then
    echo "quickstart: no dockerd answers: starting a private one for this run"
    dockerd_private_start || echo "quickstart: the private dockerd did not start" \
        "($(tail -1 "$dockerd_dir/log")): docker is left out"
fi

html=$PWD/isobench-quick.html
if [ "$smoke" = 1 ]; then
    args=(-w stream,netlat --size tiny -r 1 --no-warmup)
else
    args=(-w stream,netlat,blockio,redis --size tiny -r 6 -o stream.ntimes=10
        -o netlat.duration=0.5 -o blockio.jobs=seqread,randread,randwrite -o blockio.runtime=1
        -o redis.clients=1,128)
fi
rc=0
./build/isobench run -e available "${args[@]}" --html "$html" "$@" || rc=$?
[ -f "$html" ] && echo "quickstart: the HTML report: $html"
exit "$rc"
