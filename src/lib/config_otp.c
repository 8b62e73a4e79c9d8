/* config_otp — the [user NAME] keys of RFC 2289 one-time passwords: their
 * setters, defaults, whole-config checks and normalised printing. Part of
 * the config module (config_int.h).
 *
 *   otp           = md5 | sha1       enables OTP chains for this user
 *   otp_open      = tcp/22[, ...]    doors that may have a chain; each chain
 *                                    opens exactly one of them (postern otp
 *                                    init --open picks which)
 *   otp_low_water = 10               warn when a chain's sequence number is
 *                                    at or below this (0..9999)
 *   otp_lookahead = 5                how far down the chain a response may
 *                                    be: 1 = only the next one, 5 = the next
 *                                    or up to 4 skipped (lost) ones (1..64) */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "otp.h"

static struct otp_conf *oc(struct cfg_parse *p)
{
	/* Out of memory: the error is recorded and the load fails; the
	 * setter writes into scratch, which nothing reads. */
	struct otp_conf *b = cfg_otp(p);
	return b ? b : &p->scratch.otp;
}

int cfg_set_otp(struct cfg_parse *p, const char *v)
{
	enum otp_alg a;
	if (!otp_alg_parse(v, &a)) {
		cfg_error(p, p->line, "otp: '%s' is neither md5 nor sha1", v);
		return -1;
	}
	oc(p)->alg = (uint8_t)a;
	oc(p)->alg_line = p->line;
	return 0;
}

int cfg_set_otp_open(struct cfg_parse *p, const char *v)
{
	struct otp_conf *o = oc(p);
	struct portspec ps;
	char buf[PORTSPEC_STRLEN];
	if (!o->open_line)
		o->open_line = p->line;
	if (!portspec_parse(v, &ps)) {
		cfg_error(p, p->line, "otp_open: bad port '%s' (expected tcp/N or "
			"udp/N with N in 1..65535)", v);
		return -1;
	}
	for (size_t i = 0; i < o->nopen; i++) {
		if (portspec_equal(&o->open[i], &ps)) {
			cfg_error(p, p->line, "otp_open: %s listed twice",
				portspec_format(&ps, buf));
			return -1;
		}
	}
	if (o->nopen == OTP_CONF_MAX_OPEN) {
		cfg_error(p, p->line, "otp_open: more than %d ports", OTP_CONF_MAX_OPEN);
		return -1;
	}
	o->open[o->nopen++] = ps;
	return 0;
}

int cfg_set_otp_low_water(struct cfg_parse *p, const char *v)
{
	unsigned long n;
	if (!cfg_number(v, 0, OTP_SEQ_MAX, &n)) {
		cfg_error(p, p->line, "otp_low_water: '%s' is not a number in 0..%d",
			v, OTP_SEQ_MAX);
		return -1;
	}
	oc(p)->low_water = (uint32_t)n;
	oc(p)->low_water_line = p->line;
	return 0;
}

int cfg_set_otp_lookahead(struct cfg_parse *p, const char *v)
{
	unsigned long n;
	if (!cfg_number(v, 1, OTP_LOOKAHEAD_MAX, &n)) {
		cfg_error(p, p->line, "otp_lookahead: '%s' is not a number in 1..%d",
			v, OTP_LOOKAHEAD_MAX);
		return -1;
	}
	oc(p)->lookahead = (uint32_t)n;
	oc(p)->lookahead_line = p->line;
	return 0;
}

static bool in_list(const struct portspec *list, size_t n, const struct portspec *p)
{
	for (size_t i = 0; i < n; i++)
		if (portspec_equal(&list[i], p))
			return true;
	return false;
}

int cfg_check_otp(struct cfg_parse *p, struct config_user *u)
{
	struct otp_conf *o = cfg_otp_own(u);
	if (!o)
		return 0; /* the default: no otp* key, defaults in place */
	unsigned any = o->open_line ? o->open_line : o->low_water_line ?
		o->low_water_line : o->lookahead_line;
	char buf[PORTSPEC_STRLEN];

	if (!o->low_water_line)
		o->low_water = OTP_DEFAULT_LOW_WATER;
	if (!o->lookahead_line)
		o->lookahead = OTP_DEFAULT_LOOKAHEAD;
	if (!o->alg_line) {
		if (any) {
			cfg_error(p, any, "user %s: otp settings without otp = md5 | sha1",
				u->name);
			return -1;
		}
		return 0;
	}
	if (o->nopen == 0) {
		cfg_error(p, o->alg_line, "user %s: otp needs the doors its chains "
			"open (add otp_open = tcp/22)", u->name);
		return -1;
	}
	for (size_t i = 0; i < o->nopen; i++) {
		if (!config_is_protected(p->c, &o->open[i])) {
			cfg_error(p, o->open_line, "user %s: otp_open %s is not a "
				"protected port (add it to [protect] ports)", u->name,
				portspec_format(&o->open[i], buf));
			return -1;
		}
		if (!in_list(u->prof->open, u->prof->nopen, &o->open[i])) {
			cfg_error(p, o->open_line, "user %s: otp_open %s is not in the "
				"user's open list", u->name, portspec_format(&o->open[i], buf));
			return -1;
		}
	}
	return 0;
}

void cfg_print_otp(const struct config_user *u, FILE *f)
{
	const struct otp_conf *o = u->prof->otp;
	char buf[PORTSPEC_STRLEN];
	if (o->alg == OTP_ALG_NONE)
		return;
	fprintf(f, "otp = %s\n", otp_alg_name(o->alg));
	fprintf(f, "otp_open = ");
	for (size_t i = 0; i < o->nopen; i++)
		fprintf(f, "%s%s", i ? ", " : "", portspec_format(&o->open[i], buf));
	fputc('\n', f);
	fprintf(f, "otp_low_water = %u\n", o->low_water);
	fprintf(f, "otp_lookahead = %u\n", o->lookahead);
}
