/* policy — may this user have what this authentic, fresh knock asks for?
 * Deny by default; every refusal names the rule that refused. */
#ifndef POSTERN_POLICY_H
#define POSTERN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "knock.h"
#include "request.h"
#include "verify.h"

#define POLICY_WHY_LEN 160

/* What the parent will do: open ports for addr for lease seconds. */
struct grant {
	struct addr addr;
	struct portspec ports[KNOCK_MAX_PORTS];
	size_t nports;
	uint32_t lease;
	bool lease_clamped; /* the knock asked for more than the user's maximum */
	bool is_trigger; /* KNOCK_ACTION_TRIGGER: fire c->triggers[trigger] with
			    the request's arg instead of opening (policy_trigger.c) */
	size_t trigger;
};

/* Returns VERDICT_ACCEPT and fills *out, or VERDICT_POLICY with the rule in
 * why. */
enum verdict policy_decide(const struct config *c, const struct config_user *u,
	const struct request *r, struct grant *out, char why[static POLICY_WHY_LEN])
	__attribute__((warn_unused_result));
/* As policy_decide, at unix time now (the time-dependent rules of
 * policy_rules.h: hours, expiry, the old key's end). policy_decide uses the
 * wall clock. */
enum verdict policy_decide_at(const struct config *c, const struct config_user *u,
	const struct request *r, uint64_t now, struct grant *out,
	char why[static POLICY_WHY_LEN]) __attribute__((warn_unused_result));

/* A refusal: why filled from fmt, then VERDICT_POLICY (for policy*.c). */
enum verdict policy_refuse(char why[static POLICY_WHY_LEN], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The trigger part of policy_decide (policy_trigger.c): the trigger id is
 * configured, the user lists it, and the argument passes trigarg.h. */
enum verdict policy_trigger(const struct config *c, const struct config_user *u,
	const struct request *r, size_t *trigger, char why[static POLICY_WHY_LEN])
	__attribute__((warn_unused_result));

#endif
