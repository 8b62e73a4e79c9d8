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
};

/* Returns VERDICT_ACCEPT and fills *out, or VERDICT_POLICY with the rule in
 * why. */
enum verdict policy_decide(const struct config *c, const struct config_user *u,
	const struct request *r, struct grant *out, char why[static POLICY_WHY_LEN])
	__attribute__((warn_unused_result));

#endif
