/* verify — the verdict on one candidate knock, shared by the capture child
 * (which verifies everything before bothering the parent) and the parent
 * (which verifies again: it never trusts the child's word). */
#ifndef POSTERN_VERIFY_H
#define POSTERN_VERIFY_H

#include <stdint.h>

#include "config.h"
#include "knock.h"

enum verdict {
	VERDICT_ACCEPT = 0,
	VERDICT_UNKNOWN_TAG, /* no user's tag: garbage, wrong key, or too old/new */
	VERDICT_BAD_MAC, /* a user's tag but the AEAD refused */
	VERDICT_MALFORMED, /* authentic but not a valid knock */
	VERDICT_STALE, /* timestamp older than the window */
	VERDICT_FUTURE, /* timestamp newer than the window */
	VERDICT_REPLAY, /* this knock was seen before */
	VERDICT_POLICY, /* authentic and fresh, but not allowed */
	VERDICT_STATE_ERROR, /* the replay store could not record it: fail closed */
	VERDICT_FIREWALL_ERROR, /* nftables refused the lease */
	VERDICT_BAD_SIGNATURE, /* a signed knock whose signature is missing or false (spa_sig.h) */
	VERDICT_AUDIT_ERROR, /* the audit log could not record the accept: fail closed */
	VERDICT_IGNORE, /* not this scheme's business (never logged) */
	VERDICT_COUNT
};

/* The reason as logged: "unknown-tag", "bad-mac", ... */
const char *verdict_reason(enum verdict v);

/* Authenticates wire with u's keys (u in c->users) and checks its
 * timestamp against now within +/- window seconds. Fills *out on
 * VERDICT_ACCEPT; *skew gets knock time - now (seconds) whenever the knock
 * was authentic. Where c holds no AEAD keys (the capture child's config,
 * childkeys.h) every knock is VERDICT_BAD_MAC. */
enum verdict verify_knock(const struct config *c, const struct config_user *u,
	const uint8_t wire[static KNOCK_WIRE_BYTES], uint64_t now, uint32_t window,
	struct knock *out, int64_t *skew) __attribute__((warn_unused_result));
/* verify_knock tries u's current key and then, during a rotation's overlap
 * (config old_key), u's old key; this form also says which one opened the
 * knock (*old_key). When the old key stops is policy's to say
 * (policy_rules.c), so that refusal names its rule. */
enum verdict verify_knock_key(const struct config *c, const struct config_user *u,
	const uint8_t wire[static KNOCK_WIRE_BYTES], uint64_t now, uint32_t window,
	struct knock *out, int64_t *skew, bool *old_key)
	__attribute__((warn_unused_result));

#endif
