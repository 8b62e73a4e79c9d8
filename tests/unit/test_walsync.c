/* test_walsync — the state database's WAL flush (src/daemon/walsync.c).
 *
 * The settled prefix and the filesystem test run anywhere FIEMAP works.
 * The flushes themselves are checked on filesystems that
 * tests/integration/test_walsync.sh mounts for the purpose (loop-mounted
 * ext4 with and without a journal, a tmpfs), through
 *   POSTERN_WALSYNC_DIR     where to put the state database
 *   POSTERN_WALSYNC_EXPECT  "data-then-flush" or "whole"
 *   POSTERN_WALSYNC_DEVICE  the loop device's name (loop3), whose flush
 *                           count in sysfs must rise with every commit
 * and skipped without them. */
#include <fcntl.h>
#include <linux/falloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "state.h"
#include "walsync.h"

#define KIB 1024
#define COMMITS 12

static char scratch[64];

static int make_scratch(void **ctx)
{
	(void)ctx;
	snprintf(scratch, sizeof scratch, "/tmp/postern-test-walsync-XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int remove_scratch(void **ctx)
{
	(void)ctx;
	char path[128];
	snprintf(path, sizeof path, "%s/f", scratch);
	unlink(path);
	return rmdir(scratch);
}

static int scratch_file(void)
{
	char path[128];
	snprintf(path, sizeof path, "%s/f", scratch);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	return fd;
}

static void write_at(int fd, off_t at, size_t n)
{
	static char data[64 * KIB];
	memset(data, 0x5a, sizeof data);
	assert_true(n <= sizeof data);
	assert_int_equal(pwrite(fd, data, n, at), (ssize_t)n);
}

/* Written and flushed blocks count; a hole, preallocated blocks and blocks
 * not yet allocated end the prefix. */
static void test_written_prefix(void **ctx)
{
	(void)ctx;
	int fd = scratch_file();
	write_at(fd, 0, 64 * KIB);
	assert_int_equal(fsync(fd), 0);
	if (walsync_written_prefix(fd, 64 * KIB) < 0) {
		close(fd);
		skip(); /* no FIEMAP here */
	}
	assert_int_equal(walsync_written_prefix(fd, 64 * KIB), 64 * KIB);
	/* Never past the size asked about. */
	assert_int_equal(walsync_written_prefix(fd, 10 * KIB), 10 * KIB);

	/* Preallocated: allocated, but reads as zeros until written. */
	if (fallocate(fd, 0, 64 * KIB, 64 * KIB) == 0) {
		assert_int_equal(walsync_written_prefix(fd, 128 * KIB), 64 * KIB);
		write_at(fd, 64 * KIB, 64 * KIB);
		assert_int_equal(fsync(fd), 0);
		assert_int_equal(walsync_written_prefix(fd, 128 * KIB), 128 * KIB);
	} else {
		write_at(fd, 64 * KIB, 64 * KIB);
		assert_int_equal(fsync(fd), 0);
	}

	/* A hole, then data not yet flushed (delayed allocation on ext4). */
	write_at(fd, 256 * KIB, 4 * KIB);
	assert_int_equal(walsync_written_prefix(fd, 260 * KIB), 128 * KIB);
	assert_int_equal(fsync(fd), 0);
	assert_int_equal(walsync_written_prefix(fd, 260 * KIB), 128 * KIB);
	close(fd);
}

/* tmpfs is not ext4: the WAL is flushed whole there. */
static void test_tmpfs_is_not_eligible(void **ctx)
{
	(void)ctx;
	int fd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		skip();
	assert_false(walsync_fs_unjournalled_ext4(fd));
	close(fd);
}

static unsigned long long device_flushes(const char *device)
{
	char path[128];
	snprintf(path, sizeof path, "/sys/block/%s/stat", device);
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	/* The 16th field counts the flush requests the device completed. */
	unsigned long long v[17] = { 0 };
	int n = 0;
	while (n < 17 && fscanf(f, "%llu", &v[n]) == 1)
		n++;
	fclose(f);
	assert_true(n >= 16);
	return v[15];
}

static enum state_result commit_nonce(struct state *s, uint32_t i)
{
	uint8_t nonce[KNOCK_NONCE_BYTES];
	memset(nonce, 0x17, sizeof nonce);
	memcpy(nonce, &i, sizeof i);
	struct state_commit c = { .user = "alice", .replay_key = nonce,
		.knock_time = (uint64_t)time(NULL) };
	struct errbuf err = { "" };
	enum state_result r = state_commit(s, &c, &err);
	if (r == STATE_ERROR)
		fail_msg("state_commit: %s", err.msg);
	return r;
}

static void remove_state(const char *db)
{
	char path[4200];
	unlink(db);
	snprintf(path, sizeof path, "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", db);
	unlink(path);
}

/* A new state database in dir (db receives its path). */
static struct state *open_fresh(const char *dir, char *db, size_t size)
{
	snprintf(db, size, "%s/state.db", dir);
	remove_state(db);
	struct errbuf err = { "" };
	struct state *s = state_open(db, &err);
	if (!s)
		fail_msg("state_open: %s", err.msg);
	return s;
}

/* COMMITS fresh records; how their flushes were done. */
static struct walsync_counts commit_all(struct state *s)
{
	struct walsync_counts before, after;
	walsync_counts(&before);
	for (uint32_t i = 0; i < COMMITS; i++)
		assert_int_equal(commit_nonce(s, i), STATE_FRESH);
	walsync_counts(&after);
	return (struct walsync_counts){ .whole = after.whole - before.whole,
		.data_then_flush = after.data_then_flush - before.data_then_flush };
}

/* Commits on the filesystem the integration test mounted: each flushed the
 * way that filesystem calls for, the device flushed its cache for each,
 * and every record is there after the database is closed and opened. */
static void test_commit_flushes(void **ctx)
{
	(void)ctx;
	const char *dir = getenv("POSTERN_WALSYNC_DIR");
	const char *expect = getenv("POSTERN_WALSYNC_EXPECT");
	const char *device = getenv("POSTERN_WALSYNC_DEVICE");
	if (!dir || !expect)
		skip();
	if (device && !*device)
		device = NULL;
	bool fast = strcmp(expect, "data-then-flush") == 0;
	char db[4096];
	struct state *s = open_fresh(dir, db, sizeof db);
	struct errbuf err = { "" };
	assert_int_equal(state_reserve_wal(s, &err), 0);
	unsigned long long flushes = device ? device_flushes(device) : 0;
	struct walsync_counts n = commit_all(s);
	assert_int_equal(n.data_then_flush, fast ? COMMITS : 0);
	assert_int_equal(n.whole, fast ? 0 : COMMITS);
	if (device)
		assert_true(device_flushes(device) - flushes >= COMMITS);
	state_close(s);

	s = state_open(db, &err);
	assert_non_null(s);
	for (uint32_t i = 0; i < COMMITS; i++)
		assert_int_equal(commit_nonce(s, i), STATE_REPLAY);
	state_close(s);
	remove_state(db);
}

/* Without the reserve every commit grows the WAL: new blocks and a new
 * size are metadata, so every flush is whole, on any filesystem. */
static void test_growing_wal_flushes_whole(void **ctx)
{
	(void)ctx;
	const char *dir = getenv("POSTERN_WALSYNC_DIR");
	if (!dir)
		skip();
	char db[4096];
	struct state *s = open_fresh(dir, db, sizeof db);
	struct walsync_counts n = commit_all(s);
	assert_int_equal(n.data_then_flush, 0);
	assert_int_equal(n.whole, COMMITS);
	state_close(s);
	remove_state(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_written_prefix, make_scratch,
			remove_scratch),
		cmocka_unit_test(test_tmpfs_is_not_eligible),
		cmocka_unit_test(test_commit_flushes),
		cmocka_unit_test(test_growing_wal_flushes_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
