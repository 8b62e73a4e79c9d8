/* test_dynreply — dynamic knocks: the next knock's generation and blob, and
 * the encrypted reply (seal/open round trip, tampering and wrong binding
 * refused), the reply key's derivation, and the dynamic_* config keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "dynreply.h"

static const uint8_t KEY[DYN_REPLY_KEY_BYTES] = { 0x42, 0x43 };

static void make_reply(struct dynreply *r)
{
	memset(r, 0, sizeof *r);
	r->flags = DYNREPLY_FLAG_NEXT | DYNREPLY_FLAG_FORWARD;
	r->generation = 7;
	assert_int_equal(dynknock_random(4, 40000, 40999, &r->next), 0);
	r->service = (struct portspec){ IPPROTO_TCP, 22 };
	r->fwd_port = 50123;
	r->lease = 30;
}

static void generation_ranges(void **state)
{
	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct dynknock k;
		uint8_t n = (uint8_t)(DYN_MIN_LENGTH + round % 3);
		assert_int_equal(dynknock_random(n, 40000, 40099, &k), 0);
		assert_int_equal(k.n, n);
		for (size_t i = 0; i < n; i++) {
			assert_in_range(k.step[i].port, 40000, 40099);
			assert_true(k.step[i].proto == IPPROTO_TCP || k.step[i].proto == IPPROTO_UDP);
			for (size_t j = 0; j < i; j++)
				assert_int_not_equal(k.step[i].port, k.step[j].port);
		}
		assert_int_equal(k.step[n - 1].proto, IPPROTO_UDP); /* the reply's way back */
		uint8_t blob[DYNKNOCK_BLOB_BYTES];
		struct dynknock back;
		dynknock_encode(&k, blob);
		assert_true(dynknock_decode(blob, sizeof blob, &back));
		assert_memory_equal(&k, &back, sizeof k);
	}
	struct dynknock k;
	assert_int_equal(dynknock_random(2, 40000, 40999, &k), -1);
	assert_int_equal(dynknock_random(6, 40000, 40999, &k), -1);
	assert_int_equal(dynknock_random(5, 40000, 40003, &k), -1); /* too few ports */
	assert_int_equal(dynknock_random(3, 0, 40003, &k), -1);
}

static void blob_strict(void **state)
{
	(void)state;
	struct dynknock k, out;
	uint8_t blob[DYNKNOCK_BLOB_BYTES];
	assert_int_equal(dynknock_random(3, 40000, 40999, &k), 0);
	dynknock_encode(&k, blob);
	assert_false(dynknock_decode(blob, sizeof blob - 1, &out));
	blob[15] = 1; /* a byte past the third step */
	assert_false(dynknock_decode(blob, sizeof blob, &out));
	dynknock_encode(&k, blob);
	blob[0] = 2; /* too short a knock */
	assert_false(dynknock_decode(blob, sizeof blob, &out));
	dynknock_encode(&k, blob);
	blob[7] = 6; /* the last step made tcp */
	assert_false(dynknock_decode(blob, sizeof blob, &out));
	char buf[DYNKNOCK_STRLEN];
	k = (struct dynknock){ 3, { { IPPROTO_TCP, 41234 }, { IPPROTO_UDP, 45678 },
		{ IPPROTO_UDP, 49999 } } };
	assert_string_equal(dynknock_format(&k, buf), "41234:tcp,45678:udp,49999:udp");
}

static void seal_open(void **state)
{
	(void)state;
	struct dynreply r, back;
	uint8_t id[DYNREPLY_ID_BYTES] = { 1, 2, 3, 4 }, wire[DYNREPLY_WIRE_BYTES];
	make_reply(&r);
	assert_int_equal(dynreply_seal(KEY, id, &r, wire), 0);
	assert_int_equal(dynreply_open(KEY, id, wire, sizeof wire, &back), 0);
	assert_memory_equal(&r, &back, sizeof r);
	/* Only the next knock. */
	r.flags = DYNREPLY_FLAG_NEXT;
	r.service = (struct portspec){ 0, 0 };
	r.fwd_port = 0;
	r.lease = 0;
	assert_int_equal(dynreply_seal(KEY, id, &r, wire), 0);
	assert_int_equal(dynreply_open(KEY, id, wire, sizeof wire, &back), 0);
	assert_memory_equal(&r, &back, sizeof r);
	/* Fresh nonce: sealing twice gives different bytes. */
	uint8_t again[DYNREPLY_WIRE_BYTES];
	assert_int_equal(dynreply_seal(KEY, id, &r, again), 0);
	assert_memory_not_equal(wire, again, sizeof wire);
	/* Not well formed: refused at sealing. */
	r.flags = 0;
	assert_int_equal(dynreply_seal(KEY, id, &r, wire), -1);
}

static void tampering(void **state)
{
	(void)state;
	struct dynreply r, back;
	uint8_t id[DYNREPLY_ID_BYTES] = { 5 }, wire[DYNREPLY_WIRE_BYTES];
	make_reply(&r);
	assert_int_equal(dynreply_seal(KEY, id, &r, wire), 0);
	for (size_t i = 0; i < sizeof wire; i++) {
		wire[i] ^= 0x01;
		assert_int_equal(dynreply_open(KEY, id, wire, sizeof wire, &back), -1);
		assert_int_equal(back.flags, 0); /* zeroed on failure */
		wire[i] ^= 0x01;
	}
	assert_int_equal(dynreply_open(KEY, id, wire, sizeof wire - 1, &back), -1);
	uint8_t longer[DYNREPLY_WIRE_BYTES + 1] = { 0 };
	memcpy(longer, wire, sizeof wire);
	assert_int_equal(dynreply_open(KEY, id, longer, sizeof longer, &back), -1);
	uint8_t other_key[DYN_REPLY_KEY_BYTES] = { 0x42, 0x44 };
	assert_int_equal(dynreply_open(other_key, id, wire, sizeof wire, &back), -1);
	assert_int_equal(dynreply_open(KEY, id, wire, sizeof wire, &back), 0);
}

/* A reply answers one knock: opened as the answer to another, it fails. */
static void bound_to_knock(void **state)
{
	(void)state;
	struct dynreply r, back;
	uint8_t nonce_a[DYNREPLY_ID_BYTES], nonce_b[DYNREPLY_ID_BYTES];
	uint8_t wire[DYNREPLY_WIRE_BYTES], blob[DYNKNOCK_BLOB_BYTES];
	randombytes_buf(nonce_a, sizeof nonce_a);
	memcpy(nonce_b, nonce_a, sizeof nonce_b);
	nonce_b[11] ^= 0x80;
	make_reply(&r);
	assert_int_equal(dynreply_seal(KEY, nonce_a, &r, wire), 0);
	assert_int_equal(dynreply_open(KEY, nonce_b, wire, sizeof wire, &back), -1);
	assert_int_equal(dynreply_open(KEY, nonce_a, wire, sizeof wire, &back), 0);
	/* Dynamic knocks: the id depends on generation and knock. */
	uint8_t id1[DYNREPLY_ID_BYTES], id2[DYNREPLY_ID_BYTES], id3[DYNREPLY_ID_BYTES];
	dynknock_encode(&r.next, blob);
	dynreply_knock_id(7, blob, id1);
	dynreply_knock_id(8, blob, id2);
	blob[2] ^= 1;
	dynreply_knock_id(7, blob, id3);
	assert_memory_not_equal(id1, id2, sizeof id1);
	assert_memory_not_equal(id1, id3, sizeof id1);
	assert_int_equal(dynreply_seal(KEY, id1, &r, wire), 0);
	assert_int_equal(dynreply_open(KEY, id2, wire, sizeof wire, &back), -1);
}

static void reply_key(void **state)
{
	(void)state;
	uint8_t secret[32], k1[DYN_REPLY_KEY_BYTES], k2[DYN_REPLY_KEY_BYTES];
	uint8_t expect[DYN_REPLY_KEY_BYTES];
	for (int i = 0; i < 32; i++)
		secret[i] = (uint8_t)i;
	dynreply_derive_key(secret, k1);
	/* = crypto_kdf subkey 3, context "postern1" (docs/protocol.md). */
	crypto_kdf_derive_from_key(expect, sizeof expect, 3, "postern1", secret);
	assert_memory_equal(k1, expect, sizeof k1);
	secret[0] ^= 1;
	dynreply_derive_key(secret, k2);
	assert_memory_not_equal(k1, k2, sizeof k1);
}

static const char *BASE = "[protect]\nports = tcp/22, tcp/443\n[user alice]\n"
	"key = /nonexistent/alice.key\nopen = tcp/22, tcp/443\n";

static int load(const char *extra, struct config **c, struct errbuf *err)
{
	char text[1024];
	snprintf(text, sizeof text, "%s%s", BASE, extra);
	return config_load_string(text, "t.conf", 0, c, err);
}

static void config_keys(void **state)
{
	(void)state;
	struct config *c;
	struct errbuf err;
	assert_int_equal(load("dynamic = yes\n", &c, &err), 0);
	const struct dyn_conf *d = c->users[0].prof->dyn;
	assert_true(d->enabled);
	assert_int_equal(d->lo, DYN_DEFAULT_LO);
	assert_int_equal(d->hi, DYN_DEFAULT_HI);
	assert_int_equal(d->length, DYN_DEFAULT_LENGTH);
	assert_int_equal(d->nopen, 2); /* the user's open list */
	assert_int_equal(d->forward.port, 0);
	assert_true(config_uses_dynamic(c));
	assert_true(config_uses_sequences(c)); /* port hits are captured */
	config_free(c);
	assert_int_equal(load("dynamic = yes\ndynamic_ports = 20000-20999\n"
		"dynamic_length = 5\ndynamic_open = tcp/443\ndynamic_forward = tcp/22\n"
		"dynamic_forward_ports = 61000-61999\n", &c, &err), 0);
	d = c->users[0].prof->dyn;
	assert_int_equal(d->lo, 20000);
	assert_int_equal(d->length, 5);
	assert_int_equal(d->nopen, 1);
	assert_int_equal(d->open[0].port, 443);
	assert_int_equal(d->forward.port, 22);
	assert_int_equal(d->fwd_lo, 61000);
	config_free(c);
	assert_int_equal(load("", &c, &err), 0);
	assert_false(config_uses_dynamic(c));
	config_free(c);
}

static void config_refusals(void **state)
{
	(void)state;
	static const struct { const char *text, *why; } bad[] = {
		{ "dynamic = maybe\n", "neither yes nor no" },
		{ "dynamic_ports = 40000-49999\n", "without dynamic = yes" },
		{ "dynamic = yes\ndynamic_ports = 40000-40010\n", "at least 100 ports" },
		{ "dynamic = yes\ndynamic_ports = 0-999\n", "bad range" },
		{ "dynamic = yes\ndynamic_length = 6\n", "3..5" },
		{ "dynamic = yes\ndynamic_open = tcp/25\n", "not in the user's open list" },
		{ "dynamic = yes\ndynamic_forward = tcp/8080\n", "not in the user's open list" },
		{ "dynamic = yes\ndynamic_forward = tcp/22\ndynamic_forward_ports = "
			"45000-45999\n", "overlaps dynamic_ports" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct config *c = NULL;
		struct errbuf err;
		assert_int_equal(load(bad[i].text, &c, &err), -1);
		assert_null(c);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("'%s': got '%s', wanted '%s'", bad[i].text, err.msg, bad[i].why);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(generation_ranges),
		cmocka_unit_test(blob_strict),
		cmocka_unit_test(seal_open),
		cmocka_unit_test(tampering),
		cmocka_unit_test(bound_to_knock),
		cmocka_unit_test(reply_key),
		cmocka_unit_test(config_keys),
		cmocka_unit_test(config_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
