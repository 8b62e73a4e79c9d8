/* fuzz_otp — libFuzzer target for the RFC 2289 response parser (otp.c):
 * six words or hex, as typed, from any peer.
 *
 * Checked on every input:
 *  1. otp_parse never reads past size, never crashes, and whatever it
 *     accepts is canonical: printing the value in either form and parsing
 *     that gives the same value back, in the same form it was printed;
 *  2. otp_challenge_parse (the client reads challenges a server prints)
 *     never crashes, and an accepted challenge has a valid seed.
 * A violated property aborts, which libFuzzer reports as a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t v[OTP_BYTES], back[OTP_BYTES];
	enum otp_form form;
	/* An exact-size heap copy, so ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	if (otp_parse(text, size, v, &form)) {
		char hex[OTP_HEX_BUF], words[OTP_WORDS_BUF], dashed[OTP_WORDS_BUF];
		if (form != OTP_FORM_HEX && form != OTP_FORM_WORDS)
			abort();
		otp_format_hex(v, hex);
		otp_format_words(v, ' ', words);
		otp_format_words(v, '-', dashed);
		if (!otp_parse(hex, strlen(hex), back, &form) || form != OTP_FORM_HEX ||
			memcmp(v, back, OTP_BYTES) != 0)
			abort();
		if (!otp_parse(words, strlen(words), back, &form) || form != OTP_FORM_WORDS ||
			memcmp(v, back, OTP_BYTES) != 0)
			abort();
		if (!otp_parse(dashed, strlen(dashed), back, NULL) ||
			memcmp(v, back, OTP_BYTES) != 0)
			abort();
	}
	/* Challenges are NUL-terminated strings: parse a bounded copy. */
	char chal[OTP_TEXT_MAX + 2];
	size_t n = size < sizeof chal - 1 ? size : sizeof chal - 1;
	memcpy(chal, data, n);
	chal[n] = '\0';
	enum otp_alg alg;
	uint32_t seq;
	char seed[OTP_SEED_MAX + 1];
	if (otp_challenge_parse(chal, &alg, &seq, seed) &&
		(!otp_seed_valid(seed) || seq > OTP_SEQ_MAX ||
		(alg != OTP_ALG_MD5 && alg != OTP_ALG_SHA1)))
		abort();
	free(text);
	return 0;
}
