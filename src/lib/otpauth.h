/* otpauth — HOTP (RFC 4226) and TOTP (RFC 6238) one-time codes, and
 * postern's action-bound binary tokens derived from the same secret.
 *
 * Numeric codes are exactly what authenticator apps and oathtool print:
 *   HOTP(K, C) = Truncate(HMAC-H(K, C as 8 bytes big-endian)) mod 10^digits
 *   TOTP(K, T) = HOTP(K, floor((T - T0) / step))
 * with H = SHA-1 (RFC 4226), or SHA-256 / SHA-512 (RFC 6238).
 *
 * A binary token (docs/modes.md, "token") is 8 bytes:
 *   first 8 bytes of HMAC-H(K, "postern-token" || 0x00 || M || C || A)
 * where M is the byte 'H' (HOTP counter) or 'T' (TOTP time slot), C the
 * counter or slot as 8 bytes big-endian, and A the bound action as text,
 * exactly as postern.conf writes it ("tcp/22"). A token thus opens only the
 * door it was made for, and says nothing about the numeric code of the same
 * counter (a different HMAC input).
 *
 * A token's port-sequence form (token_ports) is four distinct TCP ports in a
 * range [lo, hi]: for i = 0..3, v = token bytes 2i..2i+1 big-endian,
 * p = lo + v mod (hi - lo + 1); if p equals an earlier port, p moves up by
 * one (wrapping to lo) until it is new. */
#ifndef POSTERN_OTPAUTH_H
#define POSTERN_OTPAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum otp_hash {
	OTP_HASH_SHA1 = 0,
	OTP_HASH_SHA256,
	OTP_HASH_SHA512,
};

enum token_mode {
	TOKEN_NONE = 0,
	TOKEN_HOTP, /* counter-based (RFC 4226) */
	TOKEN_TOTP, /* time-based (RFC 6238) */
};

#define OTP_SECRET_MIN 16 /* RFC 4226 §4 R6: at least 128 bits */
#define OTP_SECRET_MAX 64
#define OTP_DIGITS_MIN 6
#define OTP_DIGITS_MAX 10
#define OTP_CODE_STRLEN (OTP_DIGITS_MAX + 1)
#define TOKEN_BYTES 8
#define TOKEN_PORTS 4
#define TOKEN_PORT_SPAN_MIN 16 /* a port range narrower than this is refused */

/* The HOTP value of counter (digits 6..10): a number below 10^digits. */
uint32_t otp_hotp(enum otp_hash h, const uint8_t *key, size_t keylen,
	uint64_t counter, unsigned digits);
/* The TOTP time slot of now: floor((now - t0) / step), 0 before t0. */
uint64_t otp_totp_slot(uint64_t now, uint64_t t0, uint32_t step);
/* code as exactly digits decimal characters, zero-padded, NUL-terminated. */
void otp_code_format(uint32_t code, unsigned digits,
	char out[static OTP_CODE_STRLEN]);
/* True if text is 6..10 ASCII digits and nothing else. */
bool otp_code_syntax(const char *text);

/* The binary token of counter (or slot) bound to action; see above. */
void token_binary(enum otp_hash h, const uint8_t *key, size_t keylen,
	enum token_mode mode, uint64_t counter, const struct portspec *action,
	uint8_t out[static TOKEN_BYTES]);
/* The port-sequence form of token in [lo, hi]; false if the range holds
 * fewer than TOKEN_PORT_SPAN_MIN ports or lo is 0. */
bool token_ports(const uint8_t token[static TOKEN_BYTES], uint16_t lo,
	uint16_t hi, uint16_t ports[static TOKEN_PORTS]);
/* The 8-byte key a sequence tracker hands over for four ports: each port
 * big-endian, in order (CANDIDATE_TOKEN, carrier CARRIER_PORT, len 8). */
void token_ports_pack(const uint16_t ports[static TOKEN_PORTS],
	uint8_t out[static TOKEN_BYTES]);

/* "sha1", "sha256", "sha512" (and the otpauth:// URI's "SHA1", ...). */
const char *otp_hash_name(enum otp_hash h);
bool otp_hash_parse(const char *s, enum otp_hash *out);

#endif
