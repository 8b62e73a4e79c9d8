/* statelease — see statelease.h. Statements are prepared per call: leases
 * are granted at human rates. */
#include "statelease.h"

#include <stdio.h>
#include <string.h>

#include "state_int.h"

static int fail(sqlite3 *db, const char *what, struct errbuf *err)
{
	errbuf_set(err, "state %s: %s: %s", sqlite3_db_filename(db, "main"), what,
		sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int run(sqlite3 *db, const char *sql, const char *what, struct errbuf *err)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db, what, err);
}

static int record_one(sqlite3 *db, sqlite3_stmt *sup, sqlite3_stmt *ins,
	const char *user, const char *a, const struct portspec *p, uint64_t opened_at,
	uint32_t lease, bool one_shot, int64_t *grant_id)
{
	sqlite3_bind_text(sup, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int(sup, 2, p->proto);
	sqlite3_bind_int(sup, 3, p->port);
	int rc = sqlite3_step(sup);
	sqlite3_reset(sup);
	if (rc != SQLITE_DONE)
		return -1;
	sqlite3_bind_text(ins, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, a, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 3, p->proto);
	sqlite3_bind_int(ins, 4, p->port);
	sqlite3_bind_int64(ins, 5, (sqlite3_int64)opened_at);
	sqlite3_bind_int64(ins, 6, lease);
	sqlite3_bind_int64(ins, 7, (sqlite3_int64)(opened_at + lease));
	sqlite3_bind_int(ins, 8, one_shot);
	if (*grant_id)
		sqlite3_bind_int64(ins, 9, *grant_id);
	else
		sqlite3_bind_null(ins, 9);
	rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	if (rc != SQLITE_DONE)
		return -1;
	if (!*grant_id) {
		*grant_id = sqlite3_last_insert_rowid(db);
		char sql[96];
		snprintf(sql, sizeof sql, "UPDATE leases SET grant_id = id WHERE id = %lld",
			(long long)*grant_id);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

int statelease_record(struct state *s, const char *user, const struct addr *addr,
	const struct portspec *ports, size_t n, uint64_t opened_at, uint32_t lease,
	bool one_shot, struct errbuf *err)
{
	sqlite3 *db = state_sqlite(s);
	sqlite3_stmt *sup = NULL, *ins = NULL;
	char a[ADDR_STRLEN];
	addr_format(addr, a);
	if (run(db, "BEGIN IMMEDIATE", "recording a grant", err) != 0)
		return -1;
	if (sqlite3_prepare_v2(db, "UPDATE leases SET closed = 2 WHERE closed = 0 AND "
		"addr = ?1 AND proto = ?2 AND port = ?3", -1, &sup, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO leases (user, addr, proto, port, "
		"opened_at, lease, expires_at, one_shot, grant_id, closed) VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)", -1, &ins, NULL) != SQLITE_OK) {
		sqlite3_finalize(sup);
		return fail(db, "preparing a grant", err);
	}
	int64_t grant_id = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = record_one(db, sup, ins, user, a, &ports[i], opened_at, lease,
			one_shot, &grant_id);
	sqlite3_finalize(sup);
	sqlite3_finalize(ins);
	if (rc != 0)
		return fail(db, "recording a grant", err);
	return run(db, "COMMIT", "committing a grant", err);
}

/* Reads the row at st's columns: grant_id, user, addr, proto, port,
 * opened_at, lease, expires_at, one_shot, closed. */
static bool read_row(sqlite3_stmt *st, struct lease_grant *g, struct portspec *p)
{
	const char *user = (const char *)sqlite3_column_text(st, 1);
	const char *a = (const char *)sqlite3_column_text(st, 2);
	if (!user || !a || !addr_parse(a, &g->addr))
		return false;
	g->grant_id = sqlite3_column_int64(st, 0);
	snprintf(g->user, sizeof g->user, "%s", user);
	p->proto = (uint8_t)sqlite3_column_int(st, 3);
	p->port = (uint16_t)sqlite3_column_int(st, 4);
	g->opened_at = (uint64_t)sqlite3_column_int64(st, 5);
	g->lease = (uint32_t)sqlite3_column_int64(st, 6);
	g->expires_at = (uint64_t)sqlite3_column_int64(st, 7);
	g->one_shot = sqlite3_column_int(st, 8) != 0;
	return true;
}

#define ROW_COLUMNS "grant_id, user, addr, proto, port, opened_at, lease, expires_at, one_shot"

static int mark_closed(sqlite3 *db, const struct lease_grant *g, uint64_t now,
	struct errbuf *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "UPDATE leases SET closed = 1 WHERE closed = 0 AND grant_id = ?1 "
		"AND expires_at < ?2", -1, &st, NULL) != SQLITE_OK)
		return fail(db, "closing a lease", err);
	sqlite3_bind_int64(st, 1, g->grant_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(db, "closing a lease", err);
}

int statelease_due(struct state *s, uint64_t now, size_t max, statelease_due_fn *fn,
	void *ctx, struct errbuf *err)
{
	sqlite3 *db = state_sqlite(s);
	sqlite3_stmt *st;
	struct lease_grant due[8];
	size_t n = 0;
	if (max > sizeof due / sizeof *due)
		max = sizeof due / sizeof *due;
	/* Read first, then act: the hooks' bookkeeping writes to the table.
	 * Strictly after expires_at: times are whole seconds, and the kernel's
	 * timeout runs from the grant's exact instant, so a lease is only surely
	 * closed in the kernel once the second after expires_at has begun. */
	if (sqlite3_prepare_v2(db, "SELECT " ROW_COLUMNS " FROM leases WHERE closed = 0 AND "
		"expires_at < ?1 ORDER BY expires_at, grant_id, id", -1, &st, NULL) != SQLITE_OK)
		return fail(db, "reading due leases", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lease_grant g = { 0 };
		struct portspec p;
		if (!read_row(st, &g, &p))
			continue;
		struct lease_grant *same = n ? &due[n - 1] : NULL;
		if (same && same->grant_id == g.grant_id) {
			if (same->nports < KNOCK_MAX_PORTS)
				same->ports[same->nports++] = p;
			continue;
		}
		if (n == max)
			break;
		g.ports[0] = p;
		g.nports = 1;
		due[n++] = g;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(db, "reading due leases", err);
	for (size_t i = 0; i < n; i++)
		if (fn(ctx, &due[i]) && mark_closed(db, &due[i], now, err) != 0)
			return -1;
	return 0;
}

int statelease_each_pending(struct state *s, uint64_t now, statelease_each_fn *fn,
	void *ctx, struct errbuf *err)
{
	sqlite3 *db = state_sqlite(s);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT " ROW_COLUMNS " FROM leases WHERE closed = 0 "
		"AND expires_at > ?1", -1, &st, NULL) != SQLITE_OK)
		return fail(db, "reading pending leases", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lease_grant g = { 0 };
		if (!read_row(st, &g, &g.ports[0]))
			continue;
		g.nports = 1;
		fn(ctx, &g);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(db, "reading pending leases", err);
}

int statelease_mark_lost(struct state *s, int64_t grant_id, const struct addr *addr,
	const struct portspec *port, uint64_t now, struct errbuf *err)
{
	sqlite3 *db = state_sqlite(s);
	sqlite3_stmt *st;
	char a[ADDR_STRLEN];
	addr_format(addr, a);
	if (sqlite3_prepare_v2(db, "UPDATE leases SET expires_at = ?1 WHERE closed = 0 "
		"AND grant_id = ?2 AND addr = ?3 AND proto = ?4 AND port = ?5", -1, &st,
		NULL) != SQLITE_OK)
		return fail(db, "marking a lease lost", err);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, grant_id);
	sqlite3_bind_text(st, 3, a, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, port->proto);
	sqlite3_bind_int(st, 5, port->port);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(db, "marking a lease lost", err);
}
