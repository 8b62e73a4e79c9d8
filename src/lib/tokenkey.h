/* tokenkey — a user's token settings and token secret file (HOTP/TOTP).
 *
 * The secret file holds the secret in base32, as authenticator apps and
 * oathtool take it, so the same file serves `oathtool -b "$(tail -1 F)"`:
 *
 *   # postern token secret for alice (base32, RFC 4648): keep mode 0600
 *   GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
 *
 * ('#' lines and blank lines are ignored; the secret may be split by spaces
 * or '-'). tokenkey_read refuses a file that is not a regular file owned by
 * the reader, or that group or others can access, and a secret shorter than
 * 128 bits (RFC 4226 §4). */
#ifndef POSTERN_TOKENKEY_H
#define POSTERN_TOKENKEY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errbuf.h"
#include "otpauth.h"

#define TOKEN_DEFAULT_DIGITS 6
#define TOKEN_DEFAULT_STEP 30
#define TOKEN_DEFAULT_LOOKAHEAD 10
#define TOKEN_LOOKAHEAD_MAX 100
#define TOKEN_STEP_MAX 3600

/* One user's token settings ([user NAME] token* keys, config_token.c). */
struct token_conf {
	uint8_t mode; /* enum token_mode; TOKEN_NONE = no tokens */
	uint8_t hash; /* enum otp_hash */
	uint8_t digits; /* 6..10 */
	uint32_t step; /* TOTP seconds */
	uint32_t lookahead; /* HOTP counters accepted beyond the next one */
	struct portspec open; /* the door a token opens (port 0: unset) */
	uint16_t port_lo, port_hi; /* token_ports range; 0 = no port form */
	const char *key_path; /* "" = unset; heap (config_free frees) */
	uint8_t secret[OTP_SECRET_MAX];
	size_t secret_len;
	/* Lines of the keys (0 = not set), for messages. */
	unsigned mode_line, key_line, open_line, ports_line;
};

/* Reads the base32 secret of path into secret (at most OTP_SECRET_MAX
 * bytes). 0, or -1 with a reason naming path. Wipes every buffer. */
int tokenkey_read(const char *path, uint8_t secret[static OTP_SECRET_MAX],
	size_t *len, struct errbuf *err) __attribute__((warn_unused_result));
/* Creates path (O_EXCL, mode 0600) holding secret in base32 with a comment
 * naming user. 0 or -1 with err. */
int tokenkey_write(const char *path, const char *user, const uint8_t *secret,
	size_t len, struct errbuf *err) __attribute__((warn_unused_result));
/* The otpauth:// URI (Key Uri Format of authenticator apps) into buf:
 * otpauth://totp/ISSUER:USER?secret=...&issuer=ISSUER&algorithm=SHA1
 * &digits=6&period=30 (hotp: &counter=N). false if buf is too small. */
bool tokenkey_uri(const struct token_conf *t, const char *issuer,
	const char *user, uint64_t counter, char *buf, size_t len);

#endif
