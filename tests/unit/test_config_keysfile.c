/* test_config_keysfile — [daemon] keys_file: one "NAME BASE64SECRET" line
 * per user, read with CONFIG_LOAD_KEYS, refused whole with FILE:LINE. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "knock.h"
#include "testkeys.h"

struct kf {
	char dir[64];
	char keys[128]; /* the keys file */
	char alice[128]; /* alice's own key file (carol uses the keys file) */
	char config[1024];
	uint8_t secret[3][KNOCK_MASTER_BYTES]; /* alice, bob, carol */
	char b64[3][64];
};

static int setup(void **state)
{
	struct kf *k = calloc(1, sizeof *k);
	if (!k)
		return -1;
	snprintf(k->dir, sizeof k->dir, "/tmp/test_keysfile_XXXXXX");
	if (!mkdtemp(k->dir))
		return -1;
	snprintf(k->keys, sizeof k->keys, "%s/users.keys", k->dir);
	snprintf(k->alice, sizeof k->alice, "%s/alice.key", k->dir);
	for (int i = 0; i < 3; i++) {
		randombytes_buf(k->secret[i], KNOCK_MASTER_BYTES);
		sodium_bin2base64(k->b64[i], sizeof k->b64[i], k->secret[i],
			KNOCK_MASTER_BYTES, sodium_base64_VARIANT_ORIGINAL);
	}
	FILE *f = fopen(k->alice, "w");
	if (!f)
		return -1;
	fprintf(f, "postern-key 1\nuser alice\nsecret %s\n", k->b64[0]);
	fclose(f);
	if (chmod(k->alice, 0600) != 0)
		return -1;
	/* Lines: 1 [daemon], 2 keys_file, 3 [protect], 4 ports, 5 [user alice],
	 * 6 key, 7 [user bob], 8 open, 9 [user carol]. */
	snprintf(k->config, sizeof k->config,
		"[daemon]\nkeys_file = %s\n[protect]\nports = tcp/22\n"
		"[user alice]\nkey = %s\n[user bob]\nopen = tcp/22\n[user carol]\n",
		k->keys, k->alice);
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct kf *k = *state;
	unlink(k->keys);
	unlink(k->alice);
	rmdir(k->dir);
	free(k);
	return 0;
}

/* Writes the keys file with text, mode 0600 unless mode says otherwise. */
static void keys(const struct kf *k, mode_t mode, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void keys(const struct kf *k, mode_t mode, const char *fmt, ...)
{
	va_list ap;
	unlink(k->keys);
	FILE *f = fopen(k->keys, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	assert_int_equal(chmod(k->keys, mode), 0);
}

static void refused(const struct kf *k, const char *want1, const char *want2)
{
	struct config *c = (struct config *)1;
	struct errbuf err = { { 0 } };
	assert_int_equal(config_load_string(k->config, "cfg", CONFIG_LOAD_KEYS, &c,
		&err), -1);
	assert_null(c);
	if (!strstr(err.msg, want1) || !strstr(err.msg, want2))
		fail_msg("wanted \"%s\" ... \"%s\", got \"%s\"", want1, want2, err.msg);
}

static void good_file(void **state)
{
	struct kf *k = *state;
	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	struct user_keys want;

	keys(k, 0600, "# postern keys\n\ncarol %s\n  bob\t%s  \n", k->b64[2], k->b64[1]);
	if (config_load_string(k->config, "cfg", CONFIG_LOAD_KEYS, &c, &err) != 0)
		fail_msg("refused: %s", err.msg);
	assert_int_equal(c->nusers, 3);
	for (int i = 0; i < 3; i++) {
		knock_derive_keys(k->secret[i], &want);
		assert_memory_equal(derived(c, &c->users[i]), &want, sizeof want);
	}
	/* alice's key is her key file's; bob and carol have no key line. */
	assert_int_equal(c->users[0].prof->key_line, 6);
	assert_int_equal(c->users[1].prof->key_line, 0);
	assert_int_equal(c->users[2].prof->key_line, 0);
	assert_false(c->users[1].prof->from_template);

	/* The print names the file and gives no key line to its users, and
	 * reads back the same. */
	char buf[8192];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	config_print(c, f);
	fclose(f);
	char line[256];
	snprintf(line, sizeof line, "keys_file = %s\n", k->keys);
	assert_non_null(strstr(buf, line));
	assert_non_null(strstr(buf, "[user bob]\nopen = tcp/22\n"));
	struct config *again = NULL;
	if (config_load_string(buf, "printed", CONFIG_LOAD_KEYS, &again, &err) != 0)
		fail_msg("printed config refused: %s", err.msg);
	assert_memory_equal(derived(again, &again->users[1]),
		derived(c, &c->users[1]), sizeof want);
	config_free(again);
	config_free(c);

	/* Without CONFIG_LOAD_KEYS the file is not read. */
	unlink(k->keys);
	assert_int_equal(config_load_string(k->config, "cfg", 0, &c, &err), 0);
	config_free(c);
}

static void bad_permissions(void **state)
{
	struct kf *k = *state;
	keys(k, 0640, "bob %s\ncarol %s\n", k->b64[1], k->b64[2]);
	refused(k, "cfg:2: keys_file: ", "mode 0640");
	unlink(k->keys);
	refused(k, "cfg:2: keys_file: ", "cannot open");
}

static void bad_lines(void **state)
{
	struct kf *k = *state;
	char where[160];
	snprintf(where, sizeof where, "%s:2: ", k->keys);

	keys(k, 0600, "bob %s\ncarol\n", k->b64[1]);
	refused(k, where, "expected 'NAME BASE64SECRET'");
	keys(k, 0600, "bob %s\ncarol %s extra\n", k->b64[1], k->b64[2]);
	refused(k, where, "nothing else");
	keys(k, 0600, "bob %s\ncarol not*base64\n", k->b64[1]);
	refused(k, where, "user carol: the secret is not base64 of 32 bytes");
	keys(k, 0600, "bob %s\ncarol c2hvcnQ=\n", k->b64[1]); /* "short" */
	refused(k, where, "not base64 of 32 bytes");
	keys(k, 0600, "bob %s\n-carol %s\n", k->b64[1], k->b64[2]);
	refused(k, where, "bad user name '-carol'");
}

static void duplicate_user(void **state)
{
	struct kf *k = *state;
	char where[160];
	snprintf(where, sizeof where, "%s:3: ", k->keys);
	keys(k, 0600, "bob %s\ncarol %s\nbob %s\n", k->b64[1], k->b64[2], k->b64[1]);
	refused(k, where, "user bob is already at line 1");
	/* alice has key = already. */
	keys(k, 0600, "bob %s\ncarol %s\nalice %s\n", k->b64[1], k->b64[2], k->b64[0]);
	refused(k, where, "user alice also has key = ");
	/* One secret for two users. */
	snprintf(where, sizeof where, "%s:2: ", k->keys);
	keys(k, 0600, "bob %s\ncarol %s\n", k->b64[1], k->b64[1]);
	refused(k, where, "user carol has the same secret as user bob (line 1 of keys_file)");
}

static void unknown_or_missing_user(void **state)
{
	struct kf *k = *state;
	char where[160];
	snprintf(where, sizeof where, "%s:2: ", k->keys);
	keys(k, 0600, "bob %s\ndave %s\ncarol %s\n", k->b64[1], k->b64[0], k->b64[2]);
	refused(k, where, "user dave is not defined in cfg");
	/* carol has neither a key line nor a line in the file. */
	keys(k, 0600, "bob %s\n", k->b64[1]);
	refused(k, "cfg:9: ", "user carol has no key: not in keys_file");
}

static void needs_keys_file_or_key(void **state)
{
	(void)state;
	struct config *c = (struct config *)1;
	struct errbuf err = { { 0 } };
	/* Without keys_file a user still needs key =. */
	assert_int_equal(config_load_string("[protect]\nports = tcp/22\n[user bob]\n",
		"cfg", 0, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cfg:3: user bob has no key"));
	assert_int_equal(config_load_string("[daemon]\nkeys_file = rel/x\n",
		"cfg", 0, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cfg:2: keys_file: 'rel/x' is not an absolute"));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(good_file, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicate_user, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_or_missing_user, setup, teardown),
		cmocka_unit_test(needs_keys_file_or_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
