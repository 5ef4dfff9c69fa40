#!/usr/bin/env bash
# Installs what is needed, builds an optimised isobench and runs the quick
# suite (memory, network latency, block I/O and Redis, tiny preset) on
# every environment available here, printing the overhead table. compress,
# linpack and mysql are left out for time (see README for their commands).
# runc and runsc get net=host (their bundles have no NAT network; the network
# workloads need a path from the peer namespace). docker is used when a
# dockerd answers (DOCKER_HOST or /var/run/docker.sock). Extra arguments go
# to `isobench run`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
envs=$(./build/isobench list | awk '/^environments:/{f=1;next} /^reporters:/{f=0} f && $2=="available" && $1!="null"{printf "%s%s", s, (($1=="runc" || $1=="runsc") ? $1 ":net=host" : $1); s=","}')
echo "environments available here: $envs"
exec ./build/isobench run -w stream,randomaccess,netlat,blockio,redis -e "$envs" --size tiny -r 6 "$@"
