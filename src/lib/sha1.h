/* sha1 — SHA-1 (FIPS 180-4) and HMAC-SHA1 (RFC 2104).
 *
 * libsodium has SHA-256/512 and their HMACs but not SHA-1, which RFC 2289
 * (OTP, SHA1 chains) and RFC 4226/6238 (HOTP/TOTP) require. SHA-1 is used
 * here only where those RFCs name it: never as a general-purpose hash.
 * Checked against the FIPS 180 examples and the RFC 2202 HMAC vectors
 * (tests/unit/test_sha1.c).
 *
 * Every function wipes its internal state before returning; the caller
 * wipes its own inputs and outputs. */
#ifndef POSTERN_SHA1_H
#define POSTERN_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_BYTES 20
#define SHA1_BLOCK 64

struct sha1_ctx {
	uint32_t h[5];
	uint64_t len;                 /* bytes hashed so far */
	uint8_t buf[SHA1_BLOCK];
	size_t used;                  /* bytes waiting in buf */
};

/* Incremental: init, update any number of times, final (which wipes ctx). */
void sha1_init(struct sha1_ctx *ctx);
void sha1_update(struct sha1_ctx *ctx, const void *data, size_t len);
void sha1_final(struct sha1_ctx *ctx, uint8_t out[static SHA1_BYTES]);

/* One-shot SHA-1 of len bytes. */
void sha1(const void *data, size_t len, uint8_t out[static SHA1_BYTES]);

/* HMAC-SHA1 (RFC 2104) of msg under key (any key length). */
void hmac_sha1(const void *key, size_t keylen, const void *msg, size_t msglen,
	       uint8_t out[static SHA1_BYTES]);

#endif
