/* spa_sig — the signature part of a single-packet knock (knocksig.h,
 * docs/protocol.md §11), judged the same way in the capture child and,
 * authoritatively, in the parent (which holds the user's public key and
 * checks the signature itself: a compromised child cannot forge one).
 *
 * After knock_open accepted the first 100 bytes:
 *  - flags say signed, and the carrier brought the 64 more bytes: the
 *    signature is decrypted and checked with the user's sign_key
 *    (VERDICT_BAD_SIGNATURE if it does not verify; if the user has no
 *    sign_key it is kept unchecked and the audit record says so);
 *  - flags say signed but no signature came (a carrier that cannot carry
 *    164 bytes, or bytes cut off on the way): VERDICT_BAD_SIGNATURE;
 *  - flags say unsigned but 64 bytes were appended: VERDICT_MALFORMED.
 * Whether an unsigned knock is acceptable (require_signature) is decided
 * by the parent for every scheme (grant.c). */
#ifndef POSTERN_SPA_SIG_H
#define POSTERN_SPA_SIG_H

#include <stdbool.h>
#include <stdint.h>

#include "candidate.h"
#include "config.h"
#include "knock.h"
#include "verify.h"

/* u is in c->users, whose keys decrypt the signature. */
enum verdict spa_sig_check(const struct config *c, const struct config_user *u,
	const struct knock *k,
	const struct candidate *ev, bool *is_signed, uint8_t sig[static KNOCK_SIG_BYTES])
	__attribute__((warn_unused_result));

#endif
