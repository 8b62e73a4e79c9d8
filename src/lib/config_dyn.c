/* config_dyn — the [user] keys of dynamic knocks (dyn_conf.h): setters,
 * defaults, whole-config checks, normalised printing. Part of the config
 * module (config_int.h). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

static struct dyn_conf *dc(struct cfg_parse *p)
{
	/* Out of memory: the error is recorded and the load fails; the
	 * setter writes into scratch, which nothing reads. */
	struct dyn_conf *b = cfg_dyn(p);
	return b ? b : &p->scratch.dyn;
}

int cfg_set_dynamic(struct cfg_parse *p, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			dc(p)->enabled = strcasecmp(v, yes[i]) == 0;
			dc(p)->line = p->line;
			return 0;
		}
	}
	cfg_error(p, p->line, "dynamic: '%s' is neither yes nor no", v);
	return -1;
}

/* "LO-HI", decimal, 1 <= LO <= HI <= 65535, at least DYN_MIN_RANGE ports. */
static int set_range(struct cfg_parse *p, const char *key, const char *v,
	uint16_t *lo, uint16_t *hi)
{
	size_t a = strspn(v, "0123456789");
	size_t b = a && v[a] == '-' ? strspn(v + a + 1, "0123456789") : 0;
	unsigned long l = 0, h = 0;
	bool ok = a && a <= 5 && b && b <= 5 && v[a + 1 + b] == '\0' && v[0] != '0' &&
		v[a + 1] != '0';
	if (ok) {
		l = strtoul(v, NULL, 10);
		h = strtoul(v + a + 1, NULL, 10);
		ok = l >= 1 && h <= 65535 && l <= h && h - l + 1 >= DYN_MIN_RANGE;
	}
	if (!ok) {
		cfg_error(p, p->line, "%s: bad range '%s' (expected LO-HI with 1 <= LO "
			"<= HI <= 65535 and at least %d ports, like 40000-49999)", key, v,
			DYN_MIN_RANGE);
		return -1;
	}
	*lo = (uint16_t)l;
	*hi = (uint16_t)h;
	return 0;
}

int cfg_set_dyn_ports(struct cfg_parse *p, const char *v)
{
	dc(p)->ports_line = p->line;
	return set_range(p, "dynamic_ports", v, &dc(p)->lo, &dc(p)->hi);
}

int cfg_set_dyn_fwd_ports(struct cfg_parse *p, const char *v)
{
	dc(p)->fwd_ports_line = p->line;
	return set_range(p, "dynamic_forward_ports", v, &dc(p)->fwd_lo, &dc(p)->fwd_hi);
}

int cfg_set_dyn_length(struct cfg_parse *p, const char *v)
{
	if (strlen(v) != 1 || v[0] < '0' + DYN_MIN_LENGTH || v[0] > '0' + DYN_MAX_LENGTH) {
		cfg_error(p, p->line, "dynamic_length: '%s' is not a number in %d..%d",
			v, DYN_MIN_LENGTH, DYN_MAX_LENGTH);
		return -1;
	}
	dc(p)->length = (uint8_t)(v[0] - '0');
	return 0;
}

int cfg_set_dyn_open(struct cfg_parse *p, const char *v)
{
	struct dyn_conf *d = dc(p);
	struct portspec ps;
	if (!d->open_line)
		d->open_line = p->line;
	if (!portspec_parse(v, &ps)) {
		cfg_error(p, p->line, "dynamic_open: bad port '%s' (expected tcp/N or "
			"udp/N)", v);
		return -1;
	}
	for (size_t i = 0; i < d->nopen; i++) {
		if (portspec_equal(&d->open[i], &ps)) {
			cfg_error(p, p->line, "dynamic_open: %s listed twice", v);
			return -1;
		}
	}
	if (d->nopen == KNOCK_MAX_PORTS) {
		cfg_error(p, p->line, "dynamic_open: more than %d ports", KNOCK_MAX_PORTS);
		return -1;
	}
	d->open[d->nopen++] = ps;
	return 0;
}

int cfg_set_dyn_forward(struct cfg_parse *p, const char *v)
{
	if (!portspec_parse(v, &dc(p)->forward)) {
		cfg_error(p, p->line, "dynamic_forward: bad port '%s' (expected tcp/N "
			"or udp/N: the real service a random high port forwards to)", v);
		return -1;
	}
	dc(p)->forward_line = p->line;
	return 0;
}

static bool in_open(const struct config_user *u, const struct portspec *ps)
{
	for (size_t k = 0; k < u->prof->nopen; k++)
		if (portspec_equal(&u->prof->open[k], ps))
			return true;
	return false;
}

static bool range_watched(const struct config *c, uint16_t lo, uint16_t hi)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	for (size_t k = 0; k < 2; k++) {
		struct portspec a = { protos[k], lo }, b = { protos[k], hi };
		bool inside = false;
		for (size_t i = 0; i < c->seq.nwatch; i++)
			inside |= portrange_contains(&c->seq.watch[i], &a) &&
				portrange_contains(&c->seq.watch[i], &b);
		if (!inside)
			return false;
	}
	return true;
}

int cfg_check_dyn(struct cfg_parse *p, struct config_user *u)
{
	struct dyn_conf *d = cfg_dyn_own(u);
	char buf[PORTSPEC_STRLEN];
	if (!d)
		return 0; /* the default: no dynamic_* key, defaults in place */
	unsigned any = d->ports_line ? d->ports_line : d->open_line ? d->open_line :
		d->forward_line ? d->forward_line : d->fwd_ports_line;
	if (!d->lo) {
		d->lo = DYN_DEFAULT_LO;
		d->hi = DYN_DEFAULT_HI;
	}
	if (!d->fwd_lo) {
		d->fwd_lo = DYN_DEFAULT_FWD_LO;
		d->fwd_hi = DYN_DEFAULT_FWD_HI;
	}
	if (!d->length)
		d->length = DYN_DEFAULT_LENGTH;
	if (!d->enabled) {
		if (any) {
			cfg_error(p, any, "user %s: dynamic_* without dynamic = yes", u->name);
			return -1;
		}
		return 0;
	}
	if (!range_watched(p->c, d->lo, d->hi)) {
		cfg_error(p, d->ports_line ? d->ports_line : d->line, "user %s: "
			"dynamic_ports %u-%u is not inside [daemon] sequence_watch for both "
			"tcp and udp", u->name, (unsigned)d->lo, (unsigned)d->hi);
		return -1;
	}
	if (d->forward.port && !(d->fwd_hi < d->lo || d->fwd_lo > d->hi)) {
		cfg_error(p, d->fwd_ports_line ? d->fwd_ports_line : d->forward_line,
			"user %s: dynamic_forward_ports overlaps dynamic_ports", u->name);
		return -1;
	}
	if (d->nopen == 0) {
		if (u->prof->nopen == 0 || u->prof->nopen > KNOCK_MAX_PORTS) {
			cfg_error(p, d->line, "user %s: add dynamic_open = PROTO/PORT (the "
				"doors a dynamic knock opens, at most %d of the user's open "
				"list)", u->name, KNOCK_MAX_PORTS);
			return -1;
		}
		memcpy(d->open, u->prof->open, u->prof->nopen * sizeof *u->prof->open);
		d->nopen = u->prof->nopen;
	}
	for (size_t i = 0; i < d->nopen; i++) {
		if (!in_open(u, &d->open[i])) {
			cfg_error(p, d->open_line, "user %s: dynamic_open %s is not in the "
				"user's open list", u->name, portspec_format(&d->open[i], buf));
			return -1;
		}
	}
	if (d->forward.port && !in_open(u, &d->forward)) {
		cfg_error(p, d->forward_line, "user %s: dynamic_forward %s is not in the "
			"user's open list", u->name, portspec_format(&d->forward, buf));
		return -1;
	}
	return 0;
}

bool config_uses_dynamic(const struct config *c)
{
	return c->uses.dynamic;
}

void cfg_print_dyn(const struct config_user *u, FILE *f)
{
	const struct dyn_conf *d = u->prof->dyn;
	char buf[PORTSPEC_STRLEN];
	if (!d->enabled)
		return;
	fprintf(f, "dynamic = yes\ndynamic_ports = %u-%u\ndynamic_length = %u\n",
		(unsigned)d->lo, (unsigned)d->hi, (unsigned)d->length);
	fprintf(f, "dynamic_open = ");
	for (size_t i = 0; i < d->nopen; i++)
		fprintf(f, "%s%s", i ? ", " : "", portspec_format(&d->open[i], buf));
	fputc('\n', f);
	if (d->forward.port)
		fprintf(f, "dynamic_forward = %s\ndynamic_forward_ports = %u-%u\n",
			portspec_format(&d->forward, buf), (unsigned)d->fwd_lo,
			(unsigned)d->fwd_hi);
}
