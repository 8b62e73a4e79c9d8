/* sha1 — SHA-1 (FIPS 180-4) and HMAC-SHA1 (RFC 2104). See sha1.h. */
#include "sha1.h"

#include <string.h>

#include <sodium.h>

static uint32_t rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void sha1_block(uint32_t h[5], const uint8_t block[SHA1_BLOCK])
{
	uint32_t w[80];
	for (int t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (int t = 16; t < 80; t++)
		w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int t = 0; t < 80; t++) {
		uint32_t f, k;
		if (t < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (t < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (t < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		uint32_t tmp = rol(a, 5) + f + e + k + w[t];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = tmp;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	sodium_memzero(w, sizeof w);
}

void sha1_init(struct sha1_ctx *ctx)
{
	static const uint32_t iv[5] = {
		0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
	};
	memcpy(ctx->h, iv, sizeof iv);
	ctx->len = 0;
	ctx->used = 0;
}

void sha1_update(struct sha1_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	if (len == 0)
		return; /* data may be NULL: memcpy must not see it */
	ctx->len += len;
	if (ctx->used > 0) {
		size_t take = SHA1_BLOCK - ctx->used;
		if (take > len)
			take = len;
		memcpy(ctx->buf + ctx->used, p, take);
		ctx->used += take;
		p += take;
		len -= take;
		if (ctx->used < SHA1_BLOCK)
			return;
		sha1_block(ctx->h, ctx->buf);
		ctx->used = 0;
	}
	while (len >= SHA1_BLOCK) {
		sha1_block(ctx->h, p);
		p += SHA1_BLOCK;
		len -= SHA1_BLOCK;
	}
	if (len > 0) {
		memcpy(ctx->buf, p, len);
		ctx->used = len;
	}
}

void sha1_final(struct sha1_ctx *ctx, uint8_t out[static SHA1_BYTES])
{
	uint64_t bits = ctx->len * 8;
	ctx->buf[ctx->used++] = 0x80;
	if (ctx->used > SHA1_BLOCK - 8) {
		memset(ctx->buf + ctx->used, 0, SHA1_BLOCK - ctx->used);
		sha1_block(ctx->h, ctx->buf);
		ctx->used = 0;
	}
	memset(ctx->buf + ctx->used, 0, SHA1_BLOCK - 8 - ctx->used);
	for (int i = 0; i < 8; i++)
		ctx->buf[SHA1_BLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha1_block(ctx->h, ctx->buf);
	for (int i = 0; i < 5; i++)
		store_be32(out + 4 * i, ctx->h[i]);
	sodium_memzero(ctx, sizeof *ctx);
}

void sha1(const void *data, size_t len, uint8_t out[static SHA1_BYTES])
{
	struct sha1_ctx ctx;
	sha1_init(&ctx);
	sha1_update(&ctx, data, len);
	sha1_final(&ctx, out);
}

void hmac_sha1(const void *key, size_t keylen, const void *msg, size_t msglen,
	       uint8_t out[static SHA1_BYTES])
{
	uint8_t k[SHA1_BLOCK] = { 0 };
	uint8_t pad[SHA1_BLOCK];
	uint8_t inner[SHA1_BYTES];
	struct sha1_ctx ctx;

	if (keylen > SHA1_BLOCK)
		sha1(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);

	for (int i = 0; i < SHA1_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	sha1_init(&ctx);
	sha1_update(&ctx, pad, sizeof pad);
	sha1_update(&ctx, msg, msglen);
	sha1_final(&ctx, inner);

	for (int i = 0; i < SHA1_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	sha1_init(&ctx);
	sha1_update(&ctx, pad, sizeof pad);
	sha1_update(&ctx, inner, sizeof inner);
	sha1_final(&ctx, out);

	sodium_memzero(k, sizeof k);
	sodium_memzero(pad, sizeof pad);
	sodium_memzero(inner, sizeof inner);
}
