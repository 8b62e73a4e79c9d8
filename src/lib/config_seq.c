/* config_seq — the keys of port sequences and SYN knocks: setters, defaults,
 * whole-config checks, reading one-time sequence files, normalised printing.
 * Part of the config module (config_int.h).
 *
 *   [daemon]
 *   sequence_watch   = tcp/1-65535, udp/1-65535   ports whose hits count (a
 *                                          hit on a watched port that is not
 *                                          the next step resets progress);
 *                                          default: every port
 *   sequence_sources = 16384               sources tracked at once
 *   syn_ports        = tcp/N[, ...]        closed ports whose SYNs may carry
 *                                          a token (carrier_syn.c)
 *   [user NAME]
 *   sequence           = 7000:tcp, 8000:udp, 9000   knockd's syntax (weak!)
 *   one_time_sequences = /etc/postern/users/NAME.seqs   knockd's file format
 *   sequence_open      = tcp/22            doors a sequence opens (default:
 *                                          the user's open list)
 *   sequence_timeout   = 5s                most time between two hits
 *   sequence_tolerance = 0                 steps a hit may run ahead (0..3) */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* The current user's block to write (scratch if it could not be allocated:
 * the error is recorded, the load fails). */
static struct seq_user *sq(struct cfg_parse *p)
{
	struct seq_user *s = cfg_seq(p);
	return s ? s : &p->scratch.seq;
}

bool cfg_has_sequences(const struct config_user *u)
{
	const struct config_profile *f = u->prof;
	return f->seq->sequence.n > 0 || f->seq->file[0] || f->token->port_lo ||
		f->dyn->enabled; /* dynamic knocks are port sequences too */
}

bool config_uses_sequences(const struct config *c)
{
	return c->uses.sequences;
}

/* ---- [daemon] ---- */

int cfg_set_seq_watch(struct cfg_parse *p, const char *v)
{
	struct seq_daemon *d = &p->c->seq;
	struct portrange r;
	if (!portrange_parse(v, &r)) {
		cfg_error(p, p->line, "sequence_watch: bad range '%s' (expected "
			"tcp/LO-HI, udp/LO-HI or tcp/N, like tcp/1-65535)", v);
		return -1;
	}
	if (d->nwatch == SEQ_MAX_WATCH) {
		cfg_error(p, p->line, "sequence_watch: more than %d ranges", SEQ_MAX_WATCH);
		return -1;
	}
	d->watch[d->nwatch++] = r;
	return 0;
}

int cfg_set_seq_sources(struct cfg_parse *p, const char *v)
{
	size_t n = strspn(v, "0123456789");
	unsigned long x = n && n <= 8 && !v[n] && v[0] != '0' ? strtoul(v, NULL, 10) : 0;
	if (x < SEQ_MIN_SOURCES || x > SEQ_MAX_SOURCES) {
		cfg_error(p, p->line, "sequence_sources: '%s' is not a number in %d..%u",
			v, SEQ_MIN_SOURCES, SEQ_MAX_SOURCES);
		return -1;
	}
	p->c->seq.sources = (uint32_t)x;
	return 0;
}

int cfg_set_syn_port(struct cfg_parse *p, const char *v)
{
	struct seq_daemon *d = &p->c->seq;
	struct portspec ps;
	if (!portspec_parse(v, &ps) || ps.proto != IPPROTO_TCP) {
		cfg_error(p, p->line, "syn_ports: bad port '%s' (expected tcp/N with "
			"N in 1..65535)", v);
		return -1;
	}
	for (size_t i = 0; i < d->nsyn_ports; i++) {
		if (portspec_equal(&d->syn_ports[i], &ps)) {
			cfg_error(p, p->line, "syn_ports: %s listed twice", v);
			return -1;
		}
	}
	if (d->nsyn_ports == SEQ_MAX_WATCH) {
		cfg_error(p, p->line, "syn_ports: more than %d ports", SEQ_MAX_WATCH);
		return -1;
	}
	d->syn_ports[d->nsyn_ports++] = ps;
	return 0;
}

/* ---- [user NAME] ---- */

int cfg_set_sequence(struct cfg_parse *p, const char *v)
{
	struct seq_user *s = sq(p);
	if (!s->sequence_line)
		s->sequence_line = p->line;
	if (s->sequence.n == SEQ_MAX_STEPS) {
		cfg_error(p, p->line, "sequence: more than %d steps", SEQ_MAX_STEPS);
		return -1;
	}
	if (!seqspec_add_step(&s->sequence, v)) {
		cfg_error(p, p->line, "sequence: bad step '%s' (expected PORT[:tcp|udp] "
			"with PORT in 1..65535, as knockd writes them)", v);
		return -1;
	}
	return 0;
}

int cfg_set_seq_file(struct cfg_parse *p, const char *v)
{
	struct seq_user *s = sq(p);
	if (v[0] != '/' || strlen(v) >= PATH_MAX || strchr(v, '\t')) {
		cfg_error(p, p->line, "one_time_sequences: '%s' is not an absolute "
			"path (without tabs)", v);
		return -1;
	}
	s->file_line = p->line;
	return cfg_set_str(p, &s->file, v);
}

int cfg_set_seq_open(struct cfg_parse *p, const char *v)
{
	struct seq_user *s = sq(p);
	struct portspec ps;
	if (!s->open_line)
		s->open_line = p->line;
	if (!portspec_parse(v, &ps)) {
		cfg_error(p, p->line, "sequence_open: bad port '%s' (expected tcp/N "
			"or udp/N)", v);
		return -1;
	}
	for (size_t i = 0; i < s->nopen; i++) {
		if (portspec_equal(&s->open[i], &ps)) {
			cfg_error(p, p->line, "sequence_open: %s listed twice", v);
			return -1;
		}
	}
	if (s->nopen == KNOCK_MAX_PORTS) {
		cfg_error(p, p->line, "sequence_open: more than %d ports", KNOCK_MAX_PORTS);
		return -1;
	}
	s->open[s->nopen++] = ps;
	return 0;
}

int cfg_set_seq_timeout(struct cfg_parse *p, const char *v)
{
	if (!duration_parse(v, SEQ_MAX_TIMEOUT, &sq(p)->timeout)) {
		cfg_error(p, p->line, "sequence_timeout: bad duration '%s' (expected "
			"1..%d seconds, as N or Ns)", v, SEQ_MAX_TIMEOUT);
		return -1;
	}
	return 0;
}

int cfg_set_seq_tolerance(struct cfg_parse *p, const char *v)
{
	if (strlen(v) != 1 || v[0] < '0' || v[0] > '0' + SEQ_MAX_TOLERANCE) {
		cfg_error(p, p->line, "sequence_tolerance: '%s' is not a number in "
			"0..%d", v, SEQ_MAX_TOLERANCE);
		return -1;
	}
	sq(p)->tolerance = (uint8_t)(v[0] - '0');
	sq(p)->tolerance_line = p->line;
	return 0;
}

/* ---- checks ---- */

static bool watched(const struct seq_daemon *d, const struct portspec *ps)
{
	for (size_t i = 0; i < d->nwatch; i++)
		if (portrange_contains(&d->watch[i], ps))
			return true;
	return false;
}

/* Every step watched, and room for the tolerance. 0 or -1 (why filled). */
static int check_one(const struct config *c, const struct seq_user *s,
	const struct seqspec *seq, char why[static 128])
{
	char buf[PORTSPEC_STRLEN];
	if (seq->n < SEQ_MIN_STEPS) {
		snprintf(why, 128, "%u steps: a sequence needs at least %d (a port "
			"scan would complete a shorter one)", seq->n, SEQ_MIN_STEPS);
		return -1;
	}
	if (s->tolerance + 1u >= seq->n) {
		snprintf(why, 128, "sequence_tolerance %u accepts any order of %u "
			"steps (use at most %u)", s->tolerance, seq->n, seq->n - 2u);
		return -1;
	}
	for (size_t i = 0; i < seq->n; i++) {
		if (!watched(&c->seq, &seq->step[i])) {
			snprintf(why, 128, "step %s is outside [daemon] sequence_watch, "
				"so the sequence could never complete",
				portspec_format(&seq->step[i], buf));
			return -1;
		}
	}
	return 0;
}

static int check_user_seq(struct cfg_parse *p, struct config_user *u)
{
	struct seq_user *s = cfg_seq_own(u); /* NULL: no sequence* key, defaults */
	char why[128], buf[PORTSPEC_STRLEN];
	if (s && !s->timeout)
		s->timeout = SEQ_DEFAULT_TIMEOUT;
	bool any = s && (s->sequence.n || s->file[0]);
	if (s && !any && (s->open_line || s->tolerance_line)) {
		cfg_error(p, s->open_line ? s->open_line : s->tolerance_line,
			"user %s: sequence_* without sequence or one_time_sequences", u->name);
		return -1;
	}
	if (any && s->sequence.n && check_one(p->c, s, &s->sequence, why) != 0) {
		cfg_error(p, s->sequence_line, "user %s: sequence: %s", u->name, why);
		return -1;
	}
	for (const struct config_user *o = p->c->users; any && s->sequence.n && o < u; o++) {
		if (seqspec_equal(&o->prof->seq->sequence, &s->sequence)) {
			cfg_error(p, s->sequence_line, "user %s: the same sequence as user "
				"%s (line %u)", u->name, o->name, o->prof->seq->sequence_line);
			return -1;
		}
	}
	if (u->prof->token->port_lo) {
		struct portspec lo = { IPPROTO_TCP, u->prof->token->port_lo };
		struct portspec hi = { IPPROTO_TCP, u->prof->token->port_hi };
		bool inside = false;
		for (size_t i = 0; i < p->c->seq.nwatch; i++)
			inside |= portrange_contains(&p->c->seq.watch[i], &lo) &&
				portrange_contains(&p->c->seq.watch[i], &hi);
		if (!inside) {
			cfg_error(p, u->prof->token->ports_line, "user %s: token_ports %u-%u "
				"is not inside one [daemon] sequence_watch range", u->name,
				(unsigned)lo.port, (unsigned)hi.port);
			return -1;
		}
	}
	if (!any)
		return 0;
	if (s->nopen == 0) {
		if (u->prof->nopen == 0 || u->prof->nopen > KNOCK_MAX_PORTS) {
			cfg_error(p, s->sequence_line ? s->sequence_line : s->file_line,
				"user %s: add sequence_open = PROTO/PORT (the doors a sequence "
				"opens, at most %d of the user's open list)", u->name,
				KNOCK_MAX_PORTS);
			return -1;
		}
		memcpy(s->open, u->prof->open, u->prof->nopen * sizeof *u->prof->open);
		s->nopen = u->prof->nopen;
	}
	for (size_t i = 0; i < s->nopen; i++) {
		bool ok = false;
		for (size_t k = 0; k < u->prof->nopen; k++)
			ok |= portspec_equal(&u->prof->open[k], &s->open[i]);
		if (!ok) {
			cfg_error(p, s->open_line, "user %s: sequence_open %s is not in the "
				"user's open list", u->name, portspec_format(&s->open[i], buf));
			return -1;
		}
	}
	return 0;
}

int cfg_check_seq(struct cfg_parse *p)
{
	struct seq_daemon *d = &p->c->seq;
	if (!d->sources)
		d->sources = SEQ_DEFAULT_SOURCES;
	if (d->nwatch == 0) {
		d->watch[0] = (struct portrange){ IPPROTO_TCP, 1, 65535 };
		d->watch[1] = (struct portrange){ IPPROTO_UDP, 1, 65535 };
		d->nwatch = 2;
	}
	for (size_t i = 0; i < p->c->nusers; i++)
		if (check_user_seq(p, &p->c->users[i]) != 0)
			return -1;
	return 0;
}

int cfg_load_seq(struct cfg_parse *p, struct config_user *u)
{
	struct seq_user *s = cfg_seq_own(u);
	struct errbuf err;
	char why[128];
	if (!s || !s->file[0])
		return 0;
	if (seqlist_read(s->file, &s->list, &err) != 0) {
		cfg_error(p, s->file_line, "user %s: %s", u->name, err.msg);
		return -1;
	}
	for (size_t i = 0; i < s->list.n; i++) {
		if (check_one(p->c, s, &s->list.seq[i], why) != 0) {
			cfg_error(p, s->file_line, "user %s: %s: sequence %zu: %s", u->name,
				s->file, i + 1, why);
			return -1;
		}
	}
	return 0;
}

/* ---- print and free ---- */

void cfg_print_seq_daemon(const struct config *c, FILE *f)
{
	char buf[20];
	if (config_uses_sequences(c)) {
		fprintf(f, "sequence_watch = ");
		for (size_t i = 0; i < c->seq.nwatch; i++)
			fprintf(f, "%s%s", i ? ", " : "", portrange_format(&c->seq.watch[i], buf));
		fprintf(f, "\nsequence_sources = %u\n", c->seq.sources);
	}
	for (size_t i = 0; i < c->seq.nsyn_ports; i++)
		fprintf(f, "%s%s/%u", i ? ", " : "syn_ports = ",
			proto_name(c->seq.syn_ports[i].proto), (unsigned)c->seq.syn_ports[i].port);
	if (c->seq.nsyn_ports)
		fputc('\n', f);
}

void cfg_print_seq_user(const struct config_user *u, FILE *f)
{
	const struct seq_user *s = u->prof->seq;
	char buf[SEQSPEC_STRLEN], pbuf[PORTSPEC_STRLEN];
	if (!s->sequence.n && !s->file[0])
		return;
	if (s->sequence.n)
		fprintf(f, "# weak: a static sequence replays for anyone who saw it\n"
			"sequence = %s\n", seqspec_format(&s->sequence, buf));
	if (s->file[0])
		fprintf(f, "one_time_sequences = %s\n", s->file);
	fprintf(f, "sequence_open = ");
	for (size_t i = 0; i < s->nopen; i++)
		fprintf(f, "%s%s", i ? ", " : "", portspec_format(&s->open[i], pbuf));
	fprintf(f, "\nsequence_timeout = %u\nsequence_tolerance = %u\n", s->timeout,
		s->tolerance);
}

void cfg_free_seq(struct config *c)
{
	for (size_t i = 0; c->users && i < c->nusers; i++) {
		if (c->users[i].prof->from_template)
			continue; /* [user *] has no sequences (config_template.c) */
		struct seq_user *s = cfg_seq_own(&c->users[i]);
		if (s)
			seqlist_free(&s->list);
	}
}
