/* statelease — leases as durable state (schema v3, state.c): each granted
 * door with its expiry and whether its close is still pending, so that a
 * close hook survives a restart, and so that start-up can reconcile the
 * kernel's sets with what postern granted (reconcile.c).
 *
 * A grant is one row per door, sharing grant_id. A lease is "pending"
 * until its close is handled (closed = 0). A new grant of the same door
 * (address, protocol, port) supersedes an older pending one: that row is
 * closed without a hook, and the door's close is the new grant's. */
#ifndef POSTERN_STATELEASE_H
#define POSTERN_STATELEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errbuf.h"
#include "knock.h"
#include "state.h"

#define STATELEASE_USER_MAX 64

enum lease_closed {
	LEASE_PENDING = 0,
	LEASE_CLOSED = 1, /* expired; its close was handled */
	LEASE_SUPERSEDED = 2, /* a newer grant of the same door took over */
};

/* The doors of one grant that close together. */
struct lease_grant {
	int64_t grant_id;
	char user[STATELEASE_USER_MAX];
	struct addr addr;
	struct portspec ports[KNOCK_MAX_PORTS];
	size_t nports;
	uint64_t opened_at, expires_at;
	uint32_t lease;
	bool one_shot;
};

/* Records a grant of ports for addr (one transaction). */
int statelease_record(struct state *s, const char *user, const struct addr *addr,
	const struct portspec *ports, size_t n, uint64_t opened_at, uint32_t lease,
	bool one_shot, struct errbuf *err) __attribute__((warn_unused_result));

/* Calls fn for each grant with pending doors whose expiry is <= now (only
 * those doors in it), oldest first, at most max grants. fn returns true
 * when it has handled the close: those doors are then marked closed. */
typedef bool statelease_due_fn(void *ctx, const struct lease_grant *g);
int statelease_due(struct state *s, uint64_t now, size_t max, statelease_due_fn *fn,
	void *ctx, struct errbuf *err) __attribute__((warn_unused_result));

/* Calls fn for every pending door with expiry > now (one door per call:
 * nports == 1). */
typedef void statelease_each_fn(void *ctx, const struct lease_grant *g);
int statelease_each_pending(struct state *s, uint64_t now, statelease_each_fn *fn,
	void *ctx, struct errbuf *err) __attribute__((warn_unused_result));

/* Ends one pending door now because the kernel lost it: its expiry
 * becomes now, so the next statelease_due hands it to its close hook. */
int statelease_mark_lost(struct state *s, int64_t grant_id, const struct addr *addr,
	const struct portspec *port, uint64_t now, struct errbuf *err)
	__attribute__((warn_unused_result));

#endif
