/* scheme_spa — the single-packet knock (docs/protocol.md): a keyed tag finds
 * the user in O(1) (in the child), then the AEAD authenticates and decrypts
 * and the timestamp must be inside the window (in the parent). One-time by
 * its nonce. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "msg.h"
#include "scheme.h"
#include "spa_sig.h"
#include "tagtable.h"

struct spa_mem {
	struct tagtable *tags; /* used in the child (the parent builds its first) */
};

static void *spa_load(const struct config *c, struct state *st, bool *failed,
	struct errbuf *err)
{
	(void)c;
	(void)st;
	struct spa_mem *m = calloc(1, sizeof *m);
	if (m)
		m->tags = tagtable_new();
	if (!m || !m->tags) {
		free(m);
		errbuf_set(err, "out of memory");
		*failed = true;
		return NULL;
	}
	return m;
}

static void spa_unload(void *mem)
{
	struct spa_mem *m = mem;
	if (!m)
		return;
	tagtable_free(m->tags);
	free(m);
}

static void spa_tick(void *mem, const struct config *c, uint64_t now)
{
	struct spa_mem *m = mem;
	/* On failure the old table stays; knocks work until the window moves. */
	(void)tagtable_update(m->tags, c, now);
}

/* The first table, built by the parent with two threads while the child
 * does not exist yet: the child inherits it and its first tick finds the
 * slots covered (or slides them, if a slot passed since). The tag keys are
 * the same ones the child keeps; the parent's copy is freed after the fork.
 * On failure the child builds its own, as before. */
static void spa_prefork(void *mem, const struct config *c, uint64_t now)
{
	struct spa_mem *m = mem;
	(void)tagtable_update_prefork(m->tags, c, now);
}

void scheme_spa_adopt_tags(struct scheme_set *s, struct tagtable *t)
{
	struct spa_mem *m = s->mem[SCHEME_SPA];
	if (!m || !t) {
		tagtable_free(t);
		return;
	}
	tagtable_free(m->tags);
	m->tags = t;
}

const struct tagtable *scheme_spa_tags(const struct scheme_set *s)
{
	const struct spa_mem *m = s->mem[SCHEME_SPA];
	return m ? m->tags : NULL;
}

static void spa_postfork(void *mem)
{
	struct spa_mem *m = mem;
	tagtable_release(m->tags);
}

/* The child holds the tag keys only (childkeys.h): it finds the user and
 * knows the tag is of a slot inside the window, and forwards; the AEAD, the
 * timestamp and the signature are the parent's alone, so a compromised child
 * cannot mint or alter a knock. A tag can only be matched by someone who saw
 * a genuine knock of this slot: the child's dedupe drops exact repeats. */
static enum verdict spa_child_check(void *mem, const struct config *c,
	const struct candidate *cand, uint64_t now, struct scheme_forward *fw)
{
	struct spa_mem *m = mem;
	(void)now;
	if (cand->kind != CANDIDATE_SPA)
		return VERDICT_IGNORE;
	uint32_t user;
	if (tagtable_lookup(m->tags, c, knock_wire_tag(cand->u.spa), &user, 1) == 0)
		return VERDICT_UNKNOWN_TAG;
	fw->user = user; /* a 64-bit tag shared by two users: 2^-64 per pair */
	return VERDICT_ACCEPT;
}

static enum verdict spa_parent_verify(void *mem, const struct config *c,
	uint32_t user, const struct candidate *ev, uint64_t now, struct request *req,
	int64_t *skew)
{
	(void)mem;
	struct knock k;
	if (ev->kind != CANDIDATE_SPA)
		return VERDICT_MALFORMED;
	enum verdict v = verify_knock_key(c, &c->users[user], ev->u.spa, now, c->window, &k,
		skew, &req->old_key);
	if (v == VERDICT_ACCEPT) /* the parent checks the signature itself */
		v = spa_sig_check(c, &c->users[user], &k, ev, &req->is_signed, req->sig);
	if (v != VERDICT_ACCEPT) {
		sodium_memzero(&k, sizeof k);
		return v;
	}
	req->action = k.action;
	req->target_is_source = k.target_is_source;
	req->target = k.target;
	req->nports = k.nports;
	memcpy(req->ports, k.ports, sizeof req->ports);
	req->lease = k.lease;
	req->trigger_id = k.trigger_id;
	memcpy(req->arg, k.arg, sizeof req->arg);
	req->timestamp = k.timestamp;
	req->has_replay_key = true;
	memcpy(req->replay_key, k.nonce, sizeof req->replay_key);
	sodium_memzero(&k, sizeof k);
	return VERDICT_ACCEPT;
}

const struct scheme_ops scheme_spa = {
	.id = SCHEME_SPA,
	.name = "spa",
	.load = spa_load,
	.unload = spa_unload,
	.child_tick = spa_tick,
	.parent_prefork = spa_prefork,
	.parent_postfork = spa_postfork,
	.child_check = spa_child_check,
	.parent_verify = spa_parent_verify,
	.apply_position = NULL,
};
