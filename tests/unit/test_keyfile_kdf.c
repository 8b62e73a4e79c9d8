/* test_keyfile_kdf — the passphrase KDF lines of key files (keyfile.h,
 * src/lib/keyfile_kdf.c): client and server copies round trip, a kdf-only
 * file is refused by plain keyfile_read and accepted with the flag, the
 * secret derived from it is the known answer, and parameters out of bounds
 * or half-present are refused. */
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

/* base64 of "postern-kat-salt" */
#define SALT_B64 "cG9zdGVybi1rYXQtc2FsdA=="
#define KAT_PASS "correct horse battery staple"
#define KAT_HEX "05e79adaf7921f02961b12aeba426e6b152db58e7ed28a5bc15f09e1ee67ca64"
#define HEAD "postern-key 1\nuser alice\n"
#define KDF "kdf argon2id\nsalt " SALT_B64 "\nopslimit 2\nmemlimit 67108864\n"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/postern-test-kdf-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *put(const char *name, const char *text)
{
	static char p[160];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	unlink(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return p;
}

static void test_client_copy(void **state)
{
	(void)state;
	struct keyfile kf;
	struct errbuf err = { "" };
	uint8_t want[KNOCK_MASTER_BYTES];
	const char *p = put("client.key", HEAD KDF);

	assert_int_equal(keyfile_read(p, &kf, &err), -1); /* the daemon's reader */
	assert_non_null(strstr(err.msg, "no \"secret\" line"));
	assert_non_null(strstr(err.msg, "--server-out"));

	if (keyfile_read_flags(p, KEYFILE_ALLOW_KDF_ONLY, &kf, &err) != 0)
		fail_msg("%s", err.msg);
	assert_true(kf.kdf_only && kf.has_kdf);
	assert_int_equal(kf.kdf.opslimit, 2);
	assert_int_equal(kf.kdf.memlimit, 64 << 20);
	assert_memory_equal(kf.kdf.salt, "postern-kat-salt", PWKDF_SALT_BYTES);
	if (keyfile_derive(&kf, KAT_PASS, strlen(KAT_PASS), &err) != 0)
		fail_msg("%s", err.msg);
	assert_false(kf.kdf_only);
	sodium_hex2bin(want, sizeof want, KAT_HEX, strlen(KAT_HEX), NULL, NULL, NULL);
	assert_memory_equal(kf.secret, want, sizeof want);
	keyfile_wipe(&kf);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct keyfile kf, back;
	struct errbuf err = { "" };
	char path[160], text[1024];

	keyfile_generate(&kf, "alice");
	pwkdf_params_new(&kf.kdf, PWKDF_INTERACTIVE);
	kf.has_kdf = true;
	/* the server's copy: secret and parameters */
	snprintf(path, sizeof path, "%s/server.key", dir);
	unlink(path);
	if (keyfile_write(path, &kf, &err) != 0)
		fail_msg("%s", err.msg);
	if (keyfile_read(path, &back, &err) != 0)
		fail_msg("%s", err.msg);
	assert_true(back.has_kdf && !back.kdf_only);
	assert_memory_equal(back.secret, kf.secret, sizeof kf.secret);
	assert_memory_equal(&back.kdf, &kf.kdf, sizeof kf.kdf);
	/* the client's copy: parameters only, no secret in the file at all */
	kf.kdf_only = true;
	snprintf(path, sizeof path, "%s/client2.key", dir);
	unlink(path);
	if (keyfile_write(path, &kf, &err) != 0)
		fail_msg("%s", err.msg);
	FILE *f = fopen(path, "r");
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_null(strstr(text, "\nsecret "));
	assert_non_null(strstr(text, "\nkdf argon2id\n"));
	if (keyfile_read_flags(path, KEYFILE_ALLOW_KDF_ONLY, &back, &err) != 0)
		fail_msg("%s", err.msg);
	assert_true(back.kdf_only);
	assert_memory_equal(&back.kdf, &kf.kdf, sizeof kf.kdf);
	static const uint8_t zero[KNOCK_MASTER_BYTES];
	assert_memory_equal(back.secret, zero, sizeof zero);
	/* a kdf-only struct without parameters is not written */
	kf.has_kdf = false;
	snprintf(path, sizeof path, "%s/bad.key", dir);
	assert_int_equal(keyfile_write(path, &kf, &err), -1);
	assert_int_equal(access(path, F_OK), -1);
	keyfile_wipe(&kf);
	keyfile_wipe(&back);
}

static void assert_refused(const char *text, const char *want)
{
	struct keyfile kf;
	struct errbuf err = { "" };
	const char *p = put("bad.key", text);
	assert_int_equal(keyfile_read_flags(p, KEYFILE_ALLOW_KDF_ONLY, &kf, &err), -1);
	if (!strstr(err.msg, want))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, want);
	static const struct keyfile zero;
	assert_memory_equal(&kf, &zero, sizeof kf);
}

static void test_refused(void **state)
{
	(void)state;
	/* out of sane bounds */
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit 1\nmemlimit 67108864\n",
		"opslimit out of bounds");
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit 99\nmemlimit 67108864\n",
		"opslimit out of bounds");
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit 2\nmemlimit 8192\n",
		"memlimit out of bounds");
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit 2\nmemlimit 1099511627776\n",
		"memlimit out of bounds");
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit 2\nmemlimit 67108865\n",
		"KiB");
	/* malformed */
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit 2\nmemlimit 99999999999999999999999\n",
		"not a decimal number");
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit -2\nmemlimit 67108864\n",
		"not a decimal number");
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit 02\nmemlimit 67108864\n",
		"not a decimal number");
	assert_refused(HEAD "kdf scrypt\nsalt " SALT_B64 "\nopslimit 2\nmemlimit 67108864\n",
		"unsupported kdf");
	assert_refused(HEAD "kdf argon2id\nsalt c2FsdA==\nopslimit 2\nmemlimit 67108864\n",
		"salt is 4 bytes");
	assert_refused(HEAD "kdf argon2id\nsalt !!\nopslimit 2\nmemlimit 67108864\n",
		"not valid base64");
	assert_refused(HEAD KDF "opslimit 3\n", "duplicate \"opslimit\"");
	/* half present */
	assert_refused(HEAD "kdf argon2id\nsalt " SALT_B64 "\nopslimit 2\n", "missing \"memlimit\"");
	assert_refused(HEAD "salt " SALT_B64 "\nopslimit 2\nmemlimit 67108864\n",
		"missing \"kdf argon2id\"");
	/* neither secret nor kdf */
	assert_refused(HEAD, "missing \"secret\"");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_copy),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
