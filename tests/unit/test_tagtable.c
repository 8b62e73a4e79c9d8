/* test_tagtable — the keyed pre-filter: for users with known keys, every tag
 * of every slot in the freshness window is found and names its user; tags
 * outside the window or random bytes are not. Disabled users are found (policy
 * refuses them, naming the rule), and so is a user's old key during a
 * rotation's overlap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "knock.h"
#include "tagtable.h"

/* Not on a slot boundary, so the window's ends fall inside slots. */
#define NOW 1700000017ull
#define MANY_USERS 10000

static void master_for(size_t u, uint8_t master[static KNOCK_MASTER_BYTES])
{
	for (size_t i = 0; i < KNOCK_MASTER_BYTES; i++)
		master[i] = (uint8_t)(i * 13 + u);
	master[0] = (uint8_t)(u >> 8);
	master[1] = (uint8_t)(u >> 16);
}

/* A config of n users user0..user(n-1) with keys from master_for(). The
 * parser builds at most SMALL_USERS of them; beyond that the last parsed user
 * is copied (the parser grows its array one user at a time, which under ASan
 * makes 10,000 users take minutes). */
#define SMALL_USERS 8
/* The names of the users copied beyond those parsed (a config holds
 * pointers to its names). */
static char names[MANY_USERS][24]; /* "user" and a size_t */

static struct config *make_config(size_t n, uint32_t window)
{
	size_t parsed = n < SMALL_USERS ? n : SMALL_USERS;
	char text[2048];
	size_t used = (size_t)snprintf(text, sizeof text,
		"[daemon]\nwindow = %u\n[protect]\nports = tcp/22\n", window);
	for (size_t u = 0; u < parsed; u++)
		used += (size_t)snprintf(text + used, sizeof text - used,
			"[user user%zu]\nkey = /k/%zu.key\nopen = tcp/22\n", u, u);
	struct config *c = NULL;
	struct errbuf err;
	if (config_load_string(text, "test", 0, &c, &err) != 0)
		fail_msg("config refused: %s", err.msg);
	assert_int_equal(c->nusers, parsed);
	if (n > parsed) {
		struct config_user *users = realloc(c->users, n * sizeof *users);
		assert_non_null(users);
		/* The copies share a profile that config_free leaves alone (as
		 * [user *]'s users do); the original's owns the heap copies. */
		static struct config_profile shared;
		shared = *users[parsed - 1].prof;
		shared.from_template = true;
		for (size_t u = parsed; u < n; u++) {
			users[u].prof = &shared;
			snprintf(names[u], sizeof names[u], "user%zu", u);
			users[u].name = names[u];
		}
		c->users = users;
		c->nusers = n;
	}
	for (size_t u = 0; u < n; u++) {
		uint8_t master[KNOCK_MASTER_BYTES];
		master_for(u, master);
		assert_int_equal(config_user_set_secret(c, u, master), 0);
	}
	return c;
}

static size_t lookup_slot(const struct tagtable *t, const struct config *c,
	const uint8_t tag_key[static KNOCK_TAG_KEY_BYTES], uint64_t slot,
	uint32_t *users, size_t max)
{
	uint8_t tag[KNOCK_TAG_BYTES];
	knock_tag(tag_key, slot, tag);
	return tagtable_lookup(t, c, tag, users, max);
}

/* Asserts that user u's tag for slot s is found, once, as u. */
static void found_as(const struct tagtable *t, const struct config *c, size_t u,
	uint64_t s)
{
	uint32_t users[4] = { 0 };
	size_t n = lookup_slot(t, c, config_user_tag_key(c, &c->users[u]), s, users, 4);
	if (n != 1 || users[0] != u)
		fail_msg("user %zu slot %llu: %zu match(es), first %u", u,
			(unsigned long long)s, n, users[0]);
}

static void not_found(const struct tagtable *t, const struct config *c, size_t u,
	uint64_t s)
{
	uint32_t users[4];
	size_t n = lookup_slot(t, c, config_user_tag_key(c, &c->users[u]), s, users, 4);
	if (n != 0)
		fail_msg("user %zu slot %llu: found, should not be", u,
			(unsigned long long)s);
}

static void empty_table(void **state)
{
	(void)state;
	struct config *c = make_config(0, 60);
	struct tagtable *t = tagtable_new();
	uint8_t tag[KNOCK_TAG_BYTES] = { 0 };
	uint32_t users[1];
	assert_non_null(t);
	assert_int_equal(tagtable_lookup(t, c, tag, users, 1), 0);
	assert_int_equal(tagtable_entries(t), 0);
	assert_true(tagtable_bytes(t) > 0);
	tagtable_free(t);
	tagtable_free(NULL);

	/* A config without users. */
	t = tagtable_new();
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	assert_int_equal(tagtable_entries(t), 0);
	assert_int_equal(tagtable_lookup(t, c, tag, users, 1), 0);
	tagtable_free(t);
	config_free(c);
}

static void every_second_of_the_window(void **state)
{
	(void)state;
	static const uint32_t windows[] = { 1, 29, 30, 60, 61, 600 };
	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
		uint32_t window = windows[w];
		struct config *c = make_config(3, window);
		struct tagtable *t = tagtable_new();
		assert_int_equal(tagtable_update(t, c, NOW), 0);
		uint64_t first = knock_slot(NOW - window), last = knock_slot(NOW + window);
		assert_int_equal(tagtable_entries(t), 3 * (last - first + 1));
		for (size_t u = 0; u < 3; u++) {
			/* Every second a knock can be fresh at: its slot's tag. */
			for (uint64_t ts = NOW - window; ts <= NOW + window; ts++)
				found_as(t, c, u, knock_slot(ts));
			not_found(t, c, u, first - 1);
			not_found(t, c, u, last + 1);
			not_found(t, c, u, 0);
		}
		tagtable_free(t);
		config_free(c);
	}
}

/* The window at the start of time must not wrap around. */
static void window_near_zero(void **state)
{
	(void)state;
	struct config *c = make_config(2, 60);
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_update(t, c, 10), 0);
	for (uint64_t s = 0; s <= knock_slot(70); s++)
		found_as(t, c, 1, s);
	not_found(t, c, 1, knock_slot(70) + 1);
	not_found(t, c, 1, UINT64_MAX);
	assert_int_equal(tagtable_entries(t), 2 * (knock_slot(70) + 1));
	tagtable_free(t);
	config_free(c);
}

static void disabled_users_present(void **state)
{
	(void)state;
	struct config *c = make_config(4, 60);
	c->users[1].prof->disabled = true;
	c->users[3].prof->disabled = true;
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	uint64_t first = knock_slot(NOW - 60), last = knock_slot(NOW + 60);
	assert_int_equal(tagtable_entries(t), 4 * (last - first + 1));
	for (uint64_t s = first; s <= last; s++)
		for (size_t u = 0; u < 4; u++)
			found_as(t, c, u, s);
	tagtable_free(t);
	config_free(c);
}

/* A rotation's old key finds the same user, as long as it is configured. */
static void old_key_finds_its_user(void **state)
{
	(void)state;
	struct config *c = make_config(2, 60);
	uint8_t master[KNOCK_MASTER_BYTES];
	master_for(77, master);
	/* As if user1 had old_key set (the test's own policy block). */
	struct user_policy pol = *c->users[1].prof->pol;
	const struct user_policy *saved = c->users[1].prof->pol;
	knock_derive_keys(master, &pol.old_keys);
	pol.has_old_key = true;
	c->users[1].prof->pol = &pol;
	config_summarise(c); /* c->uses.old_keys: some user has one now */
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	uint64_t first = knock_slot(NOW - 60), last = knock_slot(NOW + 60);
	assert_int_equal(tagtable_entries(t), 3 * (last - first + 1));
	for (uint64_t s = first; s <= last; s++) {
		uint8_t tag[KNOCK_TAG_BYTES];
		uint32_t users[4];
		knock_tag(c->users[1].prof->pol->old_keys.tag_key, s, tag);
		assert_int_equal(tagtable_lookup(t, c, tag, users, 4), 1);
		assert_int_equal(users[0], 1);
	}
	c->users[1].prof->pol = saved;
	tagtable_free(t);
	config_free(c);
}

/* update is a no-op while the slot range stays put: shown by changing a
 * user's key behind the table's back, which only a recompute would notice. */
static void update_recomputes_only_when_slots_move(void **state)
{
	(void)state;
	struct config *c = make_config(2, 60);
	struct tagtable *t = tagtable_new();
	uint8_t old[KNOCK_TAG_KEY_BYTES];
	memcpy(old, config_user_tag_key(c, &c->users[0]), sizeof old);
	uint64_t now = knock_slot(NOW) * KNOCK_SLOT_SECONDS; /* slot start */
	assert_int_equal(tagtable_update(t, c, now), 0);
	uint8_t other[KNOCK_MASTER_BYTES];
	memset(other, 0x77, sizeof other);
	assert_int_equal(config_user_set_secret(c, 0, other), 0);

	/* Same first and last slot for every second of this slot. */
	for (uint64_t n = now; n < now + KNOCK_SLOT_SECONDS; n++) {
		assert_int_equal(tagtable_update(t, c, n), 0);
		uint32_t users[2];
		/* Not recomputed: the new key's tag is not in. The old key's
		 * entries are, but a lookup confirms each with the config's key
		 * (the table keeps half a tag), so they no longer match either. */
		not_found(t, c, 0, knock_slot(n));
		assert_int_equal(lookup_slot(t, c, old, knock_slot(n), users, 2), 0);
		assert_int_equal(tagtable_entries(t), 2 * 5);
	}
	/* The next slot moves the range: the new key is in, the old one out.
	 * A move alone only adds the entering slot (tagtable.c); changed keys
	 * need a recompute, which a reload's invalidate (or new table) gives. */
	now += KNOCK_SLOT_SECONDS;
	tagtable_invalidate(t);
	assert_int_equal(tagtable_update(t, c, now), 0);
	uint32_t users[2];
	assert_int_equal(lookup_slot(t, c, old, knock_slot(now), users, 2), 0);
	for (uint64_t s = knock_slot(now - 60); s <= knock_slot(now + 60); s++) {
		found_as(t, c, 0, s);
		found_as(t, c, 1, s);
	}
	not_found(t, c, 0, knock_slot(now - 60) - 1);

	/* invalidate forces a recompute at the same time. */
	uint8_t master[KNOCK_MASTER_BYTES];
	master_for(0, master);
	assert_int_equal(config_user_set_secret(c, 0, master), 0);
	assert_int_equal(tagtable_update(t, c, now), 0);
	not_found(t, c, 0, knock_slot(now)); /* still the other key's table */
	tagtable_invalidate(t);
	assert_int_equal(tagtable_update(t, c, now), 0);
	found_as(t, c, 0, knock_slot(now));
	tagtable_free(t);
	config_free(c);
}

/* A reload that drops users, followed by invalidate + update, must leave no
 * index into the old, longer user list. */
static void shrinking_config_after_invalidate(void **state)
{
	(void)state;
	struct config *big = make_config(5, 60);
	struct config *small = make_config(2, 60);
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_update(t, big, NOW), 0);
	found_as(t, big, 4, knock_slot(NOW));
	tagtable_invalidate(t);
	assert_int_equal(tagtable_update(t, small, NOW), 0);
	not_found(t, big, 4, knock_slot(NOW));
	found_as(t, small, 1, knock_slot(NOW));
	tagtable_free(t);
	config_free(big);
	config_free(small);
}

static void lookup_respects_max(void **state)
{
	(void)state;
	struct config *c = make_config(2, 60);
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	uint32_t users[1] = { 0xdeadbeef };
	assert_int_equal(lookup_slot(t, c, config_user_tag_key(c, &c->users[1]),
		knock_slot(NOW), users, 0), 0);
	assert_int_equal(users[0], 0xdeadbeef);
	tagtable_free(t);
	config_free(c);
}

/* The table is sized for the most slots the window can overlap, at load
 * <= 17/20, whatever the user count (not a power of two), and finds every
 * tag at every load it can reach. */
static void sizing(void **state)
{
	(void)state;
	static const size_t counts[] = { 1, 2, 3, 7, 100, 1001 };
	static const uint32_t windows[] = { 1, 29, 60, 61, 600 };
	struct tagtable *empty = tagtable_new();
	size_t header = tagtable_bytes(empty); /* without cells */
	tagtable_free(empty);
	for (size_t n = 0; n < sizeof counts / sizeof counts[0]; n++) {
		struct config *c = make_config(counts[n], 60);
		for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
			c->window = windows[w];
			struct tagtable *t = tagtable_new();
			assert_int_equal(tagtable_update(t, c, NOW), 0);
			size_t span = (2 * windows[w] + KNOCK_SLOT_SECONDS - 1) /
				KNOCK_SLOT_SECONDS + 1;
			size_t most = span * counts[n];
			size_t cells = (tagtable_bytes(t) - header) / 8;
			assert_true(cells * 17 >= most * 20); /* load <= 17/20 */
			assert_true(cells <= most * 20 / 17 + 2);
			assert_true(tagtable_check_order(t));
			uint64_t first = knock_slot(NOW - windows[w]);
			uint64_t last = knock_slot(NOW + windows[w]);
			for (size_t u = 0; u < counts[n]; u++)
				for (uint64_t s = first; s <= last; s++)
					found_as(t, c, u, s);
			tagtable_free(t);
		}
		config_free(c);
	}
}

static void many_users(void **state)
{
	(void)state;
	struct config *c = make_config(MANY_USERS, 60);
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	uint64_t first = knock_slot(NOW - 60), last = knock_slot(NOW + 60);
	size_t slots = (size_t)(last - first + 1);
	assert_int_equal(tagtable_entries(t), MANY_USERS * slots);
	/* Load factor at most 17/20 of 8-byte cells, and no more cells than that
	 * needs (the capacity is not rounded up to a power of two). */
	size_t entries = MANY_USERS * slots;
	assert_true(tagtable_bytes(t) >= entries * 8 * 20 / 17);
	assert_true(tagtable_bytes(t) <= entries * 8 * 20 / 17 + 256);
	assert_true(tagtable_check_order(t));
	for (size_t u = 0; u < MANY_USERS; u++)
		for (uint64_t s = first; s <= last; s++)
			found_as(t, c, u, s);
	/* Random tags miss (a false hit has probability ~ 5e4 * 1e5 / 2^64). */
	for (int i = 0; i < 100000; i++) {
		uint8_t tag[KNOCK_TAG_BYTES];
		uint32_t users[2];
		randombytes_buf(tag, sizeof tag);
		assert_int_equal(tagtable_lookup(t, c, tag, users, 2), 0);
	}
	/* A tag whose low half is a user's and high half is not: the table
	 * keeps the low half only, and the lookup's confirmation refuses it. */
	for (size_t u = 0; u < MANY_USERS; u += 13) {
		uint8_t tag[KNOCK_TAG_BYTES];
		uint32_t users[2];
		knock_tag(config_user_tag_key(c, &c->users[u]), first + u % slots, tag);
		assert_int_equal(tagtable_lookup(t, c, tag, users, 2), 1);
		tag[KNOCK_TAG_BYTES - 1] ^= 0x80;
		assert_int_equal(tagtable_lookup(t, c, tag, users, 2), 0);
	}
	/* And tags from slots just outside the window. */
	for (size_t u = 0; u < MANY_USERS; u += 97) {
		not_found(t, c, u, first - 1);
		not_found(t, c, u, last + 1);
	}
	tagtable_free(t);
	config_free(c);
}

/* The parent's first build (tagtable_prebuild_start in a thread, two
 * threads listing the tags; tagtable_update_prefork) holds exactly what
 * tagtable_update's does; the child's next update with the same now is a
 * no-op; tagtable_release leaves an empty table the next update refills. */
static void prebuilt_in_threads(void **state)
{
	(void)state;
	struct config *c = make_config(MANY_USERS, 60);
	uint64_t first = knock_slot(NOW - 60), last = knock_slot(NOW + 60);
	size_t slots = (size_t)(last - first + 1);
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_prebuild_start(t, c, NOW), 0);
	assert_int_equal(tagtable_update_prefork(t, c, NOW), 0); /* waits */
	assert_int_equal(tagtable_entries(t), MANY_USERS * slots);
	assert_true(tagtable_check_order(t));
	for (size_t u = 0; u < MANY_USERS; u++)
		for (uint64_t s = first; s <= last; s++)
			found_as(t, c, u, s);
	for (size_t u = 0; u < MANY_USERS; u += 97) {
		not_found(t, c, u, first - 1);
		not_found(t, c, u, last + 1);
	}
	size_t bytes = tagtable_bytes(t);
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	assert_int_equal(tagtable_bytes(t), bytes);
	/* 30 s later: one slot slides in, as in the child. */
	assert_int_equal(tagtable_update(t, c, NOW + 30), 0);
	assert_true(tagtable_check_order(t));
	found_as(t, c, MANY_USERS - 1, knock_slot(NOW + 90));
	not_found(t, c, MANY_USERS - 1, first);
	tagtable_release(t);
	assert_int_equal(tagtable_entries(t), 0);
	not_found(t, c, 0, knock_slot(NOW));
	assert_int_equal(tagtable_update_prefork(t, c, NOW), 0); /* no thread */
	found_as(t, c, 0, knock_slot(NOW));
	/* Freed while a build may still run: tagtable_free waits for it. */
	struct tagtable *t2 = tagtable_new();
	assert_int_equal(tagtable_prebuild_start(t2, c, NOW), 0);
	tagtable_free(t2);
	tagtable_free(t);
	config_free(c);
}

/* The bytes tagtable_prefixes hands the kernel filter are those of every
 * tag in the window, and only those; the generation moves with the tags. */
static void prefixes_are_the_tags_bytes(void **state)
{
	(void)state;
	struct config *c = make_config(7, 60);
	struct tagtable *t = tagtable_new();
	assert_int_equal(tagtable_update(t, c, NOW), 0);
	uint64_t gen = tagtable_generation(t);
	size_t entries = tagtable_entries(t), offset = 99;
	static uint8_t got[64][TAGTABLE_PREFIX_BYTES];
	assert_int_equal(tagtable_prefixes(t, got, 64, &offset), entries);
	assert_true(offset == 0 || offset == KNOCK_TAG_BYTES - TAGTABLE_PREFIX_BYTES);
	uint64_t first = (NOW - 60) / KNOCK_SLOT_SECONDS, last = (NOW + 60) / KNOCK_SLOT_SECONDS;
	assert_int_equal(entries, 7 * (last - first + 1));
	for (size_t u = 0; u < 7; u++)
		for (uint64_t s = first; s <= last; s++) {
			uint8_t tag[KNOCK_TAG_BYTES];
			knock_tag(config_user_tag_key(c, &c->users[u]), s, tag);
			size_t hits = 0;
			for (size_t i = 0; i < entries; i++)
				hits += memcmp(got[i], tag + offset, TAGTABLE_PREFIX_BYTES) == 0;
			if (hits != 1)
				fail_msg("user %zu slot %llu: %zu prefixes", u, (unsigned long long)s, hits);
		}
	/* Too many for out: nothing written, the count returned. */
	memset(got, 0, sizeof got);
	assert_int_equal(tagtable_prefixes(t, got, entries - 1, &offset), entries);
	assert_int_equal(got[0][0] | got[0][1] | got[0][2] | got[0][3], 0);

	assert_int_equal(tagtable_update(t, c, NOW + 1), 0); /* same slots */
	assert_true(tagtable_generation(t) == gen);
	assert_int_equal(tagtable_update(t, c, NOW + KNOCK_SLOT_SECONDS), 0); /* a slide */
	assert_true(tagtable_generation(t) != gen);
	tagtable_free(t);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_table),
		cmocka_unit_test(every_second_of_the_window),
		cmocka_unit_test(window_near_zero),
		cmocka_unit_test(disabled_users_present),
		cmocka_unit_test(old_key_finds_its_user),
		cmocka_unit_test(update_recomputes_only_when_slots_move),
		cmocka_unit_test(shrinking_config_after_invalidate),
		cmocka_unit_test(lookup_respects_max),
		cmocka_unit_test(sizing),
		cmocka_unit_test(many_users),
		cmocka_unit_test(prebuilt_in_threads),
		cmocka_unit_test(prefixes_are_the_tags_bytes),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
