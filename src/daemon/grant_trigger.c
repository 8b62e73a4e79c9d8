/* grant_trigger — see grant_trigger.h. */
#include "grant_trigger.h"

#include <stdio.h>

#include "carrier.h"
#include "log.h"
#include "trigarg.h"
#include "trigexec.h"

enum verdict grant_fire(struct runner *runner, const struct config *c,
	const struct msg *m, const struct request *r, const struct grant *gr,
	const char *scheme, uint64_t now)
{
	const struct config_user *u = &c->users[r->user];
	const struct trigger_conf *t = &c->triggers[gr->trigger];
	char src[ADDR_STRLEN], arg[4 * KNOCK_ARG_BYTES + 1], why[160];
	addr_format(&m->evidence.src, src);
	trigarg_escape(r->arg, arg, sizeof arg);
	const char *via = carrier_name(m->evidence.carrier);
	struct trigenv env;
	trigenv_init(&env);
	enum runner_result rr = RUNNER_FAILED;
	snprintf(why, sizeof why, "no trigger runner");
	if (runner && trigenv_add(&env, "POSTERN_USER", u->name) &&
		trigenv_add(&env, "POSTERN_TRIGGER", t->name) &&
		trigenv_add(&env, "POSTERN_SRC", src)) {
		struct runner_job j = { .t = t, .event = "trigger", .user = u->name,
			.arg = r->arg, .env = &env };
		rr = runner_start(runner, &j, now, why, sizeof why);
	}
	if (rr == RUNNER_BUSY) {
		log_notice("refuse reason=busy user=%s src=%s via=%s scheme=%s trigger=%s "
			"rule=\"%s\"", u->name, src, via, scheme, t->name, why);
		return VERDICT_POLICY;
	}
	if (rr == RUNNER_FAILED) {
		log_err("trigger %s could not start: %s", t->name, why);
		log_notice("refuse reason=trigger-error user=%s src=%s via=%s scheme=%s "
			"trigger=%s", u->name, src, via, scheme, t->name);
		return VERDICT_POLICY;
	}
	log_notice("accept user=%s src=%s trigger=%s id=%u arg=%s via=%s scheme=%s",
		u->name, src, t->name, t->id, arg[0] ? arg : "-", via, scheme);
	return VERDICT_ACCEPT;
}
