/* test_keyfile — key files on disk (src/lib/keyfile.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfile.h"


#define KEYFILE_TEST_BIG 8192
/* base64 of the 32 bytes 00 01 .. 1f */
#define SECRET_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/postern-test-keyfile-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
	static char p[160];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* Writes text to a fresh file with the given mode (umask-proof). */
static const char *put(const char *name, const char *text, size_t len, mode_t mode)
{
	const char *p = path_of(name);
	unlink(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return p;
}

static const char *put_text(const char *name, const char *text)
{
	return put(name, text, strlen(text), 0600);
}

/* keyfile_read must fail, leave *out zeroed, and say `want` (and the path). */
static void assert_refused(const char *path, const char *want)
{
	struct keyfile kf;
	struct errbuf err = { "" };
	static const struct keyfile zero;

	memset(&kf, 0xaa, sizeof kf);
	assert_int_equal(keyfile_read(path, &kf, &err), -1);
	if (!strstr(err.msg, want) || !strstr(err.msg, path))
		fail_msg("reading %s: message \"%s\" lacks \"%s\" or the path", path,
			err.msg, want);
	assert_memory_equal(&kf, &zero, sizeof kf);
}

static void assert_read_ok(const char *path, const char *user)
{
	struct keyfile kf;
	struct errbuf err = { "" };
	uint8_t want[KNOCK_MASTER_BYTES];

	for (size_t i = 0; i < sizeof want; i++)
		want[i] = (uint8_t)i;
	if (keyfile_read(path, &kf, &err) != 0)
		fail_msg("reading %s: %s", path, err.msg);
	assert_string_equal(kf.user, user);
	assert_memory_equal(kf.secret, want, sizeof want);
}

/* --- round trip and writing -------------------------------------------- */

static void test_roundtrip(void **state)
{
	(void)state;
	struct keyfile kf, back;
	struct errbuf err = { "" };
	struct stat st;
	const char *p = path_of("alice.key");

	keyfile_generate(&kf, "alice");
	assert_string_equal(kf.user, "alice");
	if (keyfile_write(p, &kf, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	if (keyfile_read(p, &back, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(back.user, "alice");
	assert_memory_equal(back.secret, kf.secret, sizeof kf.secret);

	struct keyfile other;
	keyfile_generate(&other, "alice");
	assert_memory_not_equal(other.secret, kf.secret, sizeof kf.secret);
	keyfile_wipe(&kf);
	static const struct keyfile zero;
	assert_memory_equal(&kf, &zero, sizeof kf);
}

static void test_write_refuses_overwrite(void **state)
{
	(void)state;
	struct keyfile a, b, back;
	struct errbuf err = { "" };
	const char *p = path_of("bob.key");

	keyfile_generate(&a, "bob");
	keyfile_generate(&b, "bob");
	assert_int_equal(keyfile_write(p, &a, &err), 0);
	assert_int_equal(keyfile_write(p, &b, &err), -1);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_non_null(strstr(err.msg, p));
	assert_int_equal(keyfile_read(p, &back, &err), 0);
	assert_memory_equal(back.secret, a.secret, sizeof a.secret);

	/* nor through a symlink to a place that does not exist yet */
	char target[160];
	snprintf(target, sizeof target, "%s", path_of("nowhere.key"));
	assert_int_equal(symlink(target, path_of("link.key")), 0);
	assert_int_equal(keyfile_write(path_of("link.key"), &b, &err), -1);
	assert_int_equal(access(path_of("nowhere.key"), F_OK), -1);
}

static void test_write_refuses_bad_user(void **state)
{
	(void)state;
	struct keyfile kf;
	struct errbuf err = { "" };

	keyfile_generate(&kf, "x");
	strcpy(kf.user, "../evil");
	assert_int_equal(keyfile_write(path_of("evil.key"), &kf, &err), -1);
	assert_int_equal(access(path_of("evil.key"), F_OK), -1);
}

/* --- file type and permissions ----------------------------------------- */

static void test_permissions_refused(void **state)
{
	(void)state;
	static const struct { mode_t mode; const char *shown; } modes[] = {
		{ 0640, "0640" }, { 0604, "0604" }, { 0660, "0660" }, { 0620, "0620" },
		{ 0602, "0602" }, { 0644, "0644" }, { 0601, "0601" }, { 0610, "0610" },
	};
	const char *text = "postern-key 1\nuser carol\nsecret " SECRET_B64 "\n";

	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		const char *p = put("carol.key", text, strlen(text), modes[i].mode);
		assert_refused(p, modes[i].shown);
		assert_refused(p, "chmod 600");
	}
	assert_read_ok(put("carol.key", text, strlen(text), 0400), "carol");
	assert_read_ok(put("carol.key", text, strlen(text), 0600), "carol");
}

static void test_file_types_refused(void **state)
{
	(void)state;
	const char *text = "postern-key 1\nuser dave\nsecret " SECRET_B64 "\n";
	const char *real = put("dave.key", text, strlen(text), 0600);
	char target[160];

	snprintf(target, sizeof target, "%s", real);
	assert_int_equal(symlink(target, path_of("dave-link.key")), 0);
	assert_refused(path_of("dave-link.key"), "symbolic link");

	assert_int_equal(mkdir(path_of("adir"), 0700), 0);
	assert_refused(path_of("adir"), "not a regular file");

	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	assert_refused(path_of("fifo"), "not a regular file");

	assert_refused(path_of("absent.key"), "cannot open");
}

/* --- contents ---------------------------------------------------------- */

static void test_accepted_layouts(void **state)
{
	(void)state;
	assert_read_ok(put_text("a", "postern-key 1\nuser erin\nsecret " SECRET_B64 "\n"),
		"erin");
	assert_read_ok(put_text("b", "# postern key v1\n\n   # indented comment\n"
		"secret " SECRET_B64 "\nuser erin\npostern-key 1"), "erin");
	assert_read_ok(put_text("c", "postern-key\t1\r\nuser  erin \r\n"
		"  secret " SECRET_B64 "\t\r\n"), "erin");
	assert_read_ok(put_text("d", "postern-key 1\nuser A.b_c-9\nsecret " SECRET_B64),
		"A.b_c-9");
}

static void test_bad_contents_refused(void **state)
{
	(void)state;
	static const struct { const char *text, *want; } cases[] = {
		{ "user f\nsecret " SECRET_B64 "\n", "missing \"postern-key 1\"" },
		{ "postern-key 1\nsecret " SECRET_B64 "\n", "missing \"user\"" },
		{ "postern-key 1\nuser f\n", "missing \"secret\"" },
		{ "", "missing" },
		{ "# only a comment\n", "missing" },
		{ "postern-key 1\nuser f\nuser g\nsecret " SECRET_B64 "\n",
			":3: duplicate \"user\"" },
		{ "postern-key 1\nuser f\nsecret " SECRET_B64 "\nsecret " SECRET_B64 "\n",
			":4: duplicate \"secret\"" },
		{ "postern-key 1\npostern-key 1\n", ":2: duplicate \"postern-key\"" },
		{ "postern-key 2\nuser f\nsecret " SECRET_B64 "\n", "unsupported key file format" },
		{ "postern-key 1\nuser f\nsecret !!!!\n", ":3: secret is not valid base64" },
		{ "postern-key 1\nuser f\nsecret AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
			"not valid base64" }, /* padding missing */
		{ "postern-key 1\nuser f\nsecret AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= x\n",
			"not valid base64" },
		{ "postern-key 1\nuser f\nsecret AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n",
			"not valid base64" }, /* non-zero trailing bits */
		/* libsodium read a byte 0x80-0xff as '/': refused, as in keys_file */
		{ "postern-key 1\nuser f\nsecret AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\x80h8=\n",
			"not valid base64" },
		{ "postern-key 1\nuser f\nsecret AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
			"secret is 31 bytes" },
		{ "postern-key 1\nuser f\nsecret AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n",
			"secret is 33 bytes" },
		{ "postern-key 1\nuser f\nsecret\n", "secret is 0 bytes" },
		{ "postern-key 1\nuser f\nsecret " SECRET_B64 "\ncolour blue\n",
			":4: unknown key \"colour\"" },
		{ "postern-key 1\nUser f\nsecret " SECRET_B64 "\n", "unknown key \"User\"" },
		{ "postern-key 1\nuser -f\nsecret " SECRET_B64 "\n", "invalid user name" },
		{ "postern-key 1\nuser a b\nsecret " SECRET_B64 "\n", "invalid user name" },
		{ "postern-key 1\nuser\nsecret " SECRET_B64 "\n", "invalid user name" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_refused(put_text("bad.key", cases[i].text), cases[i].want);
}

static void test_size_and_nul_refused(void **state)
{
	(void)state;
	static char big[KEYFILE_TEST_BIG];
	const char *head = "postern-key 1\nuser g\nsecret " SECRET_B64 "\n";
	size_t hl = strlen(head);

	/* exactly 4096 bytes: the head, then a comment filling the rest */
	memset(big, 'x', sizeof big);
	memcpy(big, head, hl);
	big[hl] = '#';
	big[4095] = '\n';
	assert_read_ok(put("g.key", big, 4096, 0600), "g");
	assert_refused(put("g.key", big, 4097, 0600), "4096 bytes");
	assert_refused(put("g.key", big, sizeof big, 0600), "4096 bytes");

	memcpy(big, head, hl);
	big[5] = '\0';
	assert_refused(put("g.key", big, hl, 0600), "NUL");
}

static void test_user_valid(void **state)
{
	(void)state;
	char longest[64], too_long[65];

	memset(longest, 'a', 63);
	longest[63] = '\0';
	memset(too_long, 'a', 64);
	too_long[64] = '\0';
	assert_true(keyfile_user_valid("alice"));
	assert_true(keyfile_user_valid("a"));
	assert_true(keyfile_user_valid("Bob_2.x-y"));
	assert_true(keyfile_user_valid("_x"));
	assert_true(keyfile_user_valid(longest));
	assert_false(keyfile_user_valid(too_long));
	assert_false(keyfile_user_valid(""));
	assert_false(keyfile_user_valid(NULL));
	assert_false(keyfile_user_valid(".hidden"));
	assert_false(keyfile_user_valid("-opt"));
	assert_false(keyfile_user_valid("a/b"));
	assert_false(keyfile_user_valid("a b"));
	assert_false(keyfile_user_valid("caf\xc3\xa9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_write_refuses_overwrite),
		cmocka_unit_test(test_write_refuses_bad_user),
		cmocka_unit_test(test_permissions_refused),
		cmocka_unit_test(test_file_types_refused),
		cmocka_unit_test(test_accepted_layouts),
		cmocka_unit_test(test_bad_contents_refused),
		cmocka_unit_test(test_size_and_nul_refused),
		cmocka_unit_test(test_user_valid),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
