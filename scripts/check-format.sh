#!/usr/bin/env bash
# Every C file in the repository is as clang-format (.clang-format) writes it.
# Prints the files that differ and fails; `clang-format -i FILE` mends one.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r f; do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.c' '*.h')
if [ ${#bad[@]} -gt 0 ]; then
	echo "error: ${#bad[@]} file(s) differ from .clang-format; run clang-format -i on them:" >&2
	printf '  %s\n' "${bad[@]}" >&2
	exit 1
fi
echo "format: every C file matches .clang-format"
