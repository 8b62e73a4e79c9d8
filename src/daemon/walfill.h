/* walfill — for state.c: writes the WAL's reserve at once (walfill.c says
 * why that is the same reserve). Not an API. */
#ifndef POSTERN_WALFILL_H
#define POSTERN_WALFILL_H

#include <sqlite3.h>

/* Makes db's WAL file at least bytes long, its new part written (zeros)
 * and flushed. 0, or -1 (a full disk, a lock held elsewhere, no WAL open):
 * the caller then fills it the slow way, or goes without. */
int walfill_extend(sqlite3 *db, sqlite3_int64 bytes);

#endif
