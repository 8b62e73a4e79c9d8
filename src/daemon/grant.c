/* grant — see grant.h. */
#include "grant.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "carrier.h"
#include "log.h"
#include "policy.h"

static void format_ports(const struct portspec *p, size_t n, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		char one[PORTSPEC_STRLEN];
		int w = snprintf(buf + used, len - used, "%s%s", i ? "," : "",
			portspec_format(&p[i], one));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static enum verdict refuse(const struct msg *m, const char *user, enum verdict v,
	const char *detail)
{
	char src[ADDR_STRLEN];
	log_notice("refuse reason=%s user=%s src=%s via=%s%s%s", verdict_reason(v),
		user, addr_format(&m->src, src), carrier_name(m->carrier),
		detail[0] ? " " : "", detail);
	return v;
}

enum verdict grant_knock(const struct config *c, struct state *st,
	struct firewall *fw, const struct msg *m, uint64_t now)
{
	const struct config_user *u = &c->users[m->user];
	struct knock k;
	struct grant g;
	struct errbuf err;
	char why[POLICY_WHY_LEN], detail[POLICY_WHY_LEN + 16];
	int64_t skew;

	/* Never trust the child's word: authenticate again with our own keys. */
	enum verdict v = verify_knock(u, m->wire, now, c->window, &k, &skew);
	if (v != VERDICT_ACCEPT) {
		snprintf(detail, sizeof detail, "skew=%+llds", (long long)skew);
		return refuse(m, u->name, v, detail);
	}
	v = policy_decide(c, u, &k, &m->src, &g, why);
	if (v != VERDICT_ACCEPT) {
		snprintf(detail, sizeof detail, "rule=\"%s\"", why);
		sodium_memzero(&k, sizeof k);
		return refuse(m, u->name, v, detail);
	}
	/* Durable before the door opens: a crash after this cannot replay. */
	switch (state_record_knock(st, u->name, k.nonce, k.timestamp, &err)) {
	case STATE_FRESH:
		break;
	case STATE_REPLAY:
		sodium_memzero(&k, sizeof k);
		return refuse(m, u->name, VERDICT_REPLAY, "");
	case STATE_ERROR:
	default:
		log_err("state store failed: %s; refusing knocks until it can record "
			"them (fail closed)", err.msg);
		sodium_memzero(&k, sizeof k);
		return refuse(m, u->name, VERDICT_STATE_ERROR, "");
	}
	sodium_memzero(&k, sizeof k);

	if (firewall_grant(fw, &g.addr, g.ports, g.nports, g.lease, &err) < 0) {
		log_err("nftables refused the lease: %s", err.msg);
		return refuse(m, u->name, VERDICT_FIREWALL_ERROR, "");
	}
	for (size_t i = 0; i < g.nports; i++)
		if (state_record_lease(st, u->name, &g.addr, &g.ports[i], now, g.lease, &err) < 0)
			log_warn("lease history not recorded: %s", err.msg);

	char src[ADDR_STRLEN], target[ADDR_STRLEN], ports[96];
	format_ports(g.ports, g.nports, ports, sizeof ports);
	log_notice("accept user=%s src=%s target=%s open=%s lease=%u via=%s%s",
		u->name, addr_format(&m->src, src), addr_format(&g.addr, target), ports,
		g.lease, carrier_name(m->carrier),
		g.lease_clamped ? " note=lease-clamped-to-max" : "");
	return VERDICT_ACCEPT;
}

void grant_log_refusal(const struct config *c, const struct msg *m)
{
	const char *user = m->user == MSG_NO_USER ? "-" : c->users[m->user].name;
	char src[ADDR_STRLEN];
	if (m->src.family == 0) { /* a summary of rate-limited refusals */
		log_notice("refuse reason=%s count=%llu note=rate-limited-summary",
			verdict_reason(m->verdict), (unsigned long long)m->count);
		return;
	}
	if (m->verdict == VERDICT_STALE || m->verdict == VERDICT_FUTURE)
		log_notice("refuse reason=%s user=%s src=%s via=%s skew=%+ds",
			verdict_reason(m->verdict), user, addr_format(&m->src, src),
			carrier_name(m->carrier), m->skew);
	else
		log_notice("refuse reason=%s user=%s src=%s via=%s",
			verdict_reason(m->verdict), user, addr_format(&m->src, src),
			carrier_name(m->carrier));
}
