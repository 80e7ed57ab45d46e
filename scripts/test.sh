#!/usr/bin/env bash
# The test command: installs dependencies, builds cairn twice (normal, and
# with AddressSanitizer + UndefinedBehaviorSanitizer) and runs every test
# with ctest in both builds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
status=0
echo "== tests (normal build)"
ctest --test-dir build --output-on-failure -j1 "$@" || status=1
echo "== tests (ASan+UBSan build)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j1 "$@" || status=1
exit $status
