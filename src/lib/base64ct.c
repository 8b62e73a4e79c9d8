/* base64ct — see base64ct.h. */
#include "base64ct.h"

#include <sodium.h>

/* All-ones (0xffff) if a <= x <= b, else 0; x, a, b < 2^8. Branch-free:
 * the borrow of a 16-bit subtraction is the comparison. */
static inline unsigned in_range(unsigned x, unsigned a, unsigned b)
{
	unsigned ge = ((x - a) >> 8) ^ 0xff; /* x >= a: no borrow */
	unsigned le = ((b - x) >> 8) ^ 0xff; /* x <= b */
	return 0u - ((ge & le) & 1u);
}

/* The 6-bit value of character c, and in bit 8 whether c is not in the
 * alphabet; every range is looked at, whatever c is. */
static inline unsigned sextet(unsigned char ch)
{
	unsigned c = ch;
	unsigned upper = in_range(c, 'A', 'Z'), lower = in_range(c, 'a', 'z');
	unsigned digit = in_range(c, '0', '9');
	unsigned plus = in_range(c, '+', '+'), slash = in_range(c, '/', '/');
	unsigned v = (upper & (c - 'A')) | (lower & (c - 'a' + 26)) |
		(digit & (c - '0' + 52)) | (plus & 62) | (slash & 63);
	unsigned valid = upper | lower | digit | plus | slash;
	return (v & 0x3f) | ((~valid & 1u) << 8);
}

/* Eight characters at once, one per byte of a 64-bit word (SWAR): each
 * byte's range checks are additions whose carry lands in its top bit.
 * With the top bit cleared first (a byte >= 0x80 is refused through *bad),
 * no carry or borrow crosses into the next byte. */
#define ONES 0x0101010101010101u
#define TOPS 0x8080808080808080u

/* Top bit of each byte set where lo <= y <= hi (y's bytes < 0x80). */
static inline uint64_t swar_range(uint64_t y, unsigned lo, unsigned hi)
{
	uint64_t ge = y + (0x80u - lo) * ONES;
	uint64_t le = (hi + 0x80u) * ONES - y;
	return ge & le & TOPS;
}

/* 0xff in each byte whose top bit is set in m, else 0. */
static inline uint64_t swar_widen(uint64_t m)
{
	return (m >> 7) * 0xff;
}

/* Decodes s[0..8) into out[0..6); sets bits of *bad for a character
 * outside the alphabet. */
static inline void decode8(const unsigned char *s, uint8_t *out, uint64_t *bad)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++) /* little-endian: s[0] in the low byte */
		x |= (uint64_t)s[i] << (8 * i);
	uint64_t y = x & ~TOPS;
	uint64_t up = swar_widen(swar_range(y, 'A', 'Z'));
	uint64_t lo = swar_widen(swar_range(y, 'a', 'z'));
	uint64_t dg = swar_widen(swar_range(y, '0', '9'));
	uint64_t pl = swar_widen(swar_range(y, '+', '+'));
	uint64_t sl = swar_widen(swar_range(y, '/', '/'));
	uint64_t v = (up & ((y | TOPS) - 'A' * ONES)) | (lo & ((y | TOPS) - ('a' - 26) * ONES)) |
		(dg & (y + (52 - '0') * ONES)) |
		(pl & (62 * ONES)) | (sl & (63 * ONES));
	v &= 0x3f * ONES;
	*bad |= (x & TOPS) | ~(up | lo | dg | pl | sl);
	/* Sextets to bytes: pairs into 12 bits, then pairs into 24. */
	uint64_t t = ((v & 0x003f003f003f003fu) << 6) | ((v >> 8) & 0x003f003f003f003fu);
	uint64_t u = ((t & 0x00000fff00000fffu) << 12) | ((t >> 16) & 0x00000fff00000fffu);
	out[0] = (uint8_t)(u >> 16);
	out[1] = (uint8_t)(u >> 8);
	out[2] = (uint8_t)u;
	out[3] = (uint8_t)(u >> 48);
	out[4] = (uint8_t)(u >> 40);
	out[5] = (uint8_t)(u >> 32);
}

int base64ct_decode(uint8_t *out, size_t out_max, size_t *out_len,
	const char *in, size_t len)
{
	*out_len = 0;
	/* The padding is as long as the length says (public), or the input
	 * is refused: which characters are '=' is not secret either way. */
	size_t pad = 0;
	if (len >= 1 && in[len - 1] == '=')
		pad = 1 + (len >= 2 && in[len - 2] == '=');
	size_t chars = len - pad; /* characters of the alphabet, if valid */
	size_t tail = chars % 4;
	if (tail == 1 || (tail == 0 && pad != 0) || (tail == 2 && pad != 2) ||
	    (tail == 3 && pad != 1))
		return -1;
	size_t n = chars / 4 * 3 + (tail ? tail - 1 : 0);
	if (n > out_max)
		return -1;

	const unsigned char *s = (const unsigned char *)in;
	unsigned bad = 0;
	size_t o = 0, i = 0;
	uint64_t bad8 = 0;
	for (; i + 8 <= chars; i += 8, o += 6)
		decode8(s + i, out + o, &bad8);
	bad |= bad8 != 0; /* a comparison, not a branch, on x86-64 and arm64 */
	for (; i + 4 <= chars; i += 4) {
		unsigned a = sextet(s[i]), b = sextet(s[i + 1]);
		unsigned c = sextet(s[i + 2]), d = sextet(s[i + 3]);
		bad |= (a | b | c | d) >> 8;
		uint32_t w = (uint32_t)(a & 0x3f) << 18 | (uint32_t)(b & 0x3f) << 12 |
			(uint32_t)(c & 0x3f) << 6 | (d & 0x3f);
		out[o++] = (uint8_t)(w >> 16);
		out[o++] = (uint8_t)(w >> 8);
		out[o++] = (uint8_t)w;
	}
	if (tail) {
		unsigned a = sextet(s[i]), b = sextet(s[i + 1]);
		unsigned c = tail == 3 ? sextet(s[i + 2]) : 0;
		bad |= (a | b | c) >> 8;
		uint32_t w = (uint32_t)(a & 0x3f) << 18 | (uint32_t)(b & 0x3f) << 12 |
			(uint32_t)(c & 0x3f) << 6;
		out[o++] = (uint8_t)(w >> 16);
		if (tail == 3)
			out[o++] = (uint8_t)(w >> 8);
		/* The bits after the last byte must be zero (canonical): 4 of
		 * them with 2 characters, 2 with 3. */
		bad |= (unsigned)(w >> (tail == 3 ? 0 : 8)) & 0xff;
	}
	if (bad) { /* one branch, on the verdict */
		sodium_memzero(out, o);
		return -1;
	}
	*out_len = o;
	return 0;
}
