/* dnsknock — see dnsknock.h. */
#include "dnsknock.h"

#include <stdio.h>
#include <string.h>

static bool is_digit(uint8_t ch) { return ch >= '0' && ch <= '9'; }
static bool is_alpha(uint8_t ch) { return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'; }
static bool is_hex(uint8_t ch) { return is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'); }

/* Copies a label as lower-case text (labels are at most 63 bytes). */
static void copy_lower(const uint8_t *p, size_t len, char out[static DNSNAME_LABEL_MAX + 1])
{
	for (size_t i = 0; i < len; i++)
		out[i] = is_alpha(p[i]) ? (char)(p[i] | 0x20) : (char)p[i];
	out[len] = '\0';
}

static bool all(const uint8_t *p, size_t len, bool (*ok)(uint8_t))
{
	for (size_t i = 0; i < len; i++)
		if (!ok(p[i]))
			return false;
	return len > 0;
}

/* Six words of 1..4 letters joined with '-' (RFC 2289's six-word form). */
static bool otp_words(const uint8_t *p, size_t len)
{
	size_t words = 0, run = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || p[i] == '-') {
			if (run == 0 || run > DNSKNOCK_OTP_WORD_MAX)
				return false;
			words++;
			run = 0;
		} else if (is_alpha(p[i]))
			run++;
		else
			return false;
	}
	return words == DNSKNOCK_OTP_WORDS;
}

/* A user name as a label: the characters config user names may have
 * (a name with a '.' cannot be one label). */
static bool user_char(uint8_t ch)
{
	return is_alpha(ch) || is_digit(ch) || ch == '_' || ch == '-';
}

static enum dnsknock_kind read_spa(const struct dnsname *name, size_t below,
	struct dnsknock *out)
{
	char chars[DNSKNOCK_SPA_CHARS];
	size_t used = 0;
	for (size_t i = 0; i < below; i++) {
		size_t len;
		const uint8_t *p = dnsname_label(name, i, &len);
		if (len > DNSKNOCK_SPA_CHARS - used)
			return DNSKNOCK_NONE;
		memcpy(chars + used, p, len);
		used += len;
	}
	if (used != DNSKNOCK_SPA_CHARS ||
	    base32_decode(chars, used, out->u.spa, sizeof out->u.spa) != KNOCK_WIRE_BYTES)
		return DNSKNOCK_NONE;
	return out->kind = DNSKNOCK_SPA;
}

enum dnsknock_kind dnsknock_read(const struct dnsname *name,
	const struct dnsname *zone, struct dnsknock *out)
{
	size_t below, len, ulen;
	memset(out, 0, sizeof *out);
	if (!dnsname_under(name, zone, &below) || below == 0)
		return DNSKNOCK_NONE;
	if (below >= DNSKNOCK_SPA_LABELS)
		return read_spa(name, below, out);
	const uint8_t *p = dnsname_label(name, 0, &len);
	if (below == 2) {
		const uint8_t *u = dnsname_label(name, 1, &ulen);
		if (u[0] == '-' || !all(u, ulen, user_char))
			return DNSKNOCK_NONE;
		copy_lower(u, ulen, out->user);
	}
	if (len == DNSKNOCK_TOKEN_CHARS &&
	    base32_decode((const char *)p, len, out->u.token, sizeof out->u.token) ==
		    DNSKNOCK_TOKEN_BYTES)
		return out->kind = DNSKNOCK_TOKEN;
	bool code = out->user[0] && len >= DNSKNOCK_CODE_MIN &&
		len <= DNSKNOCK_CODE_MAX && all(p, len, is_digit);
	bool hex = len == DNSKNOCK_OTP_HEX && all(p, len, is_hex);
	if (code || hex || otp_words(p, len)) {
		copy_lower(p, len, out->u.text);
		return out->kind = DNSKNOCK_TEXT;
	}
	memset(out, 0, sizeof *out);
	return DNSKNOCK_NONE;
}

bool dnsknock_spa_name(const uint8_t wire[static KNOCK_WIRE_BYTES], const char *zone,
	char *out, size_t cap)
{
	char b32[DNSKNOCK_SPA_CHARS + 1];
	struct dnsname z;
	size_t zlen = strlen(zone);
	if (zlen > 0 && zone[zlen - 1] == '.')
		zlen--;
	if (zlen > DNSKNOCK_ZONE_MAX || !dnsname_from_text(zone, &z))
		return false;
	if (base32_encode(wire, KNOCK_WIRE_BYTES, b32, sizeof b32) != DNSKNOCK_SPA_CHARS)
		return false;
	/* 63 + 63 + 34: the fewest labels, the longest first. */
	int n = snprintf(out, cap, "%.63s.%.63s.%s.%.*s", b32, b32 + 63, b32 + 126,
		(int)zlen, zone);
	return n > 0 && (size_t)n < cap;
}
