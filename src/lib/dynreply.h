/* dynreply — dynamic knocks (SIG^2-style): the next knock the server chose,
 * and the encrypted reply that carries it to the client.
 *
 * The next knock is a port sequence of DYN_MIN_LENGTH..DYN_MAX_LENGTH steps
 * (TCP or UDP; the last step is always UDP, so the client's UDP socket can
 * receive the reply to it). It is stored by the daemon as a 16-byte blob
 * (the "dynamic" state position, whose number is the knock's generation),
 * and by the client in a file (dynfile.h).
 *
 * The reply (DYNREPLY_WIRE_BYTES) is XChaCha20-Poly1305 under the user's
 * reply key (crypto_kdf subkey id 3 of the key file's secret, context
 * "postern1"), with a fresh random 24-byte nonce, and the additional data
 * the 12-byte id of the knock it answers: the SPA knock's nonce, or
 * dynreply_knock_id() of the dynamic knock used. A reply can thus be opened
 * only by the key holder and only as the answer to that one knock.
 * docs/modes.md "Dynamic knocks" describes the layout. */
#ifndef POSTERN_DYNREPLY_H
#define POSTERN_DYNREPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dyn_conf.h"

#define DYNREPLY_VERSION 1
#define DYNKNOCK_BLOB_BYTES 16
#define DYNREPLY_ID_BYTES 12
#define DYNREPLY_NONCE_BYTES 24
#define DYNREPLY_PLAIN_BYTES 40
#define DYNREPLY_MAC_BYTES 16
#define DYNREPLY_WIRE_BYTES (DYNREPLY_NONCE_BYTES + DYNREPLY_PLAIN_BYTES + \
	DYNREPLY_MAC_BYTES)

#define DYNREPLY_FLAG_NEXT 1u /* carries a next knock */
#define DYNREPLY_FLAG_FORWARD 2u /* carries a forwarded high port */

/* One server-chosen knock. */
struct dynknock {
	uint8_t n; /* DYN_MIN_LENGTH..DYN_MAX_LENGTH */
	struct portspec step[DYN_MAX_LENGTH];
};

/* What a reply says. */
struct dynreply {
	uint8_t flags; /* DYNREPLY_FLAG_* */
	uint64_t generation; /* of next (>= 1) */
	struct dynknock next;
	struct portspec service; /* forward: the real service (proto, port) */
	uint16_t fwd_port; /* forward: the high port, same proto */
	uint32_t lease; /* seconds the door and the forward stay open */
};

/* Derives the reply key from a key file's 32-byte secret. */
void dynreply_derive_key(const uint8_t secret[static 32],
	uint8_t key[static DYN_REPLY_KEY_BYTES]);

/* A fresh random knock: n steps in [lo, hi], no port twice, random
 * protocols except the last step (UDP). n and the range must be valid
 * (dyn_conf.h); returns -1 otherwise. */
int dynknock_random(uint8_t n, uint16_t lo, uint16_t hi, struct dynknock *out);
/* The 16-byte blob: u8 n, then DYN_MAX_LENGTH x (u8 proto, u16 port), the
 * entries past n all zero. */
void dynknock_encode(const struct dynknock *k, uint8_t out[static DYNKNOCK_BLOB_BYTES]);
/* Strict inverse of dynknock_encode; false on anything it would not write. */
bool dynknock_decode(const uint8_t *blob, size_t len, struct dynknock *out);
/* "41234:tcp,45678:udp,..." (knockd's syntax; buf of DYNKNOCK_STRLEN). */
#define DYNKNOCK_STRLEN (DYN_MAX_LENGTH * 10 + 1)
const char *dynknock_format(const struct dynknock *k, char buf[static DYNKNOCK_STRLEN]);

/* The id of a dynamic knock (generation, blob): the first 12 bytes of
 * BLAKE2b("postern dynamic knock" || u64be generation || blob). */
void dynreply_knock_id(uint64_t generation, const uint8_t blob[static DYNKNOCK_BLOB_BYTES],
	uint8_t id[static DYNREPLY_ID_BYTES]);

/* Seals r as the answer to the knock with id; -1 if r is not well formed. */
int dynreply_seal(const uint8_t key[static DYN_REPLY_KEY_BYTES],
	const uint8_t id[static DYNREPLY_ID_BYTES], const struct dynreply *r,
	uint8_t out[static DYNREPLY_WIRE_BYTES]) __attribute__((warn_unused_result));
/* Opens len bytes of untrusted input: exactly DYNREPLY_WIRE_BYTES, MAC
 * checked (constant time) before anything is parsed, then the plaintext
 * strictly (one valid encoding). 0 with *r filled, or -1 (*r zeroed). */
int dynreply_open(const uint8_t key[static DYN_REPLY_KEY_BYTES],
	const uint8_t id[static DYNREPLY_ID_BYTES], const uint8_t *in, size_t len,
	struct dynreply *r) __attribute__((warn_unused_result));
/* The plaintext decoder alone (for the fuzzer): 0 or -1. */
int dynreply_decode(const uint8_t *plain, size_t len, struct dynreply *r)
	__attribute__((warn_unused_result));

#endif
