/* test_sha1 — SHA-1 against the FIPS 180 examples (and the one-million-'a'
 * message), incremental hashing split at every offset, and HMAC-SHA1
 * against all seven RFC 2202 test cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sha1.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void check(const uint8_t d[SHA1_BYTES], const char *want)
{
	char got[2 * SHA1_BYTES + 1];
	hex(d, SHA1_BYTES, got);
	assert_string_equal(got, want);
}

static void test_fips180(void **state)
{
	(void)state;
	uint8_t d[SHA1_BYTES];
	sha1("abc", 3, d);
	check(d, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sha1("", 0, d);
	check(d, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha1(m2, strlen(m2), d);
	check(d, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");

	struct sha1_ctx c;
	sha1_init(&c);
	char a[1000];
	memset(a, 'a', sizeof a);
	for (int i = 0; i < 1000; i++)
		sha1_update(&c, a, sizeof a);
	sha1_final(&c, d);
	check(d, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_incremental(void **state)
{
	(void)state;
	uint8_t msg[200], one[SHA1_BYTES], two[SHA1_BYTES];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	sha1(msg, sizeof msg, one);
	for (size_t cut = 0; cut <= sizeof msg; cut++) {
		struct sha1_ctx c;
		sha1_init(&c);
		sha1_update(&c, msg, cut);
		sha1_update(&c, msg + cut, sizeof msg - cut);
		sha1_final(&c, two);
		assert_memory_equal(one, two, SHA1_BYTES);
	}
}

static void test_rfc2202(void **state)
{
	(void)state;
	uint8_t d[SHA1_BYTES], key[80], data[80];

	memset(key, 0x0b, 20);
	hmac_sha1(key, 20, "Hi There", 8, d);
	check(d, "b617318655057264e28bc0b6fb378c8ef146be00");

	hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, d);
	check(d, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");

	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	hmac_sha1(key, 20, data, 50, d);
	check(d, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");

	for (int i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, 50);
	hmac_sha1(key, 25, data, 50, d);
	check(d, "4c9007f4026250c6bc8414f9bf50c86c2d7235da");

	memset(key, 0x0c, 20);
	hmac_sha1(key, 20, "Test With Truncation", 20, d);
	check(d, "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");

	memset(key, 0xaa, 80);
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_sha1(key, 80, m6, strlen(m6), d);
	check(d, "aa4ae5e15272d00e95705637ce8a3b55ed402112");

	const char *m7 = "Test Using Larger Than Block-Size Key and Larger "
			 "Than One Block-Size Data";
	hmac_sha1(key, 80, m7, strlen(m7), d);
	check(d, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips180),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_rfc2202),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
