#!/usr/bin/env bash
# Installs what is needed, checks style and layers, builds with -Werror, runs
# every test and the unit tests again as an unprivileged user (also without
# the workloads' programs), runs the
# README's main command in its smoke form (the quickstart's own path:
# discovery, every available environment, docker through a private
# dockerd, the HTML page), then builds the tests again
# under ASan+UBSan and runs them too, the threaded parts under
# ThreadSanitizer (scripts/tsan.sh), then runs every libFuzzer target for a
# bounded time (scripts/fuzz.sh). Exit non-zero on any failure. (Sanitizer
# builds are for tests only, never for benchmarking.)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
jobs=$(nproc)

echo "== style (clang-format)"
git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' | xargs clang-format --dry-run -Werror

echo "== layers (core <- workloads <- agent <- envs <- run <- cli; report on core only)"
./scripts/layers.sh
if [ -f ../shared/tools/layers.sh ]; then
    bash ../shared/tools/layers.sh .
elif [ -n "${CI:-}" ]; then
    echo "layers: ../shared/tools/layers.sh is missing beside this checkout" >&2
    exit 1
else
    echo "layers: ../shared/tools/layers.sh not beside this checkout: skipped"
fi

echo "== release build + all tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DISOBENCH_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j1)

echo "== the unit tests without root, then also without the workloads' programs (scripts/unit-nonroot.sh)"
./scripts/unit-nonroot.sh build
./scripts/unit-nonroot.sh --without-programs build

echo "== the README's main command, smoke form (scripts/quickstart.sh --smoke)"
smoke=$(mktemp -d /tmp/isobench-smoke-XXXXXX)
./scripts/quickstart.sh --smoke --db "$smoke/r.db" >"$smoke/out" 2>&1 || { cat "$smoke/out"; exit 1; }
tail -3 "$smoke/out"
# every environment available here ran (docker through the quickstart's own
# dockerd), every sample succeeded, the HTML page was written
./build/isobench list --json >"$smoke/list.json"
./build/isobench report latest --db "$smoke/r.db" --format json >"$smoke/run.json"
python3 - "$smoke/list.json" "$smoke/run.json" isobench-quick.html <<'PY'
import json, os, sys
inv, run = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
# docker: available during the run through the quickstart's own dockerd,
# which is stopped by now - so it is expected whatever list says after
picks = {e["pick"] for e in inv["environments"] if e["available"] and e["pick"]} | {"docker"}
ran = {e["spec"] for e in run["environments"]}
bad = []
if "docker" not in ran: bad.append("docker did not run (the quickstart's private dockerd?)")
if picks != ran: bad.append(f"ran {sorted(ran)}, available {sorted(picks)}")
failed = [f"{r['workload']} on {r['env']}" for r in run.get("failures", [])]
if failed: bad.append(f"failed samples: {failed}")
if os.path.getsize(sys.argv[3]) < 1000: bad.append("no HTML report")
for b in bad: print("smoke: FAIL:", b)
sys.exit(1 if bad else 0)
PY
rm -rf "$smoke"

echo "== ASan+UBSan build + all tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DISOBENCH_SANITIZE=ON -DISOBENCH_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j1)

echo "== ThreadSanitizer: the scenario engine's threads, blockio's, the runner (scripts/tsan.sh)"
./scripts/tsan.sh

echo "== fuzz: the parsers under libFuzzer + ASan/UBSan (${ISOBENCH_FUZZ_SECONDS:-30} s per target)"
./scripts/fuzz.sh "${ISOBENCH_FUZZ_SECONDS:-30}"
echo "== all tests passed"
