/* state_query — see state_query.h. */
#include "state_query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

struct state_query {
	sqlite3 *db;
};

int state_query_open(const char *path, struct state_query **out, struct errbuf *err)
{
	*out = NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	struct state_query *q = calloc(1, sizeof *q);
	if (!q) {
		errbuf_set(err, "out of memory");
		return -1;
	}
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		errbuf_set(err, "%s: cannot open the state store: %s", path,
			q->db ? sqlite3_errmsg(q->db) : "out of memory");
		state_query_close(q);
		return -1;
	}
	sqlite3_busy_timeout(q->db, 2000);
	*out = q;
	return 0;
}

void state_query_close(struct state_query *q)
{
	if (!q)
		return;
	sqlite3_close(q->db);
	free(q);
}

static int prepare(struct state_query *q, const char *sql, sqlite3_stmt **st,
	struct errbuf *err)
{
	if (sqlite3_prepare_v2(q->db, sql, -1, st, NULL) != SQLITE_OK) {
		errbuf_set(err, "state store: %s", sqlite3_errmsg(q->db));
		return -1;
	}
	return 0;
}

static int finish(struct state_query *q, sqlite3_stmt *st, int rc, struct errbuf *err)
{
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		errbuf_set(err, "state store: %s", sqlite3_errmsg(q->db));
		return -1;
	}
	return 0;
}

static const char *text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

int state_query_knocks(struct state_query *q, const char *user, uint64_t since,
	state_knock_fn *fn, void *ctx, struct errbuf *err)
{
	sqlite3_stmt *st;
	if (prepare(q, "SELECT user, addr, opened_at FROM leases WHERE opened_at >= ?1 "
		"AND (?2 IS NULL OR user = ?2) GROUP BY user, addr, opened_at "
		"ORDER BY opened_at, user", &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	if (user)
		sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, text(st, 0), text(st, 1), (uint64_t)sqlite3_column_int64(st, 2));
	return finish(q, st, rc, err);
}

int state_query_last(struct state_query *q, const char *user, uint64_t *at,
	char *addr, size_t addr_len, bool *found, struct errbuf *err)
{
	sqlite3_stmt *st;
	*found = false;
	if (prepare(q, "SELECT addr, opened_at FROM leases WHERE user = ?1 "
		"ORDER BY opened_at DESC, id DESC LIMIT 1", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(addr, addr_len, "%s", text(st, 0));
		*at = (uint64_t)sqlite3_column_int64(st, 1);
		*found = true;
		rc = SQLITE_DONE;
	}
	return finish(q, st, rc, err);
}

int state_query_positions(struct state_query *q, const char *user,
	state_pos_fn *fn, void *ctx, struct errbuf *err)
{
	sqlite3_stmt *st;
	if (prepare(q, "SELECT key, position, updated_at FROM positions WHERE user = ?1 "
		"ORDER BY key", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, text(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
			(uint64_t)sqlite3_column_int64(st, 2));
	return finish(q, st, rc, err);
}
