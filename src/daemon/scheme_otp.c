/* scheme_otp — RFC 2289 one-time passwords (CÖK-style knocks).
 *
 * Each user has one chain per door (otp_open), set up by `postern otp init`
 * and stored as a state position (otpchain.h). A response arrives as
 * CANDIDATE_TEXT (six words or 16 hex digits, from the UDP or DNS carrier).
 * It carries no user name: the chain is found by its value. The child keeps
 * every chain's last value sorted, hashes the response up to lookahead
 * times (per hash in use) and looks each result up: a flood of well-formed
 * garbage costs at most lookahead hashes per packet and algorithm, and
 * anything that does not parse as a response costs no hash at all.
 *
 * The action is bound by the chain: a chain opens exactly its one door, so
 * `otp-md5 499 ssh22` from any RFC 2289 calculator opens only what the
 * chain seeded "ssh22" was set up for. Accepting moves the chain down
 * durably (state_commit) before the door opens; a replay of the last value
 * or any older one can never match again. */
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "log.h"
#include "msg.h"
#include "otpchain.h"
#include "scheme.h"

struct otp_entry {
	uint32_t user;
	uint32_t lookahead;
	uint32_t low_water;
	char key[REQUEST_POSITION_KEY_MAX];
	struct otp_chain chain;
};

struct by_value {
	uint8_t value[OTP_BYTES];
	uint32_t idx;
};

struct otp_mem {
	struct otp_entry *e;
	struct by_value *sorted; /* every chain's last value, sorted */
	size_t n;
	uint32_t max_lookahead[OTP_ALG_SHA1 + 1]; /* per algorithm in use */
	bool in_child; /* set by the first tick: only the parent logs */
};

static int cmp_value(const void *a, const void *b)
{
	return memcmp(((const struct by_value *)a)->value,
		((const struct by_value *)b)->value, OTP_BYTES);
}

static void resort(struct otp_mem *m)
{
	memset(m->max_lookahead, 0, sizeof m->max_lookahead);
	for (size_t i = 0; i < m->n; i++) {
		memcpy(m->sorted[i].value, m->e[i].chain.value, OTP_BYTES);
		m->sorted[i].idx = (uint32_t)i;
		uint8_t a = m->e[i].chain.alg;
		if (m->e[i].lookahead > m->max_lookahead[a])
			m->max_lookahead[a] = m->e[i].lookahead;
	}
	if (m->n) /* qsort must not see a NULL array */
		qsort(m->sorted, m->n, sizeof *m->sorted, cmp_value);
}

/* The first sorted slot holding value, or m->n. */
static size_t find_value(const struct otp_mem *m, const uint8_t value[static OTP_BYTES])
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(m->sorted[mid].value, value, OTP_BYTES) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && memcmp(m->sorted[lo].value, value, OTP_BYTES) == 0 ? lo : m->n;
}

static void log_low(const struct config *c, const struct otp_entry *e, const char *when)
{
	char p[PORTSPEC_STRLEN];
	const char *user = c->users[e->user].name;
	portspec_format(&e->chain.open, p);
	char detail[96];
	if (e->chain.seq == 0) {
		log_warn("otp chain exhausted user=%s open=%s seed=%s (%s): "
			"re-initialise it with postern otp init", user, p, e->chain.seed, when);
		snprintf(detail, sizeof detail, "chain for %s exhausted", p);
	} else if (e->chain.seq <= e->low_water) {
		log_warn("otp chain low user=%s open=%s seed=%s seq=%u low_water=%u (%s): "
			"re-initialise it soon with postern otp init", user, p,
			e->chain.seed, e->chain.seq, e->low_water, when);
		snprintf(detail, sizeof detail, "chain for %s at seq %u", p, e->chain.seq);
	} else {
		return;
	}
	alert_raise("otp-low-water", user, detail);
}

struct load_ctx {
	const struct config *c;
	struct otp_mem *m;
	bool failed;
};

static bool door_allowed(const struct config_user *u, const struct portspec *p)
{
	for (size_t i = 0; i < u->prof->otp->nopen; i++)
		if (portspec_equal(&u->prof->otp->open[i], p))
			return true;
	return false;
}

static void load_one(void *ctx, const char *user, const char *key,
	uint64_t position, const uint8_t *blob, size_t len)
{
	struct load_ctx *l = ctx;
	struct otp_chain ch;
	char p[PORTSPEC_STRLEN];
	if (l->failed || strncmp(key, OTPCHAIN_KEY_PREFIX, strlen(OTPCHAIN_KEY_PREFIX)) != 0)
		return;
	if (!otpchain_decode(user, key, position, blob, len, &ch)) {
		log_warn("otp: ignoring malformed chain record user=%s key=%s", user, key);
		return;
	}
	const struct config_user *u = config_find_user(l->c, user);
	if (!u || u->prof->otp->alg == OTP_ALG_NONE || !door_allowed(u, &ch.open)) {
		log_notice("otp: ignoring the chain of user=%s open=%s: the config "
			"does not allow it (otp, otp_open)", user, portspec_format(&ch.open, p));
		return;
	}
	if (u->prof->otp->alg != ch.alg) {
		log_warn("otp: ignoring the chain of user=%s open=%s: it is %s, the "
			"config says otp = %s", user, portspec_format(&ch.open, p),
			otp_alg_name(ch.alg), otp_alg_name(u->prof->otp->alg));
		return;
	}
	struct otp_entry *e = realloc(l->m->e, (l->m->n + 1) * sizeof *e);
	struct by_value *s = e ? realloc(l->m->sorted, (l->m->n + 1) * sizeof *s) : NULL;
	if (e)
		l->m->e = e;
	if (!e || !s) {
		l->failed = true;
		return;
	}
	l->m->sorted = s;
	e = &l->m->e[l->m->n++];
	memset(e, 0, sizeof *e);
	e->user = (uint32_t)(u - l->c->users);
	e->lookahead = u->prof->otp->lookahead;
	e->low_water = u->prof->otp->low_water;
	snprintf(e->key, sizeof e->key, "%s", key);
	e->chain = ch;
}

static void otp_unload(void *mem)
{
	struct otp_mem *m = mem;
	if (!m)
		return;
	free(m->e);
	free(m->sorted);
	free(m);
}

static void *otp_load(const struct config *c, struct state *st, bool *failed,
	struct errbuf *err)
{
	struct otp_mem *m = calloc(1, sizeof *m);
	struct load_ctx l = { .c = c, .m = m };
	if (!m) {
		errbuf_set(err, "out of memory");
		*failed = true;
		return NULL;
	}
	if (state_each_position(st, load_one, &l, err) < 0 || l.failed) {
		if (l.failed)
			errbuf_set(err, "out of memory loading otp chains");
		otp_unload(m);
		*failed = true;
		return NULL;
	}
	resort(m);
	for (size_t i = 0; i < m->n; i++) {
		char p[PORTSPEC_STRLEN];
		const struct otp_entry *e = &m->e[i];
		log_info("otp chain user=%s open=%s otp-%s %u %s", c->users[e->user].name,
			portspec_format(&e->chain.open, p), otp_alg_name(e->chain.alg),
			e->chain.seq ? e->chain.seq - 1 : 0, e->chain.seed);
		log_low(c, e, "at start-up");
	}
	for (size_t i = 0; i < c->nusers; i++) {
		const struct config_user *u = &c->users[i];
		for (size_t k = 0; k < u->prof->otp->nopen; k++) {
			bool have = false;
			for (size_t j = 0; j < m->n && !have; j++)
				have = m->e[j].user == i && portspec_equal(&m->e[j].chain.open,
					&u->prof->otp->open[k]);
			char p[PORTSPEC_STRLEN];
			if (!have)
				log_notice("otp: user %s has no chain for %s yet (postern otp "
					"init, then restart posternd)", u->name,
					portspec_format(&u->prof->otp->open[k], p));
		}
	}
	return m;
}

static void otp_tick(void *mem, const struct config *c, uint64_t now)
{
	struct otp_mem *m = mem;
	(void)c;
	(void)now;
	m->in_child = true; /* only the child ticks */
}

static enum verdict otp_child_check(void *mem, const struct config *c,
	const struct candidate *cand, uint64_t now, struct scheme_forward *fw)
{
	struct otp_mem *m = mem;
	uint8_t v[OTP_BYTES], x[OTP_BYTES];
	(void)c;
	(void)now;
	if (cand->kind != CANDIDATE_TEXT || m->n == 0)
		return VERDICT_IGNORE;
	if (!otp_parse(cand->u.text, strnlen(cand->u.text, sizeof cand->u.text), v, NULL))
		return VERDICT_IGNORE;
	/* Forward the canonical form: repeats in other spellings are repeats. */
	memset(fw->evidence.u.text, 0, sizeof fw->evidence.u.text);
	otp_format_hex(v, fw->evidence.u.text);

	size_t hit = find_value(m, v);
	if (hit < m->n) {
		fw->user = m->e[m->sorted[hit].idx].user;
		return VERDICT_REPLAY; /* the last accepted response, again */
	}
	for (uint8_t a = OTP_ALG_MD5; a <= OTP_ALG_SHA1; a++) {
		memcpy(x, v, OTP_BYTES);
		for (uint32_t k = 1; k <= m->max_lookahead[a]; k++) {
			otp_step(a, x, x);
			for (size_t s = find_value(m, x); s < m->n &&
				memcmp(m->sorted[s].value, x, OTP_BYTES) == 0; s++) {
				const struct otp_entry *e = &m->e[m->sorted[s].idx];
				if (e->chain.alg == a && k <= e->lookahead && k <= e->chain.seq) {
					fw->user = e->user;
					return VERDICT_ACCEPT;
				}
			}
		}
	}
	return VERDICT_UNKNOWN_TAG;
}

static enum verdict otp_parent_verify(void *mem, const struct config *c,
	uint32_t user, const struct candidate *ev, uint64_t now, struct request *req,
	int64_t *skew)
{
	struct otp_mem *m = mem;
	uint8_t v[OTP_BYTES];
	(void)c;
	*skew = 0;
	if (ev->kind != CANDIDATE_TEXT ||
		!otp_parse(ev->u.text, strnlen(ev->u.text, sizeof ev->u.text), v, NULL))
		return VERDICT_MALFORMED;
	for (size_t i = 0; i < m->n; i++) {
		struct otp_entry *e = &m->e[i];
		if (e->user != user)
			continue;
		if (memcmp(e->chain.value, v, OTP_BYTES) == 0)
			return VERDICT_REPLAY;
		uint32_t k = otpchain_match(&e->chain, v, e->lookahead);
		if (!k)
			continue;
		struct otp_chain next = e->chain;
		otpchain_accept(&next, v, k);
		req->action = KNOCK_ACTION_OPEN;
		req->target_is_source = true;
		req->nports = 1;
		req->ports[0] = e->chain.open;
		req->lease = 0; /* the config's default_lease */
		req->timestamp = now;
		snprintf(req->position_key, sizeof req->position_key, "%s", e->key);
		req->position = otpchain_position(&next);
		req->blob_len = (uint8_t)otpchain_blob(&next, req->blob);
		return VERDICT_ACCEPT;
	}
	return VERDICT_UNKNOWN_TAG;
}

static void otp_apply_position(void *mem, const struct config *c, uint32_t user,
	const char *key, uint64_t position, const uint8_t *blob, size_t len)
{
	struct otp_mem *m = mem;
	struct otp_chain ch;
	if (!m || user >= c->nusers ||
		!otpchain_decode(c->users[user].name, key, position, blob, len, &ch))
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct otp_entry *e = &m->e[i];
		if (e->user != user || strcmp(e->key, key) != 0)
			continue;
		uint32_t skipped = ch.generation == e->chain.generation &&
			ch.used > e->chain.used + 1 ? ch.used - e->chain.used - 1 : 0;
		e->chain = ch;
		resort(m);
		if (m->in_child)
			return;
		if (skipped)
			log_notice("otp resync user=%s skipped=%u seq=%u", c->users[user].name,
				skipped, ch.seq);
		log_low(c, e, "after this knock");
		return;
	}
}

const struct scheme_ops scheme_otp = {
	.id = SCHEME_OTP,
	.name = "otp",
	.load = otp_load,
	.unload = otp_unload,
	.child_tick = otp_tick,
	.child_check = otp_child_check,
	.parent_verify = otp_parent_verify,
	.apply_position = otp_apply_position,
};
