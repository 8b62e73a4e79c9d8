/* grant — the parent's decision on one knock the child forwarded: verify
 * the evidence again with the scheme, apply policy, commit the one-time
 * evidence durably, open the door, log the outcome. */
#ifndef POSTERN_GRANT_H
#define POSTERN_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "clockguard.h"
#include "config.h"
#include "firewall.h"
#include "log.h"
#include "msg.h"
#include "scheme.h"
#include "state.h"
#include "trigger.h"
#include "verify.h"

struct grant_ctx {
	const struct config *config;
	struct scheme_set *schemes; /* the parent's images */
	struct state *state;
	struct firewall *fw;
	struct clockguard *clock; /* replay floor (clockguard.h); NULL: none */
	struct runner *runner; /* triggers and hooks (trigger.h); NULL: none */
	/* Refusals of the evidence itself (bad MAC, stale...): the child
	 * forwards on the tag alone, so altered copies of a seen knock can come
	 * in floods. A few are logged each second, the rest summed. */
	struct ratelimit verify_log;
	uint64_t verify_suppressed[VERDICT_COUNT];
};

/* Decides and acts on one MSG_KNOCK at time now; logs the decision line and
 * returns the verdict. If a scheme position moved, *push is the message for
 * the child and *has_push is set. */
enum verdict grant_knock(struct grant_ctx *g, const struct msg *m, uint64_t now,
	struct p2c_msg *push, bool *has_push);

/* Logs one summary line per verdict for the refusals verify_log held back
 * (the parent calls it about once a second). */
void grant_flush_suppressed(struct grant_ctx *g);

/* Logs one MSG_REFUSAL reported by the child. */
void grant_log_refusal(const struct config *c, const struct msg *m);

#endif
