/* md5 — MD5 (RFC 1321).
 *
 * MD5 is broken as a collision-resistant hash. postern has it for one reason
 * only: RFC 2289 one-time passwords (otp.h) name it, and a chain must match
 * what any RFC 2289 calculator computes. Never use it for anything else.
 * Checked against RFC 1321's test suite (tests/unit/test_md5.c).
 *
 * md5_final wipes the context; the caller wipes its inputs and outputs. */
#ifndef POSTERN_MD5_H
#define POSTERN_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_BYTES 16
#define MD5_BLOCK 64

struct md5_ctx {
	uint32_t h[4];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[MD5_BLOCK];
	size_t used; /* bytes waiting in buf */
};

/* Incremental: init, update any number of times, final (which wipes ctx). */
void md5_init(struct md5_ctx *ctx);
void md5_update(struct md5_ctx *ctx, const void *data, size_t len);
void md5_final(struct md5_ctx *ctx, uint8_t out[static MD5_BYTES]);

/* One-shot MD5 of len bytes. */
void md5(const void *data, size_t len, uint8_t out[static MD5_BYTES]);

#endif
