/* otp — see otp.h. RFC 2289 §§5–6 and appendices A (folding), B (coding)
 * and D (the dictionary, in otp_words.c). */
#include "otp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "cursor.h"
#include "md5.h"
#include "otp_words.h"
#include "sha1.h"

#define OTP_MAX_TOKENS 8 /* six words, or hex in up to eight groups */
#define OTP_TOKEN_MAX 16 /* 16 hex digits in one group */
#define OTP_WORD_BITS 11

const char *otp_alg_name(enum otp_alg h)
{
	switch (h) {
	case OTP_ALG_MD5: return "md5";
	case OTP_ALG_SHA1: return "sha1";
	default: return "?";
	}
}

bool otp_alg_parse(const char *s, enum otp_alg *h)
{
	if (strncasecmp(s, "otp-", 4) == 0)
		s += 4;
	if (strcasecmp(s, "md5") == 0)
		*h = OTP_ALG_MD5;
	else if (strcasecmp(s, "sha1") == 0)
		*h = OTP_ALG_SHA1;
	else
		return false;
	return true;
}

static bool is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		(ch >= '0' && ch <= '9');
}

bool otp_seed_valid(const char *seed)
{
	size_t n = strnlen(seed, OTP_SEED_MAX + 1);
	if (n == 0 || n > OTP_SEED_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum((unsigned char)seed[i]))
			return false;
	return true;
}

/* Folds a digest to 64 bits (RFC 2289 appendix A). */
static void fold(enum otp_alg h, uint8_t *d, uint8_t out[static OTP_BYTES])
{
	uint8_t v[OTP_BYTES];
	if (h == OTP_ALG_MD5) {
		for (size_t i = 0; i < OTP_BYTES; i++)
			v[i] = d[i] ^ d[i + 8];
	} else {
		/* The appendix's code folds the digest as five 32-bit words,
		 * w0 ^= w2 ^ w4, w1 ^= w3, then copies the two words out of a
		 * little-endian machine's memory: each word's bytes reversed. */
		uint8_t w[OTP_BYTES];
		for (size_t i = 0; i < OTP_BYTES; i++)
			w[i] = d[i] ^ d[i + 8] ^ (i < 4 ? d[i + 16] : 0);
		for (size_t i = 0; i < OTP_BYTES; i++)
			v[i] = w[(i & ~3u) + 3 - (i & 3u)];
		sodium_memzero(w, sizeof w);
	}
	memcpy(out, v, OTP_BYTES);
	sodium_memzero(v, sizeof v);
}

/* fold(H(a || b)) */
static void hash_fold(enum otp_alg h, const void *a, size_t alen, const void *b,
	size_t blen, uint8_t out[static OTP_BYTES])
{
	uint8_t d[SHA1_BYTES];
	if (h == OTP_ALG_MD5) {
		struct md5_ctx ctx;
		md5_init(&ctx);
		md5_update(&ctx, a, alen);
		if (blen)
			md5_update(&ctx, b, blen);
		md5_final(&ctx, d);
	} else {
		struct sha1_ctx ctx;
		sha1_init(&ctx);
		sha1_update(&ctx, a, alen);
		if (blen)
			sha1_update(&ctx, b, blen);
		sha1_final(&ctx, d);
	}
	fold(h, d, out);
	sodium_memzero(d, sizeof d);
}

int otp_initial(enum otp_alg h, const char *seed, const void *pass,
	size_t passlen, uint8_t out[static OTP_BYTES])
{
	char lower[OTP_SEED_MAX];
	if ((h != OTP_ALG_MD5 && h != OTP_ALG_SHA1) || !otp_seed_valid(seed))
		return -1;
	size_t n = strlen(seed);
	for (size_t i = 0; i < n; i++)
		lower[i] = (char)(seed[i] >= 'A' && seed[i] <= 'Z' ? seed[i] + 32 : seed[i]);
	hash_fold(h, lower, n, pass, passlen, out);
	return 0;
}

void otp_step(enum otp_alg h, const uint8_t in[static OTP_BYTES],
	uint8_t out[static OTP_BYTES])
{
	uint8_t copy[OTP_BYTES];
	memcpy(copy, in, OTP_BYTES);
	hash_fold(h, copy, OTP_BYTES, NULL, 0, out);
	sodium_memzero(copy, sizeof copy);
}

int otp_compute(enum otp_alg h, const char *seed, const void *pass,
	size_t passlen, uint32_t seq, uint8_t out[static OTP_BYTES])
{
	if (otp_initial(h, seed, pass, passlen, out) < 0)
		return -1;
	for (uint32_t i = 0; i < seq; i++)
		otp_step(h, out, out);
	return 0;
}

/* ---- the two printed forms ---------------------------------------------- */

static uint64_t load_be64(const uint8_t v[static OTP_BYTES])
{
	uint64_t x = 0;
	for (size_t i = 0; i < OTP_BYTES; i++)
		x = x << 8 | v[i];
	return x;
}

/* The sum of the 32 2-bit pairs of x, mod 4 (RFC 2289 §6). */
static unsigned checksum(uint64_t x)
{
	unsigned sum = 0;
	for (unsigned i = 0; i < 64; i += 2)
		sum += (unsigned)(x >> i) & 3u;
	return sum & 3u;
}

void otp_format_hex(const uint8_t v[static OTP_BYTES], char out[static OTP_HEX_BUF])
{
	snprintf(out, OTP_HEX_BUF, "%02X%02X %02X%02X %02X%02X %02X%02X",
		v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
}

void otp_format_words(const uint8_t v[static OTP_BYTES], char sep,
	char out[static OTP_WORDS_BUF])
{
	uint64_t x = load_be64(v);
	size_t used = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < 6; i++) {
		/* 66 bits: the value, then the checksum; 11 bits a word. */
		unsigned idx = i < 5 ? (unsigned)(x >> (53 - 11 * i)) & 0x7ffu
				     : (unsigned)((x & 0x1ffu) << 2) | checksum(x);
		int n = snprintf(out + used, OTP_WORDS_BUF - used, "%s%s",
			i ? (char[]){ sep, '\0' } : "", otp_words[idx]);
		if (n < 0 || (size_t)n >= OTP_WORDS_BUF - used)
			break; /* cannot happen: 6 * 4 + 5 < OTP_WORDS_BUF */
		used += (size_t)n;
	}
}

/* ---- reading responses ---------------------------------------------------- */

struct tokens {
	size_t n;
	size_t len[OTP_MAX_TOKENS];
	char s[OTP_MAX_TOKENS][OTP_TOKEN_MAX + 1]; /* upper case */
};

/* Splits text at runs of anything but letters and digits. False for bytes
 * no one types, too many tokens or one too long. */
static bool tokenize(const char *text, size_t len, struct tokens *t)
{
	struct cursor c;
	bool in_token = false;
	memset(t, 0, sizeof *t);
	cursor_init(&c, text, len);
	while (cursor_left(&c) > 0) {
		unsigned char ch = cursor_u8(&c);
		if (ch >= 0x80 || (ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n') ||
			ch == 0x7f)
			return false;
		if (!is_alnum(ch)) {
			in_token = false;
			continue;
		}
		if (!in_token) {
			if (t->n == OTP_MAX_TOKENS)
				return false;
			t->n++;
			in_token = true;
		}
		size_t k = t->n - 1;
		if (t->len[k] == OTP_TOKEN_MAX)
			return false;
		t->s[k][t->len[k]++] = (char)(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
	}
	return cursor_ok(&c) && t->n > 0;
}

/* The index of an upper-case word in the dictionary, or -1. */
static int word_index(const char *w, size_t len)
{
	if (len == 0 || len > OTP_WORD_MAX)
		return -1;
	/* Each length group is sorted: search the one this word belongs to. */
	size_t lo = len == OTP_WORD_MAX ? OTP_WORDS_SHORT : 0;
	size_t hi = len == OTP_WORD_MAX ? OTP_WORDS : OTP_WORDS_SHORT;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(w, otp_words[mid]);
		if (cmp == 0)
			return (int)mid;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static bool parse_words(const struct tokens *t, uint8_t out[static OTP_BYTES])
{
	uint64_t x = 0;
	unsigned last = 0;
	if (t->n != 6)
		return false;
	for (size_t i = 0; i < 6; i++) {
		int idx = word_index(t->s[i], t->len[i]);
		if (idx < 0)
			return false;
		if (i < 5)
			x = x << OTP_WORD_BITS | (uint64_t)idx;
		else
			last = (unsigned)idx;
	}
	x = x << 9 | (last >> 2);
	if ((last & 3u) != checksum(x))
		return false;
	for (size_t i = 0; i < OTP_BYTES; i++)
		out[i] = (uint8_t)(x >> (56 - 8 * i));
	return true;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool parse_hex(const struct tokens *t, uint8_t out[static OTP_BYTES])
{
	uint8_t v[OTP_BYTES] = { 0 };
	size_t nd = 0;
	for (size_t i = 0; i < t->n; i++) {
		for (size_t k = 0; k < t->len[i]; k++) {
			int d = hex_digit(t->s[i][k]);
			if (d < 0 || nd == 2 * OTP_BYTES)
				return false;
			v[nd / 2] = (uint8_t)(v[nd / 2] << 4 | d);
			nd++;
		}
	}
	if (nd != 2 * OTP_BYTES)
		return false;
	memcpy(out, v, OTP_BYTES);
	return true;
}

bool otp_parse(const char *text, size_t len, uint8_t out[static OTP_BYTES],
	enum otp_form *form)
{
	struct tokens t;
	enum otp_form only = 0;
	if (len > OTP_TEXT_MAX)
		return false;
	if (len >= 4 && strncasecmp(text, "hex:", 4) == 0) {
		only = OTP_FORM_HEX;
		text += 4;
		len -= 4;
	} else if (len >= 5 && strncasecmp(text, "word:", 5) == 0) {
		only = OTP_FORM_WORDS;
		text += 5;
		len -= 5;
	}
	if (!tokenize(text, len, &t))
		return false;
	/* Words first: six words are never meant as hex, while hex typed in
	 * six groups that all happen to be dictionary words with a matching
	 * checksum is vanishingly rare. */
	enum otp_form f = 0;
	if (only != OTP_FORM_HEX && parse_words(&t, out))
		f = OTP_FORM_WORDS;
	else if (only != OTP_FORM_WORDS && parse_hex(&t, out))
		f = OTP_FORM_HEX;
	if (form)
		*form = f;
	return f != 0;
}

bool otp_challenge_parse(const char *s, enum otp_alg *h, uint32_t *seq,
	char seed[static OTP_SEED_MAX + 1])
{
	char alg[16], num[16], sd[OTP_SEED_MAX + 2];
	if (strnlen(s, OTP_TEXT_MAX + 1) > OTP_TEXT_MAX)
		return false;
	if (sscanf(s, " %15s %15s %17s", alg, num, sd) != 3)
		return false;
	if (!otp_alg_parse(alg, h) || strncasecmp(alg, "otp-", 4) != 0)
		return false;
	size_t n = strlen(num);
	if (n == 0 || n > 4 || strspn(num, "0123456789") != n)
		return false;
	*seq = (uint32_t)strtoul(num, NULL, 10);
	if (!otp_seed_valid(sd))
		return false;
	memcpy(seed, sd, strlen(sd) + 1); /* valid: at most OTP_SEED_MAX */
	return true;
}
