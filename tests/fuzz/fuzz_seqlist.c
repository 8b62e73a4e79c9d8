/* fuzz_seqlist — libFuzzer target for knockd-style sequence text
 * (seqspec.c): the one-time sequence file parser and the single-sequence
 * parser. Checked: no crash or out-of-bounds read; on success every
 * sequence has SEQ_MIN_STEPS..SEQ_MAX_STEPS steps of tcp/udp ports 1..65535,
 * and a formatted sequence parses back to the same. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seqspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct seqspec *s)
{
	char buf[SEQSPEC_STRLEN], why[128];
	struct seqspec back;
	if (s->n < SEQ_MIN_STEPS || s->n > SEQ_MAX_STEPS)
		abort();
	for (size_t i = 0; i < s->n; i++)
		if (s->step[i].port == 0 || (s->step[i].proto != IPPROTO_TCP &&
			s->step[i].proto != IPPROTO_UDP))
			abort();
	seqspec_format(s, buf);
	if (!seqspec_parse(buf, strlen(buf), &back, why) || !seqspec_equal(s, &back))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seqlist l;
	struct errbuf err;
	struct seqspec s;
	char why[128];
	if (seqlist_parse(data, size, "fuzz", &l, &err) == 0) {
		if (l.n == 0)
			abort();
		for (size_t i = 0; i < l.n; i++)
			check(&l.seq[i]);
		seqlist_free(&l);
	} else if (l.seq || l.n) {
		abort();
	}
	if (seqspec_parse((const char *)data, size, &s, why))
		check(&s);
	return 0;
}
