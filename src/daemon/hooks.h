/* hooks — the open and close hooks of a grant, and the lease book-keeping
 * that makes a pending close survive a restart.
 *
 * A user's on_open / on_close name [trigger NAME] sections; they run under
 * the same rules as triggers (trigger.h: fixed argv, run_as, clean
 * environment, timeout, max_running), with no argument appended and this
 * environment besides PATH and LANG:
 *   POSTERN_EVENT=open|close  POSTERN_TRIGGER=NAME  POSTERN_USER=alice
 *   POSTERN_ADDR=10.0.0.2     POSTERN_PORTS="tcp/22 tcp/443"  (every door)
 *   POSTERN_LEASE=30  POSTERN_EXPIRES=<unix time>  POSTERN_ONE_SHOT=yes|no
 *   POSTERN_SRC=<knock source>  (open only)
 * Every grant is recorded with its expiry (statelease.h). Once a second the
 * parent hands expired leases to their close hook; the leases that expired
 * while the daemon was down are handed over at start-up, late. An open
 * hook that finds its trigger at max_running is skipped (logged); a close
 * hook waits (its lease stays pending) and is tried again a second later.
 * Log lines:
 *   hook-skipped event=open trigger=NAME user=U reason="..."
 *   lease-closed user=U addr=A close=tcp/22,tcp/443 hook=NAME|none [late=Ns]
 */
#ifndef POSTERN_HOOKS_H
#define POSTERN_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "policy.h"
#include "state.h"
#include "trigger.h"

/* After a door opened: records the lease and runs the user's on_open. */
void hooks_opened(struct runner *r, struct state *st, const struct config *c,
	const struct config_user *u, const struct addr *src, const struct grant *gr,
	bool one_shot, uint64_t now);

/* Hands expired leases to their close hooks (once a second). */
void hooks_tick(struct runner *r, struct state *st, const struct config *c,
	uint64_t now);

#endif
