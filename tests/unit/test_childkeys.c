/* test_childkeys — what the capture child keeps: after childkeys_forget no
 * user has an AEAD key (current or rotated-out), a token secret or a
 * dynamic-reply key left, the tag keys are intact (the child still finds
 * knocks), and users on the shared default blocks are untouched. And what
 * the child can do with what is left: a knock it seals does not open in
 * the parent, and the token table it reads still finds genuine tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "carrier.h"
#include "childkeys.h"
#include "config.h"
#include "knock.h"
#include "msg.h"
#include "otpauth.h"
#include "scheme.h"
#include "tokenkey.h"
#include "verify.h"

#define SEED20 "12345678901234567890"

static struct config *load(void)
{
	struct config *c;
	struct errbuf err;
	if (config_load_string("[protect]\nports = tcp/22\n"
		"[user alice]\nkey = /k/alice\nopen = tcp/22\n"
		"token = hotp\ntoken_key = /k/alice.token\ntoken_open = tcp/22\n"
		"[user bob]\nkey = /k/bob\nopen = tcp/22\n", "test", 0, &c, &err) != 0)
		fail_msg("config refused: %s", err.msg);
	/* Keys as the daemon's load would derive them (no files here). */
	for (size_t i = 0; i < c->nusers; i++) {
		uint8_t master[KNOCK_MASTER_BYTES];
		memset(master, (int)(0x40 + i), sizeof master);
		knock_derive_keys(master, &c->users[i].keys);
	}
	struct token_conf *t = (struct token_conf *)c->users[0].token;
	memcpy(t->secret, SEED20, 20);
	t->secret_len = 20;
	return c;
}

static void test_forget(void **state)
{
	(void)state;
	struct config *c = load();
	struct user_keys before = c->users[1].keys;
	assert_false(childkeys_forgotten(c));
	childkeys_forget(c);
	assert_true(childkeys_forgotten(c));
	/* The tag keys stay: the child still finds the user of a knock. */
	assert_memory_equal(c->users[1].keys.tag_key, before.tag_key,
		sizeof before.tag_key);
	/* bob is on the shared default token block: still a valid, empty one. */
	assert_int_equal(c->users[1].token->mode, TOKEN_NONE);
	config_free(c);
}

static void test_child_cannot_mint(void **state)
{
	(void)state;
	struct config *parent = load(), *child = load();
	childkeys_forget(child);
	uint64_t now = 1800000000;
	struct knock k = { .action = KNOCK_ACTION_OPEN, .timestamp = now, .lease = 30,
		.target_is_source = true, .nports = 1 };
	k.ports[0] = parent->users[0].open[0];
	uint8_t wire[KNOCK_WIRE_BYTES];
	/* Sealed with what the child holds: the right tag, a MAC of a zero key. */
	assert_int_equal(knock_seal(&child->users[0].keys, &k, wire), 0);
	struct knock out;
	int64_t skew;
	assert_int_equal(verify_knock(&parent->users[0], wire, now, 60, &out, &skew),
		VERDICT_BAD_MAC);
	/* The same knock sealed by alice opens in the parent. */
	assert_int_equal(knock_seal(&parent->users[0].keys, &k, wire), 0);
	assert_int_equal(verify_knock(&parent->users[0], wire, now, 60, &out, &skew),
		VERDICT_ACCEPT);
	config_free(parent);
	config_free(child);
}

static void test_token_table_survives(void **state)
{
	(void)state;
	struct config *c = load();
	const struct scheme_ops *ops = scheme_get(SCHEME_TOKEN);
	struct errbuf err;
	bool failed = false;
	void *mem = ops->load(c, NULL, &failed, &err); /* the parent's, with secrets */
	assert_false(failed);
	ops->parent_tick(mem, c, 1000);
	childkeys_forget(c); /* as the child does after fork */
	struct candidate cand = { .kind = CANDIDATE_TOKEN, .carrier = CARRIER_ICMP };
	cand.u.token.len = TOKEN_BYTES;
	token_binary(OTP_HASH_SHA1, (const uint8_t *)SEED20, 20, TOKEN_HOTP, 1,
		&c->users[0].token->open, cand.u.token.bytes);
	struct scheme_forward fw = { .user = MSG_NO_USER, .evidence = cand };
	assert_int_equal(ops->child_check(mem, c, &cand, 1000, &fw), VERDICT_ACCEPT);
	assert_int_equal(fw.user, 0);
	/* A token the child would make from what it holds is nobody's. */
	token_binary(OTP_HASH_SHA1, c->users[0].token->secret, 20, TOKEN_HOTP, 2,
		&c->users[0].token->open, cand.u.token.bytes);
	assert_int_equal(ops->child_check(mem, c, &cand, 1000, &fw), VERDICT_IGNORE);
	ops->unload(mem);
	config_free(c);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_child_cannot_mint),
		cmocka_unit_test(test_token_table_survives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
