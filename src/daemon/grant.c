/* grant — see grant.h. */
#include "grant.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alert.h"
#include "carrier.h"
#include "dynamic.h"
#include "grant_audit.h"
#include "log.h"
#include "policy.h"
#include "grant_trigger.h"
#include "hooks.h"

static enum verdict refuse(const struct msg *m, const char *user, enum verdict v,
	const char *detail)
{
	char src[ADDR_STRLEN];
	log_notice("refuse reason=%s user=%s src=%s via=%s scheme=%s%s%s",
		verdict_reason(v), user, addr_format(&m->evidence.src, src),
		carrier_name(m->evidence.carrier), scheme_name(m->scheme),
		detail[0] ? " " : "", detail);
	grant_audit_refusal(m, user, v, detail);
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
	/* A knock of any scheme may issue the next dynamic knock (dynamic.h). */
	enum scheme_id ps = dynamic_moves(r) ? SCHEME_DYNAMIC : (enum scheme_id)r->scheme;
	const struct scheme_ops *ops = scheme_get(ps);
	if (ops && ops->apply_position)
		ops->apply_position(g->schemes->mem[ps], g->config, r->user,
			r->position_key, r->position, r->blob, r->blob_len);
	*push = (struct p2c_msg){ .type = P2C_POSITION, .user = r->user,
		.scheme = (uint8_t)ps, .position = r->position, .blob_len = r->blob_len };
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
		if (!ratelimit_allow(&g->verify_log, now)) {
			g->verify_suppressed[v]++;
			alert_refusal(m->user, 1, now);
			return v;
		}
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
	/* require_signature: only knocks the parent saw signed (spa_sig.h). */
	if (u->prof->sign->require && !r.is_signed)
		return refuse(m, u->name, VERDICT_POLICY,
			"rule=\"require_signature: the knock is not signed\"");
	v = policy_decide_at(c, u, &r, now, &gr, why);
	if (v != VERDICT_ACCEPT) {
		snprintf(detail, sizeof detail, "rule=\"%s\"", why);
		return refuse(m, u->name, v, detail);
	}
	/* Opt-in: the next knock, committed with this one (dynamic.h). */
	dynamic_prepare(g->schemes->mem[SCHEME_DYNAMIC], c, &r);
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

	/* On the audit record, synced, before the door opens (docs/audit.md). */
	if (grant_audit_accept(c, m, &r, &gr) < 0)
		return refuse(m, u->name, VERDICT_AUDIT_ERROR, "note=no-door-without-an-audit-record");
	/* A trigger opens no door (grant_trigger.h). */
	if (gr.is_trigger)
		return grant_fire(g->runner, c, m, &r, &gr, scheme_name(m->scheme), now);
	/* one_shot: the door admits one new connection (firewall.h). */
	if ((u->prof->trig->one_shot ? firewall_grant_once : firewall_grant)(g->fw, &gr.addr,
		gr.ports, gr.nports, gr.lease, &err) < 0) {
		log_err("nftables refused the lease: %s", err.msg);
		return refuse(m, u->name, VERDICT_FIREWALL_ERROR, "");
	}

	char src[ADDR_STRLEN], target[ADDR_STRLEN], ports[96];
	portspec_list_format(gr.ports, gr.nports, ",", ports, sizeof ports);
	log_notice("accept user=%s src=%s target=%s open=%s lease=%u via=%s scheme=%s%s%s%s",
		u->name, addr_format(&m->evidence.src, src), addr_format(&gr.addr, target),
		ports, gr.lease, carrier_name(m->evidence.carrier), scheme_name(m->scheme),
		r.old_key ? " key=old" : "", r.is_signed ? " signed=yes" : "",
		gr.lease_clamped ? " note=lease-clamped-to-max" : "");
	/* The lease, with its expiry, for the close hook; then on_open (hooks.h). */
	hooks_opened(g->runner, g->state, c, u, &m->evidence.src, &gr,
		u->prof->trig->one_shot, now);
	/* Only now, after verify, policy, commit and the open door: the reply. */
	dynamic_answer(c, &r, &m->evidence, &gr.addr, gr.lease);
	return VERDICT_ACCEPT;
}

void grant_flush_suppressed(struct grant_ctx *g)
{
	for (int v = 0; v < VERDICT_COUNT; v++) {
		if (!g->verify_suppressed[v])
			continue;
		struct msg m = { .type = MSG_REFUSAL, .user = MSG_NO_USER,
			.verdict = (uint8_t)v, .count = g->verify_suppressed[v] };
		/* Each was counted for its user's alerts when it came in. */
		log_notice("refuse reason=%s count=%llu note=rate-limited-summary",
			verdict_reason(v), (unsigned long long)m.count);
		grant_audit_summary(&m);
		g->verify_suppressed[v] = 0;
	}
}

void grant_log_refusal(const struct config *c, const struct msg *m)
{
	const char *user = m->user == MSG_NO_USER ? "-" : c->users[m->user].name;
	char src[ADDR_STRLEN];
	if (m->evidence.src.family == 0) { /* a summary of rate-limited refusals */
		log_notice("refuse reason=%s count=%llu note=rate-limited-summary",
			verdict_reason(m->verdict), (unsigned long long)m->count);
		grant_audit_child_refusal(c, m);
		return;
	}
	char skew[32] = "";
	if (m->verdict == VERDICT_STALE || m->verdict == VERDICT_FUTURE)
		snprintf(skew, sizeof skew, " skew=%+ds", m->skew);
	log_notice("refuse reason=%s user=%s src=%s via=%s scheme=%s%s",
		verdict_reason(m->verdict), user, addr_format(&m->evidence.src, src),
		carrier_name(m->evidence.carrier), scheme_name(m->scheme), skew);
	grant_audit_child_refusal(c, m);
}
