/* test_config_template — [user *]: every keys_file user without a [user
 * NAME] section of their own takes the template's settings, shares its
 * blocks, and has keys of their own; secrets and identities are refused in
 * the template with FILE:LINE and the reason. */
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
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "expiry.h"
#include "knock.h"
#include "testkeys.h"

#define NSECRETS 4

struct tf {
	char dir[64];
	char keys[128]; /* the keys file */
	uint8_t secret[NSECRETS][KNOCK_MASTER_BYTES];
	char b64[NSECRETS][64];
};

static int setup(void **state)
{
	struct tf *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	snprintf(t->dir, sizeof t->dir, "/tmp/test_template_XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->keys, sizeof t->keys, "%s/users.keys", t->dir);
	for (int i = 0; i < NSECRETS; i++) {
		randombytes_buf(t->secret[i], KNOCK_MASTER_BYTES);
		sodium_bin2base64(t->b64[i], sizeof t->b64[i], t->secret[i],
			KNOCK_MASTER_BYTES, sodium_base64_VARIANT_ORIGINAL);
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tf *t = *state;
	unlink(t->keys);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* Writes the keys file (mode 0600). */
static void keys(const struct tf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void keys(const struct tf *t, const char *fmt, ...)
{
	va_list ap;
	unlink(t->keys);
	FILE *f = fopen(t->keys, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	assert_int_equal(chmod(t->keys, 0600), 0);
}

/* "[daemon] keys_file" (lines 1-2), "[protect]" (3-4), then rest (line 5 on). */
static void config_text(const struct tf *t, char *out, size_t n, const char *rest)
{
	snprintf(out, n, "[daemon]\nkeys_file = %s\n[protect]\nports = tcp/22, tcp/443\n%s",
		t->keys, rest);
}

static void refused(const char *text, unsigned flags, const char *want1,
	const char *want2)
{
	struct config *c = (struct config *)1;
	struct errbuf err = { { 0 } };
	assert_int_equal(config_load_string(text, "cfg", flags, &c, &err), -1);
	assert_null(c);
	if (!strstr(err.msg, want1) || !strstr(err.msg, want2))
		fail_msg("wanted \"%s\" ... \"%s\", got \"%s\"", want1, want2, err.msg);
}

static struct config *loaded(const char *text, unsigned flags)
{
	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	if (config_load_string(text, "cfg", flags, &c, &err) != 0)
		fail_msg("refused: %s", err.msg);
	return c;
}

static void settings_inherited(void **state)
{
	struct tf *t = *state;
	char text[1024];
	struct user_keys want;
	/* alice has a section of her own (line 5); bob, carol, dave do not. */
	config_text(t, text, sizeof text,
		"[user alice]\nopen = tcp/443\n"
		"[user *]\nopen = tcp/22\nmax_lease = 5m\ntargets = source, 192.0.2.0/24\n"
		"sources = 203.0.113.0/24\nexpires = 2099-01-01\none_shot = yes\n");
	keys(t, "bob %s\ncarol %s\n# a comment\n\nalice %s\ndave %s", t->b64[1],
		t->b64[2], t->b64[0], t->b64[3]); /* no newline at the end */
	struct config *c = loaded(text, CONFIG_LOAD_KEYS);
	assert_int_equal(c->nusers, 4);
	assert_int_equal(c->ntemplate_users, 3);
	assert_non_null(c->tmpl);

	/* alice: her own section wins, nothing of the template. */
	const struct config_user *alice = config_find_user(c, "alice");
	assert_non_null(alice);
	assert_false(alice->prof->from_template);
	assert_int_equal(alice->prof->nopen, 1);
	assert_int_equal(alice->prof->open[0].port, 443);
	assert_int_equal(alice->prof->max_lease, 3600); /* the daemon's */
	assert_int_equal(alice->prof->ntargets, 0);
	assert_int_equal(alice->prof->pol->nsources, 0);
	assert_false(alice->prof->trig->one_shot);
	knock_derive_keys(t->secret[0], &want);
	assert_memory_equal(derived(c, alice), &want, sizeof want);

	const char *names[] = { NULL, "bob", "carol", "dave" };
	for (int i = 1; i < NSECRETS; i++) {
		const struct config_user *u = config_find_user(c, names[i]);
		assert_non_null(u);
		assert_string_equal(u->name, names[i]);
		assert_true(u->prof->from_template);
		/* The template's blocks and arrays, shared, not copied. */
		assert_ptr_equal(u->prof->open, c->tmpl->prof->open);
		assert_ptr_equal(u->prof->targets, c->tmpl->prof->targets);
		assert_ptr_equal(u->prof->pol, c->tmpl->prof->pol);
		assert_ptr_equal(u->prof->trig, c->tmpl->prof->trig);
		assert_int_equal(u->prof->nopen, 1);
		assert_int_equal(u->prof->open[0].port, 22);
		assert_int_equal(u->prof->max_lease, 300);
		assert_int_equal(u->prof->ntargets, 1);
		assert_int_equal(u->prof->pol->nsources, 1);
		assert_true(u->prof->pol->expires > 0);
		assert_true(u->prof->trig->one_shot);
		assert_int_equal(u->prof->key_line, 0);
		knock_derive_keys(t->secret[i], &want);
		assert_memory_equal(derived(c, u), &want, sizeof want);
	}
	/* A user's name is theirs even when the template's names are shared. */
	assert_ptr_not_equal(config_find_user(c, "bob")->name,
		config_find_user(c, "carol")->name);
	assert_null(config_find_user(c, "*"));
	assert_null(config_find_user(c, "erin"));

	/* The print: alice's section, the template once with its count, no
	 * section per template user; and it reads back the same. */
	char buf[8192];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	config_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "[user alice]\n"));
	assert_non_null(strstr(buf, "# 3 users of keys_file "));
	assert_non_null(strstr(buf, "[user *]\nopen = tcp/22\nmax_lease = 300\n"));
	assert_null(strstr(buf, "[user bob]"));
	struct config *again = NULL;
	struct errbuf err = { { 0 } };
	if (config_load_string(buf, "printed", CONFIG_LOAD_KEYS, &again, &err) != 0)
		fail_msg("printed config refused: %s", err.msg);
	assert_int_equal(again->nusers, 4);
	assert_int_equal(again->ntemplate_users, 3);
	assert_memory_equal(derived(again, config_find_user(again, "dave")),
		derived(c, config_find_user(c, "dave")), sizeof want);
	config_free(again);
	config_free(c);
}

/* A user is a name and a profile (16 bytes): [user *]'s users all point
 * to the one profile of c->tmpl; a user with a section has their own, with
 * their own blocks. config_free frees each profile once (ASan checks it,
 * also for a load refused after template users were made). */
static void profiles_shared_and_own(void **state)
{
	struct tf *t = *state;
	char text[1024];
	assert_int_equal(sizeof(struct config_user), 2 * sizeof(void *));
	/* alice (line 5) and bob (line 9) have sections, [user *] is line 12. */
	config_text(t, text, sizeof text,
		"[user alice]\nopen = tcp/443\nsources = 10.0.0.0/8\none_shot = yes\n"
		"[user bob]\nopen = tcp/22, tcp/443\ndisabled = yes\n"
		"[user *]\nopen = tcp/22\ntargets = 192.0.2.0/24\nsources = 203.0.113.0/24\n");
	keys(t, "alice %s\nbob %s\ncarol %s\ndave %s\n", t->b64[0], t->b64[1],
		t->b64[2], t->b64[3]);
	struct config *c = loaded(text, CONFIG_LOAD_KEYS);
	assert_int_equal(c->nusers, 4);
	assert_int_equal(c->ntemplate_users, 2);
	const struct config_user *alice = config_find_user(c, "alice");
	const struct config_user *bob = config_find_user(c, "bob");
	const struct config_user *carol = config_find_user(c, "carol");
	const struct config_user *dave = config_find_user(c, "dave");
	assert_true(alice && bob && carol && dave);

	/* The template's profile: one, shared, marked. */
	assert_true(c->tmpl->prof->from_template);
	assert_ptr_equal(carol->prof, c->tmpl->prof);
	assert_ptr_equal(dave->prof, c->tmpl->prof);
	assert_int_equal(carol->prof->line, 12); /* [user *]'s header */
	assert_false(carol->prof->disabled);

	/* Each section user's profile is their own, and so are its blocks. */
	assert_ptr_not_equal(alice->prof, c->tmpl->prof);
	assert_ptr_not_equal(bob->prof, c->tmpl->prof);
	assert_ptr_not_equal(alice->prof, bob->prof);
	assert_false(alice->prof->from_template);
	assert_false(bob->prof->from_template);
	assert_int_equal(alice->prof->line, 5);
	assert_int_equal(bob->prof->line, 9);
	assert_ptr_not_equal(alice->prof->pol, c->tmpl->prof->pol);
	assert_int_equal(alice->prof->pol->nsources, 1);
	assert_true(alice->prof->trig->one_shot);
	assert_false(c->tmpl->prof->trig->one_shot);
	assert_true(bob->prof->disabled);
	assert_int_equal(bob->prof->nopen, 2);
	assert_ptr_not_equal(bob->prof->open, c->tmpl->prof->open);
	assert_int_equal(c->tmpl->prof->nopen, 1);
	config_free(c);

	/* Refused after template users were made (the last line is bad): the
	 * partial config is freed once (under ASan: no double free, no leak). */
	keys(t, "carol %s\ndave %s\nerin not-base64!\n", t->b64[2], t->b64[3]);
	struct config *bad = (struct config *)1;
	struct errbuf err = { { 0 } };
	assert_int_equal(config_load_string(text, "cfg", CONFIG_LOAD_KEYS, &bad, &err), -1);
	assert_null(bad);
}

static void template_defaults(void **state)
{
	struct tf *t = *state;
	char text[1024];
	/* A template that sets nothing but open: the daemon's max_lease. */
	config_text(t, text, sizeof text, "[user *]\nopen = tcp/22\n");
	keys(t, "bob %s\n", t->b64[1]);
	struct config *c = loaded(text, CONFIG_LOAD_KEYS);
	assert_int_equal(c->nusers, 1);
	assert_int_equal(c->users[0].prof->max_lease, c->max_lease);
	config_free(c);

	/* No key files read (the admin commands' loads): no template users,
	 * and the print says the count is unknown. */
	c = loaded(text, 0);
	assert_int_equal(c->nusers, 0);
	char buf[4096];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	config_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "(the file was not read)"));
	config_free(c);

	/* CONFIG_LOAD_TEMPLATE_USERS: keys_file is read for its users. */
	c = loaded(text, CONFIG_LOAD_TEMPLATE_USERS);
	assert_int_equal(c->nusers, 1);
	assert_string_equal(c->users[0].name, "bob");
	config_free(c);
}

static void secrets_refused(void **state)
{
	struct tf *t = *state;
	static const char *const lines[] = {
		"key = /etc/postern/users/x.key", "token = totp",
		"token_key = /etc/postern/t.key", "otp = md5", "otp_open = tcp/22",
		"sequence = tcp/1000, tcp/2000", "one_time_sequences = /x/seq",
		"dynamic = yes", "dynamic_open = tcp/22", "old_key = /x/old.key",
		"old_key_until = 2030-01-01", "sign_key = /x/sign.pub",
		"require_signature = yes",
	};
	char text[1024], rest[256], key[64];
	keys(t, "bob %s\n", t->b64[1]);
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		/* [user *] at line 5, open at 6, the refused key at 7 */
		snprintf(rest, sizeof rest, "[user *]\nopen = tcp/22\n%s\n", lines[i]);
		config_text(t, text, sizeof text, rest);
		snprintf(key, sizeof key, "cfg:7: %.*s cannot be in [user *]: ",
			(int)strcspn(lines[i], " "), lines[i]);
		refused(text, 0, key, "[user NAME] section of their own");
	}
	/* The reason is said. */
	config_text(t, text, sizeof text, "[user *]\nkey = /x/y.key\n");
	refused(text, 0, "cfg:6: key cannot be in [user *]", "keys_file");
	config_text(t, text, sizeof text, "[user *]\ndynamic = yes\n");
	refused(text, 0, "cfg:6:", "reply key");
	/* A user of their own may have them. */
	config_text(t, text, sizeof text, "[user bob]\nopen = tcp/22\n"
		"sequence = tcp/1000, tcp/2000, udp/3000\nsequence_open = tcp/22\n");
	struct config *c = loaded(text, CONFIG_LOAD_KEYS);
	config_free(c);
}

static void bad_templates(void **state)
{
	struct tf *t = *state;
	char text[1024];
	keys(t, "bob %s\n", t->b64[1]);
	config_text(t, text, sizeof text, "[user *]\nopen = tcp/22\n[user *]\n");
	refused(text, 0, "cfg:7: section [user *] repeated (first at line 5)", "");
	/* Its settings are checked once, at their lines. */
	config_text(t, text, sizeof text, "[user *]\nopen = tcp/80\n");
	refused(text, 0, "cfg:6: user *: open tcp/80 is not a protected port", "");
	config_text(t, text, sizeof text, "[user *]\nmax_lease = 2h\n");
	refused(text, 0, "cfg:6: user *: max_lease (7200 s) exceeds", "");
	config_text(t, text, sizeof text, "[user *]\ntriggers = nope\n");
	refused(text, 0, "cfg:6: user *: triggers: nope names no [trigger nope]", "");
	config_text(t, text, sizeof text, "[user *]\nopen = tcp/22\nopen = tcp/443\n");
	refused(text, 0, "cfg:7: duplicate key 'open'", "");
	/* Not in a users_dir drop-in. */
	char dropin[160], dir[128];
	snprintf(dir, sizeof dir, "%s/users.d", t->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dropin, sizeof dropin, "%s/bob.conf", dir);
	FILE *f = fopen(dropin, "w");
	assert_non_null(f);
	fprintf(f, "[user *]\nopen = tcp/22\n");
	fclose(f);
	char rest[256], where[320];
	snprintf(rest, sizeof rest, "users_dir = %s\n", dir);
	/* users_dir goes in [daemon]: put it after keys_file (line 2). */
	snprintf(text, sizeof text, "[daemon]\nkeys_file = %s\n%s[protect]\n"
		"ports = tcp/22\n", t->keys, rest);
	snprintf(where, sizeof where, "%s:1: [user *] belongs in the main config", dropin);
	refused(text, 0, where, "");
	unlink(dropin);
	rmdir(dir);
	/* Without keys_file it could make no user. */
	refused("[protect]\nports = tcp/22\n[user *]\nopen = tcp/22\n", 0,
		"cfg:3: [user *] needs [daemon] keys_file", "");
}

static void duplicates_and_unknowns(void **state)
{
	struct tf *t = *state;
	char text[1024], where[160];
	config_text(t, text, sizeof text, "[user alice]\n[user *]\nopen = tcp/22\n");

	/* A template user twice. */
	keys(t, "alice %s\nbob %s\n\nbob %s\n", t->b64[0], t->b64[1], t->b64[2]);
	snprintf(where, sizeof where, "%s:4: ", t->keys);
	refused(text, CONFIG_LOAD_KEYS, where, "user bob is already at line 2");
	/* A user of their own twice, after template users. */
	keys(t, "bob %s\nalice %s\nalice %s\n", t->b64[1], t->b64[0], t->b64[2]);
	snprintf(where, sizeof where, "%s:3: ", t->keys);
	refused(text, CONFIG_LOAD_KEYS, where, "user alice is already at line 2");
	/* Two template users with one secret. */
	keys(t, "alice %s\nbob %s\ncarol %s\n", t->b64[0], t->b64[1], t->b64[1]);
	snprintf(where, sizeof where, "%s:3: ", t->keys);
	refused(text, CONFIG_LOAD_KEYS, where, "user carol has the same secret as "
		"user bob (line 2 of keys_file)");
	/* A bad name is refused, not made a user. */
	keys(t, "alice %s\n-bob %s\n", t->b64[0], t->b64[1]);
	snprintf(where, sizeof where, "%s:2: ", t->keys);
	refused(text, CONFIG_LOAD_KEYS, where, "bad user name '-bob'");
	/* alice's own section still needs her line. */
	keys(t, "bob %s\n", t->b64[1]);
	refused(text, CONFIG_LOAD_KEYS, "cfg:5: ", "user alice has no key");

	/* Without [user *], a name with no section stays an error. */
	config_text(t, text, sizeof text, "[user alice]\n");
	keys(t, "alice %s\nbob %s\n", t->b64[0], t->b64[1]);
	snprintf(where, sizeof where, "%s:2: ", t->keys);
	refused(text, CONFIG_LOAD_KEYS, where, "user bob is not defined in cfg");
}

/* Lines are checked whole wherever the file's 64 KiB reads cut them. */
static void long_lines(void **state)
{
	struct tf *t = *state;
	char text[1024], where[192], pad[300];
	config_text(t, text, sizeof text, "[user *]\nopen = tcp/22\n");
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	keys(t, "bob %s\n#%s\n", t->b64[1], pad);
	snprintf(where, sizeof where, "%s:2: line longer than 256 characters", t->keys);
	refused(text, CONFIG_LOAD_KEYS, where, "");

	/* Comment lines up to 20 bytes before the first read's end (65 536),
	 * then a user whose line straddles it, then (second round) a long one. */
	for (int straddle = 0; straddle < 2; straddle++) {
		unlink(t->keys);
		FILE *f = fopen(t->keys, "w");
		assert_non_null(f);
		long at = 0;
		unsigned line = 0;
		while (at + 70 <= 65536 - 20) { /* comments up to just before it */
			at += fprintf(f, "# %066d\n", 0);
			line++;
		}
		/* A last comment so that carol's line starts 20 bytes before. */
		at += fprintf(f, "#%.*s\n", (int)(65536 - 20 - at - 2), pad + 0);
		line++;
		assert_int_equal(at, 65536 - 20);
		fprintf(f, "carol %s\n", t->b64[2]); /* crosses 65 536 */
		line++;
		if (straddle)
			fprintf(f, "#%s\n", pad);
		fclose(f);
		assert_int_equal(chmod(t->keys, 0600), 0);
		if (!straddle) {
			struct config *c = loaded(text, CONFIG_LOAD_KEYS);
			struct user_keys want;
			knock_derive_keys(t->secret[2], &want);
			assert_non_null(config_find_user(c, "carol"));
			assert_memory_equal(derived(c, config_find_user(c, "carol")), &want,
				sizeof want);
			config_free(c);
		} else {
			snprintf(where, sizeof where, "%s:%u: line longer than 256", t->keys,
				line + 1);
			refused(text, CONFIG_LOAD_KEYS, where, "");
		}
	}
}

/* Many template users: the one-pass reading sizes its tables once; every
 * user is found by name and has their own keys. */
static void many_users(void **state)
{
	struct tf *t = *state;
	enum { N = 5000 };
	char text[1024];
	config_text(t, text, sizeof text, "[user *]\nopen = tcp/22\n");
	unlink(t->keys);
	FILE *f = fopen(t->keys, "w");
	assert_non_null(f);
	uint8_t secret[KNOCK_MASTER_BYTES] = { 0 };
	char b64[64];
	for (unsigned i = 0; i < N; i++) {
		memcpy(secret, &i, sizeof i);
		sodium_bin2base64(b64, sizeof b64, secret, sizeof secret,
			sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "user-%u\t%s\n", i, b64);
	}
	fclose(f);
	assert_int_equal(chmod(t->keys, 0600), 0);
	struct config *c = loaded(text, CONFIG_LOAD_KEYS);
	assert_int_equal(c->nusers, N);
	assert_int_equal(c->ntemplate_users, N);
	struct user_keys want;
	for (unsigned i = 0; i < N; i += 499) {
		char name[32];
		snprintf(name, sizeof name, "user-%u", i);
		const struct config_user *u = config_find_user(c, name);
		assert_non_null(u);
		memcpy(secret, &i, sizeof i);
		knock_derive_keys(secret, &want);
		assert_memory_equal(derived(c, u), &want, sizeof want);
	}
	/* What the capture child does with such a config (SPA only, every
	 * user a template user): it keeps the users' tag keys, by index, and
	 * frees the rest; config_free still frees what is left. */
	assert_false(config_child_needs_users(c));
	uint8_t (*tags)[KNOCK_TAG_KEY_BYTES] = calloc(N, sizeof *tags);
	assert_non_null(tags);
	for (unsigned i = 0; i < N; i++)
		memcpy(tags[i], config_tag_key_at(c, i), sizeof tags[i]);
	config_release_users(c);
	assert_null(c->users);
	assert_null(config_find_user(c, "user-1"));
	assert_int_equal(c->nusers, N);
	for (unsigned i = 0; i < N; i++)
		assert_memory_equal(config_tag_key_at(c, i), tags[i], sizeof tags[i]);
	assert_null(config_tag_key_at(c, N));
	free(tags);
	config_free(c);
}

/* Which configs' capture child needs the users themselves: one whose
 * knocks name their user (here bob's port sequence) does; a few users with
 * sections of their own besides [user *] do not, and freeing them frees
 * their own profiles too (no leak under ASan). */
static void child_needs_users(void **state)
{
	struct tf *t = *state;
	char text[1024];
	keys(t, "bob %s\ncarol %s\n", t->b64[1], t->b64[2]);
	config_text(t, text, sizeof text, "[user bob]\nopen = tcp/443\n"
		"sequence = udp/1000,udp/2000,udp/3000\n[user *]\nopen = tcp/22\n");
	struct config *c = loaded(text, CONFIG_LOAD_KEYS);
	assert_true(config_child_needs_users(c));
	config_free(c);

	config_text(t, text, sizeof text, "[user bob]\nopen = tcp/443\n[user *]\nopen = tcp/22\n");
	c = loaded(text, CONFIG_LOAD_KEYS);
	assert_false(config_child_needs_users(c));
	uint8_t bob[KNOCK_TAG_KEY_BYTES];
	memcpy(bob, config_user_tag_key(c, config_find_user(c, "bob")), sizeof bob);
	size_t i = (size_t)(config_find_user(c, "bob") - c->users);
	config_release_users(c);
	assert_null(c->users);
	assert_int_equal(c->nusers, 2);
	assert_memory_equal(config_tag_key_at(c, i), bob, sizeof bob);
	config_free(c);
}

/* [user *]'s expires is every template user's: the expiry check warns once
 * for the template (user=*), not once per user; a user with a section of
 * their own is warned about on their own line. */
static void template_expiry_warned_once(void **state)
{
	struct tf *t = *state;
	keys(t, "alice %s\nbob %s\ncarol %s\ndave %s\n", t->b64[0], t->b64[1],
		t->b64[2], t->b64[3]);
	char text[1024];
	config_text(t, text, sizeof text, "[user alice]\nopen = tcp/443\n"
		"[user *]\nopen = tcp/22\nexpires = 2020-01-01\n");
	struct config *c = loaded(text, CONFIG_LOAD_KEYS);
	assert_int_equal(c->ntemplate_users, 3);
	uint64_t now = (uint64_t)time(NULL);
	assert_int_equal(expiry_warn(c, now), 1); /* the template, not bob, carol, dave */
	config_free(c);

	config_text(t, text, sizeof text, "[user alice]\nopen = tcp/443\n"
		"expires = 2020-01-01\n[user *]\nopen = tcp/22\nexpires = 2020-01-01\n");
	c = loaded(text, CONFIG_LOAD_KEYS);
	assert_int_equal(expiry_warn(c, now), 2); /* alice, and the template */
	config_free(c);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(settings_inherited, setup, teardown),
		cmocka_unit_test_setup_teardown(template_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(secrets_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicates_and_unknowns, setup, teardown),
		cmocka_unit_test_setup_teardown(long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(many_users, setup, teardown),
		cmocka_unit_test_setup_teardown(child_needs_users, setup, teardown),
		cmocka_unit_test_setup_teardown(template_expiry_warned_once, setup, teardown),
		cmocka_unit_test_setup_teardown(profiles_shared_and_own, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
