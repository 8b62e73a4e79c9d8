#!/usr/bin/env bash
# tests/run-all.sh BUILD — the unit tests, then (as root) the integration
# tests; ends with one line "N passed, N failed" counting test programs and
# scripts of both. Exit status 0 only if everything passed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

total_passed=0
total_failed=0
total_skipped=0

# run_suite LABEL CMD...: runs a runner, shows its output, and adds the
# counts of its closing "LABEL: N passed, N failed" line. A runner that
# fails without such a line counts as one failure.
run_suite() {
	local label=$1; shift
	"$@" 2>&1 | tee "$out"
	local rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E "^$label: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$" "$out" | tail -n 1)
	if [ -n "$line" ]; then
		local p f s
		p=$(sed -E 's/^[a-z]+: ([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		s=$(sed -nE 's/.* ([0-9]+) skipped$/\1/p' <<<"$line")
		total_passed=$((total_passed + p))
		total_failed=$((total_failed + f))
		total_skipped=$((total_skipped + ${s:-0}))
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && total_failed=$((total_failed + 1))
	elif [ "$rc" -ne 0 ]; then
		echo "$label: runner failed (exit $rc) without a summary"
		total_failed=$((total_failed + 1))
	fi
	return 0
}

run_suite unit "$here/unit/run.sh" "$build"
if [ "$(id -u)" -eq 0 ]; then
	run_suite integration "$here/integration/run.sh" "$build"
else
	echo "integration: skipped (needs root)"
fi

echo
# Skips are reported apart, so that the last line is exactly
# "N passed, N failed".
[ "$total_skipped" -eq 0 ] || echo "($total_skipped skipped)"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
