/* scheme_token — one-time tokens from a per-user secret (RFC 4226 HOTP or
 * RFC 6238 TOTP), docs/modes.md "token". Three forms, all one-time by the
 * user's durable position (the next usable counter or time slot):
 *  - a numeric code as an authenticator app or oathtool prints it
 *    (CANDIDATE_TEXT with user_hint), bound to the user's token_open by
 *    configuration;
 *  - an 8-byte binary token bound to token_open by what is hashed
 *    (CANDIDATE_TOKEN: ping -p, DNS label, SYN fields);
 *  - that token's port-sequence form (CANDIDATE_TOKEN from CARRIER_PORT:
 *    the four ports big-endian).
 * The child finds all three in a precomputed table (one probe per packet)
 * that the parent builds and shares with it: the child never holds a token
 * secret, so it cannot make a token nobody sent. The parent re-derives
 * against the stored position and asks to move it. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <sodium.h>

#include "carrier.h"
#include "msg.h"
#include "otpauth.h"
#include "scheme.h"
#include "tokentable.h"

#define KEY_HOTP "token-hotp"
#define KEY_TOTP "token-totp"
/* Used HOTP counters kept in the table, so a replay is named as one. */
#define HOTP_RECENT 4
/* Wrong numeric codes per user per minute before codes are refused without
 * looking (RFC 4226 §7.3 throttling; binary tokens are not affected). */
#define CODE_FAILS_PER_MINUTE 10

struct token_pos {
	uint64_t next_hotp, next_totp; /* first counter / slot still usable */
	uint64_t built_slot; /* TOTP slot the child's table was built for */
	uint64_t fail_minute;
	uint32_t fails;
};

/* The tables the child reads, double-buffered: the parent copies a new
 * table into shared[(seq + 1) & 1], then publishes seq + 1; the child
 * reads shared[seq & 1] and trusts what it found only if seq did not move
 * meanwhile (a seqlock). The parent only ever writes the shared memory. */
struct token_mem {
	size_t nusers;
	struct token_pos *pos;
	size_t max; /* entries of a full table (fixed by the config) */
	struct tokentable *shared[2];
	uint64_t *shared_seq; /* a shared page */
	uint64_t seq; /* parent: the last published */
	bool dirty;
};

/* Entries of a full table: every counter worth knowing, three forms each. */
static size_t table_max(const struct config *c)
{
	size_t max = 0;
	for (size_t i = 0; i < c->nusers; i++) {
		const struct token_conf *t = c->users[i].prof->token;
		if (t->mode != TOKEN_NONE && !c->users[i].prof->disabled)
			max += 3 * (t->mode == TOKEN_HOTP ?
				HOTP_RECENT + t->lookahead : 3);
	}
	return max;
}

/* The counters [first, last] worth knowing for u at now; those below
 * *next are used. */
static void user_window(const struct token_conf *t, const struct token_pos *p,
	uint64_t now, uint64_t *first, uint64_t *last, uint64_t *next)
{
	if (t->mode == TOKEN_HOTP) {
		*next = p->next_hotp;
		*first = *next > HOTP_RECENT ? *next - HOTP_RECENT : 0;
		*last = *next + t->lookahead - 1;
	} else {
		uint64_t s = otp_totp_slot(now, 0, t->step);
		*next = p->next_totp;
		*first = s > 0 ? s - 1 : 0;
		*last = s + 1;
	}
}

static void on_position(void *ctx, const char *user, const char *key,
	uint64_t position, const uint8_t *blob, size_t len)
{
	(void)blob;
	(void)len;
	const struct config *c = ((void **)ctx)[0];
	struct token_mem *m = ((void **)ctx)[1];
	const struct config_user *u = config_find_user(c, user);
	if (!u)
		return; /* a user no longer configured */
	struct token_pos *p = &m->pos[u - c->users];
	if (strcmp(key, KEY_HOTP) == 0 && position > p->next_hotp)
		p->next_hotp = position;
	else if (strcmp(key, KEY_TOTP) == 0 && position > p->next_totp)
		p->next_totp = position;
}

static void token_unload(void *mem)
{
	struct token_mem *m = mem;
	if (!m)
		return;
	tokentable_free(m->shared[0]);
	tokentable_free(m->shared[1]);
	if (m->shared_seq)
		munmap(m->shared_seq, sizeof *m->shared_seq);
	free(m->pos);
	free(m);
}

static void rebuild(struct token_mem *m, const struct config *c, uint64_t now);

static void *token_load(const struct config *c, struct state *st, bool *failed,
	struct errbuf *err)
{
	struct token_mem *m = calloc(1, sizeof *m);
	if (m)
		m->pos = calloc(c->nusers ? c->nusers : 1, sizeof *m->pos);
	if (!m || !m->pos) {
		free(m);
		errbuf_set(err, "out of memory");
		*failed = true;
		return NULL;
	}
	m->nusers = c->nusers;
	m->dirty = true;
	m->max = table_max(c);
	m->shared[0] = tokentable_new_shared(m->max);
	m->shared[1] = tokentable_new_shared(m->max);
	m->shared_seq = mmap(NULL, sizeof *m->shared_seq, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m->shared_seq == MAP_FAILED)
		m->shared_seq = NULL;
	if (!m->shared[0] || !m->shared[1] || !m->shared_seq) {
		token_unload(m);
		errbuf_set(err, "out of memory for the token tables");
		*failed = true;
		return NULL;
	}
	void *ctx[2] = { (void *)c, m };
	if (st && state_each_position(st, on_position, ctx, err) != 0) {
		token_unload(m);
		*failed = true;
		return NULL;
	}
	/* Before the child is forked: its first packet finds a table. */
	rebuild(m, c, (uint64_t)time(NULL));
	return m;
}

/* Adds the entries of user ui at counter n; -1 if the table is full. */
static int add_counter(struct tokentable *t, const struct config_user *u,
	uint32_t ui, uint64_t n, bool used)
{
	const struct token_conf *tc = u->prof->token;
	struct tokentable_hit hit = { .user = ui, .counter = n, .used = used };
	uint8_t tok[TOKEN_BYTES], packed[TOKEN_BYTES];
	uint16_t ports[TOKEN_PORTS];
	int rc = 0;

	token_binary(tc->hash, tc->secret, tc->secret_len, tc->mode, n, &tc->open, tok);
	rc |= tokentable_add(t, TT_TOKEN, tokentable_bytes_key(tok), &hit);
	if (tc->port_lo && token_ports(tok, tc->port_lo, tc->port_hi, ports)) {
		token_ports_pack(ports, packed);
		rc |= tokentable_add(t, TT_PORTS, tokentable_bytes_key(packed), &hit);
	}
	uint32_t code = otp_hotp(tc->hash, tc->secret, tc->secret_len, n, tc->digits);
	rc |= tokentable_add(t, TT_CODE, tokentable_code_key(ui, code), &hit);
	sodium_memzero(tok, sizeof tok);
	sodium_memzero(&code, sizeof code);
	return rc;
}

/* Parent: builds the table for now and publishes it to the child; on
 * failure the old one stays (and dirty, so the next tick tries again). */
static void rebuild(struct token_mem *m, const struct config *c, uint64_t now)
{
	struct tokentable *t = tokentable_new(m->max);
	if (!t)
		return;
	for (size_t i = 0; i < m->nusers; i++) {
		const struct config_user *u = &c->users[i];
		struct token_pos *p = &m->pos[i];
		uint64_t first, last, next;
		if (u->prof->token->mode == TOKEN_NONE || u->prof->disabled)
			continue;
		user_window(u->prof->token, p, now, &first, &last, &next);
		for (uint64_t n = first; n <= last; n++) {
			if (add_counter(t, u, (uint32_t)i, n, n < next) != 0) {
				tokentable_free(t);
				return;
			}
		}
		p->built_slot = otp_totp_slot(now, 0, u->prof->token->step);
	}
	int copied = tokentable_copy(m->shared[(m->seq + 1) & 1], t);
	tokentable_free(t); /* wipes the codes: only the shared copy is read */
	if (copied != 0)
		return;
	m->seq++;
	__atomic_store_n(m->shared_seq, m->seq, __ATOMIC_RELEASE);
	m->dirty = false;
}

/* Parent, once a second: a TOTP slot passed, or a position moved. */
static void token_parent_tick(void *mem, const struct config *c, uint64_t now)
{
	struct token_mem *m = mem;
	/* No token users, no slot to pass: at 100 000 users the walk is a
	 * cache miss per user, ~100 ms a second here. */
	for (size_t i = 0; c->uses.tokens && i < m->nusers && !m->dirty; i++) {
		const struct token_conf *t = c->users[i].prof->token;
		if (t->mode == TOKEN_TOTP &&
			otp_totp_slot(now, 0, t->step) != m->pos[i].built_slot)
			m->dirty = true;
	}
	if (m->dirty)
		rebuild(m, c, now);
}

/* Child: finds (form, key) in the table the parent published last. A hit
 * on a table torn by a concurrent copy is retried; a false one would only
 * be refused by the parent, which checks everything again. */
static bool shared_find(const struct token_mem *m, const struct config *c,
	enum tokentable_form form, uint64_t key, struct tokentable_hit *hit)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		uint64_t seq = __atomic_load_n(m->shared_seq, __ATOMIC_ACQUIRE);
		bool found = tokentable_find(m->shared[seq & 1], form, key, hit);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(m->shared_seq, __ATOMIC_RELAXED) == seq)
			return found && hit->user < c->nusers;
	}
	return false;
}

/* The user a numeric code names, or NULL (not a token user: not ours). */
static const struct config_user *code_user(const struct config *c,
	const struct candidate *cand)
{
	if (!otp_code_syntax(cand->u.text) || !cand->user_hint[0])
		return NULL;
	const struct config_user *u = config_find_user(c, cand->user_hint);
	return u && u->prof->token->mode != TOKEN_NONE ? u : NULL;
}

static uint32_t code_value(const char *text)
{
	return (uint32_t)strtoul(text, NULL, 10); /* at most 10 digits: fits */
}

/* Numeric codes are guessable; limit wrong guesses per user. */
static bool code_throttled(struct token_pos *p, uint64_t now)
{
	if (p->fail_minute != now / 60) {
		p->fail_minute = now / 60;
		p->fails = 0;
	}
	return p->fails >= CODE_FAILS_PER_MINUTE;
}

static enum verdict token_child_check(void *mem, const struct config *c,
	const struct candidate *cand, uint64_t now, struct scheme_forward *fw)
{
	struct token_mem *m = mem;
	struct tokentable_hit hit;
	bool found;

	if (cand->kind == CANDIDATE_TOKEN && cand->u.token.len == TOKEN_BYTES) {
		enum tokentable_form form = cand->carrier == CARRIER_PORT ?
			TT_PORTS : TT_TOKEN;
		/* Not one of ours: another scheme's, or a plain ping. */
		if (!shared_find(m, c, form,
			tokentable_bytes_key(cand->u.token.bytes), &hit))
			return VERDICT_IGNORE;
	} else if (cand->kind == CANDIDATE_TEXT) {
		const struct config_user *u = code_user(c, cand);
		if (!u)
			return VERDICT_IGNORE;
		uint32_t ui = (uint32_t)(u - c->users);
		fw->user = ui;
		if (u->prof->disabled)
			return VERDICT_POLICY;
		if (strlen(cand->u.text) != u->prof->token->digits ||
			code_throttled(&m->pos[ui], now))
			return VERDICT_BAD_MAC;
		found = shared_find(m, c, TT_CODE,
			tokentable_code_key(ui, code_value(cand->u.text)), &hit);
		if (!found) {
			m->pos[ui].fails++;
			return VERDICT_BAD_MAC;
		}
	} else {
		return VERDICT_IGNORE;
	}
	fw->user = hit.user;
	return hit.used ? VERDICT_REPLAY : VERDICT_ACCEPT;
}

/* True if the evidence is the form of counter n for u (constant time). */
static bool matches(const struct config_user *u, const struct candidate *ev,
	uint64_t n)
{
	const struct token_conf *t = u->prof->token;
	uint8_t want[TOKEN_BYTES], packed[TOKEN_BYTES];
	uint16_t ports[TOKEN_PORTS];
	bool ok;

	if (ev->kind == CANDIDATE_TEXT) {
		char code[OTP_CODE_STRLEN];
		otp_code_format(otp_hotp(t->hash, t->secret, t->secret_len, n,
			t->digits), t->digits, code);
		ok = sodium_memcmp(code, ev->u.text, (size_t)t->digits + 1) == 0;
		sodium_memzero(code, sizeof code);
		return ok;
	}
	token_binary(t->hash, t->secret, t->secret_len, t->mode, n, &t->open, want);
	if (ev->carrier == CARRIER_PORT) {
		ok = t->port_lo && token_ports(want, t->port_lo, t->port_hi, ports);
		if (ok) {
			token_ports_pack(ports, packed);
			ok = sodium_memcmp(packed, ev->u.token.bytes, TOKEN_BYTES) == 0;
		}
	} else {
		ok = sodium_memcmp(want, ev->u.token.bytes, TOKEN_BYTES) == 0;
	}
	sodium_memzero(want, sizeof want);
	return ok;
}

static enum verdict token_parent_verify(void *mem, const struct config *c,
	uint32_t user, const struct candidate *ev, uint64_t now, struct request *req,
	int64_t *skew)
{
	struct token_mem *m = mem;
	const struct config_user *u = &c->users[user];
	const struct token_conf *t = u->prof->token;
	uint64_t first, last, next;

	if (t->mode == TOKEN_NONE || user >= m->nusers)
		return VERDICT_MALFORMED;
	if (ev->kind == CANDIDATE_TEXT) {
		if (strcmp(ev->user_hint, u->name) != 0 || !otp_code_syntax(ev->u.text) ||
			strlen(ev->u.text) != t->digits)
			return VERDICT_MALFORMED;
	} else if (ev->kind != CANDIDATE_TOKEN || ev->u.token.len != TOKEN_BYTES) {
		return VERDICT_MALFORMED;
	}
	user_window(t, &m->pos[user], now, &first, &last, &next);
	uint64_t now_slot = otp_totp_slot(now, 0, t->step);
	for (uint64_t n = first; n <= last; n++) {
		if (!matches(u, ev, n))
			continue;
		if (t->mode == TOKEN_TOTP)
			*skew = ((int64_t)n - (int64_t)now_slot) * (int64_t)t->step;
		if (n < next)
			return VERDICT_REPLAY;
		req->action = KNOCK_ACTION_OPEN;
		req->target_is_source = true;
		req->nports = 1;
		req->ports[0] = t->open;
		req->lease = 0; /* the configured default */
		req->timestamp = now;
		snprintf(req->position_key, sizeof req->position_key, "%s",
			t->mode == TOKEN_HOTP ? KEY_HOTP : KEY_TOTP);
		req->position = n + 1;
		return VERDICT_ACCEPT;
	}
	return VERDICT_BAD_MAC;
}

static void token_apply_position(void *mem, const struct config *c, uint32_t user,
	const char *key, uint64_t position, const uint8_t *blob, size_t len)
{
	struct token_mem *m = mem;
	if (!m || user >= m->nusers)
		return;
	void *ctx[2] = { (void *)c, m };
	on_position(ctx, c->users[user].name, key, position, blob, len);
	m->dirty = true;
}

const struct scheme_ops scheme_token = {
	.id = SCHEME_TOKEN,
	.name = "token",
	.load = token_load,
	.unload = token_unload,
	.parent_tick = token_parent_tick,
	.child_check = token_child_check,
	.parent_verify = token_parent_verify,
	.apply_position = token_apply_position,
};
