/* base32 — see base32.h. */
#include "base32.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* The value of a base32 character (either case), or -1. */
static int value(char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a';
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= '2' && ch <= '7')
		return ch - '2' + 26;
	return -1;
}

bool base32_char(char ch)
{
	return value(ch) >= 0;
}

size_t base32_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t len = BASE32_LEN(n);
	if (cap <= len)
		return 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0) /* the last group, padded with zero bits */
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return o;
}

long base32_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	/* A final group of 8 characters holds 5 bytes; 2, 4, 5 or 7 characters
	 * hold 1..4 bytes; 1, 3 or 6 cannot be an encoding. */
	size_t rest = len % 8;
	if (rest == 1 || rest == 3 || rest == 6)
		return -1;
	size_t n = len * 5 / 8;
	if (n > cap)
		return -1;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int v = value(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* The spare bits must be zero: one encoding per byte string. */
	if (acc & ((1u << bits) - 1))
		return -1;
	return (long)o;
}
