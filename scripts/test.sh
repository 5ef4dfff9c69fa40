#!/usr/bin/env bash
# Installs what is needed, builds with -Werror, runs every test, then builds
# the tests again under ASan+UBSan and runs them too, then runs every
# libFuzzer target for a bounded time (scripts/fuzz.sh). Exit non-zero on
# any failure. (Sanitizer builds are for tests only, never for benchmarking.)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
jobs=$(nproc)

echo "== style (clang-format)"
git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' | xargs clang-format --dry-run -Werror

echo "== layers (core <- workloads <- agent <- envs <- run <- cli; report on core only)"
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

echo "== ASan+UBSan build + all tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DISOBENCH_SANITIZE=ON -DISOBENCH_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j1)

echo "== fuzz: the parsers under libFuzzer + ASan/UBSan (${ISOBENCH_FUZZ_SECONDS:-30} s per target)"
./scripts/fuzz.sh "${ISOBENCH_FUZZ_SECONDS:-30}"
echo "== all tests passed"
