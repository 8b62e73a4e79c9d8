/* test_tagtable_order — the tag table is an ordered hash table: after every
 * full build and every slide, each probe run holds its entries in the order
 * of their home cells and tag_lo (tagtable_check_order), runs included that
 * go round past the last cell; every tag of the window is found with all
 * the users that hold it (users sharing a key share every tag: the same
 * tag_lo on purpose), nothing else is; and a lookup for a tag that is not
 * there stops where a hit would, not at the end of the cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "knock.h"
#include "tagtable.h"

#define NOW 1700000017ull
#define MAX_USERS 20000
/* Users u, u + 1, ..., u + share - 1 (u % share == 0) share a key. */
static size_t share;
#define SHARE_MOST 3
#define OLD_EVERY 50 /* users u % OLD_EVERY == 1 share one old key */
#define MAX_HOLDERS (MAX_USERS / OLD_EVERY + 1)

static char names[MAX_USERS][24]; /* "user" and a size_t */
static struct config_profile plain, with_old;
static struct user_policy old_pol;

/* n users; user u's master is that of u / sharing, and with old, every
 * OLD_EVERY-th user also has the one old key. */
static struct config *make_config(size_t n, uint32_t window, bool old,
	size_t sharing)
{
	share = sharing;
	char text[256];
	snprintf(text, sizeof text, "[daemon]\nwindow = %u\n[protect]\nports = tcp/22\n"
		"[user user0]\nkey = /k/0.key\nopen = tcp/22\n", window);
	struct config *c = NULL;
	struct errbuf err;
	if (config_load_string(text, "test", 0, &c, &err) != 0)
		fail_msg("config refused: %s", err.msg);
	struct config_user *users = realloc(c->users, n * sizeof *users);
	assert_non_null(users);
	/* The copies share profiles that config_free leaves alone (as [user
	 * *]'s users do); users[0]'s owns the heap copies. */
	plain = *users[0].prof;
	plain.from_template = true;
	with_old = plain;
	old_pol = *plain.pol;
	uint8_t master[KNOCK_MASTER_BYTES] = { 0xee, 0xee, 0xee };
	knock_derive_keys(master, &old_pol.old_keys);
	old_pol.has_old_key = true;
	with_old.pol = &old_pol;
	for (size_t u = 1; u < n; u++) {
		users[u].prof = old && u % OLD_EVERY == 1 ? &with_old : &plain;
		snprintf(names[u], sizeof names[u], "user%zu", u);
		users[u].name = names[u];
	}
	c->users = users;
	c->nusers = n;
	config_summarise(c);
	for (size_t u = 0; u < n; u++) {
		size_t k = u / share;
		uint8_t m[KNOCK_MASTER_BYTES] = { (uint8_t)k, (uint8_t)(k >> 8), 7 };
		assert_int_equal(config_user_set_secret(c, u, m), 0);
	}
	return c;
}

static int by_index(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Asserts that tag is held by exactly the users want[0..n) (sorted). */
static void holders(const struct tagtable *t, const struct config *c,
	const uint8_t tag[static KNOCK_TAG_BYTES], const uint32_t *want, size_t n,
	const char *what, uint64_t s)
{
	uint32_t got[MAX_HOLDERS + 1];
	size_t m = tagtable_lookup(t, c, tag, got, MAX_HOLDERS + 1);
	qsort(got, m, sizeof *got, by_index);
	if (m != n || memcmp(got, want, n * sizeof *want) != 0)
		fail_msg("%s slot %llu: %zu holder(s), want %zu", what,
			(unsigned long long)s, m, n);
}

/* Brute force: every key's tag for every slot of the window and two on
 * each side, against the list of users holding that key. */
static void check_window(const struct tagtable *t, const struct config *c, uint64_t now)
{
	uint64_t first = knock_slot(now - c->window), last = knock_slot(now + c->window);
	assert_true(tagtable_check_order(t));
	uint32_t olds[MAX_HOLDERS];
	size_t nold = 0;
	for (size_t u = 0; c->uses.old_keys && u < c->nusers; u++)
		if (c->users[u].prof->pol->has_old_key)
			olds[nold++] = (uint32_t)u;
	assert_int_equal(tagtable_entries(t), (c->nusers + nold) * (last - first + 1));
	for (uint64_t s = first - 2; s <= last + 2; s++) {
		bool in = s >= first && s <= last;
		uint8_t tag[KNOCK_TAG_BYTES];
		for (size_t u = 0; u < c->nusers; u += share) {
			uint32_t want[SHARE_MOST];
			size_t n = 0;
			for (size_t v = u; in && v < u + share && v < c->nusers; v++)
				want[n++] = (uint32_t)v;
			knock_tag(config_user_tag_key(c, &c->users[u]), s, tag);
			holders(t, c, tag, want, n, "key", s);
		}
		if (nold) {
			knock_tag(old_pol.old_keys.tag_key, s, tag);
			holders(t, c, tag, olds, in ? nold : 0, "old key", s);
		}
	}
}

/* Hundreds of slides, at the table's highest load (a window of whole slots
 * always fills every slot it was sized for) and at one slot less. */
static void slides_keep_order(void **state)
{
	(void)state;
	static const struct { size_t users; uint32_t window; bool old; } runs[] = {
		{ 1000, 60, false }, { 1000, 61, true }, { 301, 30, true }, { 7, 1, false },
	};
	for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
		struct config *c = make_config(runs[r].users, runs[r].window, runs[r].old,
			SHARE_MOST - r % 2);
		struct tagtable *t = tagtable_new();
		assert_non_null(t);
		assert_int_equal(tagtable_update(t, c, NOW), 0);
		size_t bytes = tagtable_bytes(t);
		for (uint64_t now = NOW; now < NOW + 300 * KNOCK_SLOT_SECONDS; now += 30) {
			assert_int_equal(tagtable_update(t, c, now), 0);
			assert_int_equal(tagtable_bytes(t), bytes); /* slid, not rebuilt */
			check_window(t, c, now);
		}
		tagtable_free(t);
		config_free(c);
	}
}

/* Cells of the table, from its bytes (8 a cell; the header is what an empty
 * table's bytes are). */
static size_t cells_of(const struct tagtable *t)
{
	struct tagtable *empty = tagtable_new();
	size_t header = tagtable_bytes(empty);
	tagtable_free(empty);
	return (tagtable_bytes(t) - header) / 8;
}

static size_t home_of(const uint8_t tag[static KNOCK_TAG_BYTES], size_t cap)
{
	uint32_t lo;
	memcpy(&lo, tag, sizeof lo);
	return (size_t)(((uint64_t)lo * cap) >> 32);
}

/* Small tables, many of them, full: some probe run goes round past the last
 * cell in many of them (a lookup whose home plus its cells passes the
 * end), and order and lookups hold there too, after builds and slides. */
static void runs_round_the_end(void **state)
{
	(void)state;
	size_t wrapped = 0;
	for (size_t n = 2; n <= 120; n++) {
		struct config *c = make_config(n, 60, n % 2 == 0, 1 + n % SHARE_MOST);
		struct tagtable *t = tagtable_new();
		for (uint64_t now = NOW; now < NOW + 6 * KNOCK_SLOT_SECONDS; now += 30) {
			assert_int_equal(tagtable_update(t, c, now), 0);
			check_window(t, c, now);
			size_t cap = cells_of(t);
			uint64_t first = knock_slot(now - 60), last = knock_slot(now + 60);
			for (size_t u = 0; u < n; u += share)
				for (uint64_t s = first; s <= last; s++) {
					uint8_t tag[KNOCK_TAG_BYTES];
					knock_tag(config_user_tag_key(c, &c->users[u]), s, tag);
					wrapped += home_of(tag, cap) + tagtable_lookup_cells(t, tag) > cap;
				}
		}
		tagtable_free(t);
		config_free(c);
	}
	assert_true(wrapped >= 50);
}

/* A deterministic stream of tags (splitmix64): none is a user's. */
static void next_tag(uint64_t *x, uint8_t tag[static KNOCK_TAG_BYTES])
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	memcpy(tag, &z, KNOCK_TAG_BYTES);
}

/* A miss costs what a hit costs: a tag with a user's low half and another
 * high half looks at exactly the cells that user's tag does; random tags
 * look at fewer than 6 cells on average at load 0.85 (3.8 here), where plain
 * linear probing would go to the end of the cluster (~23 cells). Counted in
 * cells, not timed. (Users sharing a key, as in the other tests, make runs
 * of equal tags and longer misses: 9.5 cells at SHARE_MOST.) */
static void misses_stop_early(void **state)
{
	(void)state;
	struct config *c = make_config(MAX_USERS, 60, false, 1);
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	assert_true(tagtable_check_order(t));
	assert_true(tagtable_entries(t) * 100 >= cells_of(t) * 84); /* full */
	uint64_t first = knock_slot(NOW - 60), last = knock_slot(NOW + 60);
	for (size_t u = 0; u < MAX_USERS; u += 7) {
		for (uint64_t s = first; s <= last; s++) {
			uint8_t tag[KNOCK_TAG_BYTES];
			uint32_t users[4];
			knock_tag(config_user_tag_key(c, &c->users[u]), s, tag);
			size_t hit = tagtable_lookup_cells(t, tag);
			tag[KNOCK_TAG_BYTES - 1] ^= 0x80;
			assert_int_equal(tagtable_lookup(t, c, tag, users, 4), 0);
			assert_int_equal(tagtable_lookup_cells(t, tag), hit);
		}
	}
	uint64_t x = 42;
	size_t cells = 0, misses = 100000;
	for (size_t i = 0; i < misses; i++) {
		uint8_t tag[KNOCK_TAG_BYTES];
		uint32_t users[2];
		next_tag(&x, tag);
		assert_int_equal(tagtable_lookup(t, c, tag, users, 2), 0);
		cells += tagtable_lookup_cells(t, tag);
	}
	assert_true(cells < 6 * misses);
	tagtable_free(t);
	config_free(c);
}

/* An empty table and one freed of its cells: no cells to look at, in order. */
static void empty_is_ordered(void **state)
{
	(void)state;
	uint8_t tag[KNOCK_TAG_BYTES] = { 0 };
	struct tagtable *t = tagtable_new();
	assert_true(tagtable_check_order(t));
	assert_int_equal(tagtable_lookup_cells(t, tag), 0);
	struct config *c = make_config(4, 60, true, 1);
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	assert_true(tagtable_check_order(t));
	tagtable_release(t);
	assert_true(tagtable_check_order(t));
	assert_int_equal(tagtable_lookup_cells(t, tag), 0);
	tagtable_free(t);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_is_ordered),
		cmocka_unit_test(slides_keep_order),
		cmocka_unit_test(runs_round_the_end),
		cmocka_unit_test(misses_stop_early),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
