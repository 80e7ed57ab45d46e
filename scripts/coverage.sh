#!/usr/bin/env bash
# Line and branch coverage of core/ and plugins/ by the test suite (gcc's
# gcov, reported by gcovr), per directory, with the total last.
#   scripts/coverage.sh               configure build-cov (RelWithDebInfo,
#                                     CAIRN_COVERAGE, CAIRN_WERROR), build, run
#                                     every test but the benchmarks, report
#   scripts/coverage.sh --report DIR  only report on DIR, a CAIRN_COVERAGE
#                                     build whose tests have run
# Exits non-zero when the total line coverage is below ${COVERAGE_FLOOR:-85}
# (percent). Tests, examples and the build tree are not measured.
# A process killed with SIGKILL writes no counts (.gcda): what it ran is
# missing from the measure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
floor=${COVERAGE_FLOOR:-85}
jobs=$(nproc)

usage() {
	echo "usage: scripts/coverage.sh [--report BUILD_DIR]" >&2
	exit 2
}

if [ $# -eq 0 ]; then
	dir=build-cov
	bash scripts/setup.sh
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_COVERAGE=ON -DCAIRN_WERROR=ON >/dev/null
	cmake --build "$dir" -j"$jobs"
	# Counts from an earlier run would add to this one's.
	find "$dir" -name '*.gcda' -delete
	start=$(date +%s)
	ctest --test-dir "$dir" --output-on-failure -j"$jobs" -LE bench || echo "coverage: some tests failed (the report below still counts what ran)" >&2
	echo "coverage: the suite took $(($(date +%s) - start)) s"
elif [ $# -eq 2 ] && [ "$1" = "--report" ]; then
	dir=$2
else
	usage
fi

[ -d "$dir" ] || {
	echo "coverage: $dir is not a directory; build with -DCAIRN_COVERAGE=ON and run its tests first" >&2
	exit 2
}
dir=$(cd "$dir" && pwd)
if ! find "$dir" -name '*.gcda' -print -quit | grep -q .; then
	echo "coverage: no counts (.gcda) in $dir; build with -DCAIRN_COVERAGE=ON and run its tests first" >&2
	exit 2
fi

summary="$dir/coverage-summary.json"
# gcovr's filters are regular expressions over paths relative to the working
# directory (the source root): core/ and plugins/, not the tests a plugin
# keeps beside its code (plugins/s3common/tests/). The build tree's own
# sources (none today) are outside both.
gcovr --root "$root" --object-directory "$dir" "$dir" \
	--filter 'core/' --filter 'plugins/' --exclude 'plugins/[^/]+/tests/' \
	--gcov-ignore-parse-errors -j"$jobs" \
	--json-summary "$summary" --html-details "$dir/coverage.html" >/dev/null
echo "coverage: details in $dir/coverage.html"

python3 - "$summary" "$floor" <<'EOF'
import json, sys
summary, floor = sys.argv[1], float(sys.argv[2])
files = json.load(open(summary))["files"]

def area(name):
    # core/src/<dir>, plugins/<dir>; files directly in core/src, and the
    # SDK headers, are their own rows.
    parts = name.split("/")
    if parts[0] == "core" and len(parts) > 3:
        return "/".join(parts[:3])
    if parts[0] == "core":
        return "/".join(parts[:2]) + ("" if parts[1] != "src" else " (top)")
    return "/".join(parts[:2])

rows = {}
for f in files:
    r = rows.setdefault(area(f["filename"]), [0, 0, 0, 0])
    r[0] += f["line_covered"]; r[1] += f["line_total"]
    r[2] += f["branch_covered"]; r[3] += f["branch_total"]

def pct(c, t):
    return 100.0 * c / t if t else 100.0

fmt = "%-28s %8s %8s %7s %9s %9s %7s"
print(fmt % ("directory", "lines", "of", "%", "branches", "of", "%"))
total = [0, 0, 0, 0]
for name in sorted(rows):
    r = rows[name]
    total = [a + b for a, b in zip(total, r)]
    print(fmt % (name, r[0], r[1], "%.1f" % pct(r[0], r[1]), r[2], r[3], "%.1f" % pct(r[2], r[3])))
print(fmt % ("total core/ + plugins/", total[0], total[1], "%.1f" % pct(total[0], total[1]),
             total[2], total[3], "%.1f" % pct(total[2], total[3])))
line = pct(total[0], total[1])
if line < floor:
    print("coverage: %.1f%% of lines in core/ and plugins/ ran, below the floor of %g%%; "
          "add tests for the files with most lines missed (coverage.html)" % (line, floor), file=sys.stderr)
    sys.exit(1)
EOF
