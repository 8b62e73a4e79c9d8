/* fuzz_base64ct — libFuzzer target for base64ct_decode (base64ct.c), the
 * decoder of keys_file secrets: differential against libsodium's
 * sodium_base642bin (VARIANT_ORIGINAL, whole input consumed). The first
 * byte is the room given (0..63), the rest the text; both must accept the
 * same inputs and give the same bytes, and a refusal leaves nothing decoded
 * in out;
 * except that base64ct refuses any byte >= 0x80, which libsodium 1.0.18
 * decodes as '/'. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base64ct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t room = data[0] & 63;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	uint8_t a[64], b[64];
	memset(a, 0, sizeof a); /* a refusal must leave nothing decoded in it */
	size_t na = 99, nb = 0;
	const char *end = NULL;
	int high = 0;
	for (size_t i = 0; i < len; i++)
		high |= data[1 + i] >= 0x80;
	int ref = !high && sodium_base642bin(b, room, in, len, NULL, &nb, &end,
		sodium_base64_VARIANT_ORIGINAL) == 0 && end == in + len ? 0 : -1;
	int rc = base64ct_decode(a, room, &na, in, len);
	if (rc != ref)
		abort();
	if (rc == 0 && (na != nb || memcmp(a, b, na) != 0))
		abort();
	if (rc != 0 && (na != 0 || !sodium_is_zero(a, room)))
		abort();
	return 0;
}
