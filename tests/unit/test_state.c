/* test_state — the replay store on real SQLite files in a temporary directory.
 *
 * Write failures are produced for real, in ways that also stop root:
 * RLIMIT_FSIZE (the kernel refuses writes past the limit with EFBIG, root
 * included) and a second connection holding the write lock. A full disk is
 * tested by tests/integration/test_state_full.sh on a tiny tmpfs. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "state.h"
#include "state_int.h"

struct fixture {
	char dir[64];
	char db[128];
};

static int setup(void **ctx)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/postern-test-state-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/state.db", f->dir);
	*ctx = f;
	return 0;
}

/* The directory holds only flat files (db, -wal, -shm, test files). */
static int teardown(void **ctx)
{
	struct fixture *f = *ctx;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[sizeof f->dir + 260];
		snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void nonce_of(uint8_t n[KNOCK_NONCE_BYTES], uint32_t i)
{
	memset(n, 0xA5, KNOCK_NONCE_BYTES);
	memcpy(n, &i, sizeof i);
}

static struct state *open_ok(const struct fixture *f)
{
	struct errbuf err = { "" };
	struct state *s = state_open(f->db, &err);
	if (!s)
		fail_msg("state_open: %s", err.msg);
	return s;
}

static enum state_result record(struct state *s, const char *user, uint32_t i,
	uint64_t t)
{
	uint8_t n[KNOCK_NONCE_BYTES];
	nonce_of(n, i);
	struct errbuf err = { "" };
	return state_record_knock(s, user, n, t, &err);
}

static void test_fresh_then_replay(void **ctx)
{
	struct state *s = open_ok(*ctx);
	assert_int_equal(record(s, "alice", 1, 1000), STATE_FRESH);
	assert_int_equal(record(s, "alice", 1, 1000), STATE_REPLAY);
	/* The knock time is not part of the key: a replay with a new
	 * timestamp is still the same nonce. */
	assert_int_equal(record(s, "alice", 1, 2000), STATE_REPLAY);
	assert_int_equal(record(s, "alice", 2, 1000), STATE_FRESH);
	state_close(s);
}

static void test_same_nonce_other_user_is_fresh(void **ctx)
{
	struct state *s = open_ok(*ctx);
	assert_int_equal(record(s, "alice", 7, 1000), STATE_FRESH);
	assert_int_equal(record(s, "bob", 7, 1000), STATE_FRESH);
	assert_int_equal(record(s, "bob", 7, 1000), STATE_REPLAY);
	state_close(s);
}

static void test_durable_across_close_and_open(void **ctx)
{
	struct state *s = open_ok(*ctx);
	assert_int_equal(record(s, "alice", 3, 1000), STATE_FRESH);
	state_close(s);
	s = open_ok(*ctx);
	assert_int_equal(record(s, "alice", 3, 1000), STATE_REPLAY);
	state_close(s);
}

/* The "daemon killed" restart: a process records a knock and dies without
 * closing (no checkpoint, WAL left behind); the next process must see it. */
static void test_durable_across_crash(void **ctx)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct state *s = state_open(((struct fixture *)*ctx)->db, NULL);
		_exit(s && record(s, "alice", 4, 1000) == STATE_FRESH ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct state *s = open_ok(*ctx);
	assert_int_equal(record(s, "alice", 4, 1000), STATE_REPLAY);
	state_close(s);
}

static void test_prune(void **ctx)
{
	struct state *s = open_ok(*ctx);
	assert_int_equal(record(s, "alice", 1, 100), STATE_FRESH);
	assert_int_equal(record(s, "alice", 2, 200), STATE_FRESH);
	assert_int_equal(record(s, "bob", 3, 300), STATE_FRESH);
	struct errbuf err = { "" };
	assert_int_equal(state_prune(s, 250, &err), 2);
	assert_int_equal(state_prune(s, 250, &err), 0);
	/* Pruned records are forgotten, kept ones still refuse. */
	assert_int_equal(record(s, "alice", 1, 100), STATE_FRESH);
	assert_int_equal(record(s, "bob", 3, 300), STATE_REPLAY);
	state_close(s);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_created_0600(void **ctx)
{
	struct fixture *f = *ctx;
	mode_t old = umask(0);
	struct state *s = open_ok(f);
	umask(old);
	assert_int_equal(record(s, "alice", 1, 1), STATE_FRESH);
	assert_int_equal(mode_of(f->db), 0600);
	char wal[sizeof f->db + 8];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	assert_int_equal(mode_of(wal), 0600);
	state_close(s);
}

static void test_existing_file_tightened(void **ctx)
{
	struct fixture *f = *ctx;
	FILE *fp = fopen(f->db, "w"); /* an empty file is an empty database */
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(chmod(f->db, 0644), 0);
	struct state *s = open_ok(f);
	assert_int_equal(mode_of(f->db), 0600);
	state_close(s);
}

/* Writes fail for real (EFBIG beyond RLIMIT_FSIZE, even for root): the
 * answer is STATE_ERROR, never FRESH, and the store answers correctly once
 * writing works again. Nothing is printed while the limit is set. */
static void test_write_failure_then_recovery(void **ctx)
{
	struct state *s = open_ok(*ctx);
	assert_int_equal(record(s, "alice", 1, 1000), STATE_FRESH);

	struct rlimit old, tiny;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	tiny = old;
	tiny.rlim_cur = 1;
	void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
	uint8_t n[KNOCK_NONCE_BYTES];
	nonce_of(n, 2);
	struct errbuf err = { "" };
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	enum state_result r1 = state_record_knock(s, "alice", n, 1000, &err);
	enum state_result r2 = state_record_knock(s, "alice", n, 1000, NULL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);

	assert_int_equal(r1, STATE_ERROR);
	assert_int_equal(r2, STATE_ERROR);
	assert_non_null(strstr(err.msg, "state.db"));
	assert_non_null(strstr(err.msg, "alice"));
	/* The failed knock was not recorded; the earlier one still is. */
	assert_int_equal(record(s, "alice", 2, 1000), STATE_FRESH);
	assert_int_equal(record(s, "alice", 2, 1000), STATE_REPLAY);
	assert_int_equal(record(s, "alice", 1, 1000), STATE_REPLAY);
	state_close(s);
}

/* Another process holds the write lock longer than the busy timeout: the
 * knock is refused (fail closed), and accepted once the lock is gone. */
static void test_locked_database_refuses(void **ctx)
{
	struct fixture *f = *ctx;
	struct state *s = open_ok(f);
	sqlite3 *other;
	assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
		SQLITE_OK);
	uint8_t n[KNOCK_NONCE_BYTES];
	nonce_of(n, 9);
	struct errbuf err = { "" };
	assert_int_equal(state_record_knock(s, "alice", n, 1, &err), STATE_ERROR);
	assert_non_null(strstr(err.msg, "locked"));
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(record(s, "alice", 9, 1), STATE_FRESH);
	state_close(s);
}

static void test_not_a_database_refused(void **ctx)
{
	struct fixture *f = *ctx;
	FILE *fp = fopen(f->db, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database file. ", fp);
	fclose(fp);
	struct errbuf err = { "" };
	assert_null(state_open(f->db, &err));
	assert_non_null(strstr(err.msg, "not a database"));
}

static void test_other_schema_version_refused(void **ctx)
{
	struct fixture *f = *ctx;
	state_close(open_ok(f));
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=7", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	struct errbuf err = { "" };
	assert_null(state_open(f->db, &err));
	assert_non_null(strstr(err.msg, "schema version 7"));
}

static void test_missing_directory_refused(void **ctx)
{
	struct fixture *f = *ctx;
	char path[sizeof f->dir + 32];
	snprintf(path, sizeof path, "%s/nonexistent/state.db", f->dir);
	struct errbuf err = { "" };
	assert_null(state_open(path, &err));
	assert_non_null(strstr(err.msg, "nonexistent"));
}

static void test_lease_history(void **ctx)
{
	struct fixture *f = *ctx;
	struct state *s = open_ok(f);
	struct addr a;
	assert_true(addr_parse("2001:db8::5", &a));
	struct portspec p = { .proto = 6, .port = 22 };
	struct errbuf err = { "" };
	assert_int_equal(state_record_lease(s, "alice", &a, &p, 1700000000, 30, &err), 0);
	state_close(s);

	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT user, addr, proto, port, "
		"opened_at, lease FROM leases", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "alice");
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "2001:db8::5");
	assert_int_equal(sqlite3_column_int(st, 2), 6);
	assert_int_equal(sqlite3_column_int(st, 3), 22);
	assert_int_equal(sqlite3_column_int64(st, 4), 1700000000);
	assert_int_equal(sqlite3_column_int(st, 5), 30);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static off_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Commits write only the WAL (one flush each, before a door opens); the
 * database file grows only when state_checkpoint is asked, and only past
 * its threshold of 1000 WAL pages. */
static void test_checkpoint_only_when_asked(void **ctx)
{
	const struct fixture *f = *ctx;
	struct state *s = open_ok(f);
	struct errbuf err = { "" };
	/* Durability is not what this test is about: no flushes, so it is quick. */
	assert_int_equal(sqlite3_exec(state_sqlite(s), "PRAGMA synchronous=OFF", NULL,
		NULL, NULL), SQLITE_OK);
	assert_int_equal(record(s, "alice", 0, 1000), STATE_FRESH);
	assert_int_equal(state_checkpoint(s, &err), 0); /* below the threshold */
	off_t before = file_size(f->db);
	for (uint32_t i = 1; i < 1500; i++)
		assert_int_equal(record(s, "alice", i, 1000 + i), STATE_FRESH);
	/* SQLite's automatic checkpoint would have run by now. */
	assert_true(file_size(f->db) == before);
	if (state_checkpoint(s, &err) != 0)
		fail_msg("state_checkpoint: %s", err.msg);
	assert_true(file_size(f->db) > before);
	assert_int_equal(record(s, "alice", 7, 1007), STATE_REPLAY);
	state_close(s);
}

static off_t wal_size(const struct fixture *f)
{
	char wal[sizeof f->db + 8];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	return file_size(wal);
}

static int pragma_int(struct state *s, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(state_sqlite(s), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* As posternd opens its store. */
static struct state *open_reserved(const struct fixture *f)
{
	struct state *s = open_ok(f);
	struct errbuf err = { "" };
	if (state_reserve_wal(s, &err) != 0)
		fail_msg("state_reserve_wal: %s", err.msg);
	return s;
}

/* posternd's store has its WAL written through to the reserve (later
 * commits rewrite its blocks instead of growing it), and every commit is
 * still flushed: synchronous=FULL. An admin tool's state_open alone does
 * not fill it. */
static void test_wal_reserved(void **ctx)
{
	struct state *s = open_ok(*ctx);
	assert_true(wal_size(*ctx) < 1000 * 4096);
	state_close(s);
	s = open_reserved(*ctx);
	assert_true(wal_size(*ctx) >= 1000 * 4096);
	assert_int_equal(pragma_int(s, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(record(s, "alice", 1, 1000), STATE_FRESH);
	assert_int_equal(record(s, "alice", 1, 1000), STATE_REPLAY);
	state_close(s);
}

/* The housekeeping checkpoint keeps the WAL at its reserve: within it the
 * size never changes, a WAL grown past it by a burst is cut back to it, and
 * commits after the checkpoint rewrite it from the start. */
static void test_wal_keeps_size_across_checkpoint(void **ctx)
{
	const struct fixture *f = *ctx;
	struct state *s = open_reserved(f);
	struct errbuf err = { "" };
	off_t reserve = wal_size(f);
	/* Durability is not what this test is about: no flushes, so it is quick. */
	assert_int_equal(sqlite3_exec(state_sqlite(s), "PRAGMA synchronous=OFF", NULL,
		NULL, NULL), SQLITE_OK);
	uint32_t i = 0;
	for (; i < 400; i++) /* two pages each: within the reserve */
		assert_int_equal(record(s, "alice", i, 1000 + i), STATE_FRESH);
	assert_true(wal_size(f) == reserve);
	for (; i < 1500; i++) /* past it */
		assert_int_equal(record(s, "alice", i, 1000 + i), STATE_FRESH);
	assert_true(wal_size(f) > reserve);
	if (state_checkpoint(s, &err) != 0)
		fail_msg("state_checkpoint: %s", err.msg);
	assert_true(wal_size(f) == reserve);
	for (; i < 1600; i++)
		assert_int_equal(record(s, "alice", i, 1000 + i), STATE_FRESH);
	assert_true(wal_size(f) == reserve);
	assert_int_equal(record(s, "alice", 7, 1007), STATE_REPLAY);
	assert_int_equal(record(s, "alice", 1499, 2499), STATE_REPLAY);
	assert_int_equal(record(s, "alice", 1599, 2599), STATE_REPLAY);
	state_close(s);
}

/* An admin tool holding the write lock when housekeeping checkpoints: the
 * checkpoint copies the WAL back and reports no error; the WAL's restart
 * is left for later, and knocks commit as before once the lock is gone. */
static void test_checkpoint_with_writer_waiting(void **ctx)
{
	const struct fixture *f = *ctx;
	struct state *s = open_reserved(f);
	struct errbuf err = { "" };
	assert_int_equal(sqlite3_exec(state_sqlite(s), "PRAGMA synchronous=OFF", NULL,
		NULL, NULL), SQLITE_OK);
	uint32_t i = 0;
	for (; i < 520; i++) /* past the checkpoint threshold, within the reserve */
		assert_int_equal(record(s, "alice", i, 1000 + i), STATE_FRESH);
	sqlite3 *other;
	assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
		SQLITE_OK);
	if (state_checkpoint(s, &err) != 0)
		fail_msg("state_checkpoint with a writer waiting: %s", err.msg);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	if (state_checkpoint(s, &err) != 0)
		fail_msg("state_checkpoint: %s", err.msg);
	for (; i < 600; i++)
		assert_int_equal(record(s, "alice", i, 1000 + i), STATE_FRESH);
	assert_int_equal(record(s, "alice", 3, 1003), STATE_REPLAY);
	state_close(s);
}

/* A daemon killed after committing into a reserved WAL (its tail still
 * holds the fill's older frames): the next start recovers every committed
 * replay record, and takes the same reserved WAL without a new fill. */
static void test_restart_on_reserved_wal_recovers(void **ctx)
{
	const struct fixture *f = *ctx;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct state *s = state_open(f->db, NULL);
		bool ok = s != NULL && state_reserve_wal(s, NULL) == 0;
		for (uint32_t i = 0; ok && i < 20; i++)
			ok = record(s, "alice", i, 1000 + i) == STATE_FRESH;
		_exit(ok ? 0 : 1); /* no state_close: no checkpoint, WAL left */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	off_t left = wal_size(f);
	assert_true(left >= 1000 * 4096);
	struct state *s = open_reserved(f);
	assert_true(wal_size(f) == left);
	for (uint32_t i = 0; i < 20; i++)
		assert_int_equal(record(s, "alice", i, 1000 + i), STATE_REPLAY);
	assert_int_equal(record(s, "alice", 20, 1020), STATE_FRESH);
	state_close(s);
}

static void test_close_null(void **ctx)
{
	(void)ctx;
	state_close(NULL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fresh_then_replay),
		T(test_same_nonce_other_user_is_fresh),
		T(test_durable_across_close_and_open),
		T(test_durable_across_crash),
		T(test_prune),
		T(test_created_0600),
		T(test_existing_file_tightened),
		T(test_write_failure_then_recovery),
		T(test_locked_database_refuses),
		T(test_not_a_database_refused),
		T(test_other_schema_version_refused),
		T(test_missing_directory_refused),
		T(test_lease_history),
		T(test_checkpoint_only_when_asked),
		T(test_wal_reserved),
		T(test_wal_keeps_size_across_checkpoint),
		T(test_restart_on_reserved_wal_recovers),
		T(test_checkpoint_with_writer_waiting),
		cmocka_unit_test(test_close_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
