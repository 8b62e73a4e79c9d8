/* request — what a verified knock asks for, whatever its scheme and carrier,
 * and what makes it one-time. Schemes fill it (scheme.h); policy decides on
 * it (policy.h); the parent commits its one-time evidence durably before
 * acting on it (grant.c). */
#ifndef POSTERN_REQUEST_H
#define POSTERN_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "knock.h"

#define REQUEST_POSITION_KEY_MAX 32
#define REQUEST_BLOB_MAX 32

struct request {
	uint32_t user; /* index into config->users */
	uint8_t scheme; /* enum scheme_id */
	uint8_t carrier; /* enum carrier_id */
	bool via_resolver; /* src is a DNS resolver: the target must be named */
	struct addr src; /* the packet's source */
	bool old_key; /* sealed with the user's old key (rotation overlap) */

	uint8_t action; /* enum knock_action */
	bool target_is_source;
	struct addr target; /* when !target_is_source */
	uint8_t nports;
	struct portspec ports[KNOCK_MAX_PORTS];
	uint32_t lease; /* seconds; 0 = the config's default_lease */
	uint8_t trigger_id;
	char arg[KNOCK_ARG_BYTES + 1];

	/* One-time evidence, committed before the door opens; a field left
	 * empty is not used. */
	uint64_t timestamp; /* the knock's own time (replay records are pruned by it) */
	bool has_replay_key;
	uint8_t replay_key[KNOCK_NONCE_BYTES]; /* refused if seen before */
	char position_key[REQUEST_POSITION_KEY_MAX]; /* "" = none */
	uint64_t position; /* must be above the stored position */
	uint8_t blob_len;
	uint8_t blob[REQUEST_BLOB_MAX]; /* stored with the position */

	/* A signed knock (spa_sig.h): the decrypted Ed25519 signature of the
	 * 100 knock bytes, kept in the audit record of the accept. */
	bool is_signed;
	uint8_t sig[KNOCK_SIG_BYTES];
};

#endif
