#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — builds the libFuzzer targets (tests/fuzz/,
# docs/FUZZING.md) with clang, ASan and UBSan in build-fuzz/, and runs each
# for SECONDS (default 60) on a copy of its seed corpus: new inputs go to a
# scratch directory (build-fuzz/fuzz-runs/), never into the repository.
# Runs FUZZ_JOBS targets at a time (default: the number of cores);
# FUZZ_TARGETS="manifest rdf" runs only those. Prints one table (target,
# seconds, executions, exec/s, corpus size, new coverage features) and exits
# non-zero if any target crashed, leaked, timed out or tripped a sanitizer,
# naming the reproducer to keep in tests/fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
JOBS=${FUZZ_JOBS:-$(nproc)}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
case "$SECS" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;; esac
command -v clang >/dev/null || { echo "fuzz.sh: clang is not installed (scripts/packages.txt)" >&2; exit 2; }

echo "== building the fuzz targets in $BUILD (clang, libFuzzer, ASan, UBSan)"
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCAIRN_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target fuzz_all -j"$JOBS" >"$BUILD/fuzz-build.log" 2>&1 || {
  tail -40 "$BUILD/fuzz-build.log"; echo "fuzz.sh: the build failed" >&2; exit 1; }

if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for f in "$BUILD"/fuzz/fuzz_*; do
    t=$(basename "$f"); t=${t#fuzz_}
    case "$t" in replay_*) continue ;; esac
    targets+=("$t")
  done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no fuzz targets were built" >&2; exit 1; }

RUN="$BUILD/fuzz-runs/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "== running ${#targets[@]} targets for ${SECS}s each, $JOBS at a time; scratch: $RUN"

run_one() {
  local t=$1 dir="$RUN/$1"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  if [ -d "tests/fuzz/corpus/$t" ]; then
    cp tests/fuzz/corpus/"$t"/* "$dir/corpus/" 2>/dev/null || true
  fi
  local rc=0
  "$BUILD/fuzz/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
    >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}

running=0
for t in "${targets[@]}"; do
  if [ ! -x "$BUILD/fuzz/fuzz_$t" ]; then
    echo "fuzz.sh: no target fuzz_$t" >&2; exit 2
  fi
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=0
printf '\n%-12s %8s %12s %8s %7s %9s  %s\n' target seconds executions exec/s corpus new_feat result
for t in "${targets[@]}"; do
  dir="$RUN/$t" log="$RUN/$t/log"
  rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
  # A log may lack any of these (a crash at start): never fatal here.
  fstat_() { sed -n "s/^stat::$1: *//p" "$log" 2>/dev/null | tail -1; }
  execs=$(fstat_ number_of_executed_units); eps=$(fstat_ average_exec_per_sec)
  secs=$( (grep -o 'Done [0-9]* runs in [0-9]* second' "$log" || true) | tail -1 | awk '{print $5}')
  ft0=$( (grep -m1 'INITED' "$log" || true) | (grep -o 'ft: [0-9]*' || true) | awk '{print $2}')
  ft1=$( (grep -E '^#[0-9]+' "$log" || true) | (grep -o 'ft: [0-9]*' || true) | tail -1 | awk '{print $2}')
  corp=$(find "$dir/corpus" -type f | wc -l)
  newft=$(( ${ft1:-0} - ${ft0:-0} ))
  artifacts=$(find "$dir/artifacts" -type f 2>/dev/null | sort)
  result=ok
  if [ "$rc" != 0 ] || [ -n "$artifacts" ] ||
    grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
    result=FAILED; failed=1
  fi
  printf '%-12s %8s %12s %8s %7s %9s  %s\n' "$t" "${secs:-?}" "${execs:-?}" "${eps:-?}" \
    "$corp" "$newft" "$result"
done
if [ "$failed" = 1 ]; then
  echo
  for t in "${targets[@]}"; do
    dir="$RUN/$t"
    a=$(find "$dir/artifacts" -type f 2>/dev/null | sort)
    if [ "$(cat "$dir/rc" 2>/dev/null || echo 1)" != 0 ] || [ -n "$a" ]; then
      echo "== $t failed (log: $dir/log)"
      grep -E 'ERROR:|runtime error:|SUMMARY:' "$dir/log" | head -5 || true
      for f in $a; do
        echo "reproducer: $f  (replay: $BUILD/fuzz/fuzz_$t $f; keep it in tests/fuzz/corpus/$t/)"
      done
    fi
  done
  exit 1
fi
echo "fuzz.sh: no crash, leak, timeout or sanitizer report"
