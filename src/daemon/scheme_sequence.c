/* scheme_sequence — port sequences (docs/modes.md "sequence"), per user:
 *  - a static, knockd-compatible sequence (`sequence`): weak, it replays for
 *    anyone who saw it, and the log says so at start-up;
 *  - knockd-style one-time sequences (`one_time_sequences`): only the next
 *    unused line of the file counts; its index is the user's durable
 *    position "seq-file", moved past it before the door opens;
 *  - the four-port form of a HOTP/TOTP token (`token_ports`): the tracker's
 *    token window, handed to scheme_token.c as a derived CANDIDATE_TOKEN.
 *
 * In the capture child every CANDIDATE_PORT_HIT goes to the tracker
 * (seqtrack.c). A completed sequence is forwarded as CANDIDATE_TEXT
 * "seq static N" (N numbers completions, so two genuine knocks are not
 * mistaken for one repeated) or "seq file I" (I the line's index). The
 * parent cannot see the packets again: it checks that the user has such a
 * sequence and, for a one-time line, that I is still the next unused index
 * in its own image of the state store. A compromised child could thus open
 * a static-sequence user's doors; it can never reuse a one-time line. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "log.h"
#include "msg.h"
#include "otpauth.h"
#include "scheme.h"
#include "seqtrack.h"

#define POS_KEY "seq-file"
#define SLOT_STATIC 0
#define SLOT_FILE 1
#define SLOTS_PER_USER 2
/* A one-time list this short gets a warning at start-up. */
#define LOW_WATER 3
#define EV_STATIC "seq static "
#define EV_FILE "seq file "

struct seq_mem {
	size_t nusers;
	uint64_t *next; /* per user: index of the next unused one-time line */
	struct seqtrack *track; /* used in the child */
	uint64_t completions; /* child: numbers static completions */
};

/* Puts user's static sequence and next one-time line into the tracker. */
static void set_slots(struct seq_mem *m, const struct config *c, size_t user)
{
	const struct seq_user *s = c->users[user].prof->seq;
	struct seqtrack_want w = { .timeout_ms = s->timeout * 1000u,
		.tolerance = s->tolerance };
	w.seq = s->sequence;
	(void)seqtrack_set(m->track, user * SLOTS_PER_USER + SLOT_STATIC,
		s->sequence.n ? &w : NULL);
	bool left = s->file[0] && m->next[user] < s->list.n;
	if (left)
		w.seq = s->list.seq[m->next[user]];
	(void)seqtrack_set(m->track, user * SLOTS_PER_USER + SLOT_FILE, left ? &w : NULL);
}

/* The union of the users' token_ports ranges, as tracker windows. */
static void set_windows(struct seq_mem *m, const struct config *c)
{
	struct portrange r[SEQTRACK_MAX_WINDOWS];
	size_t n = 0;
	uint32_t timeout = 0;
	bool merged = false;
	for (size_t i = 0; i < c->nusers; i++) {
		const struct token_conf *t = c->users[i].prof->token;
		if (!t->port_lo)
			continue;
		struct portrange one = { IPPROTO_TCP, t->port_lo, t->port_hi };
		if (c->users[i].prof->seq->timeout > timeout)
			timeout = c->users[i].prof->seq->timeout;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= r[k].lo == one.lo && r[k].hi == one.hi;
		if (dup)
			continue;
		if (n == SEQTRACK_MAX_WINDOWS) { /* too many: one range over all */
			merged = true;
			r[0].lo = one.lo < r[0].lo ? one.lo : r[0].lo;
			r[0].hi = one.hi > r[0].hi ? one.hi : r[0].hi;
			continue;
		}
		r[n++] = one;
	}
	if (merged) {
		for (size_t k = 1; k < n; k++) {
			r[0].lo = r[k].lo < r[0].lo ? r[k].lo : r[0].lo;
			r[0].hi = r[k].hi > r[0].hi ? r[k].hi : r[0].hi;
		}
		n = 1;
	}
	(void)seqtrack_set_windows(m->track, r, n, timeout * 1000u);
}

struct load_ctx {
	struct seq_mem *m;
	const struct config *c;
};

static void on_position(void *ctx, const char *user, const char *key,
	uint64_t position, const uint8_t *blob, size_t blob_len)
{
	struct load_ctx *l = ctx;
	(void)blob;
	(void)blob_len;
	const struct config_user *u = config_find_user(l->c, user);
	if (u && strcmp(key, POS_KEY) == 0)
		l->m->next[u - l->c->users] = position;
}

static void warn_weak(const struct config *c, const struct seq_mem *m)
{
	char buf[SEQSPEC_STRLEN];
	for (size_t i = 0; i < c->nusers; i++) {
		const struct config_user *u = &c->users[i];
		if (u->prof->seq->sequence.n)
			log_warn("user %s: static port sequence %s is weak: anyone who "
				"sees it can replay it (knockd has the same limit); prefer a "
				"one-time list, tokens or spa", u->name,
				seqspec_format(&u->prof->seq->sequence, buf));
		if (!u->prof->seq->file[0])
			continue;
		size_t n = u->prof->seq->list.n;
		size_t left = m->next[i] < n ? n - m->next[i] : 0;
		if (left <= LOW_WATER)
			log_warn("user %s: %zu unused one-time sequence%s left in %s%s",
				u->name, left, left == 1 ? "" : "s", u->prof->seq->file,
				left ? "" : ": append new lines (used ones are skipped by index)");
	}
}

static void seq_unload(void *mem)
{
	struct seq_mem *m = mem;
	if (!m)
		return;
	seqtrack_free(m->track);
	free(m->next);
	free(m);
}

static void *seq_load(const struct config *c, struct state *st, bool *failed,
	struct errbuf *err)
{
	if (!config_uses_sequences(c))
		return NULL;
	struct seq_mem *m = calloc(1, sizeof *m);
	if (m) {
		m->nusers = c->nusers;
		m->next = calloc(c->nusers, sizeof *m->next);
		m->track = seqtrack_new(c->seq.sources, c->nusers * SLOTS_PER_USER);
	}
	if (!m || !m->next || !m->track) {
		seq_unload(m);
		errbuf_set(err, "out of memory for the sequence tracker");
		*failed = true;
		return NULL;
	}
	struct load_ctx l = { m, c };
	if (state_each_position(st, on_position, &l, err) < 0) {
		seq_unload(m);
		*failed = true;
		return NULL;
	}
	for (size_t i = 0; i < c->nusers; i++)
		set_slots(m, c, i);
	set_windows(m, c);
	warn_weak(c, m);
	return m;
}

static void seq_tick(void *mem, const struct config *c, uint64_t now)
{
	struct seq_mem *m = mem;
	(void)c;
	(void)now;
	if (m)
		seqtrack_expire(m->track, seqtrack_now_ms());
}

static enum verdict seq_child_check(void *mem, const struct config *c,
	const struct candidate *cand, uint64_t now, struct scheme_forward *fw)
{
	struct seq_mem *m = mem;
	struct seqtrack_result r;
	(void)c;
	(void)now;
	if (!m || cand->kind != CANDIDATE_PORT_HIT)
		return VERDICT_IGNORE;
	seqtrack_hit(m->track, &cand->src, &cand->u.port, seqtrack_now_ms(), &r);
	memset(&fw->evidence.u, 0, sizeof fw->evidence.u);
	if (r.ndone) {
		size_t user = r.done[0] / SLOTS_PER_USER;
		fw->user = (uint32_t)user;
		fw->evidence.kind = CANDIDATE_TEXT;
		if (r.done[0] % SLOTS_PER_USER == SLOT_STATIC)
			snprintf(fw->evidence.u.text, sizeof fw->evidence.u.text,
				EV_STATIC "%llu", (unsigned long long)++m->completions);
		else
			snprintf(fw->evidence.u.text, sizeof fw->evidence.u.text,
				EV_FILE "%llu", (unsigned long long)m->next[user]);
		return VERDICT_ACCEPT;
	}
	if (!r.window)
		return VERDICT_IGNORE;
	/* otpauth.h: four ports big-endian, in order, for scheme_token. */
	fw->evidence.kind = CANDIDATE_TOKEN;
	fw->evidence.u.token.len = TOKEN_BYTES;
	token_ports_pack(r.ports, fw->evidence.u.token.bytes);
	fw->derived = true;
	return VERDICT_ACCEPT;
}

static enum verdict seq_parent_verify(void *mem, const struct config *c,
	uint32_t user, const struct candidate *ev, uint64_t now, struct request *req,
	int64_t *skew)
{
	struct seq_mem *m = mem;
	const struct seq_user *s = c->users[user].prof->seq;
	uint64_t n;
	*skew = 0;
	if (!m || ev->kind != CANDIDATE_TEXT || ev->carrier != CARRIER_PORT)
		return VERDICT_MALFORMED;
	if (scheme_parse_evidence(ev->u.text, EV_STATIC, &n)) {
		if (!s->sequence.n)
			return VERDICT_MALFORMED;
	} else if (scheme_parse_evidence(ev->u.text, EV_FILE, &n)) {
		if (!s->file[0] || n >= s->list.n)
			return VERDICT_MALFORMED;
		if (n < m->next[user])
			return VERDICT_REPLAY;
		if (n != m->next[user])
			return VERDICT_MALFORMED;
		snprintf(req->position_key, sizeof req->position_key, "%s", POS_KEY);
		req->position = n + 1;
	} else {
		return VERDICT_MALFORMED;
	}
	scheme_request_open(req, s->open, s->nopen, now);
	return VERDICT_ACCEPT;
}

static void seq_apply_position(void *mem, const struct config *c, uint32_t user,
	const char *key, uint64_t position, const uint8_t *blob, size_t len)
{
	struct seq_mem *m = mem;
	(void)blob;
	(void)len;
	if (!m || user >= m->nusers || strcmp(key, POS_KEY) != 0 ||
	    position <= m->next[user])
		return;
	m->next[user] = position;
	set_slots(m, c, user);
}

const struct scheme_ops scheme_sequence = {
	.id = SCHEME_SEQUENCE,
	.name = "sequence",
	.load = seq_load,
	.unload = seq_unload,
	.child_tick = seq_tick,
	.child_check = seq_child_check,
	.parent_verify = seq_parent_verify,
	.apply_position = seq_apply_position,
};
