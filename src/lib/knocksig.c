/* knocksig — see knocksig.h; docs/protocol.md §11 is normative. */
#include "knocksig.h"

#include <string.h>

#include <sodium.h>

#define SIG_BLOCK_COUNTER 2 /* ChaCha20 block: 0 = Poly1305 key, 1 = plaintext */
#define OFF_NONCE KNOCK_TAG_BYTES

_Static_assert(KNOCK_SIG_BYTES == crypto_sign_BYTES, "signature");
_Static_assert(KNOCKSIG_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "public key");
_Static_assert(KNOCKSIG_SECRET_BYTES == crypto_sign_SECRETKEYBYTES, "secret key");
_Static_assert(KNOCKSIG_SEED_BYTES == crypto_sign_SEEDBYTES, "seed");
_Static_assert(KNOCK_PLAIN_BYTES == 64, "the plaintext fills exactly block 1");

void knocksig_keypair(const uint8_t seed[static KNOCKSIG_SEED_BYTES],
	uint8_t pk[static KNOCKSIG_PUBLIC_BYTES], uint8_t sk[static KNOCKSIG_SECRET_BYTES])
{
	crypto_sign_seed_keypair(pk, sk, seed);
}

/* sig <-> esig: the same XOR both ways. */
static void crypt_sig(const struct user_keys *keys, const uint8_t *wire,
	const uint8_t in[static KNOCK_SIG_BYTES], uint8_t out[static KNOCK_SIG_BYTES])
{
	crypto_stream_chacha20_ietf_xor_ic(out, in, KNOCK_SIG_BYTES, wire + OFF_NONCE,
		SIG_BLOCK_COUNTER, keys->aead_key);
}

int knocksig_seal_with_nonce(const struct user_keys *keys,
	const uint8_t sk[static KNOCKSIG_SECRET_BYTES], const struct knock *k,
	const uint8_t nonce[static KNOCK_NONCE_BYTES],
	uint8_t out[static KNOCK_SIGNED_WIRE_BYTES])
{
	struct knock signed_k = *k;
	uint8_t sig[KNOCK_SIG_BYTES];
	signed_k.flags |= KNOCK_FLAG_SIGNED;
	int rc = knock_seal_with_nonce(keys, &signed_k, nonce, out);
	sodium_memzero(&signed_k, sizeof signed_k);
	if (rc < 0)
		return -1;
	crypto_sign_detached(sig, NULL, out, KNOCK_WIRE_BYTES, sk);
	crypt_sig(keys, out, sig, out + KNOCK_WIRE_BYTES);
	sodium_memzero(sig, sizeof sig);
	return 0;
}

int knocksig_seal(const struct user_keys *keys,
	const uint8_t sk[static KNOCKSIG_SECRET_BYTES], const struct knock *k,
	uint8_t out[static KNOCK_SIGNED_WIRE_BYTES])
{
	uint8_t nonce[KNOCK_NONCE_BYTES];
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(nonce, sizeof nonce);
	return knocksig_seal_with_nonce(keys, sk, k, nonce, out);
}

void knocksig_extract(const struct user_keys *keys,
	const uint8_t wire[static KNOCK_SIGNED_WIRE_BYTES],
	uint8_t sig[static KNOCK_SIG_BYTES])
{
	crypt_sig(keys, wire, wire + KNOCK_WIRE_BYTES, sig);
}

int knocksig_verify(const uint8_t pk[static KNOCKSIG_PUBLIC_BYTES],
	const uint8_t knock[static KNOCK_WIRE_BYTES],
	const uint8_t sig[static KNOCK_SIG_BYTES])
{
	return crypto_sign_verify_detached(sig, knock, KNOCK_WIRE_BYTES, pk) == 0 ? 0 : -1;
}
