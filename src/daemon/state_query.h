/* state_query — read-only questions to the state store for the admin tools
 * (postern user show|list, postern report): the lease history (who knocked,
 * when, from where) and scheme positions. Opens its own read-only SQLite
 * connection, so it never takes a write lock the daemon would wait for. */
#ifndef POSTERN_STATE_QUERY_H
#define POSTERN_STATE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

struct state_query;

/* Opens path read-only. *out is NULL (and 0 returned) if the file does not
 * exist yet (no knock ever). -1 with err otherwise. */
int state_query_open(const char *path, struct state_query **out, struct errbuf *err);
/* NULL is a no-op. */
void state_query_close(struct state_query *q);

/* One accepted knock as the lease history has it (one row per grant, not
 * per port): who, the address the door opened for, when. */
typedef void state_knock_fn(void *ctx, const char *user, const char *addr,
	uint64_t at);
/* Calls fn for every knock of user (NULL: of everyone) since `since`, oldest
 * first. 0 or -1 with err. */
int state_query_knocks(struct state_query *q, const char *user, uint64_t since,
	state_knock_fn *fn, void *ctx, struct errbuf *err);
/* The newest knock of user: *found false if none. */
int state_query_last(struct state_query *q, const char *user, uint64_t *at,
	char *addr, size_t addr_len, bool *found, struct errbuf *err);

typedef void state_pos_fn(void *ctx, const char *key, uint64_t position,
	uint64_t updated_at);
/* Calls fn for every stored position (counter, chain, list) of user. */
int state_query_positions(struct state_query *q, const char *user,
	state_pos_fn *fn, void *ctx, struct errbuf *err);

#endif
