#!/bin/bash
# test_state_full — the replay store on a full disk (root: mounts a tmpfs).
# Usage: tests/integration/test_state_full.sh [BUILD_DIR]
# Mounts a tiny tmpfs, runs build/tests/test_state_full on it (which fills it
# and checks STATE_ERROR, replays still refused, recovery), unmounts.
set -u
BUILD=${1:-build}
BIN=$BUILD/tests/test_state_full

if [ "$(id -u)" != 0 ]; then
	echo "SKIP test_state_full: needs root (mount)"
	exit 77
fi
if [ ! -x "$BIN" ]; then
	echo "FAIL test_state_full: $BIN not built"
	exit 1
fi

DIR=$(mktemp -d /tmp/postern-state-full.XXXXXX)
cleanup() {
	mountpoint -q "$DIR" && umount "$DIR"
	rmdir "$DIR" 2>/dev/null
}
trap cleanup EXIT

# 256k: room for the database, its WAL and the 32k -shm index, plus the
# test's 48k ballast; a few hundred knocks fill it.
if ! mount -t tmpfs -o size=256k,mode=0700 postern-test "$DIR"; then
	echo "FAIL test_state_full: cannot mount a tmpfs on $DIR"
	exit 1
fi

if POSTERN_STATE_DIR=$DIR "$BIN"; then
	echo "PASS test_state_full: disk full gives STATE_ERROR, replays still refused, recovers"
	exit 0
fi
echo "FAIL test_state_full"
exit 1
