#!/usr/bin/env bash
# tests/integration/run.sh BUILD — runs every tests/integration/test_*.sh
# BUILD (root only: they build network namespaces) with a per-test timeout,
# prints PASS/FAIL per script, keeps going after a failure, and ends with
# "integration: N passed, N failed[, N skipped]" (exit 77 = skipped).
# Exit status 0 only if none failed.
#
# INTEGRATION_TIMEOUT (seconds, default 300) bounds each script;
# TESTS="test_a.sh test_b.sh" runs only those.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
per_test=${INTEGRATION_TIMEOUT:-300}

if [ "$(id -u)" -ne 0 ]; then
	echo "integration: needs root (network namespaces, nftables)" >&2
	exit 1
fi

passed=0
failed=0
skipped=0
failed_names=()

shopt -s nullglob
if [ -n "${TESTS:-}" ]; then
	scripts=()
	for t in $TESTS; do scripts+=("$here/$(basename "$t")"); done
else
	scripts=("$here"/test_*.sh)
fi

for t in "${scripts[@]}"; do
	name=$(basename "$t")
	echo "== integration: $name"
	start=$SECONDS
	# --kill-after: a test that ignores TERM (stuck in cleanup) still ends.
	# TERM reaches the script, whose trap removes its namespaces.
	timeout --kill-after=20 "$per_test" bash "$t" "$build"
	rc=$?
	took=$((SECONDS - start))
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name (${took}s)"
		passed=$((passed + 1))
	elif [ "$rc" -eq 77 ]; then
		# 77: the automake convention for "cannot run here".
		echo "SKIP $name"
		skipped=$((skipped + 1))
	else
		[ "$rc" -eq 124 ] && why="timed out after ${per_test}s" || why="exit $rc"
		echo "FAIL $name ($why, ${took}s)"
		failed=$((failed + 1))
		failed_names+=("$name")
	fi
done

[ "$failed" -eq 0 ] || echo "integration: failed: ${failed_names[*]}"
summary="integration: $passed passed, $failed failed"
[ "$skipped" -eq 0 ] || summary+=", $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
