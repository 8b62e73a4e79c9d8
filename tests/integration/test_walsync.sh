#!/bin/bash
# test_walsync — how the state database's WAL is flushed, on real
# filesystems (root: loop devices and mounts).
# Usage: tests/integration/test_walsync.sh [BUILD_DIR]
#
# Mounts, one after the other (each with room for the WAL's reserve),
#   ext4 without a journal  commits flushed as their data, then a cache
#                           flush (walsync.c), which the loop device counts
#   ext4 with a journal     commits flushed whole (fdatasync of the WAL)
#   tmpfs                   the same
# and runs build/tests/test_walsync on each, which commits, checks how each
# flush was done, and checks every record is there after a reopen.
set -u
BUILD=${1:-build}
BIN=$BUILD/tests/test_walsync
NAME=test_walsync

if [ "$(id -u)" != 0 ]; then
	echo "SKIP $NAME: needs root (loop devices, mounts)"
	exit 77
fi
for tool in losetup mkfs.ext4; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP $NAME: no $tool"
		exit 77
	fi
done
if [ ! -x "$BIN" ]; then
	echo "FAIL $NAME: $BIN not built"
	exit 1
fi

# The images on a disk (not /tmp, which may be a tmpfs of limited size);
# sparse, so 160M each costs what the tests write.
WORK=$(mktemp -d /var/tmp/postern-walsync.XXXXXX)
MNT=$WORK/mnt
LOOP=""
cleanup() {
	mountpoint -q "$MNT" && umount "$MNT"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$MNT"

failed=0
# run_on LABEL EXPECT [DEVICE]: the unit test against what is mounted on MNT
run_on() {
	local label=$1 expect=$2 device=${3:-}
	local out
	# Both tests that need the mount must have run, not skipped.
	if out=$(POSTERN_WALSYNC_DIR=$MNT POSTERN_WALSYNC_EXPECT=$expect \
		POSTERN_WALSYNC_DEVICE=$device "$BIN" 2>&1) &&
	   grep -q 'OK \] test_commit_flushes' <<<"$out" &&
	   grep -q 'OK \] test_growing_wal_flushes_whole' <<<"$out"; then
		echo "PASS $NAME: $label: commits flushed $expect, records kept"
	else
		echo "$out"
		echo "FAIL $NAME: $label"
		failed=1
	fi
}

# mount_ext4 FEATURES: a fresh image with mkfs.ext4 -O FEATURES on MNT
mount_ext4() {
	rm -f "$WORK/fs.img"
	truncate -s 160M "$WORK/fs.img" &&
	mkfs.ext4 -q -F -O "$1" "$WORK/fs.img" &&
	LOOP=$(losetup -f --show "$WORK/fs.img") &&
	mount "$LOOP" "$MNT"
}

unmount() {
	umount "$MNT"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	LOOP=""
}

if mount_ext4 ^has_journal; then
	dev=${LOOP#/dev/}
	if [ "$(cat "/sys/fs/ext4/$dev/journal_task" 2>/dev/null)" != "<none>" ]; then
		echo "FAIL $NAME: sysfs does not say the journal-less ext4 on $LOOP has none"
		failed=1
	fi
	run_on "ext4 without a journal" data-then-flush "$dev"
	unmount
else
	echo "FAIL $NAME: cannot mount a journal-less ext4 on a loop device"
	failed=1
fi

if mount_ext4 has_journal; then
	run_on "ext4 with a journal" whole
	unmount
else
	echo "FAIL $NAME: cannot mount an ext4 on a loop device"
	failed=1
fi

if mount -t tmpfs -o size=128m,mode=0700 postern-walsync "$MNT"; then
	run_on "tmpfs" whole
	umount "$MNT"
else
	echo "FAIL $NAME: cannot mount a tmpfs"
	failed=1
fi

exit $failed
