/* test_md5 — MD5 against the test suite of RFC 1321 (appendix A.5), and
 * incremental updates that cross block boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "md5.h"

static void hex(const uint8_t d[MD5_BYTES], char out[2 * MD5_BYTES + 1])
{
	for (size_t i = 0; i < MD5_BYTES; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void rfc1321_suite(void **state)
{
	(void)state;
	static const struct {
		const char *in, *md5;
	} v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
			"d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890123456789012345678901234"
		  "5678901234567890", "57edf4a22be3c955ac49da2e2107b67a" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t d[MD5_BYTES];
		char h[2 * MD5_BYTES + 1];
		md5(v[i].in, strlen(v[i].in), d);
		hex(d, h);
		assert_string_equal(h, v[i].md5);
	}
}

/* Byte-at-a-time and odd-sized pieces give the one-shot digest, for every
 * length around the padding boundaries (55, 56, 63, 64, 119, 120 ...). */
static void incremental(void **state)
{
	(void)state;
	uint8_t msg[200];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof msg; len++) {
		uint8_t one[MD5_BYTES], a[MD5_BYTES], b[MD5_BYTES];
		struct md5_ctx ctx;
		md5(msg, len, one);
		md5_init(&ctx);
		for (size_t i = 0; i < len; i++)
			md5_update(&ctx, msg + i, 1);
		md5_final(&ctx, a);
		md5_init(&ctx);
		for (size_t i = 0; i < len; i += 13)
			md5_update(&ctx, msg + i, len - i < 13 ? len - i : 13);
		md5_final(&ctx, b);
		assert_memory_equal(one, a, MD5_BYTES);
		assert_memory_equal(one, b, MD5_BYTES);
	}
}

/* A million 'a's (a common extra check; the value is md5sum's). */
static void million_a(void **state)
{
	(void)state;
	uint8_t block[1000], d[MD5_BYTES];
	char h[2 * MD5_BYTES + 1];
	struct md5_ctx ctx;
	memset(block, 'a', sizeof block);
	md5_init(&ctx);
	for (int i = 0; i < 1000; i++)
		md5_update(&ctx, block, sizeof block);
	md5_final(&ctx, d);
	hex(d, h);
	assert_string_equal(h, "7707d6ae4e027c70eea2a935c2296f21");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc1321_suite),
		cmocka_unit_test(incremental),
		cmocka_unit_test(million_a),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
