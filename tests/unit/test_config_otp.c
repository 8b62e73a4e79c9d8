/* test_config_otp — the [user] otp* keys: defaults, the normalised print
 * read back to the same config, and each refusal naming its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "otp.h"

#define HEAD "[daemon]\n[protect]\nports = tcp/22, tcp/443\n[user alice]\n" \
	"key = /k/a.key\nopen = tcp/22, tcp/443\n"

static void defaults_and_print(void **state)
{
	(void)state;
	struct config *c = NULL, *again = NULL;
	struct errbuf err;
	assert_int_equal(config_load_string(HEAD "otp = SHA1\notp_open = tcp/443, tcp/22\n",
		"t", 0, &c, &err), 0);
	const struct otp_conf *o = c->users[0].prof->otp;
	assert_int_equal(o->alg, OTP_ALG_SHA1);
	assert_int_equal(o->nopen, 2);
	assert_int_equal(o->open[0].port, 443);
	assert_int_equal(o->low_water, 10);
	assert_int_equal(o->lookahead, 5);
	char buf[8192];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	config_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "otp = sha1\notp_open = tcp/443, tcp/22\n"
		"otp_low_water = 10\notp_lookahead = 5\n"));
	assert_int_equal(config_load_string(buf, "t2", 0, &again, &err), 0);
	assert_memory_equal(&again->users[0].prof->otp->open, o->open, sizeof o->open);
	assert_int_equal(again->users[0].prof->otp->alg, OTP_ALG_SHA1);
	config_free(again);
	config_free(c);
	/* A user without otp prints no otp lines. */
	assert_int_equal(config_load_string(HEAD, "t", 0, &c, &err), 0);
	assert_int_equal(c->users[0].prof->otp->alg, OTP_ALG_NONE);
	f = fmemopen(buf, sizeof buf, "w");
	config_print(c, f);
	fclose(f);
	assert_null(strstr(buf, "otp"));
	config_free(c);
}

static void refusals(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ HEAD "otp = md4\n", "t:7: otp: 'md4' is neither md5 nor sha1" },
		{ HEAD "otp = md5\n", "t:7: user alice: otp needs the doors" },
		{ HEAD "otp_open = tcp/22\n", "t:7: user alice: otp settings without otp" },
		{ HEAD "otp = md5\notp_open = tcp/25\n", "t:8: user alice: otp_open tcp/25 is not a protected" },
		{ "[daemon]\n[protect]\nports = tcp/22, tcp/443\n[user alice]\nkey = /k/a.key\n"
		  "open = tcp/22\notp = md5\notp_open = tcp/443\n",
		  "t:8: user alice: otp_open tcp/443 is not in the user's open list" },
		{ HEAD "otp = md5\notp_open = tcp/22, tcp/22\n", "t:8: otp_open: tcp/22 listed twice" },
		{ HEAD "otp = md5\notp_open = tcp/22\notp_lookahead = 0\n", "t:9: otp_lookahead: '0'" },
		{ HEAD "otp = md5\notp_open = tcp/22\notp_lookahead = 65\n", "t:9: otp_lookahead: '65'" },
		{ HEAD "otp = md5\notp_open = tcp/22\notp_low_water = 10000\n", "t:9: otp_low_water: '10000'" },
		{ HEAD "otp = md5\notp_open = tcp/22\notp_low_water = -1\n", "t:9: otp_low_water: '-1'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct config *c = NULL;
		struct errbuf err;
		assert_int_equal(config_load_string(bad[i].text, "t", 0, &c, &err), -1);
		assert_null(c);
		if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %zu: got '%s', want '%s...'", i, err.msg, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_and_print),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
