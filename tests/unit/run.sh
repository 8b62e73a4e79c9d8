#!/usr/bin/env bash
# tests/unit/run.sh BUILD — runs every BUILD/tests/test_* (cmocka) binary,
# keeps going after a failure, and ends with "unit: N passed, N failed".
# Exit status: 0 if every binary passed, 1 otherwise.
set -uo pipefail

build=${1:-build}
passed=0
failed=0
failed_names=()

shopt -s nullglob
for t in "$build"/tests/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	echo "== unit: $name"
	# A unit test has no business taking minutes; the timeout turns a hang
	# into a failure instead of a stuck CI run.
	if timeout 120 "$t"; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name (exit $?)"
		failed=$((failed + 1))
		failed_names+=("$name")
	fi
done

[ "$failed" -eq 0 ] || echo "unit: failed: ${failed_names[*]}"
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
