/* auditverify — see auditverify.h. */
#include "auditverify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knock.h"

void auditverify_init(struct auditverify *av, auditverify_lookup lookup, void *ctx)
{
	memset(av, 0, sizeof *av);
	av->lookup = lookup;
	av->ctx = ctx;
	memcpy(av->prev, AUDITREC_GENESIS, sizeof av->prev);
}

static int broken(struct auditverify *av, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int broken(struct auditverify *av, uint64_t line, const char *fmt, ...)
{
	va_list ap;
	av->broken = true;
	av->broken_line = line;
	va_start(ap, fmt);
	vsnprintf(av->why, sizeof av->why, fmt, ap);
	va_end(ap);
	return -1;
}

/* A signed accept: the knock bytes, the signature, and whose key. */
static int check_signature(struct auditverify *av, const struct auditrec *r)
{
	const struct auditrec_field *knock = auditrec_get(r, "knock"),
		*sig = auditrec_get(r, "sig"), *key = auditrec_get(r, "sign_key"),
		*user = auditrec_get(r, "user");
	uint8_t k[KNOCK_WIRE_BYTES], s[KNOCK_SIG_BYTES], pk[KNOCKSIG_PUBLIC_BYTES],
		named[KNOCKSIG_PUBLIC_BYTES];
	if (!sig)
		return 0;
	if (!knock || !user || knock->is_num || sig->is_num ||
	    auditrec_unhex(knock->value, k, sizeof k) < 0 ||
	    auditrec_unhex(sig->value, s, sizeof s) < 0)
		return broken(av, av->lines, "a signed accept without well-formed "
			"\"user\", \"knock\" (200 hex digits) and \"sig\" (128)");
	bool have_named = key && !key->is_num &&
		auditrec_unhex(key->value, named, sizeof named) == 0;
	if (key && !have_named)
		return broken(av, av->lines, "\"sign_key\" is not 64 hex digits");
	if (av->lookup) {
		if (av->lookup(av->ctx, user->value, pk) != 1)
			return broken(av, av->lines, "no public key for user '%s' to check "
				"the signature with", user->value);
		if (have_named && memcmp(pk, named, sizeof pk) != 0)
			return broken(av, av->lines, "the record names a signing key that is "
				"not the key of user '%s'", user->value);
	} else if (have_named) {
		memcpy(pk, named, sizeof pk);
	} else {
		return broken(av, av->lines, "no key to check the signature of user "
			"'%s' with (give --keys or --config)", user->value);
	}
	if (knocksig_verify(pk, k, s) != 0)
		return broken(av, av->lines, "bad signature: the knock bytes, the signature "
			"or the user ('%s') were altered", user->value);
	if (av->lookup)
		av->signed_ok++;
	else
		av->signed_self++;
	return 0;
}

int auditverify_line(struct auditverify *av, const char *line, size_t len, bool complete)
{
	struct errbuf err;
	char hash[AUDITREC_HASH_HEX + 1];
	if (av->broken)
		return -1;
	av->lines++;
	struct auditrec *r = malloc(sizeof *r);
	if (!r)
		return broken(av, av->lines, "out of memory");
	int rc = -1;
	if (!complete) {
		broken(av, av->lines, "the last line is incomplete (no newline: the "
			"daemon died during a write, or the file was cut)");
		goto out;
	}
	if (auditrec_parse(line, len, r, &err) < 0) {
		broken(av, av->lines, "unreadable record: %s", err.msg);
		goto out;
	}
	if (strcmp(r->prev, av->prev) != 0) {
		if (av->lines == 1)
			broken(av, 1, "\"prev\" is not the genesis value (64 zeros): the "
				"log does not start at its beginning");
		else
			broken(av, av->lines - 1, "this record was altered: its hash is not "
				"the \"prev\" of line %llu (or records were removed or inserted "
				"between it and line %llu)", (unsigned long long)av->lines,
				(unsigned long long)av->lines);
		goto out;
	}
	if (av->records > 0 && r->seq != av->last_seq + 1) {
		broken(av, av->lines, "seq %llu follows seq %llu (records removed or "
			"inserted)", (unsigned long long)r->seq, (unsigned long long)av->last_seq);
		goto out;
	}
	if (!strcmp(r->event, "accept")) {
		av->accepts++;
		if (check_signature(av, r) < 0)
			goto out;
	} else if (!strcmp(r->event, "refuse") || !strcmp(r->event, "refuse_summary")) {
		av->refusals++;
	} else if (!strcmp(r->event, "segment")) {
		const struct auditrec_field *why = auditrec_get(r, "reason");
		av->segments++;
		snprintf(av->note, sizeof av->note, "line %llu: the daemon started a new "
			"segment: %.200s", (unsigned long long)av->lines,
			why && !why->is_num ? why->value : "?");
	}
	if (av->records == 0)
		av->first_seq = r->seq;
	av->last_seq = r->seq;
	av->records++;
	auditrec_hash(line, len, hash);
	memcpy(av->prev, hash, sizeof hash);
	rc = 0;
out:
	free(r);
	return rc;
}
