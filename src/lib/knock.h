/* knock — the single-packet knock (SPA), wire format v1.
 *
 * docs/protocol.md is the normative description; this header is its API.
 * Wire layout (100 bytes, every byte indistinguishable from random):
 *
 *   tag[8] | nonce[12] | ciphertext[64] | mac[16]
 *
 * tag   = SipHash-2-4(tag_key, version || slot)   the O(1) pre-filter
 * AEAD  = ChaCha20-Poly1305-IETF(aead_key, nonce, ad = tag, plaintext[64])
 *
 * Per-user keys derive from one 32-byte master secret with libsodium's
 * crypto_kdf (BLAKE2b), context "postern1": subkey 1 = tag key (16 bytes),
 * subkey 2 = AEAD key (32 bytes). */
#ifndef POSTERN_KNOCK_H
#define POSTERN_KNOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define KNOCK_VERSION 1
#define KNOCK_MASTER_BYTES 32
#define KNOCK_TAG_KEY_BYTES 16
#define KNOCK_AEAD_KEY_BYTES 32
#define KNOCK_TAG_BYTES 8
#define KNOCK_NONCE_BYTES 12
#define KNOCK_PLAIN_BYTES 64
#define KNOCK_MAC_BYTES 16
#define KNOCK_WIRE_BYTES \
	(KNOCK_TAG_BYTES + KNOCK_NONCE_BYTES + KNOCK_PLAIN_BYTES + KNOCK_MAC_BYTES)
/* A signed knock (flags bit 0, docs/protocol.md §11): the 100 bytes, then
 * the user's Ed25519 signature of them, encrypted (knocksig.h). */
#define KNOCK_FLAG_SIGNED 0x01
#define KNOCK_SIG_BYTES 64
#define KNOCK_SIGNED_WIRE_BYTES (KNOCK_WIRE_BYTES + KNOCK_SIG_BYTES)
#define KNOCK_SLOT_SECONDS 30
#define KNOCK_MAX_PORTS 4
#define KNOCK_ARG_BYTES 16

#define WUR __attribute__((warn_unused_result))

enum knock_action {
	KNOCK_ACTION_OPEN = 1, /* open ports[] for target */
	KNOCK_ACTION_TRIGGER = 2, /* fire trigger_id with arg (issue 4) */
};

struct user_keys {
	uint8_t tag_key[KNOCK_TAG_KEY_BYTES];
	uint8_t aead_key[KNOCK_AEAD_KEY_BYTES];
};

/* The decrypted contents of one knock. */
struct knock {
	uint8_t action; /* enum knock_action */
	uint8_t flags; /* 0, or KNOCK_FLAG_SIGNED (no other bit is defined in v1) */
	uint64_t timestamp; /* client's unix time, seconds */
	uint32_t counter; /* client's counter; 0 in time mode */
	uint16_t lease; /* requested lease, seconds (>= 1) */
	bool target_is_source; /* open for the packet's source address */
	struct addr target; /* when !target_is_source */
	uint8_t nports; /* OPEN: 1..KNOCK_MAX_PORTS */
	struct portspec ports[KNOCK_MAX_PORTS];
	uint8_t trigger_id; /* TRIGGER: 1..255 */
	char arg[KNOCK_ARG_BYTES + 1]; /* TRIGGER: printable ASCII, NUL-terminated */
	uint8_t nonce[KNOCK_NONCE_BYTES]; /* filled by knock_open; the replay key */
};

enum knock_result {
	KNOCK_OK = 0,
	KNOCK_BAD_MAC, /* AEAD refused: wrong key or altered bytes */
	KNOCK_MALFORMED, /* authentic but not a valid v1 plaintext */
	KNOCK_TAG_MISMATCH, /* authentic but the tag is not the one for its timestamp */
};

/* Derives a user's tag and AEAD keys from the master secret. */
void knock_derive_keys(const uint8_t master[static KNOCK_MASTER_BYTES],
	struct user_keys *out);
/* The tag key alone (what the capture child's tag table needs). */
void knock_derive_tag_key(const uint8_t master[static KNOCK_MASTER_BYTES],
	uint8_t out[static KNOCK_TAG_KEY_BYTES]);
void knock_wipe_keys(struct user_keys *k);

/* The time slot of a unix time (floor(t / KNOCK_SLOT_SECONDS)). */
uint64_t knock_slot(uint64_t unix_time);
/* tag = first 8 bytes of SipHash-2-4(tag_key, u8 version || u64be slot). */
void knock_tag(const uint8_t tag_key[static KNOCK_TAG_KEY_BYTES], uint64_t slot,
	uint8_t out[static KNOCK_TAG_BYTES]);

/* Checks that `k` is a well-formed knock to seal (action, ports, lease, arg).
 * Returns false with a short reason. */
bool knock_valid(const struct knock *k, const char **why);

/* Seals `k` (its nonce field is ignored) with a fresh random nonce.
 * Returns 0, or -1 if the knock is not valid. */
int knock_seal(const struct user_keys *keys, const struct knock *k,
	uint8_t out[static KNOCK_WIRE_BYTES]) WUR;
/* As knock_seal with a given nonce: for test vectors only. */
int knock_seal_with_nonce(const struct user_keys *keys, const struct knock *k,
	const uint8_t nonce[static KNOCK_NONCE_BYTES],
	uint8_t out[static KNOCK_WIRE_BYTES]) WUR;

/* Authenticates and decodes a wire knock. On KNOCK_OK, *out is filled and
 * valid per knock_valid(); on any other result *out is zeroed. The MAC check
 * is constant-time; nothing is parsed before it succeeds. */
enum knock_result knock_open(const struct user_keys *keys,
	const uint8_t wire[static KNOCK_WIRE_BYTES], struct knock *out) WUR;

/* The tag bytes of a wire knock (its first KNOCK_TAG_BYTES). */
static inline const uint8_t *knock_wire_tag(const uint8_t *wire) { return wire; }

#endif
