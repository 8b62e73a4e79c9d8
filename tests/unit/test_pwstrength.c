/* test_pwstrength — the passphrase strength check (src/lib/pwstrength.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pwstrength.h"

static void assert_ok(const char *pass, const char *user)
{
	char why[PWSTRENGTH_WHY_MAX];
	double bits = 0;
	if (!pwstrength_ok(pass, user, &bits, why))
		fail_msg("\"%s\" refused: %s", pass, why);
	assert_true(bits >= PWSTRENGTH_MIN_BITS);
}

static void assert_weak(const char *pass, const char *user, const char *want)
{
	char why[PWSTRENGTH_WHY_MAX];
	if (pwstrength_ok(pass, user, NULL, why))
		fail_msg("\"%s\" accepted", pass);
	if (!strstr(why, want))
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", pass, why, want);
}

static void test_accepted(void **state)
{
	(void)state;
	assert_ok("correct horse battery staple", "alice");
	assert_ok("Tr0ub4dor&3 is not enough", "alice");
	assert_ok("vX7#qL9!mZ2p", "alice"); /* 12 characters, 4 classes */
	assert_ok("gravel jumps over a velvet kite", NULL);
	assert_ok("Zürich fährt über Brücken 42", "bob"); /* UTF-8 */
}

static void test_too_short(void **state)
{
	(void)state;
	assert_weak("", "alice", "too short: 0 characters");
	assert_weak("vX7#qL9!mZ2", "alice", "too short: 11 characters");
	assert_weak("äöüäöüäöüäö", "alice", "too short: 11 characters"); /* chars, not bytes */
}

static void test_patterns(void **state)
{
	(void)state;
	assert_weak("password1234", "alice", "common word (\"password\")");
	assert_weak("P@ssw0rd2024!", "alice", "common word (\"password\")"); /* leet */
	assert_weak("qwertyuiop12", "alice", "common word (\"qwerty\")");
	assert_weak("123456789012", "alice", "a sequence");
	assert_weak("abcdefghijkl", "alice", "a sequence");
	assert_weak("zyxwvutsrqpo", "alice", "a sequence");
	assert_weak("aaaaaaaaaaaa", "alice", "a repeated character");
	assert_weak("xq7bxq7bxq7bxq7b", "alice", "a repeated part");
	assert_weak("alice.alice.2024", "alice", "the user name");
	assert_weak("AliceInChains9", "alice", "the user name");
	assert_weak("wertasdfzxcv", "bob", "a keyboard run");
	assert_weak("asdfghjkl;zxcvbnm", "bob", "too weak");
	/* the refusal never echoes the passphrase's own text */
	char why[PWSTRENGTH_WHY_MAX];
	assert_false(pwstrength_ok("xq7bxq7bxq7bxq7b", "alice", NULL, why));
	assert_null(strstr(why, "xq7b"));
}

static void test_low_entropy(void **state)
{
	(void)state;
	assert_weak("394817205638", "alice", "too weak"); /* 12 digits: ~40 bits */
	assert_weak("394817205638", "alice", "mix lower and upper case");
	assert_ok("3948172056385719", "alice"); /* 16 digits: ~53 bits */
}

static void test_long_input(void **state)
{
	(void)state;
	char big[3000];
	for (size_t i = 0; i + 1 < sizeof big; i++)
		big[i] = (char)('!' + (i * 7919) % 90);
	big[sizeof big - 1] = '\0';
	char why[PWSTRENGTH_WHY_MAX];
	double bits;
	(void)pwstrength_ok(big, "alice", &bits, why); /* bounded, no crash */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_too_short),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_low_entropy),
		cmocka_unit_test(test_long_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
