#!/usr/bin/env bash
# The test command: installs dependencies, then
#   1. builds cairn (RelWithDebInfo, with coverage) and runs every test,
#      then reports coverage (scripts/coverage.sh; below 85% of lines fails);
#   2. builds it with AddressSanitizer + UndefinedBehaviorSanitizer (Debug)
#      and runs every test again;
#   3. builds it as a packager would (Release, -O3) and with clang, and runs
#      the unit tests in each;
#   4. builds the libFuzzer targets (clang) and runs each for FUZZ_SECONDS
#      (default 10; scripts/fuzz.sh, docs/FUZZING.md): any crash, leak,
#      timeout or sanitizer report fails the run. Skipped when arguments
#      select tests.
# Tests run as many at a time as there are cores; those that measure time,
# memory or descriptors run alone (RUN_SERIAL, tests/CMakeLists.txt).
# Every build treats warnings as errors (CAIRN_WERROR), and every C file must
# match .clang-format. Extra arguments go to every ctest run (e.g. -R backup,
# -L unit).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
jobs=$(nproc)
status=0
bash scripts/check-format.sh || status=1
build() { # dir, cmake args...
	local dir=$1
	shift
	echo "== build $dir"
	cmake -S . -B "$dir" -DCAIRN_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j"$jobs"
}
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_COVERAGE=ON
build build-asan -DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=ON
build build-release -DCMAKE_BUILD_TYPE=Release
CC=clang build build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo

echo "== tests (normal build)"
find build -name '*.gcda' -delete # counts from this run only
ctest --test-dir build --output-on-failure -j"$jobs" "$@" || status=1
# The coverage floor holds for the whole suite: a partial run only reports.
if [ $# -eq 0 ]; then
	bash scripts/coverage.sh --report build || status=1
else
	COVERAGE_FLOOR=0 bash scripts/coverage.sh --report build || status=1
fi
echo "== tests (ASan+UBSan build)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -j"$jobs" "$@" || status=1
echo "== unit tests (Release build)"
ctest --test-dir build-release --output-on-failure -j"$jobs" -L unit "$@" || status=1
echo "== unit tests (clang build)"
ctest --test-dir build-clang --output-on-failure -j"$jobs" -L unit "$@" || status=1
if [ $# -eq 0 ]; then
	echo "== fuzzing (every target ${FUZZ_SECONDS:-10} s)"
	bash scripts/fuzz.sh "${FUZZ_SECONDS:-10}" || status=1
fi
exit $status
