/* test_verify — verify_knock: the verdict on one candidate knock, against
 * the freshness window's exact edges, with skew reported for every authentic
 * knock. Knocks are sealed with knock_seal_with_nonce so runs are repeatable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <sodium.h>
#include <string.h>

#include "config.h"
#include "knock.h"
#include "verify.h"
#include "testkeys.h"

#define T0 1700000017ull
#define WINDOW 60u

struct fixture {
	struct config_user users[2]; /* alice, bob */
	struct config_profile prof[2];
	struct config c; /* of those two */
};

static struct fixture fx;
#define ALICE (&fx.users[0])
#define BOB (&fx.users[1])

static int setup(void **state)
{
	(void)state;
	uint8_t master[KNOCK_MASTER_BYTES];
	config_user_init(ALICE, &fx.prof[0]);
	config_user_init(BOB, &fx.prof[1]);
	fx.c.users = fx.users;
	fx.c.nusers = 2;
	memset(master, 0xa1, sizeof master);
	if (config_user_set_secret(&fx.c, 0, master) != 0)
		return -1;
	memset(master, 0xb0, sizeof master);
	return config_user_set_secret(&fx.c, 1, master);
}

static int teardown(void **state)
{
	(void)state;
	config_keys_free(&fx.c);
	return 0;
}

static struct knock open22(uint64_t timestamp)
{
	struct knock k = {
		.action = KNOCK_ACTION_OPEN, .timestamp = timestamp, .lease = 30,
		.target_is_source = true, .nports = 1,
		.ports = { { IPPROTO_TCP, 22 } },
	};
	return k;
}

static void seal(const struct user_keys *keys, uint64_t timestamp,
	uint8_t wire[static KNOCK_WIRE_BYTES])
{
	static const uint8_t nonce[KNOCK_NONCE_BYTES] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct knock k = open22(timestamp);
	assert_int_equal(knock_seal_with_nonce(keys, &k, nonce, wire), 0);
}

/* verify_knock at now for a knock sealed at ts by alice. */
static enum verdict at(uint64_t ts, uint64_t now, uint32_t window, int64_t *skew)
{
	uint8_t wire[KNOCK_WIRE_BYTES];
	struct knock out;
	seal(derived(&fx.c, ALICE), ts, wire);
	*skew = 12345;
	return verify_knock(&fx.c, ALICE, wire, now, window, &out, skew);
}

static void fresh_knock_accepted(void **state)
{
	(void)state;
	uint8_t wire[KNOCK_WIRE_BYTES];
	struct knock out;
	int64_t skew = 99;
	seal(derived(&fx.c, ALICE), T0, wire);
	assert_int_equal(verify_knock(&fx.c, ALICE, wire, T0, WINDOW, &out, &skew),
		VERDICT_ACCEPT);
	assert_int_equal(skew, 0);
	assert_int_equal(out.action, KNOCK_ACTION_OPEN);
	assert_int_equal(out.timestamp, T0);
	assert_int_equal(out.lease, 30);
	assert_true(out.target_is_source);
	assert_int_equal(out.nports, 1);
	assert_int_equal(out.ports[0].proto, IPPROTO_TCP);
	assert_int_equal(out.ports[0].port, 22);
	assert_int_equal(out.nonce[0], 1);
	assert_int_equal(out.nonce[8], 9);
}

static void window_edges(void **state)
{
	(void)state;
	int64_t skew;
	/* A knock from the past: now is later. */
	assert_int_equal(at(T0, T0 + WINDOW - 1, WINDOW, &skew), VERDICT_ACCEPT);
	assert_int_equal(skew, -(int64_t)(WINDOW - 1));
	assert_int_equal(at(T0, T0 + WINDOW, WINDOW, &skew), VERDICT_ACCEPT);
	assert_int_equal(skew, -(int64_t)WINDOW);
	assert_int_equal(at(T0, T0 + WINDOW + 1, WINDOW, &skew), VERDICT_STALE);
	assert_int_equal(skew, -(int64_t)(WINDOW + 1));
	assert_int_equal(at(T0, T0 + 86400, WINDOW, &skew), VERDICT_STALE);
	assert_int_equal(skew, -86400);
	/* A knock from the future: now is earlier. */
	assert_int_equal(at(T0, T0 - WINDOW + 1, WINDOW, &skew), VERDICT_ACCEPT);
	assert_int_equal(skew, WINDOW - 1);
	assert_int_equal(at(T0, T0 - WINDOW, WINDOW, &skew), VERDICT_ACCEPT);
	assert_int_equal(skew, WINDOW);
	assert_int_equal(at(T0, T0 - WINDOW - 1, WINDOW, &skew), VERDICT_FUTURE);
	assert_int_equal(skew, WINDOW + 1);
	assert_int_equal(at(T0, T0 - 86400, WINDOW, &skew), VERDICT_FUTURE);
	assert_int_equal(skew, 86400);
	/* The smallest and largest windows the config allows. */
	assert_int_equal(at(T0, T0 + 1, 1, &skew), VERDICT_ACCEPT);
	assert_int_equal(at(T0, T0 + 2, 1, &skew), VERDICT_STALE);
	assert_int_equal(at(T0, T0 - 2, 1, &skew), VERDICT_FUTURE);
	assert_int_equal(at(T0, T0 + 600, 600, &skew), VERDICT_ACCEPT);
	assert_int_equal(at(T0, T0 + 601, 600, &skew), VERDICT_STALE);
}

/* Near the epoch, now - window must not wrap. */
static void window_near_zero(void **state)
{
	(void)state;
	int64_t skew;
	assert_int_equal(at(0, 0, WINDOW, &skew), VERDICT_ACCEPT);
	assert_int_equal(at(0, WINDOW, WINDOW, &skew), VERDICT_ACCEPT);
	assert_int_equal(at(0, WINDOW + 1, WINDOW, &skew), VERDICT_STALE);
	assert_int_equal(at(WINDOW + 1, 0, WINDOW, &skew), VERDICT_FUTURE);
	assert_int_equal(skew, WINDOW + 1);
	assert_int_equal(at(5, 10, WINDOW, &skew), VERDICT_ACCEPT);
	assert_int_equal(skew, -5);
}

static void wrong_keys_bad_mac(void **state)
{
	(void)state;
	uint8_t wire[KNOCK_WIRE_BYTES];
	struct knock out;
	int64_t skew = 7;
	seal(derived(&fx.c, ALICE), T0, wire);
	assert_int_equal(verify_knock(&fx.c, BOB, wire, T0, WINDOW, &out, &skew),
		VERDICT_BAD_MAC);
	assert_int_equal(skew, 0); /* not authentic: no skew */

	/* Any flipped bit anywhere: the tag is associated data. */
	for (size_t i = 0; i < KNOCK_WIRE_BYTES; i++) {
		uint8_t bad[KNOCK_WIRE_BYTES];
		memcpy(bad, wire, sizeof bad);
		bad[i] ^= 0x10;
		skew = 7;
		assert_int_equal(verify_knock(&fx.c, ALICE, bad, T0, WINDOW, &out, &skew),
			VERDICT_BAD_MAC);
		assert_int_equal(skew, 0);
	}
	/* Garbage and zeros. */
	memset(wire, 0, sizeof wire);
	assert_int_equal(verify_knock(&fx.c, ALICE, wire, T0, WINDOW, &out, &skew),
		VERDICT_BAD_MAC);
}

/* A stale or future knock is authentic: it is told apart from a forgery and
 * its skew is reported, so the log can say "your clock is off". */
static void stale_and_future_report_skew(void **state)
{
	(void)state;
	uint8_t wire[KNOCK_WIRE_BYTES];
	struct knock out;
	int64_t skew;
	seal(derived(&fx.c, ALICE), T0 - 3600, wire);
	assert_int_equal(verify_knock(&fx.c, ALICE, wire, T0, WINDOW, &out, &skew),
		VERDICT_STALE);
	assert_int_equal(skew, -3600);
	seal(derived(&fx.c, ALICE), T0 + 7200, wire);
	assert_int_equal(verify_knock(&fx.c, ALICE, wire, T0, WINDOW, &out, &skew),
		VERDICT_FUTURE);
	assert_int_equal(skew, 7200);
}

/* An authentic knock from a wildly wrong clock: the skew must at least keep
 * its sign (knock time - now is positive: the knock is from the future). */
static void skew_sign_for_huge_future(void **state)
{
	(void)state;
	uint8_t wire[KNOCK_WIRE_BYTES];
	struct knock out;
	int64_t skew;
	uint64_t ts = UINT64_MAX - 1;
	seal(derived(&fx.c, ALICE), ts, wire);
	assert_int_equal(verify_knock(&fx.c, ALICE, wire, T0, WINDOW, &out, &skew),
		VERDICT_FUTURE);
	if (skew <= 0)
		fail_msg("knock at %llu, now %llu: FUTURE but skew %lld",
			(unsigned long long)ts, T0, (long long)skew);
}

static void reasons(void **state)
{
	(void)state;
	assert_string_equal(verdict_reason(VERDICT_ACCEPT), "accept");
	assert_string_equal(verdict_reason(VERDICT_UNKNOWN_TAG), "unknown-tag");
	assert_string_equal(verdict_reason(VERDICT_BAD_MAC), "bad-mac");
	assert_string_equal(verdict_reason(VERDICT_STALE), "stale");
	assert_string_equal(verdict_reason(VERDICT_FUTURE), "future");
	assert_string_equal(verdict_reason(VERDICT_REPLAY), "replay");
	assert_string_equal(verdict_reason(VERDICT_POLICY), "policy");
	for (int v = 0; v < VERDICT_COUNT; v++) {
		assert_non_null(verdict_reason((enum verdict)v));
		assert_string_not_equal(verdict_reason((enum verdict)v), "?");
	}
	assert_string_equal(verdict_reason(VERDICT_COUNT), "?");
	assert_string_equal(verdict_reason((enum verdict)-1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fresh_knock_accepted),
		cmocka_unit_test(window_edges),
		cmocka_unit_test(window_near_zero),
		cmocka_unit_test(wrong_keys_bad_mac),
		cmocka_unit_test(stale_and_future_report_skew),
		cmocka_unit_test(skew_sign_for_huge_future),
		cmocka_unit_test(reasons),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
