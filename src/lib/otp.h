/* otp — RFC 2289 one-time passwords (S/KEY's successor): hash chains over
 * a seed and a secret pass phrase, folded to 64 bits, shown as 16 hex
 * digits or six words of the standard dictionary.
 *
 *   S      = fold(H(lower(seed) || passphrase))        the initial step
 *   otp(n) = fold(H(...fold(H(S))...))  n times        n = sequence number
 *
 * The server keeps otp(n) (the last value it accepted, or the chain's end
 * at set-up); the next password is otp(n-1), and H(otp(n-1)) = otp(n), so
 * the server can check a password without the secret, and a password seen
 * on the wire tells nobody the next one.
 *
 * H is MD5 or SHA-1, both weak as general hashes: postern uses them only
 * because RFC 2289 names them and a chain must match what any RFC 2289
 * calculator (opiekey, otp-md5 ..., a phone app) computes. Folding follows
 * the RFC's appendix A exactly, including SHA-1's byte order: the five
 * 32-bit words are folded as w0^w2^w4, w1^w3 and each written little-endian.
 *
 * Parsing untrusted text (otp_parse) is bounded and never reads past len. */
#ifndef POSTERN_OTP_H
#define POSTERN_OTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTP_BYTES 8 /* every chain value is 64 bits */
#define OTP_SEED_MAX 16 /* RFC 2289: 1..16 alphanumeric characters */
#define OTP_PASS_MIN 10 /* RFC 2289: at least 10 characters */
#define OTP_PASS_MAX 127
#define OTP_SEQ_MAX 9999 /* a sequence number a calculator accepts */
#define OTP_TEXT_MAX 128 /* longest response text otp_parse looks at */
#define OTP_HEX_BUF 20 /* "9E87 6134 D904 99DD" + NUL */
#define OTP_WORDS_BUF 30 /* six words of <= 4 letters, 5 separators, NUL */

enum otp_alg {
	OTP_ALG_NONE = 0,
	OTP_ALG_MD5 = 1,
	OTP_ALG_SHA1 = 2,
};

enum otp_form {
	OTP_FORM_HEX = 1,
	OTP_FORM_WORDS = 2,
};

/* "md5", "sha1" ("?" otherwise). */
const char *otp_alg_name(enum otp_alg h);
/* Accepts md5, sha1 (also "otp-md5", "otp-sha1"), any case. */
bool otp_alg_parse(const char *s, enum otp_alg *h);
/* True if seed has 1..OTP_SEED_MAX characters, all A-Z a-z 0-9. */
bool otp_seed_valid(const char *seed);

/* The initial step for seed (lower-cased first, as the RFC says) and the
 * pass phrase (passlen bytes, used exactly). -1 if the seed is invalid or
 * the hash unknown. out is the caller's to wipe: it is the chain's root. */
int otp_initial(enum otp_alg h, const char *seed, const void *pass,
	size_t passlen, uint8_t out[static OTP_BYTES]);
/* One link of the chain: out = fold(H(in)) (in and out may be the same). */
void otp_step(enum otp_alg h, const uint8_t in[static OTP_BYTES],
	uint8_t out[static OTP_BYTES]);
/* otp(seq) for seed and pass phrase: the initial step, then seq steps. */
int otp_compute(enum otp_alg h, const char *seed, const void *pass,
	size_t passlen, uint32_t seq, uint8_t out[static OTP_BYTES]);

/* "9E87 6134 D904 99DD" */
void otp_format_hex(const uint8_t v[static OTP_BYTES], char out[static OTP_HEX_BUF]);
/* "INCH SEA ANNE LONG AHEM TOUR" with sep between the words ('-' for DNS). */
void otp_format_words(const uint8_t v[static OTP_BYTES], char sep,
	char out[static OTP_WORDS_BUF]);

/* Reads a response as typed: six dictionary words (with the RFC's 2-bit
 * checksum) or 16 hex digits, in any case, split by any run of white space
 * or punctuation ("INCH SEA ...", "inch-sea-...", "9e87 6134 d904 99dd",
 * "9E876134D90499DD"), optionally prefixed "word:" or "hex:" (RFC 2243).
 * Text with other bytes (controls but tab/CR/LF, bytes >= 0x80) or longer
 * than OTP_TEXT_MAX is refused. Returns true and the value (and its form,
 * if form is not NULL). Six words that fail the checksum are refused. */
bool otp_parse(const char *text, size_t len, uint8_t out[static OTP_BYTES],
	enum otp_form *form) __attribute__((warn_unused_result));

/* Reads an RFC 2289 challenge, "otp-md5 499 ssh22" (an "ext" after the
 * seed is ignored). seed must hold OTP_SEED_MAX + 1 bytes. */
bool otp_challenge_parse(const char *s, enum otp_alg *h, uint32_t *seq,
	char seed[static OTP_SEED_MAX + 1]) __attribute__((warn_unused_result));

#endif
