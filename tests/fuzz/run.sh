#!/usr/bin/env bash
# Builds every tests/fuzz/fuzz_*.c as a libFuzzer target (ASan + UBSan) and
# runs each for a bounded time. Exits non-zero if any target fails to build or
# finds a crash.
#
#   tests/fuzz/run.sh                 all targets, FUZZ_SECONDS (default 30) each
#   tests/fuzz/run.sh knock keyfile   only fuzz_knock and fuzz_keyfile
#   FUZZ_SECONDS=300 FUZZ_BUILD=build-fuzz2 tests/fuzz/run.sh
#
# Seeds: tests/fuzz/corpus/<name>/ (name = file name without fuzz_ and .c) is
# read but never written; inputs libFuzzer discovers go to
# $FUZZ_BUILD/corpus/<name>/, crashes to $FUZZ_BUILD/artifacts/.
# A dictionary tests/fuzz/<name>.dict is used if present.
set -euo pipefail

cd "$(dirname "$0")/../.."
OUT=${FUZZ_BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-30}
CC=${FUZZ_CC:-clang}
PKGS="libpcap libsodium libnftables libnftnl libmnl sqlite3 inih libseccomp"

CFLAGS="-g -O1 -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -Isrc/lib -Isrc/daemon
        $(pkg-config --cflags $PKGS)"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
LIBS="$(pkg-config --libs $PKGS) -lm"

mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts"

# 1. The code under test, instrumented, in one archive so each target links
#    only what it uses.
objs=()
for src in src/lib/*.c src/daemon/*.c; do
	[ "$src" = src/daemon/posternd.c ] && continue
	obj="$OUT/obj/${src//\//_}"
	obj="${obj%.c}.o"
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find src -name '*.h' -newer "$obj" -print -quit)" ]; then
		$CC $CFLAGS -fsanitize=fuzzer-no-link $SAN -c "$src" -o "$obj"
	fi
	objs+=("$obj")
done
rm -f "$OUT/libpostern-fuzz.a"
ar rcs "$OUT/libpostern-fuzz.a" "${objs[@]}"

# 2. The targets.
if [ $# -gt 0 ]; then
	targets=()
	for n in "$@"; do targets+=("tests/fuzz/fuzz_${n#fuzz_}.c"); done
else
	targets=(tests/fuzz/fuzz_*.c)
fi

failed=()
for src in "${targets[@]}"; do
	[ -e "$src" ] || { echo "fuzz: no such target: $src" >&2; failed+=("$src"); continue; }
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin="$OUT/fuzz_$name"
	if ! $CC $CFLAGS -fsanitize=fuzzer $SAN "$src" "$OUT/libpostern-fuzz.a" $LIBS -o "$bin"; then
		echo "fuzz: $name: build failed" >&2
		failed+=("$name")
		continue
	fi

	corpus=("$OUT/corpus/$name")
	mkdir -p "${corpus[0]}"
	[ -d "tests/fuzz/corpus/$name" ] && corpus+=("tests/fuzz/corpus/$name")
	opts=(-max_total_time="$SECS" -timeout=10 -print_final_stats=1
	      -artifact_prefix="$OUT/artifacts/$name-")
	[ -f "tests/fuzz/$name.dict" ] && opts+=(-dict="tests/fuzz/$name.dict")

	echo "fuzz: $name for ${SECS}s (log: $OUT/$name.log)"
	if "$bin" "${opts[@]}" "${corpus[@]}" >"$OUT/$name.log" 2>&1; then
		grep -E '^stat::number_of_executed_units' "$OUT/$name.log" | sed "s/^/fuzz: $name: /" || true
	else
		echo "fuzz: $name: FAILED; last lines of $OUT/$name.log:" >&2
		tail -n 40 "$OUT/$name.log" >&2
		failed+=("$name")
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} target(s) ran clean"
