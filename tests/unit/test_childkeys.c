/* test_childkeys — what the capture child keeps: after childkeys_forget no
 * user has a secret, an AEAD key (current or rotated-out), a token secret
 * or a dynamic-reply key left: the secrets' mapping is gone (reading it in
 * a forked child faults) while the parent's stays; the tag keys are intact
 * (the child still finds knocks), and users on the shared default blocks
 * are untouched. And what the child can do with what is left: a knock it
 * seals does not open in the parent, verify refuses everything in the
 * child, and the token table it reads still finds genuine tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

#include "testkeys.h"

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
		assert_int_equal(config_user_set_secret(c, i, master), 0);
	}
	struct token_conf *t = (struct token_conf *)c->users[0].prof->token;
	memcpy(t->secret, SEED20, 20);
	t->secret_len = 20;
	return c;
}


static void test_forget(void **state)
{
	(void)state;
	struct config *c = load();
	struct user_keys before = *derived(c, &c->users[1]), none;
	assert_false(childkeys_forgotten(c));
	childkeys_forget(c);
	assert_true(childkeys_forgotten(c));
	assert_false(config_user_keys(c, &c->users[1], &none));
	assert_true(sodium_is_zero((const uint8_t *)&none, sizeof none));
	/* The tag keys stay: the child still finds the user of a knock. */
	assert_memory_equal(config_user_tag_key(c, &c->users[1]), before.tag_key,
		sizeof before.tag_key);
	sodium_memzero(&before, sizeof before);
	/* bob is on the shared default token block: still a valid, empty one. */
	assert_int_equal(c->users[1].prof->token->mode, TOKEN_NONE);
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
	k.ports[0] = parent->users[0].prof->open[0];
	uint8_t wire[KNOCK_WIRE_BYTES];
	/* Sealed with what the child holds: the right tag, a MAC of a guessed
	 * (zero) key. */
	struct user_keys guess = { { 0 }, { 0 } };
	memcpy(guess.tag_key, config_user_tag_key(child, &child->users[0]),
		sizeof guess.tag_key);
	assert_int_equal(knock_seal(&guess, &k, wire), 0);
	struct knock out;
	int64_t skew;
	assert_int_equal(verify_knock(parent, &parent->users[0], wire, now, 60, &out,
		&skew), VERDICT_BAD_MAC);
	/* The same knock sealed by alice opens in the parent, not in the child,
	 * which has no secret to derive the AEAD key from. */
	struct user_keys alice = *derived(parent, &parent->users[0]);
	assert_int_equal(knock_seal(&alice, &k, wire), 0);
	knock_wipe_keys(&alice);
	assert_int_equal(verify_knock(parent, &parent->users[0], wire, now, 60, &out,
		&skew), VERDICT_ACCEPT);
	assert_int_equal(verify_knock(child, &child->users[0], wire, now, 60, &out,
		&skew), VERDICT_BAD_MAC);
	config_free(parent);
	config_free(child);
}

/* 1 000 users (room for 4 000, as keys_file reserves), forked as posternd
 * does: in the child, the address it had for the users' secrets is no
 * longer mapped (the kernel refuses to read it: EFAULT, rather than a
 * SIGSEGV that sanitizers would catch), no secret or AEAD key is in what
 * it keeps, and its tag keys are intact; the parent's secrets are
 * untouched. Then the parent's side: it drops its view of the tag keys
 * once the child has them, and derives the same ones again for the next
 * child. */
static void test_forked_child_keeps_tag_keys_only(void **state)
{
	(void)state;
	enum { N = 1000 };
	struct config c = { 0 };
	struct config_profile shared;
	c.users = calloc(N, sizeof *c.users);
	assert_non_null(c.users);
	c.nusers = N;
	assert_int_equal(config_keys_reserve(&c, 4 * N), 0);
	uint8_t (*tags)[KNOCK_TAG_KEY_BYTES] = calloc(N, sizeof *tags);
	assert_non_null(tags);
	for (size_t i = 0; i < N; i++) {
		config_user_init(&c.users[i], &shared);
		uint8_t master[KNOCK_MASTER_BYTES];
		memset(master, 0x5a, sizeof master);
		memcpy(master, &i, sizeof i);
		assert_int_equal(config_user_set_secret(&c, i, master), 0);
		memcpy(tags[i], config_user_tag_key(&c, &c.users[i]), sizeof tags[i]);
	}
	struct user_keys want = *derived(&c, &c.users[N - 1]);
	const uint8_t *last_secret = c.keys.secret[N - 1];
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	/* The same probe in the parent reads the secret (and so proves it works). */
	assert_int_equal(write(fds[1], last_secret, 1), 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct user_keys none;
		childkeys_forget(&c);
		if (c.keys.secret || config_user_keys(&c, &c.users[0], &none))
			_exit(2);
		const uint8_t *kept = (const uint8_t *)c.keys.tag;
		if (!kept || memmem(kept, c.keys.tag_bytes, want.aead_key,
			sizeof want.aead_key))
			_exit(3);
		for (size_t i = 0; i < N; i++)
			if (memcmp(config_user_tag_key(&c, &c.users[i]), tags[i],
				sizeof tags[i]) != 0)
				_exit(5);
		if (write(fds[1], last_secret, 1) != -1 || errno != EFAULT)
			_exit(6);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fds[0]);
	close(fds[1]);
	struct user_keys again = *derived(&c, &c.users[N - 1]);
	assert_memory_equal(&again, &want, sizeof want);
	knock_wipe_keys(&again);
	/* The parent's side of a fork. */
	config_keys_drop_tags(&c);
	assert_null(config_user_tag_key(&c, &c.users[0]));
	assert_non_null(c.keys.secret); /* it still checks knocks */
	assert_int_equal(config_keys_restore_tags(&c), 0);
	for (size_t i = 0; i < N; i++)
		assert_memory_equal(config_user_tag_key(&c, &c.users[i]), tags[i],
			sizeof tags[i]);
	knock_wipe_keys(&want);
	config_keys_free(&c);
	assert_null(c.keys.secret);
	assert_null(c.keys.tag);
	free(tags);
	free(c.users);
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
		&c->users[0].prof->token->open, cand.u.token.bytes);
	struct scheme_forward fw = { .user = MSG_NO_USER, .evidence = cand };
	assert_int_equal(ops->child_check(mem, c, &cand, 1000, &fw), VERDICT_ACCEPT);
	assert_int_equal(fw.user, 0);
	/* A token the child would make from what it holds is nobody's. */
	token_binary(OTP_HASH_SHA1, c->users[0].prof->token->secret, 20, TOKEN_HOTP, 2,
		&c->users[0].prof->token->open, cand.u.token.bytes);
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
		cmocka_unit_test(test_forked_child_keeps_tag_keys_only),
		cmocka_unit_test(test_token_table_survives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
