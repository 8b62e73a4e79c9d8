/* test_clockguard — clock jumps never reopen a replay window (injected
 * times: the host clock is never touched). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clockguard.h"

#define T0 UINT64_C(1800000000) /* some wall time */

static void test_jump_detection(void **s)
{
	(void)s;
	struct clockguard g;
	clockguard_init(&g, 0);
	assert_int_equal(clockguard_observe(&g, (int64_t)T0, 100), 0); /* first sample */
	assert_int_equal(clockguard_observe(&g, (int64_t)T0 + 1, 101), 0);
	/* Small drift (NTP slew, a slow loop) is not a jump. */
	assert_int_equal(clockguard_observe(&g, (int64_t)T0 + 5, 103), 0);
	/* The wall clock goes back an hour while one second passes. */
	assert_int_equal(clockguard_observe(&g, (int64_t)T0 - 3600 + 6, 104), -3600);
	/* And forward: the hour back, and a day more. */
	assert_int_equal(clockguard_observe(&g, (int64_t)T0 + 86400 + 7, 105), 3600 + 86400);
	/* Steady again. */
	assert_int_equal(clockguard_observe(&g, (int64_t)T0 + 86400 + 8, 106), 0);
}

static void test_no_prune_without_records(void **s)
{
	(void)s;
	struct clockguard g;
	uint64_t cutoff;
	clockguard_init(&g, 0);
	assert_false(clockguard_prune_cutoff(&g, T0, &cutoff));
	assert_true(clockguard_admits(&g, 1)); /* no floor yet */
}

static void test_prune_below_floor(void **s)
{
	(void)s;
	struct clockguard g;
	uint64_t cutoff;
	clockguard_init(&g, T0);
	assert_true(clockguard_prune_cutoff(&g, T0 + 10, &cutoff));
	assert_int_equal(cutoff, T0 - CLOCKGUARD_MARGIN);
	/* Anything pruned (below cutoff) is refused; the newest is admitted. */
	assert_false(clockguard_admits(&g, cutoff - 1));
	assert_true(clockguard_admits(&g, cutoff));
	assert_true(clockguard_admits(&g, T0));
}

/* The attack: knock at T0 recorded; clock jumps a day forward; pruning
 * runs; clock is set back; the old knock is resent within its window. */
static void test_forward_jump_keeps_records(void **s)
{
	(void)s;
	struct clockguard g;
	uint64_t cutoff;
	clockguard_init(&g, 0);
	clockguard_recorded(&g, T0);
	uint64_t later = T0 + 86400;
	assert_true(clockguard_prune_cutoff(&g, later, &cutoff));
	/* The cutoff follows the newest record, not the jumped clock: T0's
	 * record survives, so its replay is still caught by the store. */
	assert_true(cutoff <= T0);
	assert_true(cutoff < T0 - 600);
}

static void test_backward_jump_refuses_pruned(void **s)
{
	(void)s;
	struct clockguard g;
	uint64_t cutoff;
	clockguard_init(&g, 0);
	/* Knocks over two hours; the oldest was pruned by then. */
	uint64_t old = T0, newest = T0 + 7200;
	clockguard_recorded(&g, old);
	clockguard_recorded(&g, newest);
	assert_true(clockguard_prune_cutoff(&g, newest + 60, &cutoff));
	assert_true(old < cutoff); /* old's record is gone */
	/* The clock goes back two hours: old's timestamp looks fresh to the
	 * window check, but the floor refuses it. */
	assert_false(clockguard_admits(&g, old));
	assert_false(clockguard_admits(&g, old + 30));
	/* After the jump, pruning does not go further back than before. */
	uint64_t cutoff2;
	assert_true(clockguard_prune_cutoff(&g, old + 60, &cutoff2));
	assert_true(cutoff2 <= cutoff);
}

static void test_legitimate_knocks_admitted(void **s)
{
	(void)s;
	struct clockguard g;
	clockguard_init(&g, 0);
	/* A knock from the future edge of the largest window sets the mark... */
	uint64_t now = T0;
	clockguard_recorded(&g, now + 600);
	/* ...and a knock at the past edge of that window is still admitted. */
	assert_true(clockguard_admits(&g, now - 600));
}

static void test_high_water_survives_restart(void **s)
{
	(void)s;
	/* At start-up the parent reads the newest record's time back. */
	struct clockguard g;
	clockguard_init(&g, T0 + 7200);
	assert_false(clockguard_admits(&g, T0));
	assert_true(clockguard_admits(&g, T0 + 7200 - 60));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jump_detection),
		cmocka_unit_test(test_no_prune_without_records),
		cmocka_unit_test(test_prune_below_floor),
		cmocka_unit_test(test_forward_jump_keeps_records),
		cmocka_unit_test(test_backward_jump_refuses_pruned),
		cmocka_unit_test(test_legitimate_knocks_admitted),
		cmocka_unit_test(test_high_water_survives_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
