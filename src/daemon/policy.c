/* policy — see policy.h. */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool user_may_open(const struct config_user *u, const struct portspec *p)
{
	for (size_t i = 0; i < u->nopen; i++)
		if (portspec_equal(&u->open[i], p))
			return true;
	return false;
}

static bool user_may_target(const struct config_user *u, const struct addr *a)
{
	for (size_t i = 0; i < u->ntargets; i++)
		if (cidr_contains(&u->targets[i], a))
			return true;
	return false;
}

static enum verdict refuse(char why[static POLICY_WHY_LEN], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum verdict refuse(char why[static POLICY_WHY_LEN], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, POLICY_WHY_LEN, fmt, ap);
	va_end(ap);
	return VERDICT_POLICY;
}

enum verdict policy_decide(const struct config *c, const struct config_user *u,
	const struct knock *k, const struct addr *src, struct grant *out,
	char why[static POLICY_WHY_LEN])
{
	char buf[ADDR_STRLEN];
	memset(out, 0, sizeof *out);
	why[0] = '\0';
	if (u->disabled)
		return refuse(why, "user %s is disabled", u->name);
	if (k->action != KNOCK_ACTION_OPEN)
		return refuse(why, "action %s is not supported", "trigger");

	for (size_t i = 0; i < k->nports; i++) {
		char p[PORTSPEC_STRLEN];
		if (!user_may_open(u, &k->ports[i]))
			return refuse(why, "open %s not allowed for this user",
				portspec_format(&k->ports[i], p));
		if (!config_is_protected(c, &k->ports[i]))
			return refuse(why, "%s is not a protected port",
				portspec_format(&k->ports[i], p));
		out->ports[out->nports++] = k->ports[i];
	}

	if (k->target_is_source) {
		out->addr = *src;
	} else {
		if (!user_may_target(u, &k->target))
			return refuse(why, "target %s not in this user's targets",
				addr_format(&k->target, buf));
		out->addr = k->target;
	}

	uint32_t max = u->max_lease ? u->max_lease : c->max_lease;
	out->lease = k->lease;
	if (out->lease > max) {
		out->lease = max;
		out->lease_clamped = true;
	}
	return VERDICT_ACCEPT;
}
