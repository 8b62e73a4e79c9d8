/* test_hotp — HOTP and TOTP against the appendix vectors of RFC 4226 and
 * RFC 6238 (SHA-1, SHA-256, SHA-512); the binary token and its port form;
 * the token scheme: table lookup, look-ahead resync, replay of a used
 * counter or TOTP slot refused, a token bound to another action refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "carrier.h"
#include "config.h"
#include "msg.h"
#include "otpauth.h"
#include "scheme.h"
#include "tokentable.h"

#define SEED20 "12345678901234567890"
#define SEED32 SEED20 "123456789012"
#define SEED64 SEED20 SEED20 SEED20 "1234"

static void test_rfc4226(void **state)
{
	(void)state;
	static const uint32_t want[10] = { 755224, 287082, 359152, 969429, 338314,
		254676, 287922, 162583, 399871, 520489 };
	for (uint64_t c = 0; c < 10; c++)
		assert_int_equal(otp_hotp(OTP_HASH_SHA1, (const uint8_t *)SEED20, 20, c, 6),
			want[c]);
	/* Appendix D's truncated values, whole (10 digits: the 31-bit number). */
	assert_int_equal(otp_hotp(OTP_HASH_SHA1, (const uint8_t *)SEED20, 20, 0, 10),
		1284755224u);
	assert_int_equal(otp_hotp(OTP_HASH_SHA1, (const uint8_t *)SEED20, 20, 9, 10),
		645520489u);
	char code[OTP_CODE_STRLEN];
	otp_code_format(otp_hotp(OTP_HASH_SHA1, (const uint8_t *)SEED20, 20, 2, 10),
		10, code);
	assert_string_equal(code, "0137359152");
}

static void test_rfc6238(void **state)
{
	(void)state;
	static const struct {
		uint64_t t;
		const char *sha1, *sha256, *sha512;
	} v[] = {
		{ 59, "94287082", "46119246", "90693936" },
		{ 1111111109, "07081804", "68084774", "25091201" },
		{ 1111111111, "14050471", "67062674", "99943326" },
		{ 1234567890, "89005924", "91819424", "93441116" },
		{ 2000000000, "69279037", "90698825", "38618901" },
		{ 20000000000ull, "65353130", "77737706", "47863826" },
	};
	char code[OTP_CODE_STRLEN];
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		uint64_t slot = otp_totp_slot(v[i].t, 0, 30);
		otp_code_format(otp_hotp(OTP_HASH_SHA1, (const uint8_t *)SEED20, 20,
			slot, 8), 8, code);
		assert_string_equal(code, v[i].sha1);
		otp_code_format(otp_hotp(OTP_HASH_SHA256, (const uint8_t *)SEED32, 32,
			slot, 8), 8, code);
		assert_string_equal(code, v[i].sha256);
		otp_code_format(otp_hotp(OTP_HASH_SHA512, (const uint8_t *)SEED64, 64,
			slot, 8), 8, code);
		assert_string_equal(code, v[i].sha512);
	}
	assert_int_equal(otp_totp_slot(59, 0, 30), 1);
	assert_int_equal(otp_totp_slot(10, 20, 30), 0);
	assert_true(otp_code_syntax("000123"));
	assert_false(otp_code_syntax("12345"));
	assert_false(otp_code_syntax("12345678901"));
	assert_false(otp_code_syntax("12345a"));
}

/* The token derivation as documented (docs/modes.md), recomputed here from
 * the definition with libsodium's HMAC-SHA256 and compared. */
static void test_token_definition(void **state)
{
	(void)state;
	struct portspec act = { .proto = IPPROTO_TCP, .port = 22 };
	uint8_t got[TOKEN_BYTES], mac[crypto_auth_hmacsha256_BYTES];
	uint8_t msg[] = { 'p', 'o', 's', 't', 'e', 'r', 'n', '-', 't', 'o', 'k', 'e',
		'n', 0, 'H', 0, 0, 0, 0, 0, 0, 0, 7, 't', 'c', 'p', '/', '2', '2' };
	token_binary(OTP_HASH_SHA256, (const uint8_t *)SEED32, 32, TOKEN_HOTP, 7,
		&act, got);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const uint8_t *)SEED32, 32);
	crypto_auth_hmacsha256_update(&st, msg, sizeof msg);
	crypto_auth_hmacsha256_final(&st, mac);
	assert_memory_equal(got, mac, TOKEN_BYTES);

	/* Bound to the action and the mode. */
	uint8_t other[TOKEN_BYTES];
	struct portspec act2 = { .proto = IPPROTO_TCP, .port = 443 };
	token_binary(OTP_HASH_SHA256, (const uint8_t *)SEED32, 32, TOKEN_HOTP, 7,
		&act2, other);
	assert_memory_not_equal(got, other, TOKEN_BYTES);
	token_binary(OTP_HASH_SHA256, (const uint8_t *)SEED32, 32, TOKEN_TOTP, 7,
		&act, other);
	assert_memory_not_equal(got, other, TOKEN_BYTES);
}

static void test_token_ports(void **state)
{
	(void)state;
	uint8_t tok[TOKEN_BYTES] = { 0x00, 0x05, 0x00, 0x05, 0x00, 0x15, 0xff, 0xff };
	uint16_t p[TOKEN_PORTS];
	/* span 16: 5, 5 (clash: 6), 21 % 16 = 5 (clash: 6, 7), 65535 % 16 = 15 */
	assert_true(token_ports(tok, 40000, 40015, p));
	assert_int_equal(p[0], 40005);
	assert_int_equal(p[1], 40006);
	assert_int_equal(p[2], 40007);
	assert_int_equal(p[3], 40015);
	assert_false(token_ports(tok, 40000, 40014, p)); /* span too small */
	assert_false(token_ports(tok, 0, 100, p));
	uint8_t packed[TOKEN_BYTES];
	token_ports_pack(p, packed);
	assert_int_equal(packed[0], 40005 >> 8);
	assert_int_equal(packed[1], 40005 & 0xff);
	/* Every port in range and distinct, for many tokens. */
	for (int i = 0; i < 1000; i++) {
		randombytes_buf(tok, sizeof tok);
		assert_true(token_ports(tok, 1000, 1019, p));
		for (int a = 0; a < TOKEN_PORTS; a++) {
			assert_true(p[a] >= 1000 && p[a] <= 1019);
			for (int b = 0; b < a; b++)
				assert_int_not_equal(p[a], p[b]);
		}
	}
}

static void test_table(void **state)
{
	(void)state;
	struct tokentable *t = tokentable_new(1000);
	assert_non_null(t);
	struct tokentable_hit hit = { .user = 3, .counter = 42 }, got;
	for (uint32_t u = 0; u < 300; u++) {
		hit.user = u;
		assert_int_equal(tokentable_add(t, TT_CODE, tokentable_code_key(u, 123456),
			&hit), 0);
	}
	assert_true(tokentable_find(t, TT_CODE, tokentable_code_key(217, 123456), &got));
	assert_int_equal(got.user, 217);
	assert_int_equal(got.counter, 42);
	assert_false(tokentable_find(t, TT_CODE, tokentable_code_key(300, 123456), &got));
	assert_false(tokentable_find(t, TT_TOKEN, tokentable_code_key(5, 123456), &got));
	assert_int_equal(tokentable_entries(t), 300);
	tokentable_free(t);
	tokentable_free(NULL);
}

/* ---- the scheme ---- */

struct fixture {
	struct config *c;
	const struct scheme_ops *ops;
	void *parent_mem, *child_mem;
};

static struct fixture setup(const char *mode)
{
	char text[512];
	snprintf(text, sizeof text, "[protect]\nports = tcp/22, tcp/443\n"
		"[user bob]\nkey = /k/bob\nopen = tcp/22\n"
		"[user alice]\nkey = /k/alice\nopen = tcp/22, tcp/443\n"
		"token = %s\ntoken_key = /k/alice.token\ntoken_open = tcp/22\n"
		"token_ports = 40000-40999\n", mode);
	struct fixture f = { 0 };
	struct errbuf err;
	if (config_load_string(text, "test", 0, &f.c, &err) != 0)
		fail_msg("config refused: %s", err.msg);
	/* The test sets the secret itself (no token_key file): user1 sets
	 * token keys, so this block is the user's own, not the shared default. */
	struct token_conf *t = (struct token_conf *)f.c->users[1].prof->token;
	memcpy(t->secret, SEED20, 20);
	t->secret_len = 20;
	assert_int_equal(t->digits, 6);
	assert_int_equal(t->lookahead, 10);
	f.ops = scheme_get(SCHEME_TOKEN);
	assert_non_null(f.ops);
	bool failed = false;
	f.parent_mem = f.ops->load(f.c, NULL, &failed, &err);
	assert_false(failed);
	/* The child is forked from the parent: same image, and the tables the
	 * parent publishes are shared with it. */
	f.child_mem = f.parent_mem;
	return f;
}

static void teardown(struct fixture *f)
{
	f->ops->unload(f->parent_mem);
	config_free(f->c);
}

static struct candidate code_cand(uint64_t counter, const char *user)
{
	struct candidate c = { .kind = CANDIDATE_TEXT, .carrier = CARRIER_UDP };
	snprintf(c.user_hint, sizeof c.user_hint, "%s", user);
	otp_code_format(otp_hotp(OTP_HASH_SHA1, (const uint8_t *)SEED20, 20, counter,
		6), 6, c.u.text);
	return c;
}

/* One knock through both processes, committing like grant.c does. */
static enum verdict knock(struct fixture *f, const struct candidate *cand,
	uint64_t now)
{
	struct scheme_forward fw = { .user = MSG_NO_USER, .evidence = *cand };
	f->ops->parent_tick(f->parent_mem, f->c, now); /* as the parent's loop */
	enum verdict v = f->ops->child_check(f->child_mem, f->c, cand, now, &fw);
	if (v != VERDICT_ACCEPT)
		return v;
	struct request r = { 0 };
	int64_t skew = 0;
	v = f->ops->parent_verify(f->parent_mem, f->c, fw.user, &fw.evidence, now,
		&r, &skew);
	if (v != VERDICT_ACCEPT)
		return v;
	assert_int_equal(fw.user, 1);
	assert_int_equal(r.nports, 1);
	assert_int_equal(r.ports[0].port, 22);
	assert_true(r.target_is_source);
	f->ops->apply_position(f->parent_mem, f->c, fw.user, r.position_key,
		r.position, NULL, 0);
	return VERDICT_ACCEPT;
}

static void test_hotp_codes(void **state)
{
	(void)state;
	struct fixture f = setup("hotp");
	struct candidate c0 = code_cand(0, "alice");
	assert_int_equal(knock(&f, &c0, 1000), VERDICT_ACCEPT);
	assert_int_equal(knock(&f, &c0, 1000), VERDICT_REPLAY);
	/* Look-ahead: skip counters 1..3, counter 4 resyncs. */
	struct candidate c4 = code_cand(4, "alice");
	assert_int_equal(knock(&f, &c4, 1000), VERDICT_ACCEPT);
	for (uint64_t n = 1; n <= 4; n++) {
		struct candidate old = code_cand(n, "alice");
		assert_int_equal(knock(&f, &old, 1000), VERDICT_REPLAY);
	}
	/* Beyond the look-ahead (next 5, window 5..14): unknown. */
	struct candidate far = code_cand(15, "alice");
	assert_int_equal(knock(&f, &far, 1000), VERDICT_BAD_MAC);
	struct candidate c14 = code_cand(14, "alice");
	assert_int_equal(knock(&f, &c14, 1000), VERDICT_ACCEPT);
	/* A code for a user without tokens, or not a code: not ours. */
	struct candidate bob = code_cand(15, "bob");
	assert_int_equal(knock(&f, &bob, 1000), VERDICT_IGNORE);
	struct candidate words = { .kind = CANDIDATE_TEXT };
	snprintf(words.u.text, sizeof words.u.text, "ROME MUG FRED SCAN LIVE LACE");
	snprintf(words.user_hint, sizeof words.user_hint, "alice");
	assert_int_equal(knock(&f, &words, 1000), VERDICT_IGNORE);
	teardown(&f);
}

static void test_throttle(void **state)
{
	(void)state;
	struct fixture f = setup("hotp");
	struct candidate bad = { .kind = CANDIDATE_TEXT, .carrier = CARRIER_UDP };
	snprintf(bad.user_hint, sizeof bad.user_hint, "alice");
	for (int i = 0; i < 10; i++) {
		snprintf(bad.u.text, sizeof bad.u.text, "%06d", 999990 + i);
		if (strcmp(bad.u.text, code_cand(0, "alice").u.text) == 0)
			continue;
		assert_int_equal(knock(&f, &bad, 6000), VERDICT_BAD_MAC);
	}
	struct candidate good = code_cand(0, "alice");
	assert_int_equal(knock(&f, &good, 6001), VERDICT_BAD_MAC); /* throttled */
	assert_int_equal(knock(&f, &good, 6060), VERDICT_ACCEPT); /* next minute */
	teardown(&f);
}

static struct candidate token_cand(enum token_mode mode, uint64_t n,
	uint16_t port)
{
	struct candidate c = { .kind = CANDIDATE_TOKEN, .carrier = CARRIER_ICMP };
	struct portspec act = { .proto = IPPROTO_TCP, .port = port };
	c.u.token.len = TOKEN_BYTES;
	token_binary(OTP_HASH_SHA1, (const uint8_t *)SEED20, 20, mode, n, &act,
		c.u.token.bytes);
	return c;
}

static void test_hotp_tokens(void **state)
{
	(void)state;
	struct fixture f = setup("hotp");
	struct candidate t2 = token_cand(TOKEN_HOTP, 2, 22);
	assert_int_equal(knock(&f, &t2, 1000), VERDICT_ACCEPT);
	assert_int_equal(knock(&f, &t2, 1000), VERDICT_REPLAY);
	/* Bound to its action: a token made for tcp/443 is nobody's. */
	struct candidate wrong = token_cand(TOKEN_HOTP, 3, 443);
	assert_int_equal(knock(&f, &wrong, 1000), VERDICT_IGNORE);
	/* The numeric code of a used counter is used too. */
	struct candidate c2 = code_cand(2, "alice");
	assert_int_equal(knock(&f, &c2, 1000), VERDICT_REPLAY);
	/* Port-sequence form of counter 3, as the sequence tracker hands it. */
	struct candidate t3 = token_cand(TOKEN_HOTP, 3, 22);
	uint16_t ports[TOKEN_PORTS];
	assert_true(token_ports(t3.u.token.bytes, 40000, 40999, ports));
	struct candidate seq = { .kind = CANDIDATE_TOKEN, .carrier = CARRIER_PORT };
	seq.u.token.len = TOKEN_BYTES;
	token_ports_pack(ports, seq.u.token.bytes);
	assert_int_equal(knock(&f, &seq, 1000), VERDICT_ACCEPT);
	assert_int_equal(knock(&f, &t3, 1000), VERDICT_REPLAY);
	/* Garbage: one probe, not ours. */
	struct candidate junk = { .kind = CANDIDATE_TOKEN, .carrier = CARRIER_ICMP };
	junk.u.token.len = TOKEN_BYTES;
	memset(junk.u.token.bytes, 0xab, TOKEN_BYTES);
	assert_int_equal(knock(&f, &junk, 1000), VERDICT_IGNORE);
	teardown(&f);
}

static void test_totp(void **state)
{
	(void)state;
	struct fixture f = setup("totp");
	uint64_t now = 1700000015; /* slot 56666667 */
	uint64_t s = now / 30;
	struct candidate cur = code_cand(s, "alice");
	assert_int_equal(knock(&f, &cur, now), VERDICT_ACCEPT);
	/* Same slot again (the code or the token): replay. */
	assert_int_equal(knock(&f, &cur, now + 1), VERDICT_REPLAY);
	struct candidate tok = token_cand(TOKEN_TOTP, s, 22);
	assert_int_equal(knock(&f, &tok, now + 2), VERDICT_REPLAY);
	/* An older slot inside the +/-1 window: replay as well. */
	struct candidate prev = code_cand(s - 1, "alice");
	assert_int_equal(knock(&f, &prev, now), VERDICT_REPLAY);
	/* The next slot's token, 30 s later. */
	struct candidate next = token_cand(TOKEN_TOTP, s + 1, 22);
	assert_int_equal(knock(&f, &next, now + 30), VERDICT_ACCEPT);
	/* Two slots ahead of the clock: out of the window. */
	struct candidate ahead = token_cand(TOKEN_TOTP, s + 4, 22);
	assert_int_equal(knock(&f, &ahead, now + 30), VERDICT_IGNORE);
	teardown(&f);
}

static void test_config_errors(void **state)
{
	(void)state;
	static const char *bad[] = {
		"token = hotp\ntoken_open = tcp/22\n", /* no key */
		"token = hotp\ntoken_key = /k/t\n", /* no open */
		"token = totp\ntoken_key = /k/t\ntoken_open = tcp/443\n", /* not open */
		"token_key = /k/t\n", /* no token = */
		"token = sotp\n",
		"token_digits = 5\n",
		"token_digits = 11\n",
		"token_ports = 40000-40010\n",
		"token_hash = md5\n",
		"token_lookahead = 0\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[256];
		struct config *c = NULL;
		struct errbuf err;
		snprintf(text, sizeof text, "[protect]\nports = tcp/22, tcp/443\n"
			"[user a]\nkey = /k/a\nopen = tcp/22\n%s", bad[i]);
		assert_int_equal(config_load_string(text, "t", 0, &c, &err), -1);
		assert_null(c);
	}
	/* Round trip through config_print. */
	struct config *c = NULL;
	struct errbuf err;
	assert_int_equal(config_load_string("[protect]\nports = tcp/22\n[user a]\n"
		"key = /k/a\nopen = tcp/22\ntoken = totp\ntoken_key = /k/t\n"
		"token_open = tcp/22\ntoken_hash = sha256\ntoken_digits = 8\n"
		"token_step = 1m\n", "t", 0, &c, &err), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	config_print(c, mf);
	fclose(mf);
	assert_non_null(strstr(buf, "token = totp\ntoken_key = /k/t\n"
		"token_open = tcp/22\ntoken_hash = sha256\ntoken_digits = 8\n"
		"token_step = 60\ntoken_lookahead = 10\n"));
	free(buf);
	config_free(c);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4226),
		cmocka_unit_test(test_rfc6238),
		cmocka_unit_test(test_token_definition),
		cmocka_unit_test(test_token_ports),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_hotp_codes),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_hotp_tokens),
		cmocka_unit_test(test_totp),
		cmocka_unit_test(test_config_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
