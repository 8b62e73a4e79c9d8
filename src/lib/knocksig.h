/* knocksig — signed knocks (docs/protocol.md §11): a user's Ed25519
 * signature of the 100 knock bytes, for non-repudiation.
 *
 *   wire[164] = knock[100] | esig[64]
 *   sig  = Ed25519-Sign(sign_secret, knock[0..100))   tag|nonce|ciphertext|mac
 *   esig = sig XOR ChaCha20-IETF(aead_key, nonce, block counter 2)
 *
 * The knock's flags byte (inside the AEAD) has KNOCK_FLAG_SIGNED set, so the
 * signature cannot be stripped, nor one added to an unsigned knock. The
 * signature travels encrypted (keystream blocks 0 and 1 are the AEAD's
 * Poly1305 key and plaintext; block 2 is otherwise unused), so on the wire
 * it is as random-looking as the rest and names no signer; the daemon
 * decrypts it and keeps it in the audit log, where anyone holding the
 * user's public key can check it. The daemon holds only the public key. */
#ifndef POSTERN_KNOCKSIG_H
#define POSTERN_KNOCKSIG_H

#include <stdint.h>

#include "knock.h"

#define KNOCKSIG_PUBLIC_BYTES 32
#define KNOCKSIG_SEED_BYTES 32
#define KNOCKSIG_SECRET_BYTES 64 /* libsodium's seed || public form */

/* The key pair of a 32-byte seed (the key file's sign-secret). */
void knocksig_keypair(const uint8_t seed[static KNOCKSIG_SEED_BYTES],
	uint8_t pk[static KNOCKSIG_PUBLIC_BYTES], uint8_t sk[static KNOCKSIG_SECRET_BYTES]);

/* Seals k (its flags get KNOCK_FLAG_SIGNED) and signs it into out.
 * 0, or -1 if the knock is not valid. */
int knocksig_seal(const struct user_keys *keys,
	const uint8_t sk[static KNOCKSIG_SECRET_BYTES], const struct knock *k,
	uint8_t out[static KNOCK_SIGNED_WIRE_BYTES]) WUR;
/* As knocksig_seal with a given nonce: for test vectors only. */
int knocksig_seal_with_nonce(const struct user_keys *keys,
	const uint8_t sk[static KNOCKSIG_SECRET_BYTES], const struct knock *k,
	const uint8_t nonce[static KNOCK_NONCE_BYTES],
	uint8_t out[static KNOCK_SIGNED_WIRE_BYTES]) WUR;

/* Decrypts the signature of a signed wire knock (whose first 100 bytes
 * knock_open accepted with these keys) into sig. */
void knocksig_extract(const struct user_keys *keys,
	const uint8_t wire[static KNOCK_SIGNED_WIRE_BYTES],
	uint8_t sig[static KNOCK_SIG_BYTES]);

/* Checks sig over the 100 knock bytes with the public key: 0 if genuine. */
int knocksig_verify(const uint8_t pk[static KNOCKSIG_PUBLIC_BYTES],
	const uint8_t knock[static KNOCK_WIRE_BYTES],
	const uint8_t sig[static KNOCK_SIG_BYTES]) WUR;

#endif
