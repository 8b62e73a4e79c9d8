/* test_tagtable_slide — the tag table's one-slot update (tagtable.c: drop the
 * slot that left the window, add the one that entered) leaves exactly what a
 * full recompute at the same time would: every user's tag for every slot of
 * the window found once, nothing outside it, the same number of entries.
 * Many users make long probe clusters, so the deletion's closing of gaps is
 * exercised across cluster and table wrap-arounds; the runs stay ordered. */
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
#define USERS 3000

/* The names of the users copied beyond those parsed (a config holds
 * pointers to its names). */
static char names[USERS][16];

static struct config *make_config(size_t n, uint32_t window)
{
	char text[256];
	snprintf(text, sizeof text, "[daemon]\nwindow = %u\n[protect]\nports = tcp/22\n"
		"[user user0]\nkey = /k/0.key\nopen = tcp/22\n", window);
	struct config *c = NULL;
	struct errbuf err;
	if (config_load_string(text, "test", 0, &c, &err) != 0)
		fail_msg("config refused: %s", err.msg);
	struct config_user *users = realloc(c->users, n * sizeof *users);
	assert_non_null(users);
	/* The copies share a profile that config_free leaves alone (as [user
	 * *]'s users do); users[0]'s owns the heap copies. */
	static struct config_profile shared;
	shared = *users[0].prof;
	shared.from_template = true;
	for (size_t u = 1; u < n; u++) {
		users[u].prof = &shared;
		snprintf(names[u], sizeof names[u], "user%zu", u);
		users[u].name = names[u];
	}
	c->users = users;
	c->nusers = n;
	for (size_t u = 0; u < n; u++) {
		uint8_t master[KNOCK_MASTER_BYTES] = { (uint8_t)u, (uint8_t)(u >> 8), 7 };
		assert_int_equal(config_user_set_secret(c, u, master), 0);
	}
	return c;
}

static void check_window(const struct tagtable *t, const struct config *c, uint64_t now)
{
	uint64_t first = knock_slot(now - c->window), last = knock_slot(now + c->window);
	assert_int_equal(tagtable_entries(t), c->nusers * (last - first + 1));
	assert_true(tagtable_check_order(t));
	for (size_t u = 0; u < c->nusers; u++) {
		for (uint64_t s = first - 2; s <= last + 2; s++) {
			uint8_t tag[KNOCK_TAG_BYTES];
			uint32_t users[4];
			knock_tag(config_user_tag_key(c, &c->users[u]), s, tag);
			size_t n = tagtable_lookup(t, c, tag, users, 4);
			bool in = s >= first && s <= last;
			if (n != (in ? 1u : 0u) || (in && users[0] != u))
				fail_msg("user %zu slot %llu (window %llu..%llu): %zu match(es)", u,
					(unsigned long long)s, (unsigned long long)first,
					(unsigned long long)last, n);
		}
	}
}

static void slide_equals_recompute(void **state)
{
	(void)state;
	static const uint32_t windows[] = { 1, 30, 60, 61 };
	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
		struct config *c = make_config(USERS, windows[w]);
		struct tagtable *t = tagtable_new();
		assert_non_null(t);
		size_t bytes = 0;
		for (uint64_t now = NOW; now < NOW + 8 * KNOCK_SLOT_SECONDS; now += 11) {
			assert_int_equal(tagtable_update(t, c, now), 0);
			if (!bytes)
				bytes = tagtable_bytes(t);
			/* A window of whole slots always covers as many: same table,
			 * no rebuild (others may need one more slot, and grow once). */
			if (windows[w] % KNOCK_SLOT_SECONDS == 0)
				assert_int_equal(tagtable_bytes(t), bytes);
			check_window(t, c, now);
		}
		/* A jump past the window (clock step) falls back to a recompute. */
		assert_int_equal(tagtable_update(t, c, NOW + 3600), 0);
		check_window(t, c, NOW + 3600);
		tagtable_free(t);
		config_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slide_equals_recompute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
