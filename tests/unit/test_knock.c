/* test_knock — the SPA v1 wire format (src/lib/knock.c, docs/protocol.md). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include <sodium.h>

#include "knock.h"

/* --- helpers ----------------------------------------------------------- */

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t binlen = 0;
	assert_int_equal(strlen(hex), 2 * n);
	assert_int_equal(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &binlen, NULL), 0);
	assert_int_equal(binlen, n);
}

static void fill(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void assert_zeroed(const struct knock *k)
{
	static const struct knock zero;
	assert_memory_equal(k, &zero, sizeof zero);
}

/* Field-by-field equality of what travels on the wire. */
static void assert_knock_equal(const struct knock *a, const struct knock *b)
{
	assert_int_equal(a->action, b->action);
	assert_int_equal(a->flags, b->flags);
	assert_true(a->timestamp == b->timestamp);
	assert_int_equal(a->counter, b->counter);
	assert_int_equal(a->lease, b->lease);
	assert_int_equal(a->target_is_source, b->target_is_source);
	assert_int_equal(a->target.family, b->target.family);
	assert_memory_equal(a->target.bytes, b->target.bytes, sizeof a->target.bytes);
	assert_int_equal(a->nports, b->nports);
	for (size_t i = 0; i < a->nports; i++) {
		assert_int_equal(a->ports[i].proto, b->ports[i].proto);
		assert_int_equal(a->ports[i].port, b->ports[i].port);
	}
	assert_int_equal(a->trigger_id, b->trigger_id);
	assert_string_equal(a->arg, b->arg);
}

/* Seals an arbitrary 64-byte plaintext exactly as v1 does, but without any
 * validity check: for building authentic-but-malformed knocks. */
static void raw_seal(const struct user_keys *keys, const uint8_t plain[KNOCK_PLAIN_BYTES],
	uint64_t slot, const uint8_t nonce[KNOCK_NONCE_BYTES], uint8_t wire[KNOCK_WIRE_BYTES])
{
	knock_tag(keys->tag_key, slot, wire);
	memcpy(wire + KNOCK_TAG_BYTES, nonce, KNOCK_NONCE_BYTES);
	crypto_aead_chacha20poly1305_ietf_encrypt(wire + KNOCK_TAG_BYTES + KNOCK_NONCE_BYTES,
		NULL, plain, KNOCK_PLAIN_BYTES, wire, KNOCK_TAG_BYTES, NULL, nonce,
		keys->aead_key);
}

static uint64_t plain_timestamp(const uint8_t plain[KNOCK_PLAIN_BYTES])
{
	uint64_t t = 0;
	for (size_t i = 4; i < 12; i++)
		t = (t << 8) | plain[i];
	return t;
}

/* --- the test vectors of docs/protocol.md ------------------------------ */

struct vector {
	const char *name;
	uint8_t master_first, nonce_first; /* master/nonce are first, first+1, ... */
	const char *tag_key, *aead_key;
	uint64_t slot;
	const char *tag, *plaintext, *wire;
	struct knock knock;
};

static const struct vector vectors[] = {
	{
		"open tcp/22 for the packet source", 0x00, 0x40,
		"444a810ee81ae93835a8391f11291d1e",
		"c02ff7b73723d882d1fb4dba06883c16aaad82db9f5ff00909a6bde78df8429b",
		56666666, "5c90d13e4990b9e3",
		"01010000000000006553f10000000000001e0000000000000000000000000000"
		"0000010600160000000000000000000000000000000000000000000000000000",
		"5c90d13e4990b9e3404142434445464748494a4b2d97d5d100cc6f490526e073"
		"d7e0402fd8c21c5ac25e5c7a9429198351108c870221e7da3334696b5c650903"
		"985e71de61ccbea9d6cc530d3152f6b098e505d87f35de9c2051979b372c41b3"
		"45087839",
		{ .action = KNOCK_ACTION_OPEN, .timestamp = 1700000000, .lease = 30,
			.target_is_source = true, .nports = 1, .ports = { { 6, 22 } } },
	},
	{
		"open tcp/22 + udp/53 for 198.51.100.7", 0x20, 0x50,
		"19dabc3832b9d3daf7d39be202f9a6d6",
		"56b59725cff085afa6506dd8f7562fb9f5f51e89e3a88a6bb7cf7d77766812c0",
		56666670, "ba71a507d8f6dd6a",
		"01010004000000006553f17b00000000003cc633640700000000000000000000"
		"0000020600161100350000000000000000000000000000000000000000000000",
		"ba71a507d8f6dd6a505152535455565758595a5b6d809599c912da5d32db30b8"
		"9dbef98aa3f93626e3e5400b7e732d0a8856f8e675fe26d87f26e2a9dff46146"
		"7ae609dcc039f58b59c93c72d77104c5dfc8444e9c044754725e8a022ca8d864"
		"7b3ebb70",
		{ .action = KNOCK_ACTION_OPEN, .timestamp = 1700000123, .lease = 60,
			.target = { AF_INET, { 198, 51, 100, 7 } }, .nports = 2,
			.ports = { { 6, 22 }, { 17, 53 } } },
	},
	{
		"open tcp/443 for 2001:db8::1", 0x40, 0x60,
		"fb0546a08dab423ad80a70ac5e3d10ba",
		"1c92757507a855ffb3d335230b710cc49f9c1e4436d18064a8fd9786c9628aaa",
		57856319, "aadfbb5379ae27d8",
		"01010006000000006774857f00000000007820010db800000000000000000000"
		"00010106" "01bb0000000000000000000000000000000000000000000000000000",
		"aadfbb5379ae27d8606162636465666768696a6bd88fa4aee055f95f904e1f6e"
		"1d36aa98dc8660ed17ac89d7f35c5a0ff5086243654776178c55dc5cc0c9b783"
		"45b6a5504cb70c530357416c4608563f4a316b34b15b15fdb7e5a34f660a1b63"
		"69349d01",
		{ .action = KNOCK_ACTION_OPEN, .timestamp = 1735689599, .lease = 120,
			.target = { AF_INET6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
			.nports = 1, .ports = { { 6, 443 } } },
	},
	{
		"trigger 3 \"reload-nginx\" for the packet source", 0x60, 0x70,
		"cf7bd1a52f598c5115d0453e0efba065",
		"a858f00e6bde15a3f357b2bbf56c576e10d7801a7195243fff24d205bb208dfc",
		58333333, "ec450fff7e88067b",
		"0102000000000000684ee1800000000000010000000000000000000000000000"
		"00000300000000000000000000000072656c6f61642d6e67696e780000000000",
		"ec450fff7e88067b707172737475767778797a7b55c3ed2c0678589b064d185a"
		"a9b8d92d874df83dda7e21dbecdfc209f54be467e43c91f9183d1c3a24775827"
		"849176f728202f32b98367bee81cede7ebf7640cccabd45e58c98cd246795d60"
		"a469bba3",
		{ .action = KNOCK_ACTION_TRIGGER, .timestamp = 1750000000, .lease = 1,
			.target_is_source = true, .trigger_id = 3, .arg = "reload-nginx" },
	},
};
#define NVECTORS (sizeof vectors / sizeof vectors[0])

static void vector_keys(const struct vector *v, struct user_keys *keys)
{
	uint8_t master[KNOCK_MASTER_BYTES];
	fill(master, sizeof master, v->master_first);
	knock_derive_keys(master, keys);
}

static void vector_wire(const struct vector *v, uint8_t wire[KNOCK_WIRE_BYTES])
{
	unhex(v->wire, wire, KNOCK_WIRE_BYTES);
}

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECTORS; i++) {
		const struct vector *v = &vectors[i];
		struct user_keys keys;
		uint8_t want[KNOCK_WIRE_BYTES], got[KNOCK_WIRE_BYTES], buf[64];
		uint8_t nonce[KNOCK_NONCE_BYTES], tag[KNOCK_TAG_BYTES];
		struct knock out;

		print_message("vector %zu: %s\n", i + 1, v->name);
		vector_keys(v, &keys);
		unhex(v->tag_key, buf, KNOCK_TAG_KEY_BYTES);
		assert_memory_equal(keys.tag_key, buf, KNOCK_TAG_KEY_BYTES);
		unhex(v->aead_key, buf, KNOCK_AEAD_KEY_BYTES);
		assert_memory_equal(keys.aead_key, buf, KNOCK_AEAD_KEY_BYTES);

		assert_true(knock_slot(v->knock.timestamp) == v->slot);
		knock_tag(keys.tag_key, v->slot, tag);
		unhex(v->tag, buf, KNOCK_TAG_BYTES);
		assert_memory_equal(tag, buf, KNOCK_TAG_BYTES);

		fill(nonce, sizeof nonce, v->nonce_first);
		vector_wire(v, want);
		assert_int_equal(knock_seal_with_nonce(&keys, &v->knock, nonce, got), 0);
		assert_memory_equal(got, want, KNOCK_WIRE_BYTES);

		/* the plaintext, by decrypting with libsodium directly */
		uint8_t plain[KNOCK_PLAIN_BYTES];
		assert_int_equal(crypto_aead_chacha20poly1305_ietf_decrypt(plain, NULL, NULL,
			want + 20, 80, want, 8, nonce, keys.aead_key), 0);
		unhex(v->plaintext, buf, KNOCK_PLAIN_BYTES);
		assert_memory_equal(plain, buf, KNOCK_PLAIN_BYTES);

		assert_int_equal(knock_open(&keys, want, &out), KNOCK_OK);
		assert_knock_equal(&out, &v->knock);
		assert_memory_equal(out.nonce, nonce, KNOCK_NONCE_BYTES);
	}
}

/* --- slots ------------------------------------------------------------- */

static void test_slot(void **state)
{
	(void)state;
	assert_true(knock_slot(0) == 0);
	assert_true(knock_slot(29) == 0);
	assert_true(knock_slot(30) == 1);
	assert_true(knock_slot(59) == 1);
	assert_true(knock_slot(60) == 2);
	assert_true(knock_slot(1700000000) == 56666666);
	assert_true(knock_slot(UINT64_MAX) == UINT64_MAX / 30);
}

static void test_tag_depends_on_slot_and_key(void **state)
{
	(void)state;
	struct user_keys a, b;
	uint8_t ta[KNOCK_TAG_BYTES], tb[KNOCK_TAG_BYTES];

	vector_keys(&vectors[0], &a);
	vector_keys(&vectors[1], &b);
	knock_tag(a.tag_key, 100, ta);
	knock_tag(a.tag_key, 101, tb);
	assert_memory_not_equal(ta, tb, KNOCK_TAG_BYTES);
	knock_tag(b.tag_key, 100, tb);
	assert_memory_not_equal(ta, tb, KNOCK_TAG_BYTES);
	knock_tag(a.tag_key, 100, tb);
	assert_memory_equal(ta, tb, KNOCK_TAG_BYTES);
}

/* --- round trips ------------------------------------------------------- */

static void test_roundtrip(void **state)
{
	(void)state;
	struct knock k = {
		.action = KNOCK_ACTION_OPEN, .timestamp = 1234567890, .counter = 7,
		.lease = 65535, .target = { AF_INET6, { 0xfd, 0x00, [15] = 0x42 } },
		.nports = 4, .ports = { { 6, 1 }, { 17, 65535 }, { 6, 22 }, { 17, 53 } },
	};

	for (size_t i = 0; i < NVECTORS + 1; i++) {
		const struct knock *in = i < NVECTORS ? &vectors[i].knock : &k;
		struct user_keys keys;
		uint8_t wire[KNOCK_WIRE_BYTES], wire2[KNOCK_WIRE_BYTES];
		struct knock out;

		vector_keys(&vectors[i % NVECTORS], &keys);
		assert_int_equal(knock_seal(&keys, in, wire), 0);
		assert_int_equal(knock_open(&keys, wire, &out), KNOCK_OK);
		assert_knock_equal(&out, in);
		assert_memory_equal(out.nonce, wire + KNOCK_TAG_BYTES, KNOCK_NONCE_BYTES);
		/* fresh nonces: two seals of one knock share only the tag */
		assert_int_equal(knock_seal(&keys, in, wire2), 0);
		assert_memory_equal(wire, wire2, KNOCK_TAG_BYTES);
		assert_memory_not_equal(wire + 8, wire2 + 8, KNOCK_WIRE_BYTES - 8);
	}
}

/* --- refusals ---------------------------------------------------------- */

static void test_every_byte_change_refused(void **state)
{
	(void)state;
	static const uint8_t xors[] = { 0x01, 0x02, 0x10, 0x80, 0x5a, 0xff };

	for (size_t v = 0; v < NVECTORS; v++) {
		struct user_keys keys;
		uint8_t wire[KNOCK_WIRE_BYTES];
		struct knock out;

		vector_keys(&vectors[v], &keys);
		vector_wire(&vectors[v], wire);
		for (size_t i = 0; i < KNOCK_WIRE_BYTES; i++) {
			for (size_t x = 0; x < sizeof xors; x++) {
				wire[i] ^= xors[x];
				memset(&out, 0xaa, sizeof out);
				assert_int_equal(knock_open(&keys, wire, &out), KNOCK_BAD_MAC);
				assert_zeroed(&out);
				wire[i] ^= xors[x];
			}
		}
		assert_int_equal(knock_open(&keys, wire, &out), KNOCK_OK);
	}
}

static void test_wrong_key_refused(void **state)
{
	(void)state;
	struct user_keys keys, other;
	uint8_t wire[KNOCK_WIRE_BYTES];
	struct knock out;

	vector_keys(&vectors[0], &keys);
	vector_keys(&vectors[1], &other);
	vector_wire(&vectors[0], wire);
	memset(&out, 0xaa, sizeof out);
	assert_int_equal(knock_open(&other, wire, &out), KNOCK_BAD_MAC);
	assert_zeroed(&out);

	/* right AEAD key, wrong tag key: authentic, but the tag does not fit */
	memcpy(other.aead_key, keys.aead_key, sizeof other.aead_key);
	assert_int_equal(knock_open(&other, wire, &out), KNOCK_TAG_MISMATCH);
	assert_zeroed(&out);
}

static void test_tag_mismatch_refused(void **state)
{
	(void)state;
	const struct vector *v = &vectors[1];
	struct user_keys keys;
	uint8_t plain[KNOCK_PLAIN_BYTES], nonce[KNOCK_NONCE_BYTES], wire[KNOCK_WIRE_BYTES];
	struct knock out;

	vector_keys(v, &keys);
	unhex(v->plaintext, plain, sizeof plain);
	fill(nonce, sizeof nonce, v->nonce_first);

	raw_seal(&keys, plain, v->slot, nonce, wire); /* control */
	assert_int_equal(knock_open(&keys, wire, &out), KNOCK_OK);

	static const int64_t deltas[] = { -2, -1, 1, 2, 1000 };
	for (size_t i = 0; i < sizeof deltas / sizeof deltas[0]; i++) {
		raw_seal(&keys, plain, v->slot + (uint64_t)deltas[i], nonce, wire);
		memset(&out, 0xaa, sizeof out);
		assert_int_equal(knock_open(&keys, wire, &out), KNOCK_TAG_MISMATCH);
		assert_zeroed(&out);
	}
}

/* A malformed plaintext: up to eight byte changes applied to a vector's. */
struct malformed {
	const char *name;
	size_t vector;
	size_t n;
	struct { uint8_t off, val; } set[8];
};

static const struct malformed malformed[] = {
	{ "version 0", 0, 1, { { 0, 0 } } },
	{ "version 2", 0, 1, { { 0, 2 } } },
	{ "action 0", 0, 1, { { 1, 0 } } },
	{ "action 3", 0, 1, { { 1, 3 } } },
	{ "flags 2 (bit 0, signed, is defined)", 0, 1, { { 2, 2 } } },
	{ "flags 0x80", 0, 1, { { 2, 0x80 } } },
	{ "target kind 1", 0, 1, { { 3, 1 } } },
	{ "target kind 5", 1, 1, { { 3, 5 } } },
	{ "target kind 255", 2, 1, { { 3, 255 } } },
	{ "lease 0", 0, 2, { { 16, 0 }, { 17, 0 } } },
	{ "source with an address byte", 0, 1, { { 18, 10 } } },
	{ "source with the last address byte", 0, 1, { { 33, 1 } } },
	{ "IPv4 with byte 5 set", 1, 1, { { 22, 1 } } },
	{ "IPv4 with byte 16 set", 1, 1, { { 33, 1 } } },
	{ "IPv4 0.0.0.0", 1, 4, { { 18, 0 }, { 19, 0 }, { 20, 0 }, { 21, 0 } } },
	{ "IPv4-mapped IPv6 ::ffff:0.0.0.0", 1, 7, { { 3, 6 }, { 18, 0 }, { 19, 0 },
		{ 20, 0 }, { 21, 0 }, { 28, 0xff }, { 29, 0xff } } },
	{ "IPv6 ::", 2, 5, { { 18, 0 }, { 19, 0 }, { 20, 0 }, { 21, 0 }, { 33, 0 } } },
	{ "IPv6 as kind 4", 2, 1, { { 3, 4 } } },
	{ "0 ports", 0, 1, { { 34, 0 } } },
	{ "5 ports", 0, 1, { { 34, 5 } } },
	{ "255 ports", 0, 1, { { 34, 255 } } },
	{ "2 ports, second empty", 0, 1, { { 34, 2 } } },
	{ "proto 0", 0, 1, { { 35, 0 } } },
	{ "proto icmp", 0, 1, { { 35, 1 } } },
	{ "proto 132 (sctp)", 0, 1, { { 35, 132 } } },
	{ "port 0", 0, 2, { { 36, 0 }, { 37, 0 } } },
	{ "unused port entry proto", 0, 1, { { 38, 6 } } },
	{ "unused port entry port", 0, 1, { { 40, 1 } } },
	{ "last unused port entry", 1, 3, { { 44, 6 }, { 45, 0 }, { 46, 80 } } },
	{ "open with an argument byte", 0, 1, { { 47, 'a' } } },
	{ "open with the last argument byte", 0, 1, { { 62, 'a' } } },
	{ "reserved byte", 0, 1, { { 63, 1 } } },
	{ "reserved byte (trigger)", 3, 1, { { 63, 0xff } } },
	{ "trigger id 0", 3, 1, { { 34, 0 } } },
	{ "trigger with a port", 3, 1, { { 36, 22 } } },
	{ "trigger with a last port byte", 3, 1, { { 46, 1 } } },
	{ "trigger arg with space", 3, 1, { { 50, ' ' } } },
	{ "trigger arg with DEL", 3, 1, { { 47, 0x7f } } },
	{ "trigger arg with newline", 3, 1, { { 52, '\n' } } },
	{ "trigger arg with 0x80", 3, 1, { { 48, 0x80 } } },
	{ "trigger arg byte after the NUL", 3, 1, { { 62, 'x' } } },
	{ "trigger arg starts with NUL then text", 3, 1, { { 47, 0 } } },
	{ "trigger with an IPv4 kind but source address", 3, 1, { { 3, 4 } } },
};

static void test_malformed_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		const struct malformed *m = &malformed[i];
		const struct vector *v = &vectors[m->vector];
		struct user_keys keys;
		uint8_t plain[KNOCK_PLAIN_BYTES], nonce[KNOCK_NONCE_BYTES];
		uint8_t wire[KNOCK_WIRE_BYTES];
		struct knock out;

		vector_keys(v, &keys);
		unhex(v->plaintext, plain, sizeof plain);
		fill(nonce, sizeof nonce, v->nonce_first);
		for (size_t j = 0; j < m->n; j++)
			plain[m->set[j].off] = m->set[j].val;
		raw_seal(&keys, plain, knock_slot(plain_timestamp(plain)), nonce, wire);
		memset(&out, 0xaa, sizeof out);
		enum knock_result r = knock_open(&keys, wire, &out);
		if (r != KNOCK_MALFORMED)
			fail_msg("malformed case \"%s\": got result %d", m->name, (int)r);
		assert_zeroed(&out);
	}
}

/* Authentic plaintexts at the edges of validity are accepted. */
static void test_edge_plaintexts_accepted(void **state)
{
	(void)state;
	struct user_keys keys;
	uint8_t plain[KNOCK_PLAIN_BYTES], nonce[KNOCK_NONCE_BYTES], wire[KNOCK_WIRE_BYTES];
	struct knock out;

	vector_keys(&vectors[3], &keys);
	fill(nonce, sizeof nonce, 0);
	unhex(vectors[3].plaintext, plain, sizeof plain);
	memset(plain + 47, 0, 16); /* empty argument */
	raw_seal(&keys, plain, knock_slot(plain_timestamp(plain)), nonce, wire);
	assert_int_equal(knock_open(&keys, wire, &out), KNOCK_OK);
	assert_string_equal(out.arg, "");

	memset(plain + 47, '~', 16); /* 16 characters, the maximum */
	plain[47] = '!';
	plain[34] = 255; /* trigger id 255 */
	raw_seal(&keys, plain, knock_slot(plain_timestamp(plain)), nonce, wire);
	assert_int_equal(knock_open(&keys, wire, &out), KNOCK_OK);
	assert_string_equal(out.arg, "!~~~~~~~~~~~~~~~");
	assert_int_equal(out.trigger_id, 255);
}

/* knock_valid (and so knock_seal) refuses what knock_open would refuse. */
static void test_seal_refuses_invalid(void **state)
{
	(void)state;
	struct user_keys keys;
	uint8_t wire[KNOCK_WIRE_BYTES];
	const char *why;

	vector_keys(&vectors[0], &keys);
	for (int c = 0; c < 13; c++) {
		struct knock k = vectors[c < 8 ? 1 : 3].knock;
		switch (c) {
		case 0: k.flags = 2; break; /* 1 = signed is valid */
		case 1: k.lease = 0; break;
		case 2: k.action = 9; break;
		case 3: k.nports = 0; break;
		case 4: k.nports = 5; break;
		case 5: k.ports[1].proto = 1; break;
		case 6: k.ports[0].port = 0; break;
		case 7: k.target_is_source = true; break; /* with an address set */
		case 8: k.trigger_id = 0; break;
		case 9: k.arg[2] = ' '; break;
		case 10: memset(k.arg, 'a', sizeof k.arg); break; /* no NUL */
		case 11: k.nports = 1; break;
		case 12: k.target_is_source = false; k.target.family = 99; break;
		}
		why = NULL;
		assert_false(knock_valid(&k, &why));
		assert_non_null(why);
		assert_int_equal(knock_seal(&keys, &k, wire), -1);
	}
	why = "unchanged";
	assert_true(knock_valid(&vectors[3].knock, &why));
	assert_true(knock_valid(&vectors[3].knock, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_slot),
		cmocka_unit_test(test_tag_depends_on_slot_and_key),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_every_byte_change_refused),
		cmocka_unit_test(test_wrong_key_refused),
		cmocka_unit_test(test_tag_mismatch_refused),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_edge_plaintexts_accepted),
		cmocka_unit_test(test_seal_refuses_invalid),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
