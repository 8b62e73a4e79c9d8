/* auditverify — checks an audit log (docs/audit.md) line by line: each line
 * a record (auditrec.h), each record chained to the line before it, seq
 * counting up by one, and every signed accept's Ed25519 signature valid
 * for the user's public key. `postern audit verify` is its front end.
 *
 * Feed the lines in order; the first broken one stops the check and
 * av->why says which line was altered and how. */
#ifndef POSTERN_AUDITVERIFY_H
#define POSTERN_AUDITVERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auditrec.h"
#include "knocksig.h"

/* Finds user's public key: 1 found, 0 unknown user or no key. */
typedef int (*auditverify_lookup)(void *ctx, const char *user,
	uint8_t pk[static KNOCKSIG_PUBLIC_BYTES]);

struct auditverify {
	/* Set by the caller before the first line. With lookup NULL, a
	 * signature is checked against the sign_key the record names (the
	 * record is consistent, but who signed it is not established). */
	auditverify_lookup lookup;
	void *ctx;

	/* Progress and results. */
	uint64_t lines;
	uint64_t records, accepts, refusals, signed_ok, signed_self, segments;
	uint64_t first_seq, last_seq;
	char prev[AUDITREC_HASH_HEX + 1]; /* hash of the last line read */
	bool broken;
	uint64_t broken_line; /* the line found altered or unreadable */
	char why[600];
	char note[300]; /* the last segment record's reason, if any */
};

void auditverify_init(struct auditverify *av, auditverify_lookup lookup, void *ctx);

/* Checks the next line (len bytes, without its newline; complete = it had
 * one). 0, or -1 once the log is broken (later calls return -1 too). */
int auditverify_line(struct auditverify *av, const char *line, size_t len, bool complete);

#endif
