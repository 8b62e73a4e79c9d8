/* scheme_dynamic — dynamic knocks (dynamic.h, docs/modes.md "dynamic"):
 * each user with dynamic = yes has at most one pending next knock, a port
 * sequence the server chose; its durable position "dynamic" is the knock's
 * generation and the blob the knock (dynreply.h).
 *
 * In the capture child every CANDIDATE_PORT_HIT goes to this scheme's own
 * tracker (seqtrack.c) with two slots per user: the pending knock, and the
 * one before it (used or superseded), so that sending an old knock again is
 * named a replay. A completed pending knock is forwarded as CANDIDATE_TEXT
 * "dyn G" (G its generation) with the last hit's ports, where the reply
 * goes. The parent checks that G is still the user's pending generation in
 * its own image, and asks to move the position to G + 1 with a fresh knock
 * in the blob: one commit consumes the old knock and issues the new one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "carrier.h"
#include "dynamic.h"
#include "dynreply.h"
#include "log.h"
#include "msg.h"
#include "scheme.h"
#include "seqtrack.h"

#define SLOT_CUR 0
#define SLOT_PREV 1
#define SLOTS_PER_USER 2
#define EV_PREFIX "dyn "

struct dyn_user {
	uint64_t gen; /* generation of the pending knock; 0 = none */
	uint8_t blob[DYNKNOCK_BLOB_BYTES];
	struct dynknock cur, prev; /* n == 0: none */
};

struct dyn_mem {
	size_t nusers;
	struct dyn_user *u;
	struct seqtrack *track; /* used in the child */
};

static void set_slot(struct dyn_mem *m, const struct config *c, size_t user,
	size_t slot, const struct dynknock *k)
{
	struct seqtrack_want w = { .timeout_ms = c->users[user].prof->seq->timeout * 1000u };
	bool on = k->n && c->users[user].prof->dyn->enabled;
	w.seq.n = on ? k->n : 0;
	for (size_t i = 0; on && i < k->n; i++)
		w.seq.step[i] = k->step[i];
	(void)seqtrack_set(m->track, user * SLOTS_PER_USER + slot, on ? &w : NULL);
}

/* Makes (position, blob) user's pending knock; the former one becomes prev. */
static void install(struct dyn_mem *m, const struct config *c, size_t user,
	uint64_t position, const uint8_t *blob, size_t len)
{
	struct dyn_user *d = &m->u[user];
	struct dynknock k;
	if (position <= d->gen || !dynknock_decode(blob, len, &k))
		return;
	d->prev = d->cur;
	d->cur = k;
	d->gen = position;
	memcpy(d->blob, blob, DYNKNOCK_BLOB_BYTES);
	set_slot(m, c, user, SLOT_PREV, &d->prev);
	set_slot(m, c, user, SLOT_CUR, &d->cur);
}

struct load_ctx {
	struct dyn_mem *m;
	const struct config *c;
};

static void on_position(void *ctx, const char *user, const char *key,
	uint64_t position, const uint8_t *blob, size_t len)
{
	struct load_ctx *l = ctx;
	const struct config_user *u = config_find_user(l->c, user);
	if (u && strcmp(key, DYNAMIC_POS_KEY) == 0)
		install(l->m, l->c, (size_t)(u - l->c->users), position, blob, len);
}

static void dyn_unload(void *mem)
{
	struct dyn_mem *m = mem;
	if (!m)
		return;
	seqtrack_free(m->track);
	if (m->u)
		sodium_memzero(m->u, m->nusers * sizeof *m->u);
	free(m->u);
	free(m);
}

static void *dyn_load(const struct config *c, struct state *st, bool *failed,
	struct errbuf *err)
{
	if (!config_uses_dynamic(c))
		return NULL;
	struct dyn_mem *m = calloc(1, sizeof *m);
	if (m) {
		m->nusers = c->nusers;
		m->u = calloc(c->nusers, sizeof *m->u);
		m->track = seqtrack_new(c->seq.sources, c->nusers * SLOTS_PER_USER);
	}
	if (!m || !m->u || !m->track) {
		dyn_unload(m);
		errbuf_set(err, "out of memory for dynamic knocks");
		*failed = true;
		return NULL;
	}
	struct load_ctx l = { m, c };
	if (st && state_each_position(st, on_position, &l, err) < 0) {
		dyn_unload(m);
		*failed = true;
		return NULL;
	}
	return m;
}

static void dyn_tick(void *mem, const struct config *c, uint64_t now)
{
	struct dyn_mem *m = mem;
	(void)c;
	(void)now;
	if (m)
		seqtrack_expire(m->track, seqtrack_now_ms());
}

static enum verdict dyn_child_check(void *mem, const struct config *c,
	const struct candidate *cand, uint64_t now, struct scheme_forward *fw)
{
	struct dyn_mem *m = mem;
	struct seqtrack_result r;
	(void)c;
	(void)now;
	if (!m || cand->kind != CANDIDATE_PORT_HIT)
		return VERDICT_IGNORE;
	seqtrack_hit(m->track, &cand->src, &cand->u.port, seqtrack_now_ms(), &r);
	enum verdict v = VERDICT_IGNORE;
	for (size_t i = 0; i < r.ndone; i++) {
		size_t user = r.done[i] / SLOTS_PER_USER;
		fw->user = (uint32_t)user;
		if (r.done[i] % SLOTS_PER_USER == SLOT_PREV) {
			v = VERDICT_REPLAY; /* an old knock: named, never forwarded */
			continue;
		}
		memset(&fw->evidence.u, 0, sizeof fw->evidence.u);
		fw->evidence.kind = CANDIDATE_TEXT;
		snprintf(fw->evidence.u.text, sizeof fw->evidence.u.text,
			EV_PREFIX "%llu", (unsigned long long)m->u[user].gen);
		return VERDICT_ACCEPT;
	}
	return v;
}

/* Strict "dyn <decimal>", the whole text; generation 0 is none. */
static bool parse_evidence(const char *text, uint64_t *out)
{
	return scheme_parse_evidence(text, EV_PREFIX, out) && *out != 0;
}

/* A fresh next knock for user at generation gen, into r. */
static bool issue(const struct config_user *u, uint64_t gen, struct request *r)
{
	struct dynknock k;
	if (dynknock_random(u->prof->dyn->length, u->prof->dyn->lo, u->prof->dyn->hi, &k) < 0)
		return false;
	snprintf(r->position_key, sizeof r->position_key, "%s", DYNAMIC_POS_KEY);
	r->position = gen;
	r->blob_len = DYNKNOCK_BLOB_BYTES;
	dynknock_encode(&k, r->blob);
	return true;
}

static enum verdict dyn_parent_verify(void *mem, const struct config *c,
	uint32_t user, const struct candidate *ev, uint64_t now, struct request *req,
	int64_t *skew)
{
	struct dyn_mem *m = mem;
	const struct config_user *u = &c->users[user];
	uint64_t g;
	*skew = 0;
	if (!m || user >= m->nusers || !u->prof->dyn->enabled || ev->kind != CANDIDATE_TEXT ||
	    ev->carrier != CARRIER_PORT || !parse_evidence(ev->u.text, &g))
		return VERDICT_MALFORMED;
	const struct dyn_user *d = &m->u[user];
	if (g < d->gen)
		return VERDICT_REPLAY;
	if (g != d->gen || !d->cur.n)
		return VERDICT_MALFORMED;
	if (!issue(u, g + 1, req))
		return VERDICT_MALFORMED;
	/* The used knock's id: one-time evidence of its own, and what the
	 * reply is bound to (the client computes it from its stored copy). */
	req->has_replay_key = true;
	_Static_assert(DYNREPLY_ID_BYTES == KNOCK_NONCE_BYTES, "id size");
	dynreply_knock_id(g, d->blob, req->replay_key);
	scheme_request_open(req, u->prof->dyn->open, u->prof->dyn->nopen, now);
	return VERDICT_ACCEPT;
}

static void dyn_apply_position(void *mem, const struct config *c, uint32_t user,
	const char *key, uint64_t position, const uint8_t *blob, size_t len)
{
	struct dyn_mem *m = mem;
	if (!m || user >= m->nusers || strcmp(key, DYNAMIC_POS_KEY) != 0)
		return;
	install(m, c, user, position, blob, len);
}

uint64_t scheme_dynamic_generation(void *mem, uint32_t user)
{
	struct dyn_mem *m = mem;
	return m && user < m->nusers ? m->u[user].gen : 0;
}

void dynamic_prepare(void *mem, const struct config *c, struct request *r)
{
	const struct config_user *u = &c->users[r->user];
	if (!mem || !u->prof->dyn->enabled || r->scheme != SCHEME_SPA ||
	    r->carrier != CARRIER_UDP || r->action != KNOCK_ACTION_OPEN ||
	    r->position_key[0] || !r->has_replay_key)
		return;
	if (!issue(u, scheme_dynamic_generation(mem, r->user) + 1, r))
		r->position_key[0] = '\0';
}

const struct scheme_ops scheme_dynamic = {
	.id = SCHEME_DYNAMIC,
	.name = "dynamic",
	.load = dyn_load,
	.unload = dyn_unload,
	.child_tick = dyn_tick,
	.child_check = dyn_child_check,
	.parent_verify = dyn_parent_verify,
	.apply_position = dyn_apply_position,
};
