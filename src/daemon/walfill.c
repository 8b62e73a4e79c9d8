/* walfill — the WAL's reserve written in one go (state_reserve_wal).
 *
 * The reserve used to be written by ~1 200 one-page commits, ~40 ms here
 * and on the critical path of every start (SQLite removes the WAL on a
 * clean close, so every start fills it again). What the reserve is for is
 * that the WAL file's blocks exist and are written, so that a knock's
 * commit rewrites blocks instead of growing the file (docs/perf-notes/lat.md).
 * Zeros appended past the WAL's last frame give the same blocks with one
 * write and one flush: SQLite reads a WAL only up to its first frame whose
 * salt and checksum do not match the header (a reused WAL always ends in
 * stale frames), and a zero header is an empty WAL. It writes through
 * SQLite's own handle of the file (no second descriptor whose close could
 * drop SQLite's locks), inside a write transaction, so no other connection
 * appends frames meanwhile; the transaction changes nothing and is rolled
 * back. */
#include "walfill.h"

#include <stddef.h>
#include <stdint.h>

/* Zeros per write. */
#define FILL_CHUNK (64 * 1024)

int walfill_extend(sqlite3 *db, sqlite3_int64 bytes)
{
	static const uint8_t zero[FILL_CHUNK];
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	int rc = -1;
	sqlite3_file *f = NULL;
	sqlite3_int64 size = 0;
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) ==
		SQLITE_OK && f && f->pMethods &&
	    f->pMethods->xFileSize(f, &size) == SQLITE_OK) {
		rc = 0;
		for (sqlite3_int64 at = size; rc == 0 && at < bytes; at += FILL_CHUNK) {
			int n = bytes - at < FILL_CHUNK ? (int)(bytes - at) : FILL_CHUNK;
			if (f->pMethods->xWrite(f, zero, n, at) != SQLITE_OK)
				rc = -1;
		}
		if (rc == 0 && size < bytes && f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) !=
			SQLITE_OK)
			rc = -1;
	}
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
