/* config_token — the [user NAME] keys of one-time tokens (HOTP/TOTP):
 * their setters, their whole-config checks, reading the token secret, and
 * their normalised printing. Part of the config module (config_int.h).
 *
 *   token           = hotp | totp          enables tokens for this user
 *   token_key       = /etc/postern/users/NAME.token   base32 secret, 0600
 *   token_open      = tcp/22               the one door a token opens
 *   token_hash      = sha1 | sha256 | sha512   (default sha1)
 *   token_digits    = 6..10                numeric code length (default 6)
 *   token_step      = 30s                  TOTP time step (default 30 s)
 *   token_lookahead = 10                   HOTP counters accepted ahead
 *   token_ports     = 40000-49999          range of the port-sequence form
 *                                          (default: none) */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config_int.h"
#include "tokenkey.h"

static struct token_conf *tok(struct cfg_parse *p)
{
	/* Out of memory: the error is recorded and the load fails; the
	 * setter writes into scratch, which nothing reads. */
	struct token_conf *b = cfg_token(p);
	return b ? b : &p->scratch.token;
}

int cfg_set_token(struct cfg_parse *p, const char *v)
{
	struct token_conf *t = tok(p);
	if (strcmp(v, "hotp") == 0)
		t->mode = TOKEN_HOTP;
	else if (strcmp(v, "totp") == 0)
		t->mode = TOKEN_TOTP;
	else {
		cfg_error(p, p->line, "token: '%s' is neither hotp nor totp", v);
		return -1;
	}
	t->mode_line = p->line;
	return 0;
}

int cfg_set_token_key(struct cfg_parse *p, const char *v)
{
	struct token_conf *t = tok(p);
	if (v[0] != '/' || strlen(v) >= PATH_MAX || strchr(v, '\t')) {
		cfg_error(p, p->line, "token_key: '%s' is not an absolute path "
			"(without tabs)", v);
		return -1;
	}
	t->key_line = p->line;
	return cfg_set_str(p, &t->key_path, v);
}

int cfg_set_token_open(struct cfg_parse *p, const char *v)
{
	struct token_conf *t = tok(p);
	if (!portspec_parse(v, &t->open)) {
		cfg_error(p, p->line, "token_open: bad port '%s' (expected one "
			"tcp/N or udp/N with N in 1..65535)", v);
		return -1;
	}
	t->open_line = p->line;
	return 0;
}

int cfg_set_token_hash(struct cfg_parse *p, const char *v)
{
	enum otp_hash h;
	if (!otp_hash_parse(v, &h)) {
		cfg_error(p, p->line, "token_hash: '%s' is not sha1, sha256 or "
			"sha512", v);
		return -1;
	}
	tok(p)->hash = (uint8_t)h;
	return 0;
}

int cfg_set_token_digits(struct cfg_parse *p, const char *v)
{
	unsigned long d;
	if (!cfg_number(v, OTP_DIGITS_MIN, OTP_DIGITS_MAX, &d)) {
		cfg_error(p, p->line, "token_digits: '%s' is not a number in %d..%d",
			v, OTP_DIGITS_MIN, OTP_DIGITS_MAX);
		return -1;
	}
	tok(p)->digits = (uint8_t)d;
	return 0;
}

int cfg_set_token_step(struct cfg_parse *p, const char *v)
{
	if (!duration_parse(v, TOKEN_STEP_MAX, &tok(p)->step)) {
		cfg_error(p, p->line, "token_step: bad duration '%s' (expected 1..%d "
			"seconds, as N, Ns or Nm)", v, TOKEN_STEP_MAX);
		return -1;
	}
	return 0;
}

int cfg_set_token_lookahead(struct cfg_parse *p, const char *v)
{
	unsigned long n;
	if (!cfg_number(v, 1, TOKEN_LOOKAHEAD_MAX, &n)) {
		cfg_error(p, p->line, "token_lookahead: '%s' is not a number in "
			"1..%d", v, TOKEN_LOOKAHEAD_MAX);
		return -1;
	}
	tok(p)->lookahead = (uint32_t)n;
	return 0;
}

int cfg_set_token_ports(struct cfg_parse *p, const char *v)
{
	struct token_conf *t = tok(p);
	unsigned long lo, hi;
	const char *dash = strchr(v, '-');
	char first[8];
	if (dash && (size_t)(dash - v) < sizeof first) {
		memcpy(first, v, (size_t)(dash - v));
		first[dash - v] = '\0';
	}
	if (!dash || (size_t)(dash - v) >= sizeof first ||
		!cfg_number(first, 1, 65535, &lo) || !cfg_number(dash + 1, 1, 65535, &hi) ||
		hi < lo + TOKEN_PORT_SPAN_MIN - 1) {
		cfg_error(p, p->line, "token_ports: bad range '%s' (expected LO-HI "
			"within 1..65535, at least %d ports, like 40000-49999)", v,
			TOKEN_PORT_SPAN_MIN);
		return -1;
	}
	t->port_lo = (uint16_t)lo;
	t->port_hi = (uint16_t)hi;
	t->ports_line = p->line;
	return 0;
}

void cfg_token_defaults(struct config_user *u)
{
	struct token_conf *t = cfg_token_own(u);
	if (!t)
		return; /* the default has them */
	if (!t->digits)
		t->digits = TOKEN_DEFAULT_DIGITS;
	if (!t->step)
		t->step = TOKEN_DEFAULT_STEP;
	if (!t->lookahead)
		t->lookahead = TOKEN_DEFAULT_LOOKAHEAD;
}

int cfg_check_token(struct cfg_parse *p, struct config_user *u)
{
	struct token_conf *t = cfg_token_own(u);
	if (!t)
		return 0; /* the default: no token* key, defaults in place */
	unsigned any = t->key_line ? t->key_line : t->open_line ? t->open_line :
		t->ports_line;
	char buf[PORTSPEC_STRLEN];

	cfg_token_defaults(u);
	if (!t->mode_line) {
		if (any) {
			cfg_error(p, any, "user %s: token settings without token = "
				"hotp | totp", u->name);
			return -1;
		}
		return 0;
	}
	if (!t->key_line) {
		cfg_error(p, t->mode_line, "user %s: token needs a secret (add "
			"token_key = /etc/postern/users/%s.token; postern token --init "
			"makes one)", u->name, u->name);
		return -1;
	}
	if (!t->open_line) {
		cfg_error(p, t->mode_line, "user %s: token needs the door it opens "
			"(add token_open = tcp/22)", u->name);
		return -1;
	}
	if (!config_is_protected(p->c, &t->open)) {
		cfg_error(p, t->open_line, "user %s: token_open %s is not a protected "
			"port (add it to [protect] ports)", u->name,
			portspec_format(&t->open, buf));
		return -1;
	}
	for (size_t i = 0; i < u->prof->nopen; i++)
		if (portspec_equal(&u->prof->open[i], &t->open))
			goto open_ok;
	cfg_error(p, t->open_line, "user %s: token_open %s is not in the user's "
		"open list", u->name, portspec_format(&t->open, buf));
	return -1;
open_ok:
	for (const struct config_user *o = p->c->users; o < u; o++) {
		if (o->prof->token->mode != TOKEN_NONE &&
			strcmp(o->prof->token->key_path, t->key_path) == 0) {
			cfg_error(p, t->key_line, "user %s: token secret %s is also user "
				"%s's; every user needs their own", u->name, t->key_path,
				o->name);
			return -1;
		}
	}
	return 0;
}

int cfg_load_token(struct cfg_parse *p, struct config_user *u)
{
	struct token_conf *t = cfg_token_own(u);
	struct errbuf kerr = { { 0 } };
	if (!t || t->mode == TOKEN_NONE)
		return 0;
	if (tokenkey_read(t->key_path, t->secret, &t->secret_len, &kerr) != 0) {
		cfg_error(p, t->key_line, "user %s: %s", u->name, kerr.msg);
		return -1;
	}
	for (const struct config_user *o = p->c->users; o < u; o++) {
		const struct token_conf *ot = o->prof->token;
		if (ot->mode != TOKEN_NONE && ot->secret_len == t->secret_len &&
			sodium_memcmp(ot->secret, t->secret, t->secret_len) == 0) {
			cfg_error(p, t->key_line, "user %s has the same token secret as "
				"user %s; every user needs their own", u->name, o->name);
			return -1;
		}
	}
	return 0;
}

void cfg_print_token(const struct config_user *u, FILE *f)
{
	const struct token_conf *t = u->prof->token;
	char buf[PORTSPEC_STRLEN];
	if (t->mode == TOKEN_NONE)
		return;
	fprintf(f, "token = %s\n", t->mode == TOKEN_HOTP ? "hotp" : "totp");
	fprintf(f, "token_key = %s\n", t->key_path);
	fprintf(f, "token_open = %s\n", portspec_format(&t->open, buf));
	fprintf(f, "token_hash = %s\n", otp_hash_name(t->hash));
	fprintf(f, "token_digits = %u\n", t->digits);
	fprintf(f, "token_step = %u\n", t->step);
	fprintf(f, "token_lookahead = %u\n", t->lookahead);
	if (t->port_lo)
		fprintf(f, "token_ports = %u-%u\n", t->port_lo, t->port_hi);
}
