#!/usr/bin/env bash
# Installs what is needed, builds an optimised isobench and runs the quick
# suite (CPU/memory workloads, tiny preset) on every environment available
# here, printing the overhead table. Extra arguments go to `isobench run`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
envs=$(./build/isobench list | awk '/^environments:/{f=1;next} /^reporters:/{f=0} f && $2=="available" && $1!="null"{printf "%s%s", s, $1; s=","}')
echo "environments available here: $envs"
exec ./build/isobench run -w stream,randomaccess,compress,linpack -e "$envs" --size tiny -r 3 "$@"
