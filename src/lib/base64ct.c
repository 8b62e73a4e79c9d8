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
