/* state_int — for the state module's own files (state.c, statelease.c):
 * the SQLite connection behind a struct state. Not an API. */
#ifndef POSTERN_STATE_INT_H
#define POSTERN_STATE_INT_H

#include <sqlite3.h>

#include "state.h"

sqlite3 *state_sqlite(struct state *s);

#endif
