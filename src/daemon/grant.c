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
	log_notice("refuse reason=%s user=%s src=%s via=%s scheme=%s%s%s",
		verdict_reason(v), user, addr_format(&m->evidence.src, src),
		carrier_name(m->evidence.carrier), scheme_name(m->scheme),
		detail[0] ? " " : "", detail);
	return v;
}

/* Commits the request's one-time evidence; on a moved position fills push. */
static enum state_result commit(struct grant_ctx *g, const struct request *r,
	struct p2c_msg *push, bool *has_push, struct errbuf *err)
{
	const struct config_user *u = &g->config->users[r->user];
	struct state_commit sc = {
		.user = u->name,
		.replay_key = r->has_replay_key ? r->replay_key : NULL,
		.knock_time = r->timestamp,
		.position_key = r->position_key[0] ? r->position_key : NULL,
		.position = r->position,
		.blob = r->blob,
		.blob_len = r->blob_len,
	};
	enum state_result res = state_commit(g->state, &sc, err);
	if (res != STATE_FRESH || !sc.position_key)
		return res;
	const struct scheme_ops *ops = scheme_get(r->scheme);
	if (ops->apply_position)
		ops->apply_position(g->schemes->mem[r->scheme], g->config, r->user,
			r->position_key, r->position, r->blob, r->blob_len);
	*push = (struct p2c_msg){ .type = P2C_POSITION, .user = r->user,
		.scheme = r->scheme, .position = r->position, .blob_len = r->blob_len };
	snprintf(push->key, sizeof push->key, "%s", r->position_key);
	memcpy(push->blob, r->blob, r->blob_len);
	*has_push = true;
	return res;
}

enum verdict grant_knock(struct grant_ctx *g, const struct msg *m, uint64_t now,
	struct p2c_msg *push, bool *has_push)
{
	const struct config *c = g->config;
	const struct config_user *u = &c->users[m->user];
	const struct scheme_ops *ops = scheme_get(m->scheme);
	struct request r = { .user = m->user, .scheme = m->scheme,
		.carrier = m->evidence.carrier, .via_resolver = m->evidence.via_resolver,
		.src = m->evidence.src };
	struct grant gr;
	struct errbuf err;
	char why[POLICY_WHY_LEN], detail[POLICY_WHY_LEN + 16];
	int64_t skew = 0;
	*has_push = false;

	/* Never trust the child's word: check the evidence again ourselves. */
	enum verdict v = ops->parent_verify(g->schemes->mem[m->scheme], c, m->user,
		&m->evidence, now, &r, &skew);
	if (v != VERDICT_ACCEPT) {
		snprintf(detail, sizeof detail, "skew=%+llds", (long long)skew);
		return refuse(m, u->name, v, detail);
	}
	/* Older than anything the replay store is sure to remember (the clock
	 * went back?): its record may be pruned, so refuse it (clockguard.h). */
	if (g->clock && r.has_replay_key && !clockguard_admits(g->clock, r.timestamp)) {
		snprintf(detail, sizeof detail, "skew=%+llds note=below-replay-floor",
			(long long)skew);
		return refuse(m, u->name, VERDICT_STALE, detail);
	}
	v = policy_decide(c, u, &r, &gr, why);
	if (v != VERDICT_ACCEPT) {
		snprintf(detail, sizeof detail, "rule=\"%s\"", why);
		return refuse(m, u->name, v, detail);
	}
	/* Durable before the door opens: a crash after this cannot replay. */
	switch (commit(g, &r, push, has_push, &err)) {
	case STATE_FRESH:
		if (g->clock && r.has_replay_key)
			clockguard_recorded(g->clock, r.timestamp);
		break;
	case STATE_REPLAY:
		return refuse(m, u->name, VERDICT_REPLAY, "");
	case STATE_ERROR:
	default:
		log_err("state store failed: %s; refusing knocks until it can record "
			"them (fail closed)", err.msg);
		return refuse(m, u->name, VERDICT_STATE_ERROR, "");
	}

	if (firewall_grant(g->fw, &gr.addr, gr.ports, gr.nports, gr.lease, &err) < 0) {
		log_err("nftables refused the lease: %s", err.msg);
		return refuse(m, u->name, VERDICT_FIREWALL_ERROR, "");
	}
	for (size_t i = 0; i < gr.nports; i++)
		if (state_record_lease(g->state, u->name, &gr.addr, &gr.ports[i], now,
			gr.lease, &err) < 0)
			log_warn("lease history not recorded: %s", err.msg);

	char src[ADDR_STRLEN], target[ADDR_STRLEN], ports[96];
	format_ports(gr.ports, gr.nports, ports, sizeof ports);
	log_notice("accept user=%s src=%s target=%s open=%s lease=%u via=%s scheme=%s%s",
		u->name, addr_format(&m->evidence.src, src), addr_format(&gr.addr, target),
		ports, gr.lease, carrier_name(m->evidence.carrier), scheme_name(m->scheme),
		gr.lease_clamped ? " note=lease-clamped-to-max" : "");
	return VERDICT_ACCEPT;
}

void grant_log_refusal(const struct config *c, const struct msg *m)
{
	const char *user = m->user == MSG_NO_USER ? "-" : c->users[m->user].name;
	char src[ADDR_STRLEN];
	if (m->evidence.src.family == 0) { /* a summary of rate-limited refusals */
		log_notice("refuse reason=%s count=%llu note=rate-limited-summary",
			verdict_reason(m->verdict), (unsigned long long)m->count);
		return;
	}
	char skew[32] = "";
	if (m->verdict == VERDICT_STALE || m->verdict == VERDICT_FUTURE)
		snprintf(skew, sizeof skew, " skew=%+ds", m->skew);
	log_notice("refuse reason=%s user=%s src=%s via=%s scheme=%s%s",
		verdict_reason(m->verdict), user, addr_format(&m->evidence.src, src),
		carrier_name(m->evidence.carrier), scheme_name(m->scheme), skew);
}
