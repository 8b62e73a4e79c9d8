/* policy_trigger — may this user fire the trigger a knock names, with the
 * argument it carries? See policy.h and trigarg.h. */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "trigarg.h"

enum verdict policy_trigger(const struct config *c, const struct config_user *u,
	const struct request *r, size_t *trigger, char why[static POLICY_WHY_LEN])
{
	const struct trigger_conf *t = config_find_trigger_id(c, r->trigger_id);
	if (!t)
		return policy_refuse(why, "trigger id %u is not configured", r->trigger_id);
	size_t k = (size_t)(t - c->triggers);
	bool listed = false;
	for (size_t i = 0; i < u->prof->trig->n && !listed; i++)
		listed = u->prof->trig->idx[i] == k;
	if (!listed)
		return policy_refuse(why, "trigger %s not allowed for this user", t->name);
	*trigger = k;
	if (!r->arg[0])
		return VERDICT_ACCEPT;
	/* Before any pattern: no pattern can make these safe to pass on. */
	const char *bad = trigarg_forbidden(r->arg);
	if (bad && *bad == '-' && bad == r->arg)
		return policy_refuse(why, "trigger %s: argument starts with '-' (an option)",
			t->name);
	if (bad)
		return policy_refuse(why, "trigger %s: argument holds a shell metacharacter "
			"\\x%02x", t->name, (unsigned char)*bad);
	if (!t->pattern[0])
		return policy_refuse(why, "trigger %s takes no argument", t->name);
	int m = trigarg_match(t->pattern, r->arg);
	if (m < 0)
		return policy_refuse(why, "trigger %s: args_pattern does not compile", t->name);
	if (m == 0)
		return policy_refuse(why, "trigger %s: argument does not match args_pattern",
			t->name);
	return VERDICT_ACCEPT;
}
