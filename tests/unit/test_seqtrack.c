/* test_seqtrack — the port-sequence tracker: in order, tolerated reorder,
 * the gap limit, reset on a wrong port, repeats, expiry, bounded memory under
 * 100 000 sources, token windows, and a full-range scan in random order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "seqtrack.h"

static struct addr v4(uint32_t n)
{
	struct addr a = { .family = AF_INET };
	a.bytes[0] = (uint8_t)(n >> 24);
	a.bytes[1] = (uint8_t)(n >> 16);
	a.bytes[2] = (uint8_t)(n >> 8);
	a.bytes[3] = (uint8_t)n;
	return a;
}

static struct portspec tcp(uint16_t port) { return (struct portspec){ IPPROTO_TCP, port }; }
static struct portspec udp(uint16_t port) { return (struct portspec){ IPPROTO_UDP, port }; }

/* 7000/tcp, 8000/udp, 9000/tcp, 6000/tcp in slot 0 */
static struct seqtrack *make(uint8_t tolerance, size_t cap)
{
	struct seqtrack *t = seqtrack_new(cap, 4);
	struct seqtrack_want w = { .timeout_ms = 5000, .tolerance = tolerance };
	assert_non_null(t);
	w.seq.n = 4;
	w.seq.step[0] = tcp(7000);
	w.seq.step[1] = udp(8000);
	w.seq.step[2] = tcp(9000);
	w.seq.step[3] = tcp(6000);
	assert_int_equal(seqtrack_set(t, 0, &w), 0);
	return t;
}

/* Feeds the hits; returns the slot completed by the last one, or -1. */
static int feed(struct seqtrack *t, const struct addr *src, const struct portspec *h,
	size_t n, uint64_t start_ms, uint64_t step_ms)
{
	struct seqtrack_result r = { 0 };
	for (size_t i = 0; i < n; i++) {
		seqtrack_hit(t, src, &h[i], start_ms + i * step_ms, &r);
		if (r.ndone && i + 1 < n)
			return -2; /* completed too early */
	}
	return r.ndone ? (int)r.done[0] : -1;
}

static void in_order(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 64);
	struct addr a = v4(1);
	struct portspec h[] = { tcp(7000), udp(8000), tcp(9000), tcp(6000) };
	assert_int_equal(feed(t, &a, h, 4, 1000, 100), 0);
	assert_int_equal(seqtrack_count(t), 0); /* completed: nothing left */
	/* again, from another source, the same works */
	struct addr b = v4(2);
	assert_int_equal(feed(t, &b, h, 4, 2000, 100), 0);
	seqtrack_free(t);
}

static void wrong_protocol_is_wrong(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 64);
	struct addr a = v4(1);
	struct portspec h[] = { tcp(7000), tcp(8000), tcp(9000), tcp(6000) };
	assert_int_equal(feed(t, &a, h, 4, 1000, 100), -1);
	seqtrack_free(t);
}

static void reorder_needs_tolerance(void **state)
{
	(void)state;
	struct portspec h[] = { tcp(7000), tcp(9000), udp(8000), tcp(6000) };
	struct addr a = v4(1);
	struct seqtrack *t = make(0, 64);
	assert_int_equal(feed(t, &a, h, 4, 1000, 100), -1);
	seqtrack_free(t);
	t = make(1, 64);
	assert_int_equal(feed(t, &a, h, 4, 1000, 100), 0);
	/* tolerance 1 is not "any order": two steps ahead is too far */
	struct portspec far[] = { tcp(7000), tcp(6000), udp(8000), tcp(9000) };
	assert_int_equal(feed(t, &a, far, 4, 5000, 100), -1);
	seqtrack_free(t);
	/* a second step first, with tolerance */
	t = make(1, 64);
	struct portspec first2[] = { udp(8000), tcp(7000), tcp(9000), tcp(6000) };
	assert_int_equal(feed(t, &a, first2, 4, 1000, 100), 0);
	seqtrack_free(t);
}

static void gap_timeout(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 64);
	struct addr a = v4(1);
	struct portspec h[] = { tcp(7000), udp(8000), tcp(9000), tcp(6000) };
	assert_int_equal(feed(t, &a, h, 4, 1000, 5000), 0); /* exactly the limit */
	assert_int_equal(feed(t, &a, h, 4, 100000, 5001), -1); /* 1 ms too slow */
	seqtrack_free(t);
}

static void wrong_port_resets(void **state)
{
	(void)state;
	struct seqtrack *t = make(1, 64);
	struct addr a = v4(1);
	struct portspec h[] = { tcp(7000), udp(8000), tcp(22), tcp(9000), tcp(6000) };
	assert_int_equal(feed(t, &a, h, 5, 1000, 100), -1);
	/* and after the reset the sequence can start over */
	assert_int_equal(feed(t, &a, (struct portspec[]){ tcp(7000), udp(8000),
		tcp(9000), tcp(6000) }, 4, 2000, 100), 0);
	seqtrack_free(t);
}

static void repeats_are_neutral(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 64);
	struct addr a = v4(1);
	/* a retransmitted SYN of the step just seen does not reset */
	struct portspec h[] = { tcp(7000), tcp(7000), udp(8000), udp(8000), tcp(9000),
		tcp(6000) };
	assert_int_equal(feed(t, &a, h, 6, 1000, 100), 0);
	/* an earlier step again does: "A B A C D" is not "A B C D" */
	struct portspec back[] = { tcp(7000), udp(8000), tcp(7000), tcp(9000), tcp(6000) };
	assert_int_equal(feed(t, &a, back, 5, 5000, 100), -1);
	seqtrack_free(t);
}

static void sources_are_separate(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 64);
	struct addr a = v4(1), b = v4(2);
	struct seqtrack_result r;
	struct portspec h[] = { tcp(7000), udp(8000), tcp(9000), tcp(6000) };
	for (size_t i = 0; i < 4; i++) {
		seqtrack_hit(t, &a, &h[i], 1000 + i, &r);
		assert_int_equal(r.ndone, i == 3);
		if (i < 3) {
			seqtrack_hit(t, &b, &h[i], 1000 + i, &r); /* b in step */
			assert_int_equal(r.ndone, 0);
		}
	}
	seqtrack_hit(t, &b, &h[3], 1010, &r);
	assert_int_equal(r.ndone, 1);
	seqtrack_free(t);
}

static void slot_change_forgets(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 64);
	struct addr a = v4(1);
	struct portspec h[] = { tcp(7000), udp(8000), tcp(9000), tcp(6000) };
	assert_int_equal(feed(t, &a, h, 3, 1000, 10), -1);
	struct seqtrack_want w = { .timeout_ms = 5000 };
	w.seq.n = 3;
	w.seq.step[0] = tcp(1);
	w.seq.step[1] = tcp(2);
	w.seq.step[2] = tcp(3);
	assert_int_equal(seqtrack_set(t, 0, &w), 0); /* e.g. a one-time line used */
	struct seqtrack_result r;
	seqtrack_hit(t, &a, &h[3], 1040, &r);
	assert_int_equal(r.ndone, 0);
	assert_int_equal(seqtrack_set(t, 0, NULL), 0);
	assert_int_equal(feed(t, &a, h, 4, 2000, 10), -1);
	assert_int_equal(seqtrack_count(t), 0);
	/* bad slots and wants are refused */
	assert_int_equal(seqtrack_set(t, 4, &w), -1);
	w.tolerance = 2; /* 3 steps, tolerance 2: any order */
	assert_int_equal(seqtrack_set(t, 0, &w), -1);
	seqtrack_free(t);
}

static void two_slots(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 64);
	struct seqtrack_want w = { .timeout_ms = 5000 };
	w.seq.n = 3;
	w.seq.step[0] = tcp(7000);
	w.seq.step[1] = tcp(7001);
	w.seq.step[2] = tcp(7002);
	assert_int_equal(seqtrack_set(t, 3, &w), 0);
	struct addr a = v4(9);
	assert_int_equal(feed(t, &a, w.seq.step, 3, 1000, 10), 3);
	struct portspec h[] = { tcp(7000), udp(8000), tcp(9000), tcp(6000) };
	assert_int_equal(feed(t, &a, h, 4, 2000, 10), 0);
	seqtrack_free(t);
}

static void expiry(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 64);
	struct seqtrack_result r;
	for (uint32_t i = 0; i < 10; i++) {
		struct addr a = v4(i);
		seqtrack_hit(t, &a, &(struct portspec){ IPPROTO_TCP, 7000 }, 1000 + i * 1000, &r);
	}
	assert_int_equal(seqtrack_count(t), 10);
	seqtrack_expire(t, 10000); /* idle > 5 s: sources 0..3 */
	assert_int_equal(seqtrack_count(t), 6);
	seqtrack_expire(t, 100000);
	assert_int_equal(seqtrack_count(t), 0);
	seqtrack_free(t);
}

static void bounded_memory(void **state)
{
	(void)state;
	struct seqtrack *t = make(0, 4096);
	struct seqtrack_result r;
	struct portspec first = tcp(7000), second = udp(8000);
	/* 100 000 sources each start the sequence: the table holds 4096 */
	for (uint32_t i = 0; i < 100000; i++) {
		struct addr a = v4(0x0a000000u + i);
		seqtrack_hit(t, &a, &first, 1000, &r);
		assert_true(seqtrack_count(t) <= 4096);
	}
	assert_int_equal(seqtrack_count(t), 4096);
	assert_int_equal(seqtrack_evictions(t), 100000 - 4096);
	/* the newest survive, the oldest were evicted */
	struct addr newest = v4(0x0a000000u + 99999), oldest = v4(0x0a000000u);
	seqtrack_hit(t, &newest, &second, 1001, &r);
	seqtrack_hit(t, &newest, &(struct portspec){ IPPROTO_TCP, 9000 }, 1002, &r);
	seqtrack_hit(t, &newest, &(struct portspec){ IPPROTO_TCP, 6000 }, 1003, &r);
	assert_int_equal(r.ndone, 1);
	seqtrack_hit(t, &oldest, &second, 1001, &r);
	assert_int_equal(r.ndone, 0);
	/* hits that start nothing cost no memory: a scan from 100 000 sources */
	seqtrack_expire(t, 1000000);
	for (uint32_t i = 0; i < 100000; i++) {
		struct addr a = v4(0x0b000000u + i);
		seqtrack_hit(t, &a, &(struct portspec){ IPPROTO_TCP, (uint16_t)(1 + i % 6000) }, 2000000, &r);
	}
	assert_int_equal(seqtrack_count(t), 0);
	seqtrack_free(t);
}

/* Full-range TCP SYN scans and UDP sweeps, one protocol at a time and both
 * mixed, in random order: nothing completes (the sequence needs 7000/tcp,
 * 8000/udp, 9000/tcp, 6000/tcp with at most one step swapped). */
static void random_scan(void **state)
{
	(void)state;
	static uint32_t order[2 * 65535];
	struct seqtrack *t = make(1, 64);
	struct addr a = v4(77);
	struct seqtrack_result r;
	for (int round = 0; round < 12; round++) {
		int kind = round % 3; /* 0 tcp, 1 udp, 2 both */
		uint32_t n = kind == 2 ? 2 * 65535 : 65535;
		for (uint32_t i = 0; i < n; i++)
			order[i] = (i % 65535 + 1) | (kind == 1 || (kind == 2 && i >= 65535) ? 1u << 16 : 0);
		for (uint32_t i = n - 1; i > 0; i--) {
			uint32_t j = randombytes_uniform(i + 1);
			uint32_t x = order[i];
			order[i] = order[j];
			order[j] = x;
		}
		for (uint32_t i = 0; i < n; i++) {
			struct portspec p = { order[i] >> 16 ? IPPROTO_UDP : IPPROTO_TCP,
				(uint16_t)order[i] };
			seqtrack_hit(t, &a, &p, (uint64_t)round * 1000000 + i / 100, &r);
			assert_int_equal(r.ndone, 0);
		}
	}
	seqtrack_free(t);
}

static void token_window(void **state)
{
	(void)state;
	struct seqtrack *t = seqtrack_new(64, 1);
	struct portrange w = { IPPROTO_TCP, 40000, 49999 };
	struct seqtrack_result r;
	struct addr a = v4(5);
	assert_int_equal(seqtrack_set_windows(t, &w, 1, 5000), 0);
	uint16_t ports[] = { 41000, 42000, 43000, 44000, 45000 };
	for (size_t i = 0; i < 5; i++) {
		seqtrack_hit(t, &a, &(struct portspec){ IPPROTO_TCP, ports[i] }, 1000 + i, &r);
		assert_int_equal(r.window, i >= 3);
	}
	assert_int_equal(r.ports[0], 42000); /* sliding: the last four */
	assert_int_equal(r.ports[3], 45000);
	/* a repeat is neutral; a hit outside the window resets it */
	seqtrack_hit(t, &a, &(struct portspec){ IPPROTO_TCP, 45000 }, 1010, &r);
	assert_false(r.window);
	seqtrack_hit(t, &a, &(struct portspec){ IPPROTO_TCP, 22 }, 1011, &r);
	assert_false(r.window);
	for (size_t i = 0; i < 3; i++) {
		seqtrack_hit(t, &a, &(struct portspec){ IPPROTO_TCP, ports[i] }, 1020 + i, &r);
		assert_false(r.window);
	}
	/* too slow: the gap limit empties it */
	seqtrack_hit(t, &a, &(struct portspec){ IPPROTO_TCP, ports[3] }, 7000, &r);
	assert_false(r.window);
	/* UDP never fills a token window */
	seqtrack_hit(t, &a, &(struct portspec){ IPPROTO_UDP, 41000 }, 7001, &r);
	assert_false(r.window);
	seqtrack_free(t);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order),
		cmocka_unit_test(wrong_protocol_is_wrong),
		cmocka_unit_test(reorder_needs_tolerance),
		cmocka_unit_test(gap_timeout),
		cmocka_unit_test(wrong_port_resets),
		cmocka_unit_test(repeats_are_neutral),
		cmocka_unit_test(sources_are_separate),
		cmocka_unit_test(slot_change_forgets),
		cmocka_unit_test(two_slots),
		cmocka_unit_test(expiry),
		cmocka_unit_test(bounded_memory),
		cmocka_unit_test(random_scan),
		cmocka_unit_test(token_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
