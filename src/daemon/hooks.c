/* hooks — see hooks.h. */
#include "hooks.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "statelease.h"
#include "trigexec.h"

#define HOOKS_DUE_PER_TICK 8
#define HOOKS_LATE_SECONDS 2

/* The hook's environment; false if something did not fit (never expected). */
static bool hook_env(struct trigenv *e, const char *event, const char *trigger,
	const char *user, const struct addr *addr, const struct portspec *ports,
	size_t n, uint32_t lease, uint64_t expires, bool one_shot, const struct addr *src)
{
	char a[ADDR_STRLEN], s[ADDR_STRLEN], p[KNOCK_MAX_PORTS * PORTSPEC_STRLEN + 8];
	char l[16], x[24];
	portspec_list_format(ports, n, " ", p, sizeof p);
	snprintf(l, sizeof l, "%u", lease);
	snprintf(x, sizeof x, "%" PRIu64, expires);
	trigenv_init(e);
	return trigenv_add(e, "POSTERN_EVENT", event) &&
		trigenv_add(e, "POSTERN_TRIGGER", trigger) &&
		trigenv_add(e, "POSTERN_USER", user) &&
		trigenv_add(e, "POSTERN_ADDR", addr_format(addr, a)) &&
		trigenv_add(e, "POSTERN_PORTS", p) &&
		trigenv_add(e, "POSTERN_LEASE", l) &&
		trigenv_add(e, "POSTERN_EXPIRES", x) &&
		trigenv_add(e, "POSTERN_ONE_SHOT", one_shot ? "yes" : "no") &&
		(!src || trigenv_add(e, "POSTERN_SRC", addr_format(src, s)));
}

void hooks_opened(struct runner *r, struct state *st, const struct config *c,
	const struct config_user *u, const struct addr *src, const struct grant *gr,
	bool one_shot, uint64_t now)
{
	struct errbuf err;
	if (statelease_record(st, u->name, &gr->addr, gr->ports, gr->nports, now,
		gr->lease, one_shot, &err) < 0)
		log_warn("lease not recorded (its close hook will not run): %s", err.msg);
	if (u->prof->trig->open_idx < 0 || !r)
		return;
	const struct trigger_conf *t = &c->triggers[u->prof->trig->open_idx];
	struct trigenv env;
	char why[160];
	if (!hook_env(&env, "open", t->name, u->name, &gr->addr, gr->ports, gr->nports,
		gr->lease, now + gr->lease, one_shot, src)) {
		log_warn("hook-skipped event=open trigger=%s user=%s reason=\"environment "
			"too large\"", t->name, u->name);
		return;
	}
	struct runner_job j = { .t = t, .event = "open", .user = u->name, .env = &env };
	if (runner_start(r, &j, now, why, sizeof why) != RUNNER_STARTED)
		log_warn("hook-skipped event=open trigger=%s user=%s reason=\"%s\"",
			t->name, u->name, why);
}

struct due_ctx {
	struct runner *r;
	const struct config *c;
	uint64_t now;
};

static void log_closed(const struct lease_grant *g, const char *hook, uint64_t now)
{
	char a[ADDR_STRLEN], ports[KNOCK_MAX_PORTS * PORTSPEC_STRLEN + 8], late[32] = "";
	portspec_list_format(g->ports, g->nports, ",", ports, sizeof ports);
	if (now > g->expires_at + HOOKS_LATE_SECONDS)
		snprintf(late, sizeof late, " late=%" PRIu64 "s", now - g->expires_at);
	log_notice("lease-closed user=%s addr=%s close=%s hook=%s%s%s", g->user,
		addr_format(&g->addr, a), ports, hook, g->one_shot ? " one_shot=yes" : "",
		late);
}

static bool close_due(void *ctx, const struct lease_grant *g)
{
	struct due_ctx *d = ctx;
	const struct config_user *u = config_find_user(d->c, g->user);
	if (!u || u->prof->trig->close_idx < 0 || !d->r) {
		log_closed(g, "none", d->now);
		return true;
	}
	const struct trigger_conf *t = &d->c->triggers[u->prof->trig->close_idx];
	struct trigenv env;
	char why[160];
	if (!hook_env(&env, "close", t->name, u->name, &g->addr, g->ports, g->nports,
		g->lease, g->expires_at, g->one_shot, NULL)) {
		log_closed(g, "none", d->now);
		return true;
	}
	struct runner_job j = { .t = t, .event = "close", .user = u->name, .env = &env };
	switch (runner_start(d->r, &j, d->now, why, sizeof why)) {
	case RUNNER_BUSY:
		return false; /* stays pending: tried again next second */
	case RUNNER_FAILED:
		log_err("close hook %s for user %s could not start: %s", t->name,
			u->name, why);
		log_closed(g, "failed", d->now);
		return true;
	case RUNNER_STARTED:
	default:
		log_closed(g, t->name, d->now);
		return true;
	}
}

void hooks_tick(struct runner *r, struct state *st, const struct config *c,
	uint64_t now)
{
	struct due_ctx d = { .r = r, .c = c, .now = now };
	struct errbuf err;
	if (statelease_due(st, now, HOOKS_DUE_PER_TICK, close_due, &d, &err) < 0)
		log_warn("pending closes: %s", err.msg);
}
