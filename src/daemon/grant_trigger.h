/* grant_trigger — the last step of a trigger knock in the parent, after
 * verify, policy (policy_trigger.c) and the durable commit: start the
 * trigger (trigger.h) and log the decision. Opens no door.
 *   accept user=U src=S trigger=NAME id=N arg=A via=V scheme=X
 *   refuse reason=busy user=U src=S via=V scheme=X trigger=NAME rule="max_running=1 reached"
 *   refuse reason=trigger-error ... (it could not be started)
 * The trigger's environment: PATH, LANG=C, POSTERN_USER, POSTERN_TRIGGER,
 * POSTERN_SRC; its argument, if any, is the last argv element. */
#ifndef POSTERN_GRANT_TRIGGER_H
#define POSTERN_GRANT_TRIGGER_H

#include <stdint.h>

#include "config.h"
#include "msg.h"
#include "policy.h"
#include "request.h"
#include "trigger.h"
#include "verify.h"

enum verdict grant_fire(struct runner *runner, const struct config *c,
	const struct msg *m, const struct request *r, const struct grant *gr,
	const char *scheme, uint64_t now);

#endif
