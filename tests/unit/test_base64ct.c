/* test_base64ct — base64ct_decode accepts exactly what libsodium's
 * sodium_base642bin (VARIANT_ORIGINAL, no ignore list, whole input
 * consumed) accepts, and gives the same bytes: RFC 4648 vectors, random
 * encodings of random lengths, and malformed input (random bytes, every
 * single-character change of a valid encoding, every truncation). One
 * difference, on purpose: libsodium 1.0.18 takes any byte 0x80-0xff as
 * '/'; base64ct refuses it (not in the RFC 4648 alphabet). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "base64ct.h"

#define MAXB 96

/* What libsodium says of in: -1 refused, else the length, bytes in out. */
static int sodium_says(const char *in, size_t len, uint8_t *out, size_t out_max)
{
	size_t n = 0;
	const char *end = NULL;
	if (sodium_base642bin(out, out_max, in, len, NULL, &n, &end,
		sodium_base64_VARIANT_ORIGINAL) != 0 || end != in + len)
		return -1;
	return (int)n;
}

/* A byte outside ASCII: libsodium 1.0.18 decodes each as '/' (63), where
 * RFC 4648 (and base64ct) refuse the input. */
static bool has_high_byte(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			return true;
	return false;
}

/* Both decoders agree on in (with room for out_max bytes), except that
 * base64ct refuses what has a byte outside ASCII. */
static void agree(const char *in, size_t len, size_t out_max)
{
	uint8_t a[MAXB], b[MAXB];
	size_t n = 12345;
	memset(a, 0xaa, sizeof a);
	int ref = has_high_byte(in, len) ? -1 : sodium_says(in, len, b, out_max);
	int rc = base64ct_decode(a, out_max, &n, in, len);
	if (ref < 0) {
		assert_int_equal(rc, -1);
		assert_int_equal(n, 0);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, (size_t)ref);
	assert_memory_equal(a, b, n);
}

static void rfc4648_vectors(void **state)
{
	(void)state;
	static const struct { const char *b64, *bin; } v[] = {
		{ "", "" }, { "Zg==", "f" }, { "Zm8=", "fo" }, { "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" }, { "Zm9vYmE=", "fooba" }, { "Zm9vYmFy", "foobar" },
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		uint8_t out[8];
		size_t n;
		assert_int_equal(base64ct_decode(out, sizeof out, &n, v[i].b64,
			strlen(v[i].b64)), 0);
		assert_int_equal(n, strlen(v[i].bin));
		assert_memory_equal(out, v[i].bin, n);
		agree(v[i].b64, strlen(v[i].b64), sizeof out);
	}
}

static void refuses(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"Z", "Zg", "Zg=", "Zg===", "Zh==", "Zm9=", "Zm9v=", "=Zm9", "Zm 9v",
		"Zm9v\n", "Zm-v", "Zm_v", "Z===", "====", "Zm9vYg=x", "Zg==Zg==",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		uint8_t out[8] = { 0 };
		size_t n = 7;
		assert_int_equal(base64ct_decode(out, sizeof out, &n, bad[i],
			strlen(bad[i])), -1);
		assert_int_equal(n, 0);
		assert_true(sodium_is_zero(out, sizeof out)); /* wiped */
		agree(bad[i], strlen(bad[i]), sizeof out);
	}
	/* libsodium 1.0.18 reads a byte >= 0x80 as '/'; not in the alphabet. */
	uint8_t out3[3];
	size_t n3;
	assert_int_equal(base64ct_decode(out3, sizeof out3, &n3, "AA\xd0/", 4), -1);
	assert_int_equal(base64ct_decode(out3, sizeof out3, &n3, "AA//", 4), 0);
	/* Too long for out. */
	uint8_t out[2];
	size_t n;
	assert_int_equal(base64ct_decode(out, sizeof out, &n, "Zm9v", 4), -1);
	agree("Zm9v", 4, 2);
}

/* The keys_file case: base64 of 32 random bytes, 44 characters. */
static void random_secrets(void **state)
{
	(void)state;
	for (int t = 0; t < 20000; t++) {
		uint8_t bin[32], out[32];
		char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
		randombytes_buf(bin, sizeof bin);
		sodium_bin2base64(b64, sizeof b64, bin, sizeof bin,
			sodium_base64_VARIANT_ORIGINAL);
		size_t n;
		assert_int_equal(base64ct_decode(out, sizeof out, &n, b64, strlen(b64)), 0);
		assert_int_equal(n, 32);
		assert_memory_equal(out, bin, 32);
	}
}

/* Random lengths; then each encoding with one character changed to each
 * of the 256 bytes, and every prefix of it. */
static void random_and_mangled(void **state)
{
	(void)state;
	for (int t = 0; t < 300; t++) {
		uint8_t bin[MAXB / 2];
		size_t blen = randombytes_uniform(sizeof bin + 1);
		char b64[sodium_base64_ENCODED_LEN(MAXB / 2, sodium_base64_VARIANT_ORIGINAL)];
		randombytes_buf(bin, blen);
		sodium_bin2base64(b64, sizeof b64, bin, blen, sodium_base64_VARIANT_ORIGINAL);
		size_t len = strlen(b64);
		agree(b64, len, MAXB);
		agree(b64, len, blen); /* exactly the room */
		if (blen)
			agree(b64, len, blen - 1); /* one byte short */
		for (size_t cut = 0; cut < len; cut++)
			agree(b64, cut, MAXB);
		if (len == 0)
			continue;
		size_t at = randombytes_uniform((uint32_t)len);
		char keep = b64[at];
		for (int ch = 0; ch < 256; ch++) {
			b64[at] = (char)ch;
			agree(b64, len, MAXB);
		}
		b64[at] = keep;
	}
}

/* Strings of random bytes, mostly from the alphabet and '='. */
static void random_garbage(void **state)
{
	(void)state;
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/====";
	for (int t = 0; t < 200000; t++) {
		char s[12];
		size_t len = randombytes_uniform(sizeof s + 1);
		for (size_t i = 0; i < len; i++)
			s[i] = randombytes_uniform(8) ? alpha[randombytes_uniform(sizeof alpha - 1)] :
				(char)randombytes_uniform(256);
		agree(s, len, MAXB);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4648_vectors),
		cmocka_unit_test(refuses),
		cmocka_unit_test(random_secrets),
		cmocka_unit_test(random_and_mangled),
		cmocka_unit_test(random_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
