/* grant — the parent's decision on one knock the child forwarded: verify
 * again, apply policy, record durably, open the door, log the outcome. */
#ifndef POSTERN_GRANT_H
#define POSTERN_GRANT_H

#include <stdint.h>

#include "config.h"
#include "firewall.h"
#include "msg.h"
#include "state.h"
#include "verify.h"

/* Decides and acts on one MSG_KNOCK at time now; logs the decision line and
 * returns the verdict. */
enum verdict grant_knock(const struct config *c, struct state *st,
	struct firewall *fw, const struct msg *m, uint64_t now);

/* Logs one MSG_REFUSAL reported by the child. */
void grant_log_refusal(const struct config *c, const struct msg *m);

#endif
