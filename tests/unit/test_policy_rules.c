/* test_policy_rules — the per-user rules (policy_rules.h, timerule.h,
 * config_policy.c): each rule allows what it should and refuses what it
 * should with its name in the reason, at injected times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "config.h"
#include "policy.h"
#include "policy_rules.h"
#include "scheme.h"
#include "timerule.h"

/* 2026-11-23 is a Monday. 00:00 UTC = 01:00 in Berlin (CET); alice's
 * Sunday hours run to Monday 02:00. */
#define MON_2026_11_23 1795392000ull
#define HOUR 3600ull

static const char config_text[] =
	"[daemon]\nmax_lease = 1h\n"
	"[protect]\nports = tcp/22\n"
	"[user alice]\nkey = /k/a.key\nopen = tcp/22\n"
	"targets = 10.1.0.0/16, 10.2.3.0/24, 2001:db8::/32, 2001:db8:1:200::/56\n"
	"sources = 203.0.113.0/24, 2001:db8:ffff::/48\n"
	"hours = Mon-Fri 08:00-18:00, Sat 10:00-12:00, Sun 22:00-02:00\n"
	"timezone = Europe/Berlin\n"
	"schemes = spa, token\ncarriers = udp, icmp\n"
	"expires = 2027-06-30\n"
	"[user wide]\nkey = /k/w.key\nopen = tcp/22\n"
	"targets = 10.0.0.0/8\nallow_wide_targets = yes\n"
	"[user any]\nkey = /k/any.key\nopen = tcp/22\n";

static struct config *cfg;
static const struct config_user *alice, *wide, *anyu;

static int setup(void **state)
{
	(void)state;
	struct errbuf err;
	if (config_load_string(config_text, "test", 0, &cfg, &err) != 0) {
		fprintf(stderr, "config refused: %s\n", err.msg);
		return -1;
	}
	alice = config_find_user(cfg, "alice");
	wide = config_find_user(cfg, "wide");
	anyu = config_find_user(cfg, "any");
	return alice && wide && anyu ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static struct request req(const char *src)
{
	struct request r = { .action = KNOCK_ACTION_OPEN, .scheme = SCHEME_SPA,
		.carrier = CARRIER_UDP, .target_is_source = true, .nports = 1 };
	assert_true(addr_parse(src, &r.src));
	assert_true(portspec_parse("tcp/22", &r.ports[0]));
	return r;
}

static void has(const char *why, const char *word)
{
	if (!strstr(why, word))
		fail_msg("wanted \"%s\" in \"%s\"", word, why);
}

static void names_agree_with_daemon(void **state)
{
	(void)state;
	for (int i = 1; i < SCHEME_COUNT && i < USERPOL_NSCHEMES; i++)
		assert_string_equal(userpol_scheme_names[i], scheme_name(i));
	for (int i = 1; i < CARRIER_COUNT && i < USERPOL_NCARRIERS; i++)
		assert_string_equal(userpol_carrier_names[i], carrier_name(i));
}

static void source_rule(void **state)
{
	(void)state;
	char why[POLICY_WHY_LEN];
	struct request r = req("203.0.113.77");
	assert_true(policy_rule_source(alice, &r, why));
	r = req("2001:db8:ffff:1::9");
	assert_true(policy_rule_source(alice, &r, why));
	r = req("198.51.100.1");
	assert_false(policy_rule_source(alice, &r, why));
	has(why, "sources:");
	has(why, "198.51.100.1");
	r = req("203.0.113.77");
	r.via_resolver = true;
	assert_false(policy_rule_source(alice, &r, why));
	has(why, "resolver");
	r = req("198.51.100.1");
	assert_true(policy_rule_source(anyu, &r, why)); /* default: any */
}

static void target_rule(void **state)
{
	(void)state;
	char why[POLICY_WHY_LEN];
	struct addr a;
	assert_true(addr_parse("10.2.3.4", &a));
	assert_true(policy_rule_target(alice, &a, true, why)); /* in a /24 */
	assert_true(addr_parse("10.1.9.9", &a));
	assert_false(policy_rule_target(alice, &a, true, why)); /* only in a /16 */
	has(why, "allow_wide_targets:");
	has(why, "10.1.0.0/16");
	assert_true(addr_parse("2001:db8:1:2aa::1", &a));
	assert_true(policy_rule_target(alice, &a, true, why)); /* in a /56 */
	assert_true(addr_parse("2001:db8:9::1", &a));
	assert_false(policy_rule_target(alice, &a, true, why)); /* only in a /32 */
	has(why, "allow_wide_targets:");
	assert_true(addr_parse("10.9.9.9", &a));
	assert_true(policy_rule_target(wide, &a, true, why)); /* allowed wide */
	assert_true(addr_parse("192.0.2.1", &a));
	assert_false(policy_rule_target(alice, &a, true, why));
	has(why, "targets:");
	/* Never a network, broadcast or multicast, named or as the source. */
	const char *bad[] = { "0.0.0.0", "255.255.255.255", "224.0.0.1", "::", "ff02::1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_true(addr_parse(bad[i], &a));
		assert_false(policy_rule_target(wide, &a, false, why));
		has(why, "not a unicast host");
	}
	/* A knock's own source needs no targets entry. */
	assert_true(addr_parse("198.51.100.1", &a));
	assert_true(policy_rule_target(alice, &a, false, why));
}

static void hours_rule(void **state)
{
	(void)state;
	char why[POLICY_WHY_LEN];
	uint64_t mon = MON_2026_11_23 + 2 * HOUR; /* Mon 03:00 Berlin */
	assert_false(policy_rule_hours(alice, mon, why));
	has(why, "hours: Mon 03:00 Europe/Berlin");
	assert_true(policy_rule_hours(alice, mon + 5 * HOUR, why)); /* 08:00 */
	assert_true(policy_rule_hours(alice, mon + 14 * HOUR + 3540, why)); /* 17:59 */
	assert_false(policy_rule_hours(alice, mon + 15 * HOUR, why)); /* 18:00 */
	uint64_t sat = mon + 5 * 24 * HOUR; /* Sat 03:00 */
	assert_true(policy_rule_hours(alice, sat + 7 * HOUR, why)); /* 10:00 */
	assert_false(policy_rule_hours(alice, sat + 9 * HOUR, why)); /* 12:00 */
	uint64_t sun = sat + 24 * HOUR; /* Sun 03:00 */
	assert_false(policy_rule_hours(alice, sun + 18 * HOUR, why)); /* 21:00 */
	assert_true(policy_rule_hours(alice, sun + 19 * HOUR + 1800, why)); /* 22:30 */
	assert_true(policy_rule_hours(alice, sun + 22 * HOUR, why)); /* Mon 01:00 */
	assert_false(policy_rule_hours(alice, sun + 23 * HOUR, why)); /* Mon 02:00 */
	/* Summer time: 2027-07-05 is a Monday; 06:00 UTC = 08:00 CEST. */
	int64_t jul;
	assert_true(timerule_parse_date("2027-07-05", &jul));
	assert_true(policy_rule_hours(alice, (uint64_t)jul + 6 * HOUR, why));
	assert_false(policy_rule_hours(alice, (uint64_t)jul + 5 * HOUR, why));
	assert_true(policy_rule_hours(anyu, mon, why));
	/* The TZ of the process is left as it was. */
	setenv("TZ", "UTC", 1);
	assert_false(policy_rule_hours(alice, mon, why));
	assert_string_equal(getenv("TZ"), "UTC");
	unsetenv("TZ");
	assert_false(policy_rule_hours(alice, mon, why));
	assert_null(getenv("TZ"));
}

static void scheme_and_carrier_rules(void **state)
{
	(void)state;
	char why[POLICY_WHY_LEN];
	struct request r = req("203.0.113.1");
	assert_true(policy_rule_scheme(alice, &r, why));
	r.scheme = SCHEME_TOKEN;
	assert_true(policy_rule_scheme(alice, &r, why));
	r.scheme = SCHEME_OTP;
	assert_false(policy_rule_scheme(alice, &r, why));
	has(why, "schemes: otp");
	assert_true(policy_rule_scheme(anyu, &r, why));
	r.carrier = CARRIER_ICMP;
	assert_true(policy_rule_carrier(alice, &r, why));
	r.carrier = CARRIER_DNS;
	assert_false(policy_rule_carrier(alice, &r, why));
	has(why, "carriers: dns");
	assert_true(policy_rule_carrier(anyu, &r, why));
}

static void expiry_rules(void **state)
{
	(void)state;
	char why[POLICY_WHY_LEN];
	int64_t exp;
	assert_true(timerule_parse_date("2027-06-30", &exp));
	assert_int_equal(exp, 1814313600);
	assert_true(policy_rule_expires(alice, (uint64_t)exp - 1, why));
	assert_false(policy_rule_expires(alice, (uint64_t)exp, why));
	has(why, "expires: key of alice expired on 2027-06-30");
	assert_true(policy_rule_expires(anyu, 4000000000ull, why));

	/* The old key: fine until its day, refused from it; the new one is not
	 * affected. */
	struct config_user u = *alice;
	struct config_profile prof = *alice->prof; /* alice's stays as it is */
	struct user_policy pol = *alice->prof->pol;
	u.prof = &prof;
	u.prof->pol = &pol;
	pol.has_old_key = true;
	assert_true(timerule_parse_date("2026-12-03", &pol.old_key_until));
	struct request r = req("203.0.113.1");
	r.old_key = true;
	assert_true(policy_rule_old_key(&u, &r, (uint64_t)u.prof->pol->old_key_until - 1, why));
	assert_false(policy_rule_old_key(&u, &r, (uint64_t)u.prof->pol->old_key_until, why));
	has(why, "old_key_until:");
	r.old_key = false;
	assert_true(policy_rule_old_key(&u, &r, (uint64_t)pol.old_key_until + 99, why));
	r.old_key = true;
	assert_false(policy_rule_old_key(anyu, &r, 0, why));
}

/* The whole decision: the rule's refusal comes out of policy_decide_at. */
static void decide_names_rule(void **state)
{
	(void)state;
	char why[POLICY_WHY_LEN];
	struct grant g;
	struct request r = req("203.0.113.5");
	uint64_t mon10 = MON_2026_11_23 + 9 * HOUR;
	assert_int_equal(policy_decide_at(cfg, alice, &r, mon10, &g, why), VERDICT_ACCEPT);
	assert_int_equal(policy_decide_at(cfg, alice, &r, MON_2026_11_23 + 2 * HOUR, &g,
		why), VERDICT_POLICY);
	has(why, "hours:");
	r = req("198.51.100.5");
	assert_int_equal(policy_decide_at(cfg, alice, &r, mon10, &g, why), VERDICT_POLICY);
	has(why, "sources:");
	r = req("203.0.113.5");
	r.target_is_source = false;
	assert_true(addr_parse("10.1.2.3", &r.target));
	assert_int_equal(policy_decide_at(cfg, alice, &r, mon10, &g, why), VERDICT_POLICY);
	has(why, "allow_wide_targets:");
}

static void timerule_parse_and_format(void **state)
{
	(void)state;
	struct timerule t = { 0 };
	const char *why;
	char buf[256];
	assert_true(timerule_add(&t, "Mon-Fri 08:00-18:00", &why));
	assert_true(timerule_add(&t, "sat 10:00-12:00", &why));
	assert_string_equal(timerule_format(&t, buf, sizeof buf),
		"Mon-Fri 08:00-18:00, Sat 10:00-12:00");
	struct timerule w = { 0 };
	assert_true(timerule_add(&w, "Fri-Mon 22:00-02:00", &why));
	assert_string_equal(timerule_format(&w, buf, sizeof buf),
		"Mon 00:00-02:00, Mon 22:00-24:00, Tue 00:00-02:00, Fri 22:00-24:00, "
		"Sat-Sun 00:00-02:00, Sat-Sun 22:00-24:00");
	struct timerule all = { 0 };
	assert_true(timerule_add(&all, "00:00-24:00", &why));
	assert_string_equal(timerule_format(&all, buf, sizeof buf), "Mon-Sun 00:00-24:00");
	const char *bad[] = { "", "Mon", "Mon 8:00-9:00", "Mon 08:00", "Xyz 08:00-09:00",
		"Mon-Xyz 08:00-09:00", "Mon 24:00-01:00", "Mon 08:60-09:00",
		"Mon 08:00-24:01", "Mon Tue 08:00-09:00", "Mon 08:00-09:00x" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct timerule x = { 0 };
		if (timerule_add(&x, bad[i], &why))
			fail_msg("accepted \"%s\"", bad[i]);
		assert_false(x.set);
	}
	int64_t d;
	assert_true(timerule_parse_date("1970-01-01", &d));
	assert_int_equal(d, 0);
	assert_true(timerule_parse_date("2028-02-29", &d));
	assert_false(timerule_parse_date("2027-02-29", &d));
	assert_false(timerule_parse_date("2027-13-01", &d));
	assert_false(timerule_parse_date("2027-1-01", &d));
	assert_false(timerule_parse_date("1969-12-31", &d));
	char date[TIMERULE_DATE_LEN];
	assert_string_equal(timerule_format_date(1814313600, date), "2027-06-30");
	assert_true(timerule_zone_valid("Europe/Berlin", &why));
	assert_true(timerule_zone_valid("UTC", &why));
	assert_false(timerule_zone_valid("Europe/Nowhere", &why));
	assert_false(timerule_zone_valid("../etc/passwd", &why));
	assert_false(timerule_zone_valid("/etc/localtime", &why));
}

/* Config errors name the file and line. */
static void config_errors(void **state)
{
	(void)state;
	static const struct { const char *text, *want; } cases[] = {
		{ "sources = any, 10.0.0.0/8\n", "test:6: sources: 'any' cannot" },
		{ "sources = 0.0.0.0/0\n", "test:6: sources: 0.0.0.0/0 is every address" },
		{ "hours = Mon 25:00-26:00\n", "test:6: hours: bad item" },
		{ "timezone = Mars/Olympus\n", "test:6: timezone: 'Mars/Olympus'" },
		{ "schemes = spa, carrier-pigeon\n", "test:6: schemes: unknown name" },
		{ "carriers = udp, udp\n", "test:6: carriers: udp listed twice" },
		{ "expires = 2027-02-30\n", "test:6: expires: bad date" },
		{ "old_key = /k/old.key\n", "test:6: user a: old_key needs old_key_until" },
		{ "old_key_until = 2027-01-01\n", "test:6: user a: old_key_until without" },
		{ "allow_wide_targets = perhaps\n", "test:6: allow_wide_targets:" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[512];
		struct config *c = NULL;
		struct errbuf err;
		snprintf(text, sizeof text, "[protect]\nports = tcp/22\n[user a]\n"
			"key = /k/a.key\nopen = tcp/22\n%s", cases[i].text);
		assert_int_equal(config_load_string(text, "test", 0, &c, &err), -1);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("wanted \"%s\" in \"%s\"", cases[i].want, err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_agree_with_daemon),
		cmocka_unit_test(source_rule),
		cmocka_unit_test(target_rule),
		cmocka_unit_test(hours_rule),
		cmocka_unit_test(scheme_and_carrier_rules),
		cmocka_unit_test(expiry_rules),
		cmocka_unit_test(decide_names_rule),
		cmocka_unit_test(timerule_parse_and_format),
		cmocka_unit_test(config_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
