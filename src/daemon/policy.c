/* policy — see policy.h. */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy_rules.h"

static bool user_may_open(const struct config_user *u, const struct portspec *p)
{
	for (size_t i = 0; i < u->prof->nopen; i++)
		if (portspec_equal(&u->prof->open[i], p))
			return true;
	return false;
}

static bool user_may_target(const struct config_user *u, const struct addr *a)
{
	for (size_t i = 0; i < u->prof->ntargets; i++)
		if (cidr_contains(&u->prof->targets[i], a))
			return true;
	return false;
}

enum verdict policy_refuse(char why[static POLICY_WHY_LEN], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, POLICY_WHY_LEN, fmt, ap);
	va_end(ap);
	return VERDICT_POLICY;
}

enum verdict policy_decide(const struct config *c, const struct config_user *u,
	const struct request *r, struct grant *out, char why[static POLICY_WHY_LEN])
{
	return policy_decide_at(c, u, r, (uint64_t)time(NULL), out, why);
}

enum verdict policy_decide_at(const struct config *c, const struct config_user *u,
	const struct request *r, uint64_t now, struct grant *out,
	char why[static POLICY_WHY_LEN])
{
	char buf[ADDR_STRLEN];
	memset(out, 0, sizeof *out);
	why[0] = '\0';
	if (u->prof->disabled)
		return policy_refuse(why, "user %s is disabled", u->name);
	/* Per-user rules: expiry, old key, schemes, carriers, sources, hours
	 * (policy_rules.h); they hold for opening ports and triggers alike. */
	if (!policy_rules_check(u, r, now, why))
		return VERDICT_POLICY;
	if (r->action == KNOCK_ACTION_TRIGGER) {
		out->is_trigger = true;
		return policy_trigger(c, u, r, &out->trigger, why);
	}
	if (r->action != KNOCK_ACTION_OPEN)
		return policy_refuse(why, "action %u is not supported", r->action);

	for (size_t i = 0; i < r->nports; i++) {
		char p[PORTSPEC_STRLEN];
		if (!user_may_open(u, &r->ports[i]))
			return policy_refuse(why, "open %s not allowed for this user",
				portspec_format(&r->ports[i], p));
		if (!config_is_protected(c, &r->ports[i]))
			return policy_refuse(why, "%s is not a protected port",
				portspec_format(&r->ports[i], p));
		out->ports[out->nports++] = r->ports[i];
	}

	if (r->target_is_source) {
		/* The source can be forged (by a compromised capture child) or
		 * raced (an on-path attacker resends the knock first); a target
		 * named inside the AEAD cannot be changed by either. */
		if (u->prof->pol->require_target)
			return policy_refuse(why, "%s", "require_target: the knock must "
				"name its target (postern knock --target ADDR)");
		/* Through a resolver the source is the resolver: opening for it
		 * would open the door to everyone behind it. */
		if (r->via_resolver)
			return policy_refuse(why, "%s",
				"a knock through a DNS resolver must name its target");
		out->addr = r->src;
	} else {
		if (!user_may_target(u, &r->target))
			return policy_refuse(why, "target %s not in this user's targets",
				addr_format(&r->target, buf));
		out->addr = r->target;
	}
	/* One host, never a network: the grant is for out->addr alone, and a
	 * named target only from a narrow prefix unless allow_wide_targets. */
	if (!policy_rule_target(u, &out->addr, !r->target_is_source, why))
		return VERDICT_POLICY;

	uint32_t max = u->prof->max_lease ? u->prof->max_lease : c->max_lease;
	out->lease = r->lease ? r->lease : c->default_lease;
	if (out->lease > max) {
		out->lease = max;
		out->lease_clamped = true;
	}
	return VERDICT_ACCEPT;
}
