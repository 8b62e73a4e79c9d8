/* grant_audit — see grant_audit.h; the fields are listed in docs/audit.md. */
#include "grant_audit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "audit.h"
#include "carrier.h"
#include "knocksig.h"
#include "scheme.h"

static uint64_t now_seconds(void)
{
	return (uint64_t)time(NULL);
}

int grant_audit_accept(const struct config *c, const struct msg *m,
	const struct request *r, const struct grant *gr)
{
	const struct config_user *u = &c->users[r->user];
	char src[ADDR_STRLEN], target[ADDR_STRLEN], ports[96], id[2 * KNOCK_NONCE_BYTES + 1];
	char knock[2 * KNOCK_WIRE_BYTES + 1], sig[2 * KNOCK_SIG_BYTES + 1];
	char pk[2 * KNOCKSIG_PUBLIC_BYTES + 1];
	struct auditrec_kv kv[16];
	size_t n = 0;

	portspec_list_format(gr->ports, gr->nports, ",", ports, sizeof ports);
	kv[n++] = (struct auditrec_kv){ "user", u->name, 0 };
	kv[n++] = (struct auditrec_kv){ "src", addr_format(&m->evidence.src, src), 0 };
	kv[n++] = (struct auditrec_kv){ "target", addr_format(&gr->addr, target), 0 };
	kv[n++] = (struct auditrec_kv){ "open", ports, 0 };
	kv[n++] = (struct auditrec_kv){ "lease", NULL, gr->lease };
	kv[n++] = (struct auditrec_kv){ "via", carrier_name(m->evidence.carrier), 0 };
	kv[n++] = (struct auditrec_kv){ "scheme", scheme_name(m->scheme), 0 };
	if (r->has_replay_key) {
		auditrec_hex(r->replay_key, sizeof r->replay_key, id);
		kv[n++] = (struct auditrec_kv){ "knock_id", id, 0 };
	}
	if (r->is_signed) {
		/* Enough for anyone with the user's public key to check it. */
		auditrec_hex(m->evidence.u.spa, KNOCK_WIRE_BYTES, knock);
		auditrec_hex(r->sig, KNOCK_SIG_BYTES, sig);
		kv[n++] = (struct auditrec_kv){ "knock", knock, 0 };
		kv[n++] = (struct auditrec_kv){ "sig", sig, 0 };
		if (u->prof->sign->loaded) {
			auditrec_hex(u->prof->sign->pk, sizeof u->prof->sign->pk, pk);
			kv[n++] = (struct auditrec_kv){ "sign_key", pk, 0 };
		} else {
			kv[n++] = (struct auditrec_kv){ "note", "signature-unchecked-no-sign_key", 0 };
		}
	}
	if (gr->lease_clamped)
		kv[n++] = (struct auditrec_kv){ "note", "lease-clamped-to-max", 0 };
	return audit_event("accept", kv, n, AUDIT_SYNC);
}

static void refusal(const char *user, const struct msg *m, const char *reason,
	const char *detail)
{
	char src[ADDR_STRLEN];
	struct auditrec_kv kv[8];
	size_t n = 0;
	kv[n++] = (struct auditrec_kv){ "reason", reason, 0 };
	kv[n++] = (struct auditrec_kv){ "user", user, 0 };
	kv[n++] = (struct auditrec_kv){ "src", addr_format(&m->evidence.src, src), 0 };
	kv[n++] = (struct auditrec_kv){ "via", carrier_name(m->evidence.carrier), 0 };
	kv[n++] = (struct auditrec_kv){ "scheme", scheme_name(m->scheme), 0 };
	if (detail && detail[0])
		kv[n++] = (struct auditrec_kv){ "detail", detail, 0 };
	(void)audit_event("refuse", kv, n, 0);
}

void grant_audit_refusal(const struct msg *m, const char *user, enum verdict v,
	const char *detail)
{
	refusal(user, m, verdict_reason(v), detail);
	/* Failures of our own making are no sign of an attack on the user. */
	if (v != VERDICT_STATE_ERROR && v != VERDICT_FIREWALL_ERROR && v != VERDICT_AUDIT_ERROR)
		alert_refusal(m->user, 1, now_seconds());
}

void grant_audit_summary(const struct msg *m)
{
	const struct auditrec_kv kv[] = {
		{ "reason", verdict_reason(m->verdict), 0 },
		{ "count", NULL, m->count },
	};
	(void)audit_event("refuse_summary", kv, 2, 0);
}

void grant_audit_child_refusal(const struct config *c, const struct msg *m)
{
	if (m->evidence.src.family == 0) {
		grant_audit_summary(m);
		return;
	}
	char skew[32] = "";
	if (m->verdict == VERDICT_STALE || m->verdict == VERDICT_FUTURE)
		snprintf(skew, sizeof skew, "skew=%+ds", m->skew);
	refusal(m->user == MSG_NO_USER ? "-" : c->users[m->user].name, m,
		verdict_reason(m->verdict), skew);
	alert_refusal(m->user, m->count, now_seconds());
}
