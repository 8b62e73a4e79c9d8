/* state — see state.h.
 *
 * Durability: the database runs in WAL mode with synchronous=FULL, so every
 * commit fsyncs the WAL before sqlite3_step() returns SQLITE_DONE. Each
 * replay record is one INSERT in autocommit mode, i.e. its own transaction:
 * STATE_FRESH is returned only after that commit. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "state_int.h"
#include "walfill.h"
#include "walsync.h"

#define STATE_SCHEMA_VERSION 3
/* How long a write waits for another connection's lock (an admin tool
 * reading the file) before the knock is refused. Short: a knock must not
 * hang the daemon. */
#define STATE_BUSY_MS 1000
/* WAL frames (pages) before state_checkpoint copies them back: SQLite's
 * default automatic threshold. About 250 knocks at four pages each. */
#define STATE_CHECKPOINT_FRAMES 1000
/* The WAL is kept at least this long, written through once at open (see
 * state_reserve_wal): the checkpoint threshold plus room for what commits between
 * two housekeeping passes. A frame is a 4 KiB page and its 24-byte header. */
#define STATE_WAL_RESERVE_FRAMES (STATE_CHECKPOINT_FRAMES + 200)
#define STATE_WAL_FRAME_BYTES (4096 + 24)
#define STATE_WAL_RESERVE_BYTES (32 + STATE_WAL_RESERVE_FRAMES * STATE_WAL_FRAME_BYTES)
/* Only reserve on a disk with this many reserves' worth free: the reserve
 * is an optimisation and must never take the last of a disk. */
#define STATE_WAL_RESERVE_ROOM 16

struct state {
	sqlite3 *db;
	sqlite3_stmt *ins_replay;
	sqlite3_stmt *ins_lease;
	sqlite3_stmt *prune;
	sqlite3_stmt *advance; /* positions: insert or move up, never down */
	sqlite3_stmt *each_position;
	/* A knock's transaction, prepared once: its commit parses no SQL. */
	sqlite3_stmt *begin;
	sqlite3_stmt *commit;
	int wal_frames; /* in the WAL after the last commit */
};

/* Added in schema version 2 (scheme positions: counters, chains, lists). */
#define POSITIONS_SQL \
	"CREATE TABLE IF NOT EXISTS positions (" \
	" user TEXT NOT NULL," \
	" key TEXT NOT NULL," \
	" position INTEGER NOT NULL," \
	" blob BLOB," \
	" updated_at INTEGER NOT NULL," \
	" PRIMARY KEY (user, key)) WITHOUT ROWID;"

/* Added in schema version 3 (statelease.c): each lease's expiry, whether
 * its close is still pending, the grant it belongs to, one-shot. Rows of
 * version 2 get their expiry computed and count as pending only if it has
 * not passed. */
#define LEASES_V3_SQL \
	"ALTER TABLE leases ADD COLUMN expires_at INTEGER;" \
	"ALTER TABLE leases ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;" \
	"ALTER TABLE leases ADD COLUMN grant_id INTEGER;" \
	"ALTER TABLE leases ADD COLUMN one_shot INTEGER NOT NULL DEFAULT 0;" \
	"UPDATE leases SET expires_at = opened_at + lease, grant_id = id," \
	" closed = (opened_at + lease <= CAST(strftime('%s','now') AS INTEGER));" \
	"CREATE INDEX IF NOT EXISTS leases_pending ON leases (closed, expires_at);"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS replay ("
	" user TEXT NOT NULL,"
	" nonce BLOB NOT NULL,"
	" knock_time INTEGER NOT NULL,"
	" seen_at INTEGER NOT NULL,"
	" PRIMARY KEY (user, nonce)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS replay_by_time ON replay (knock_time);"
	"CREATE TABLE IF NOT EXISTS leases ("
	" id INTEGER PRIMARY KEY,"
	" user TEXT NOT NULL,"
	" addr TEXT NOT NULL,"
	" proto INTEGER NOT NULL,"
	" port INTEGER NOT NULL,"
	" opened_at INTEGER NOT NULL,"
	" lease INTEGER NOT NULL);"
	POSITIONS_SQL LEASES_V3_SQL;

/* ---- helpers ------------------------------------------------------------ */

static void set_db_error(struct errbuf *err, sqlite3 *db, const char *what)
{
	errbuf_set(err, "state %s: %s: %s (sqlite error %d)",
		sqlite3_db_filename(db, "main"), what, sqlite3_errmsg(db),
		sqlite3_extended_errcode(db));
}

static int exec(sqlite3 *db, const char *sql, const char *what, struct errbuf *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		set_db_error(err, db, what);
		return -1;
	}
	return 0;
}

/* Runs a prepared statement that returns no rows. */
static int run(sqlite3 *db, sqlite3_stmt *st, const char *what, struct errbuf *err)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		set_db_error(err, db, what); /* before the reset, which may replace it */
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A failed statement may leave a transaction open (e.g. after SQLITE_FULL
 * SQLite may keep it): roll it back so the next call starts clean. */
static void recover(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Finishes one use of a prepared statement so it can be reused, whatever
 * happened to it. */
static void stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int read_user_version(sqlite3 *db, int *version, struct errbuf *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		set_db_error(err, db, "reading the schema version");
		return -1;
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	else
		set_db_error(err, db, "reading the schema version");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* ---- opening ------------------------------------------------------------ */

/* Creates the file 0600 if missing (SQLite would use 0644 less umask) and
 * tightens an existing one; the -wal and -shm files copy this mode. */
static int create_private(const char *path, struct errbuf *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		errbuf_set(err, "state %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	int rc = fstat(fd, &st);
	if (rc == 0 && !S_ISREG(st.st_mode)) {
		errbuf_set(err, "state %s: not a regular file", path);
		rc = -1;
	} else if (rc == 0 && (st.st_mode & 0077) && fchmod(fd, 0600) != 0) {
		errbuf_set(err, "state %s: chmod 0600: %s", path, strerror(errno));
		rc = -1;
	} else if (rc != 0) {
		errbuf_set(err, "state %s: %s", path, strerror(errno));
	}
	close(fd);
	return rc;
}

/* Every commit flushes the WAL before it returns; checked by reading it back,
 * since it is what makes a replay record durable before its door opens. */
static int sync_full(sqlite3 *db, struct errbuf *err)
{
	if (exec(db, "PRAGMA synchronous=FULL", "synchronous=FULL", err) != 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA synchronous", -1, &st, NULL) != SQLITE_OK) {
		set_db_error(err, db, "reading synchronous");
		return -1;
	}
	bool full = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 2;
	sqlite3_finalize(st);
	if (!full) {
		set_db_error(err, db, "synchronous=FULL not in force");
		return -1;
	}
	return 0;
}

static int set_pragmas(sqlite3 *db, struct errbuf *err)
{
	if (sqlite3_busy_timeout(db, STATE_BUSY_MS) != SQLITE_OK) {
		set_db_error(err, db, "busy_timeout");
		return -1;
	}
	/* journal_mode answers with the mode in force: it must say "wal". */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK) {
		set_db_error(err, db, "journal_mode=WAL");
		return -1;
	}
	int rc = sqlite3_step(st);
	bool wal = rc == SQLITE_ROW &&
		strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
	if (!wal)
		set_db_error(err, db, "journal_mode=WAL not accepted");
	sqlite3_finalize(st);
	if (!wal)
		return -1;
	return sync_full(db, err);
}

/* Called after each commit with the WAL's size. Installing it replaces
 * SQLite's automatic checkpoint, which is the same hook. */
static int on_wal_commit(void *ctx, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	((struct state *)ctx)->wal_frames = frames;
	return SQLITE_OK;
}

/* Creates the schema in a fresh file, or checks an existing one's version.
 * BEGIN IMMEDIATE so two processes creating the same file do not race. */
static int ensure_schema(sqlite3 *db, struct errbuf *err)
{
	if (exec(db, "BEGIN IMMEDIATE", "locking for the schema", err) != 0)
		return -1;
	int version = 0;
	if (read_user_version(db, &version, err) != 0)
		goto fail;
	if (version == 0) {
		char sql[sizeof schema_sql + 64];
		snprintf(sql, sizeof sql, "%sPRAGMA user_version=%d;", schema_sql,
			STATE_SCHEMA_VERSION);
		if (exec(db, sql, "creating the schema", err) != 0)
			goto fail;
	} else if (version == 1 || version == 2) {
		/* Version 1 lacked positions, version 2 the lease columns of
		 * version 3: add them, keep everything else. */
		if (exec(db, version == 1 ? POSITIONS_SQL : "", "upgrading the schema "
			"to version 2", err) != 0 || exec(db, LEASES_V3_SQL
			"PRAGMA user_version=3;", "upgrading the schema to version 3", err) != 0)
			goto fail;
	} else if (version != STATE_SCHEMA_VERSION) {
		errbuf_set(err, "state %s: schema version %d, this postern knows %d",
			sqlite3_db_filename(db, "main"), version, STATE_SCHEMA_VERSION);
		goto fail;
	}
	return exec(db, "COMMIT", "committing the schema", err);
fail:
	recover(db);
	return -1;
}

/* ---- the WAL's reserve -------------------------------------------------
 *
 * A commit that appends to the WAL grows the file: its fdatasync has blocks
 * to allocate, a size to record and, on a journalled ext4, a journal
 * transaction to commit. A commit that rewrites blocks the WAL already has
 * does none of that (docs/perf-notes/lat.md). SQLite writes its WAL from
 * the start again once a checkpoint has copied all of it back. So the WAL
 * is written through to its reserve once at start, every checkpoint
 * restarts it, and it is never cut below the reserve (journal_size_limit).
 * What is durable, and when, does not change: every knock's commit still
 * flushes before it returns. */

/* Writes the schema version the file already has: a one-page commit that
 * changes nothing. */
static int rewrite_version(sqlite3 *db, struct errbuf *err)
{
	char sql[48];
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", STATE_SCHEMA_VERSION);
	return exec(db, sql, "rewriting the schema version", err);
}

/* Copies the WAL back into the database; if all of it was copied, restarts
 * it now with a one-page commit, so that a restart's extra flush (of the
 * WAL's new header) is paid here and not in a knock's commit. Returns 1
 * all copied, 0 not all (a reader holds part of it: tried again later),
 * -1 error with err. */
static int wal_restart(struct state *s, struct errbuf *err)
{
	int log = 0, done = 0;
	/* PASSIVE: never waits for a reader (an admin tool). */
	if (sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, &log,
		&done) != SQLITE_OK) {
		set_db_error(err, s->db, "checkpointing the WAL");
		return -1;
	}
	if (done < log)
		return 0;
	/* Housekeeping must not wait for an admin tool's write lock: if it is
	 * taken, the next knock's commit restarts the WAL (as before). */
	sqlite3_busy_timeout(s->db, 0);
	int rc = rewrite_version(s->db, err);
	int busy = (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_BUSY;
	sqlite3_busy_timeout(s->db, STATE_BUSY_MS);
	if (rc != 0) {
		recover(s->db);
		return busy ? 0 : -1;
	}
	return 1;
}

static bool room_for_reserve(const char *path)
{
	struct statvfs vfs;
	return statvfs(path, &vfs) == 0 && (unsigned long long)vfs.f_bavail * vfs.f_frsize
		>= (unsigned long long)STATE_WAL_RESERVE_ROOM * STATE_WAL_RESERVE_BYTES;
}

/* The fill's commits rewrite the schema version with the value it has:
 * there is nothing in them to lose, so they are not flushed one by one
 * (synchronous=NORMAL, with which SQLite's WAL still survives a crash
 * intact, minus its newest commits); the checkpoint flushes them all at
 * once. synchronous=FULL is back, and read back, before this returns. */
int state_reserve_wal(struct state *s, struct errbuf *err)
{
	const char *path = sqlite3_db_filename(s->db, "main");
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA journal_size_limit=%d", STATE_WAL_RESERVE_BYTES);
	if (exec(s->db, sql, "journal_size_limit", err) != 0)
		return -1;
	char wal[PATH_MAX];
	struct stat st;
	bool fill = path && snprintf(wal, sizeof wal, "%s-wal", path) < (int)sizeof wal &&
		(stat(wal, &st) != 0 || st.st_size < STATE_WAL_RESERVE_BYTES) &&
		room_for_reserve(path);
	struct errbuf ignored;
	/* Zeros past the last frame, in one write (walfill.c); if that fails,
	 * frames, one commit each. */
	if (fill && walfill_extend(s->db, STATE_WAL_RESERVE_BYTES) == 0)
		fill = false;
	if (fill && exec(s->db, "PRAGMA synchronous=NORMAL", "", &ignored) == 0) {
		/* Each commit adds one frame; bounded in case one does not. */
		for (int i = 0; i < 2 * STATE_WAL_RESERVE_FRAMES &&
			s->wal_frames < STATE_WAL_RESERVE_FRAMES; i++)
			if (rewrite_version(s->db, &ignored) != 0)
				break;
		recover(s->db);
	}
	if (sync_full(s->db, err) != 0)
		return -1;
	/* A reserve that could not be written (a full disk, a reader holding
	 * the WAL) costs speed, not safety. */
	if (wal_restart(s, &ignored) == 1)
		s->wal_frames = 0;
	return 0;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
	struct errbuf *err)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL)
		!= SQLITE_OK) {
		set_db_error(err, db, "preparing a statement");
		return -1;
	}
	return 0;
}

struct state *state_open(const char *path, struct errbuf *err)
{
	if (create_private(path, err) != 0)
		return NULL;
	struct state *s = calloc(1, sizeof *s);
	if (!s) {
		errbuf_set(err, "state %s: out of memory", path);
		return NULL;
	}
	/* No SQLITE_OPEN_CREATE: the file was made above with the right mode. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;
	/* walsync: SQLite's unix VFS, with a cheaper WAL flush where it is as
	 * durable (walsync.c); NULL (the default VFS) if it could not be made. */
	if (sqlite3_open_v2(path, &s->db, flags, walsync_vfs()) != SQLITE_OK) {
		errbuf_set(err, "state %s: %s", path,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (set_pragmas(s->db, err) != 0 || ensure_schema(s->db, err) != 0)
		goto fail;
	sqlite3_wal_hook(s->db, on_wal_commit, s);
	if (prepare(s->db, "INSERT INTO replay (user, nonce, knock_time, seen_at) "
			"VALUES (?1, ?2, ?3, ?4)", &s->ins_replay, err) != 0 ||
		prepare(s->db, "INSERT INTO leases (user, addr, proto, port, opened_at, "
			"lease) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s->ins_lease, err) != 0 ||
		prepare(s->db, "DELETE FROM replay WHERE knock_time < ?1",
			&s->prune, err) != 0 ||
		prepare(s->db, "INSERT INTO positions (user, key, position, blob, "
			"updated_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user, key) "
			"DO UPDATE SET position = excluded.position, blob = excluded.blob, "
			"updated_at = excluded.updated_at "
			"WHERE excluded.position > positions.position",
			&s->advance, err) != 0 ||
		prepare(s->db, "SELECT user, key, position, blob FROM positions",
			&s->each_position, err) != 0 ||
		prepare(s->db, "BEGIN IMMEDIATE", &s->begin, err) != 0 ||
		prepare(s->db, "COMMIT", &s->commit, err) != 0)
		goto fail;
	return s;
fail:
	state_close(s);
	return NULL;
}

sqlite3 *state_sqlite(struct state *s)
{
	return s->db;
}

void state_close(struct state *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->ins_replay);
	sqlite3_finalize(s->ins_lease);
	sqlite3_finalize(s->prune);
	sqlite3_finalize(s->advance);
	sqlite3_finalize(s->each_position);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	/* The last connection to close checkpoints the WAL into the main file. */
	sqlite3_close(s->db);
	free(s);
}

/* ---- records ------------------------------------------------------------ */

/* SQLite integers are signed 64-bit; larger times are refused, not wrapped. */
static bool time_ok(uint64_t t, const char *what, struct errbuf *err)
{
	if (t > (uint64_t)INT64_MAX) {
		errbuf_set(err, "state: %s %llu out of range", what, (unsigned long long)t);
		return false;
	}
	return true;
}

enum state_result state_record_knock(struct state *s, const char *user,
	const uint8_t nonce[static KNOCK_NONCE_BYTES], uint64_t knock_time,
	struct errbuf *err)
{
	if (!time_ok(knock_time, "knock time", err))
		return STATE_ERROR;
	sqlite3_stmt *st = s->ins_replay;
	int rc = sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(st, 2, nonce, KNOCK_NONCE_BYTES, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)knock_time);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	enum state_result r;
	if (rc == SQLITE_DONE) {
		r = STATE_FRESH; /* committed, WAL fsynced */
	} else if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		r = STATE_REPLAY;
	} else {
		/* Message first: reset and rollback may replace it. */
		errbuf_set(err, "state %s: recording a knock of %s: %s (sqlite error %d)",
			sqlite3_db_filename(s->db, "main"), user,
			sqlite3_errmsg(s->db), rc);
		r = STATE_ERROR;
	}
	stmt_done(st);
	if (r == STATE_ERROR)
		recover(s->db);
	return r;
}

int state_record_lease(struct state *s, const char *user, const struct addr *addr,
	const struct portspec *port, uint64_t opened_at, uint32_t lease,
	struct errbuf *err)
{
	if (!time_ok(opened_at, "lease start", err))
		return -1;
	char a[ADDR_STRLEN];
	addr_format(addr, a);
	sqlite3_stmt *st = s->ins_lease;
	int rc = sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, a, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 3, port->proto);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 4, port->port);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)opened_at);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 6, lease);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		set_db_error(err, s->db, "recording a lease");
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		recover(s->db);
		return -1;
	}
	return 0;
}

long state_prune(struct state *s, uint64_t before, struct errbuf *err)
{
	if (before > (uint64_t)INT64_MAX)
		before = (uint64_t)INT64_MAX;
	sqlite3_stmt *st = s->prune;
	int rc = sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	long n = -1;
	if (rc == SQLITE_DONE)
		n = (long)sqlite3_changes(s->db);
	else
		set_db_error(err, s->db, "pruning replay records");
	stmt_done(st);
	if (n < 0)
		recover(s->db);
	return n;
}

/* ---- positions and commits --------------------------------------------- */

/* Moves (user, key) up to position. Returns 1 moved, 0 not above, -1 error
 * (message in err). Runs inside the caller's transaction. */
static int advance_position(struct state *s, const char *user, const char *key,
	uint64_t position, const uint8_t *blob, size_t blob_len, struct errbuf *err)
{
	if (!time_ok(position, "position", err))
		return -1;
	sqlite3_stmt *st = s->advance;
	int rc = sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)position);
	if (rc == SQLITE_OK)
		rc = blob_len ? sqlite3_bind_blob(st, 4, blob, (int)blob_len, SQLITE_STATIC)
			      : sqlite3_bind_null(st, 4);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int moved = -1;
	if (rc == SQLITE_DONE)
		moved = sqlite3_changes(s->db) > 0;
	else
		set_db_error(err, s->db, "advancing a position");
	stmt_done(st);
	return moved;
}

enum state_result state_commit(struct state *s, const struct state_commit *c,
	struct errbuf *err)
{
	if (!c->replay_key && !c->position_key)
		return STATE_FRESH;
	if (run(s->db, s->begin, "starting a commit", err) != 0) {
		recover(s->db);
		return STATE_ERROR;
	}
	enum state_result r = STATE_FRESH;
	if (c->replay_key) {
		/* state_record_knock commits on its own outside a transaction;
		 * inside ours its INSERT joins it. */
		r = state_record_knock(s, c->user, c->replay_key, c->knock_time, err);
		if (r == STATE_ERROR)
			return STATE_ERROR; /* already rolled back */
	}
	if (r == STATE_FRESH && c->position_key) {
		int moved = advance_position(s, c->user, c->position_key, c->position,
			c->blob, c->blob_len, err);
		if (moved < 0) {
			recover(s->db);
			return STATE_ERROR;
		}
		if (!moved)
			r = STATE_REPLAY;
	}
	if (r != STATE_FRESH) {
		recover(s->db); /* roll back: nothing of a refused knock is kept */
		return r;
	}
	if (run(s->db, s->commit, "committing a knock", err) != 0) {
		recover(s->db);
		return STATE_ERROR;
	}
	return STATE_FRESH;
}

int state_checkpoint(struct state *s, struct errbuf *err)
{
	if (s->wal_frames < STATE_CHECKPOINT_FRAMES)
		return 0;
	int rc = wal_restart(s, err);
	if (rc == 1)
		s->wal_frames = 0; /* all copied: counts again from the restart */
	return rc < 0 ? -1 : 0;
}

int state_replay_high_water(struct state *s, uint64_t *out, struct errbuf *err)
{
	sqlite3_stmt *st;
	*out = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT max(knock_time) FROM replay", -1, &st,
		NULL) != SQLITE_OK) {
		set_db_error(err, s->db, "reading the newest replay record");
		return -1;
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_ROW)
		set_db_error(err, s->db, "reading the newest replay record");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int state_each_position(struct state *s, state_position_fn *fn, void *ctx,
	struct errbuf *err)
{
	sqlite3_stmt *st = s->each_position;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *user = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		sqlite3_int64 pos = sqlite3_column_int64(st, 2);
		const uint8_t *blob = sqlite3_column_blob(st, 3);
		int len = sqlite3_column_bytes(st, 3);
		if (user && key && pos >= 0)
			fn(ctx, user, key, (uint64_t)pos, blob, blob ? (size_t)len : 0);
	}
	if (rc != SQLITE_DONE)
		set_db_error(err, s->db, "reading positions");
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
