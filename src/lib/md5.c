/* md5 — see md5.h. Written from the description in RFC 1321 §3: four
 * rounds of sixteen steps over 64-byte blocks, little-endian throughout. */
#include "md5.h"

#include <string.h>

#include <sodium.h>

/* Per-step shift amounts, round by round (RFC 1321 §3.4). */
static const uint8_t shifts[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

/* T[i] = floor(2^32 * abs(sin(i + 1))) (RFC 1321 §3.4). */
static const uint32_t sines[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static uint32_t rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void md5_block(uint32_t h[4], const uint8_t block[MD5_BLOCK])
{
	uint32_t x[16];
	for (size_t i = 0; i < 16; i++)
		x[i] = load_le32(block + 4 * i);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned g;
		switch (i / 16) {
		case 0: f = (b & c) | (~b & d); g = i; break;
		case 1: f = (b & d) | (c & ~d); g = (5 * i + 1) % 16; break;
		case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16; break;
		default: f = c ^ (b | ~d); g = (7 * i) % 16; break;
		}
		uint32_t t = d;
		d = c;
		c = b;
		b = b + rol(a + f + sines[i] + x[g], shifts[i]);
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	sodium_memzero(x, sizeof x);
}

void md5_init(struct md5_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->h[0] = 0x67452301;
	ctx->h[1] = 0xefcdab89;
	ctx->h[2] = 0x98badcfe;
	ctx->h[3] = 0x10325476;
}

void md5_update(struct md5_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	ctx->len += len;
	while (len > 0) {
		size_t n = MD5_BLOCK - ctx->used;
		if (n > len)
			n = len;
		memcpy(ctx->buf + ctx->used, p, n);
		ctx->used += n;
		p += n;
		len -= n;
		if (ctx->used == MD5_BLOCK) {
			md5_block(ctx->h, ctx->buf);
			ctx->used = 0;
		}
	}
}

void md5_final(struct md5_ctx *ctx, uint8_t out[static MD5_BYTES])
{
	uint64_t bits = ctx->len * 8;
	uint8_t pad[MD5_BLOCK + 8] = { 0x80 };
	/* Pad to 56 mod 64, then the message length in bits, little-endian. */
	size_t padlen = (ctx->used < 56 ? 56 : 120) - ctx->used;
	for (size_t i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (8 * i));
	md5_update(ctx, pad, padlen + 8);
	for (size_t i = 0; i < 4; i++)
		store_le32(out + 4 * i, ctx->h[i]);
	sodium_memzero(ctx, sizeof *ctx);
}

void md5(const void *data, size_t len, uint8_t out[static MD5_BYTES])
{
	struct md5_ctx ctx;
	md5_init(&ctx);
	md5_update(&ctx, data, len);
	md5_final(&ctx, out);
}
