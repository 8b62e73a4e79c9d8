/* test_pwkdf — passphrase-derived keys (src/lib/pwkdf.c): known answers
 * computed with the reference Argon2 implementation (Debian's argon2 tool:
 *   echo -n PASS | argon2 SALT -id -t OPS -k MEM_KIB -p 1 -l 32 -r),
 * the sane bounds, and the cost levels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "pwkdf.h"

static void params(struct pwkdf_params *p, const char *salt, uint64_t ops, uint64_t mem)
{
	assert_int_equal(strlen(salt), PWKDF_SALT_BYTES);
	memcpy(p->salt, salt, PWKDF_SALT_BYTES);
	p->opslimit = ops;
	p->memlimit = mem;
}

static void assert_derives(const struct pwkdf_params *p, const char *pass, const char *hex)
{
	uint8_t out[KNOCK_MASTER_BYTES], want[KNOCK_MASTER_BYTES];
	struct errbuf err = { "" };
	assert_int_equal(sodium_hex2bin(want, sizeof want, hex, strlen(hex), NULL, NULL, NULL), 0);
	if (pwkdf_derive(p, pass, strlen(pass), out, &err) != 0)
		fail_msg("derive: %s", err.msg);
	assert_memory_equal(out, want, sizeof want);
}

static void test_known_answers(void **state)
{
	(void)state;
	struct pwkdf_params p;
	params(&p, "postern-kat-salt", 2, 64ULL << 20);
	assert_derives(&p, "correct horse battery staple",
		"05e79adaf7921f02961b12aeba426e6b152db58e7ed28a5bc15f09e1ee67ca64");
	params(&p, "saltsaltsaltsalt", 3, 32ULL << 20);
	assert_derives(&p, "Tr0ub4dor&3 is not enough",
		"787a5237472eec4adbf9afc53fcc9c0c6715971ff7cec8631937167d18225f79");
}

static void test_salt_and_pass_matter(void **state)
{
	(void)state;
	struct pwkdf_params p;
	uint8_t a[KNOCK_MASTER_BYTES], b[KNOCK_MASTER_BYTES];
	struct errbuf err;
	params(&p, "postern-kat-salt", 2, 32ULL << 20);
	assert_int_equal(pwkdf_derive(&p, "correct horse battery staple", 28, a, &err), 0);
	assert_int_equal(pwkdf_derive(&p, "correct horse battery stapl3", 28, b, &err), 0);
	assert_memory_not_equal(a, b, sizeof a);
	p.salt[0] ^= 1;
	assert_int_equal(pwkdf_derive(&p, "correct horse battery staple", 28, b, &err), 0);
	assert_memory_not_equal(a, b, sizeof a);
}

static void assert_refused(uint64_t ops, uint64_t mem, const char *want)
{
	struct pwkdf_params p;
	const char *why = NULL;
	uint8_t out[KNOCK_MASTER_BYTES];
	struct errbuf err = { "" };
	params(&p, "postern-kat-salt", ops, mem);
	assert_false(pwkdf_params_valid(&p, &why));
	assert_non_null(strstr(why, want));
	memset(out, 0xaa, sizeof out);
	assert_int_equal(pwkdf_derive(&p, "correct horse battery staple", 28, out, &err), -1);
	assert_non_null(strstr(err.msg, want));
	static const uint8_t zero[KNOCK_MASTER_BYTES];
	assert_memory_equal(out, zero, sizeof out); /* nothing half-derived left */
}

static void test_bounds(void **state)
{
	(void)state;
	assert_refused(0, 64ULL << 20, "opslimit");
	assert_refused(1, 64ULL << 20, "opslimit");
	assert_refused(17, 64ULL << 20, "opslimit");
	assert_refused(UINT64_MAX, 64ULL << 20, "opslimit");
	assert_refused(2, 0, "memlimit");
	assert_refused(2, 8ULL << 20, "memlimit");
	assert_refused(2, (32ULL << 20) - 1024, "memlimit");
	assert_refused(2, (4ULL << 30) + 1024, "memlimit");
	assert_refused(2, UINT64_MAX, "memlimit");
	assert_refused(2, (64ULL << 20) + 1, "KiB");
	struct pwkdf_params p;
	const char *why;
	params(&p, "postern-kat-salt", PWKDF_OPSLIMIT_MIN, PWKDF_MEMLIMIT_MIN);
	assert_true(pwkdf_params_valid(&p, &why));
	params(&p, "postern-kat-salt", PWKDF_OPSLIMIT_MAX, PWKDF_MEMLIMIT_MAX);
	assert_true(pwkdf_params_valid(&p, &why));
}

static void test_costs(void **state)
{
	(void)state;
	enum pwkdf_cost c;
	struct pwkdf_params a, b;
	const char *why;
	assert_true(pwkdf_cost_parse("interactive", &c) && c == PWKDF_INTERACTIVE);
	assert_true(pwkdf_cost_parse("moderate", &c) && c == PWKDF_MODERATE);
	assert_true(pwkdf_cost_parse("sensitive", &c) && c == PWKDF_SENSITIVE);
	assert_false(pwkdf_cost_parse("cheap", &c));
	assert_false(pwkdf_cost_parse("", &c));
	for (int i = PWKDF_INTERACTIVE; i <= PWKDF_SENSITIVE; i++) {
		pwkdf_params_new(&a, (enum pwkdf_cost)i);
		assert_true(pwkdf_params_valid(&a, &why)); /* every level is within bounds */
	}
	pwkdf_params_new(&a, PWKDF_MODERATE);
	pwkdf_params_new(&b, PWKDF_MODERATE);
	assert_int_equal(a.opslimit, crypto_pwhash_argon2id_OPSLIMIT_MODERATE);
	assert_int_equal(a.memlimit, crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
	assert_memory_not_equal(a.salt, b.salt, sizeof a.salt); /* random salts */
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_salt_and_pass_matter),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_costs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
