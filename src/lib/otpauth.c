/* otpauth — HOTP/TOTP codes and binary tokens; see otpauth.h. */
#include "otpauth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "sha1.h"

#define HMAC_MAX 64 /* SHA-512 */
#define TOKEN_LABEL "postern-token"

/* HMAC-H(key, msg) into out; returns the digest length. */
static size_t otp_hmac(enum otp_hash h, const uint8_t *key, size_t keylen,
	const uint8_t *msg, size_t msglen, uint8_t out[static HMAC_MAX])
{
	switch (h) {
	case OTP_HASH_SHA256: {
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, key, keylen);
		crypto_auth_hmacsha256_update(&st, msg, msglen);
		crypto_auth_hmacsha256_final(&st, out);
		sodium_memzero(&st, sizeof st);
		return crypto_auth_hmacsha256_BYTES;
	}
	case OTP_HASH_SHA512: {
		crypto_auth_hmacsha512_state st;
		crypto_auth_hmacsha512_init(&st, key, keylen);
		crypto_auth_hmacsha512_update(&st, msg, msglen);
		crypto_auth_hmacsha512_final(&st, out);
		sodium_memzero(&st, sizeof st);
		return crypto_auth_hmacsha512_BYTES;
	}
	case OTP_HASH_SHA1:
	default:
		hmac_sha1(key, keylen, msg, msglen, out);
		return SHA1_BYTES;
	}
}

static void store_be64(uint8_t out[static 8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint32_t otp_hotp(enum otp_hash h, const uint8_t *key, size_t keylen,
	uint64_t counter, unsigned digits)
{
	static const uint32_t pow10[OTP_DIGITS_MAX + 1] = { 1, 10, 100, 1000,
		10000, 100000, 1000000, 10000000, 100000000, 1000000000, 0 };
	uint8_t msg[8], mac[HMAC_MAX];
	store_be64(msg, counter);
	size_t len = otp_hmac(h, key, keylen, msg, sizeof msg, mac);
	/* RFC 4226 §5.3: dynamic truncation. */
	unsigned off = mac[len - 1] & 0x0f;
	uint32_t bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
		(uint32_t)mac[off + 2] << 8 | (uint32_t)mac[off + 3];
	sodium_memzero(mac, sizeof mac);
	/* 10 digits: bin < 2^31 < 10^10, so it is its own value. */
	if (digits >= OTP_DIGITS_MAX || digits == 0)
		return bin;
	return bin % pow10[digits];
}

uint64_t otp_totp_slot(uint64_t now, uint64_t t0, uint32_t step)
{
	if (now < t0 || step == 0)
		return 0;
	return (now - t0) / step;
}

void otp_code_format(uint32_t code, unsigned digits, char out[static OTP_CODE_STRLEN])
{
	if (digits < OTP_DIGITS_MIN || digits > OTP_DIGITS_MAX)
		digits = OTP_DIGITS_MIN;
	snprintf(out, OTP_CODE_STRLEN, "%0*u", (int)digits, code);
}

bool otp_code_syntax(const char *text)
{
	size_t n = strspn(text, "0123456789");
	return text[n] == '\0' && n >= OTP_DIGITS_MIN && n <= OTP_DIGITS_MAX;
}

void token_binary(enum otp_hash h, const uint8_t *key, size_t keylen,
	enum token_mode mode, uint64_t counter, const struct portspec *action,
	uint8_t out[static TOKEN_BYTES])
{
	char act[PORTSPEC_STRLEN];
	uint8_t msg[sizeof TOKEN_LABEL + 1 + 8 + PORTSPEC_STRLEN], mac[HMAC_MAX];
	size_t n = 0;

	memcpy(msg, TOKEN_LABEL, sizeof TOKEN_LABEL); /* with its NUL: the 0x00 */
	n += sizeof TOKEN_LABEL;
	msg[n++] = mode == TOKEN_HOTP ? 'H' : 'T';
	store_be64(msg + n, counter);
	n += 8;
	portspec_format(action, act);
	size_t alen = strlen(act);
	memcpy(msg + n, act, alen);
	n += alen;
	otp_hmac(h, key, keylen, msg, n, mac);
	memcpy(out, mac, TOKEN_BYTES);
	sodium_memzero(mac, sizeof mac);
}

bool token_ports(const uint8_t token[static TOKEN_BYTES], uint16_t lo,
	uint16_t hi, uint16_t ports[static TOKEN_PORTS])
{
	if (lo == 0 || hi < lo || (uint32_t)(hi - lo) + 1 < TOKEN_PORT_SPAN_MIN)
		return false;
	uint32_t span = (uint32_t)(hi - lo) + 1;
	for (int i = 0; i < TOKEN_PORTS; i++) {
		uint32_t v = (uint32_t)token[2 * i] << 8 | token[2 * i + 1];
		uint32_t off = v % span;
		for (bool clash = true; clash;) {
			clash = false;
			for (int k = 0; k < i; k++) {
				if (ports[k] == lo + off) {
					off = (off + 1) % span;
					clash = true;
				}
			}
		}
		ports[i] = (uint16_t)(lo + off);
	}
	return true;
}

void token_ports_pack(const uint16_t ports[static TOKEN_PORTS],
	uint8_t out[static TOKEN_BYTES])
{
	for (int i = 0; i < TOKEN_PORTS; i++) {
		out[2 * i] = (uint8_t)(ports[i] >> 8);
		out[2 * i + 1] = (uint8_t)ports[i];
	}
}

const char *otp_hash_name(enum otp_hash h)
{
	switch (h) {
	case OTP_HASH_SHA256:
		return "sha256";
	case OTP_HASH_SHA512:
		return "sha512";
	case OTP_HASH_SHA1:
	default:
		return "sha1";
	}
}

bool otp_hash_parse(const char *s, enum otp_hash *out)
{
	static const enum otp_hash all[] = { OTP_HASH_SHA1, OTP_HASH_SHA256,
		OTP_HASH_SHA512 };
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		if (strcasecmp(s, otp_hash_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	}
	return false;
}
