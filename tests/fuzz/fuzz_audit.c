/* fuzz_audit — libFuzzer target for the audit-record reader (auditrec.c)
 * and the log checker behind `postern audit verify` (auditverify.c).
 *
 * The input is an audit log: its lines go through auditverify_line (which
 * parses each with auditrec_parse and checks chain and signatures against
 * the keys the records name). Each line is also parsed alone; what parses
 * must be well-formed (v 1, 64-hex prev, an event word) and must survive
 * auditrec_format + auditrec_parse with the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auditrec.h"
#include "auditverify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct auditrec *r)
{
	struct auditrec_kv kv[AUDITREC_FIELDS_MAX];
	size_t n = 0;
	static char line[AUDITREC_LINE_MAX + 1];
	static struct auditrec back;
	struct errbuf err;
	for (size_t i = 0; i < r->nfields; i++) {
		const struct auditrec_field *f = &r->fields[i];
		if (!strcmp(f->key, "v") || !strcmp(f->key, "seq") || !strcmp(f->key, "prev") ||
		    !strcmp(f->key, "time") || !strcmp(f->key, "event"))
			continue;
		if (f->is_num || strlen(f->value) > AUDITREC_STR_CUT)
			return; /* numbers are re-checked by the parse; long strings are cut */
		kv[n++] = (struct auditrec_kv){ f->key, f->value, 0 };
	}
	long len = auditrec_format(line, sizeof line, r->seq, r->prev, r->time, r->event, kv, n);
	if (len < 0)
		return; /* a longer line than a record may be */
	if (auditrec_parse(line, (size_t)len, &back, &err) != 0)
		abort(); /* the writer wrote what the reader refuses */
	if (back.seq != r->seq || strcmp(back.prev, r->prev) || strcmp(back.event, r->event) ||
	    strcmp(back.time, r->time) || back.nfields != n + 5)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strcmp(auditrec_get(&back, kv[i].key)->value, kv[i].str) != 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct auditverify av;
	static struct auditrec r;
	struct errbuf err;
	if (sodium_init() < 0)
		abort();
	auditverify_init(&av, NULL, NULL);
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		(void)auditverify_line(&av, p, len, nl != NULL);
		if (auditrec_parse(p, len, &r, &err) == 0) {
			if (r.version != 1 || strlen(r.prev) != AUDITREC_HASH_HEX || !r.event[0])
				abort();
			roundtrip(&r);
		} else if (!err.msg[0]) {
			abort(); /* a refusal must say why */
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}
