/* test_dnsname — base32 (RFC 4648 vectors, case, canonical form), DNS names
 * from the wire (compression, every limit, hostile pointers) and knocks in
 * query names (round trips through random case, the longest zone, what a
 * resolver's minimised queries look like). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base32.h"
#include "dnsknock.h"
#include "dnsname.h"

/* ---- base32 ---- */

static void base32_rfc4648_vectors(void **state)
{
	(void)state;
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "my", "mzxq", "mzxw6", "mzxw6yq",
		"mzxw6ytb", "mzxw6ytboi" };
	for (size_t i = 0; i < 7; i++) {
		char enc[32];
		uint8_t dec[16];
		size_t n = strlen(in[i]);
		assert_int_equal(base32_encode((const uint8_t *)in[i], n, enc, sizeof enc),
			strlen(out[i]));
		assert_string_equal(enc, out[i]);
		assert_int_equal(base32_decode(out[i], strlen(out[i]), dec, sizeof dec), n);
		assert_memory_equal(dec, in[i], n);
	}
	/* Upper case (the RFC's own spelling) decodes the same. */
	uint8_t dec[16];
	assert_int_equal(base32_decode("MZXW6YTBOI", 10, dec, sizeof dec), 6);
	assert_memory_equal(dec, "foobar", 6);
}

static void base32_round_trip_random_case(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 100; n++) {
		uint8_t in[100], out[100];
		char enc[BASE32_LEN(100) + 1];
		randombytes_buf(in, n);
		size_t len = base32_encode(in, n, enc, sizeof enc);
		assert_int_equal(len, BASE32_LEN(n));
		for (size_t i = 0; i < len; i++)
			if (randombytes_uniform(2) && enc[i] >= 'a')
				enc[i] = (char)(enc[i] - 32);
		assert_int_equal(base32_decode(enc, len, out, sizeof out), n);
		assert_memory_equal(in, out, n);
	}
}

static void base32_refusals(void **state)
{
	(void)state;
	uint8_t out[16];
	char enc[8];
	assert_int_equal(base32_decode("m", 1, out, sizeof out), -1); /* no such length */
	assert_int_equal(base32_decode("mzx", 3, out, sizeof out), -1);
	assert_int_equal(base32_decode("mzxw6y", 6, out, sizeof out), -1);
	assert_int_equal(base32_decode("mz", 2, out, sizeof out), -1); /* spare bits set */
	assert_int_equal(base32_decode("my==", 4, out, sizeof out), -1); /* no padding */
	assert_int_equal(base32_decode("m1", 2, out, sizeof out), -1); /* 1 is not base32 */
	assert_int_equal(base32_decode("m8", 2, out, sizeof out), -1);
	assert_int_equal(base32_decode("mzxw6ytboi", 10, out, 5), -1); /* no room */
	assert_int_equal(base32_encode((const uint8_t *)"foobar", 6, enc, sizeof enc), 0);
}

/* ---- names from the wire ---- */

static enum dnsname_result read_at(const uint8_t *msg, size_t len, size_t pos,
	struct dnsname *n, size_t *end)
{
	struct cursor c;
	cursor_init(&c, msg, len);
	cursor_skip(&c, pos);
	enum dnsname_result r = dnsname_read(&c, n);
	*end = c.pos;
	assert_true(cursor_ok(&c) == (r == DNSNAME_OK));
	return r;
}

static void name_plain_and_compressed(void **state)
{
	(void)state;
	/* "Ab.cd" at 0, then "x" + pointer to 0 at 7. */
	static const uint8_t msg[] = { 2, 'A', 'b', 2, 'c', 'd', 0, 1, 'x', 0xC0, 0, 0xEE };
	struct dnsname n;
	char text[DNSNAME_TEXT_MAX + 1];
	size_t end;
	assert_int_equal(read_at(msg, sizeof msg, 0, &n, &end), DNSNAME_OK);
	assert_int_equal(end, 7);
	assert_int_equal(n.nlabels, 2);
	assert_string_equal(dnsname_to_text(&n, text, sizeof text), "Ab.cd");
	assert_int_equal(read_at(msg, sizeof msg, 7, &n, &end), DNSNAME_OK);
	assert_int_equal(end, 11); /* the pointer counts two bytes */
	assert_string_equal(dnsname_to_text(&n, text, sizeof text), "x.Ab.cd");
	assert_int_equal(n.wire_len, 9);
}

static void name_hostile(void **state)
{
	(void)state;
	struct dnsname n;
	size_t end;
	/* Pointer to itself, forwards, and a loop between two stretches. */
	static const uint8_t self[] = { 0xC0, 0 };
	static const uint8_t fwd[] = { 0xC0, 2, 0 };
	static const uint8_t loop[] = { 1, 'a', 0xC0, 4, 1, 'b', 0xC0, 0 };
	assert_int_equal(read_at(self, sizeof self, 0, &n, &end), DNSNAME_BAD_POINTER);
	assert_int_equal(read_at(fwd, sizeof fwd, 0, &n, &end), DNSNAME_BAD_POINTER);
	assert_int_equal(read_at(loop, sizeof loop, 4, &n, &end), DNSNAME_BAD_POINTER);
	/* Label types 0x40 and 0x80. */
	static const uint8_t ext[] = { 0x41, 0 }, ext2[] = { 0x80, 0 };
	assert_int_equal(read_at(ext, sizeof ext, 0, &n, &end), DNSNAME_BAD_LABEL);
	assert_int_equal(read_at(ext2, sizeof ext2, 0, &n, &end), DNSNAME_BAD_LABEL);
	/* Truncated inside a label, before the root, inside a pointer. */
	static const uint8_t t1[] = { 5, 'a', 'b' }, t2[] = { 1, 'a' }, t3[] = { 0xC0 };
	assert_int_equal(read_at(t1, sizeof t1, 0, &n, &end), DNSNAME_TRUNCATED);
	assert_int_equal(read_at(t2, sizeof t2, 0, &n, &end), DNSNAME_TRUNCATED);
	assert_int_equal(read_at(t3, sizeof t3, 0, &n, &end), DNSNAME_TRUNCATED);

	/* 255 bytes is the limit: 4 labels of 63 = 256 with the root: too long;
	 * 3 of 63 and one of 61 = 255: fine. */
	uint8_t big[300];
	size_t o = 0;
	for (int i = 0; i < 4; i++) {
		big[o++] = 63;
		memset(big + o, 'a', 63);
		o += 63;
	}
	big[o++] = 0;
	assert_int_equal(read_at(big, o, 0, &n, &end), DNSNAME_TOO_LONG);
	big[3 * 64] = 61;
	memmove(big + 3 * 64 + 62, big + 3 * 64 + 64, 1);
	assert_int_equal(read_at(big, 3 * 64 + 63, 0, &n, &end), DNSNAME_OK);
	assert_int_equal(n.wire_len, 255);

	/* 127 one-byte labels through a chain of pointers is fine, 128 not. */
	uint8_t many[600];
	o = 0;
	for (int i = 0; i < 128; i++) {
		many[o++] = 1;
		many[o++] = 'z';
	}
	many[o++] = 0;
	assert_int_equal(read_at(many, o, 2, &n, &end), DNSNAME_OK);
	assert_int_equal(n.nlabels, 127);
	assert_int_equal(read_at(many, o, 0, &n, &end), DNSNAME_TOO_LONG);

	/* More than DNSNAME_JUMPS_MAX pointers, each one backwards. */
	uint8_t chain[2 + 2 * 40];
	chain[0] = 0; /* the root, at 0 */
	chain[1] = 0;
	for (int i = 1; i <= 40; i++) {
		chain[2 * i] = 0xC0;
		chain[2 * i + 1] = (uint8_t)(2 * (i - 1));
	}
	assert_int_equal(read_at(chain, sizeof chain, 2 * 40, &n, &end), DNSNAME_BAD_POINTER);
	assert_int_equal(read_at(chain, sizeof chain, 2 * 5, &n, &end), DNSNAME_OK);
}

static void name_text_and_zones(void **state)
{
	(void)state;
	struct dnsname a, z;
	size_t below;
	assert_true(dnsname_from_text("k.example.net.", &z));
	assert_int_equal(z.nlabels, 3);
	assert_true(dnsname_from_text("xyz.ab.K.Example.NET", &a));
	assert_true(dnsname_under(&a, &z, &below));
	assert_int_equal(below, 2);
	assert_true(dnsname_under(&z, &z, &below));
	assert_int_equal(below, 0);
	assert_true(dnsname_from_text("xk.example.net", &a)); /* not on a boundary */
	assert_false(dnsname_under(&a, &z, &below));
	assert_true(dnsname_from_text("example.net", &a));
	assert_false(dnsname_under(&a, &z, &below));
	assert_false(dnsname_from_text("", &a));
	assert_false(dnsname_from_text(".", &a));
	assert_false(dnsname_from_text("a..b", &a));
	assert_false(dnsname_from_text("a..", &a));
	assert_false(dnsname_from_text(".a", &a));
	assert_false(dnsname_from_text("a b.c", &a));
	char label64[70];
	memset(label64, 'a', 64);
	label64[64] = '\0';
	assert_false(dnsname_from_text(label64, &a));
	label64[63] = '\0';
	assert_true(dnsname_from_text(label64, &a));
}

/* ---- knocks in names ---- */

static void random_case(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z' && randombytes_uniform(2))
			*s = (char)(*s - 32);
}

static void knock_spa_round_trip(void **state)
{
	(void)state;
	uint8_t wire[KNOCK_WIRE_BYTES];
	char name[DNSNAME_TEXT_MAX + 1];
	struct dnsname n, z;
	struct dnsknock k;
	assert_true(dnsname_from_text("k.example.net", &z));
	for (int i = 0; i < 50; i++) {
		randombytes_buf(wire, sizeof wire);
		assert_true(dnsknock_spa_name(wire, "k.example.net", name, sizeof name));
		assert_int_equal(strlen(name), 163 + 13);
		random_case(name); /* what a resolver's 0x20 does */
		assert_true(dnsname_from_text(name, &n));
		assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_SPA);
		assert_memory_equal(k.u.spa, wire, sizeof wire);
	}
	/* Any split into labels reads the same. */
	char b32[DNSKNOCK_SPA_CHARS + 1], split[300];
	base32_encode(wire, sizeof wire, b32, sizeof b32);
	snprintf(split, sizeof split, "%.40s.%.40s.%.40s.%.40s.k.example.net", b32,
		b32 + 40, b32 + 80, b32 + 120);
	assert_true(dnsname_from_text(split, &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_SPA);
	assert_memory_equal(k.u.spa, wire, sizeof wire);
	/* One character short, or one not base32: nothing. */
	snprintf(split, sizeof split, "%.63s.%.63s.%.33s.k.example.net", b32, b32 + 63, b32 + 126);
	assert_true(dnsname_from_text(split, &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
	snprintf(split, sizeof split, "%.63s.%.63s.%.33s1.k.example.net", b32, b32 + 63, b32 + 126);
	assert_true(dnsname_from_text(split, &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
}

/* QNAME minimisation: the resolver asks for the last label alone, then two:
 * neither may look like a knock (or it would be logged as a bad one). */
static void knock_minimised_queries_carry_nothing(void **state)
{
	(void)state;
	uint8_t wire[KNOCK_WIRE_BYTES];
	char name[DNSNAME_TEXT_MAX + 1];
	struct dnsname n, z;
	struct dnsknock k;
	assert_true(dnsname_from_text("k.example.net", &z));
	for (int i = 0; i < 200; i++) {
		randombytes_buf(wire, sizeof wire);
		assert_true(dnsknock_spa_name(wire, "k.example.net", name, sizeof name));
		assert_true(dnsname_from_text(name + 64, &n)); /* L2.L3.zone */
		assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
		assert_true(dnsname_from_text(name + 128, &n)); /* L3.zone */
		assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
	}
	assert_int_equal(dnsknock_read(&z, &z, &k), DNSKNOCK_NONE); /* the apex */
	assert_true(dnsname_from_text("www.k.example.net", &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
	assert_true(dnsname_from_text("123456.k.example.net", &n)); /* code without user */
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
	assert_true(dnsname_from_text("a.b.c.k.example.net", &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
	assert_true(dnsname_from_text("mzxw6ytboi.example.org", &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
}

static void knock_tokens_and_text(void **state)
{
	(void)state;
	struct dnsname n, z;
	struct dnsknock k;
	uint8_t tok[8] = { 1, 2, 3, 4, 5, 6, 7, 0xfe };
	char b32[16], name[128];
	assert_true(dnsname_from_text("k.example.net", &z));
	assert_int_equal(base32_encode(tok, 8, b32, sizeof b32), 13);
	random_case(b32);
	snprintf(name, sizeof name, "%s.K.example.net", b32);
	assert_true(dnsname_from_text(name, &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_TOKEN);
	assert_memory_equal(k.u.token, tok, 8);
	assert_string_equal(k.user, "");
	snprintf(name, sizeof name, "%s.Alice.k.example.net", b32);
	assert_true(dnsname_from_text(name, &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_TOKEN);
	assert_string_equal(k.user, "alice");

	assert_true(dnsname_from_text("0123456789.BoB.k.example.net", &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_TEXT);
	assert_string_equal(k.u.text, "0123456789");
	assert_string_equal(k.user, "bob");
	assert_true(dnsname_from_text("12345.bob.k.example.net", &n)); /* too short */
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
	assert_true(dnsname_from_text("D1854218EBBB0B51.k.example.net", &n)); /* RFC 2289 hex */
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_TEXT);
	assert_string_equal(k.u.text, "d1854218ebbb0b51");
	assert_true(dnsname_from_text("ROME-MUG-FRED-SCAN-LIVE-LACE.carol.k.example.net", &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_TEXT);
	assert_string_equal(k.u.text, "rome-mug-fred-scan-live-lace");
	assert_string_equal(k.user, "carol");
	assert_true(dnsname_from_text("rome-mug-fred-scan-live.k.example.net", &n)); /* 5 words */
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
	assert_true(dnsname_from_text("rome-mug-fred-scan-live-lacey.k.example.net", &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
	assert_true(dnsname_from_text("123456.-bob.k.example.net", &n));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_NONE);
}

static void knock_longest_zone(void **state)
{
	(void)state;
	uint8_t wire[KNOCK_WIRE_BYTES] = { 0 };
	char zone[120], name[DNSNAME_TEXT_MAX + 2];
	struct dnsname n, z;
	struct dnsknock k;
	/* 90 characters: "aaa...(61).bbb...(28)" */
	memset(zone, 'a', 61);
	zone[61] = '.';
	memset(zone + 62, 'b', 28);
	zone[90] = '\0';
	assert_int_equal(DNSKNOCK_ZONE_MAX, 90);
	assert_true(dnsknock_spa_name(wire, zone, name, sizeof name));
	assert_int_equal(strlen(name), DNSNAME_TEXT_MAX);
	assert_true(dnsname_from_text(name, &n));
	assert_int_equal(n.wire_len, DNSNAME_WIRE_MAX);
	assert_true(dnsname_from_text(zone, &z));
	assert_int_equal(dnsknock_read(&n, &z, &k), DNSKNOCK_SPA);
	zone[90] = 'b';
	zone[91] = '\0';
	assert_false(dnsknock_spa_name(wire, zone, name, sizeof name));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base32_rfc4648_vectors),
		cmocka_unit_test(base32_round_trip_random_case),
		cmocka_unit_test(base32_refusals),
		cmocka_unit_test(name_plain_and_compressed),
		cmocka_unit_test(name_hostile),
		cmocka_unit_test(name_text_and_zones),
		cmocka_unit_test(knock_spa_round_trip),
		cmocka_unit_test(knock_minimised_queries_carry_nothing),
		cmocka_unit_test(knock_tokens_and_text),
		cmocka_unit_test(knock_longest_zone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
