/* test_state_full — the replay store on a full disk.
 *
 * Skipped unless POSTERN_STATE_DIR names a directory on a small filesystem
 * of its own; tests/integration/test_state_full.sh mounts a tiny tmpfs and
 * runs this. The test first takes some room with a ballast file, records
 * knocks until the disk is full, and checks that:
 *   - the failure is STATE_ERROR (no crash, never a false STATE_FRESH);
 *   - every knock recorded before still answers STATE_REPLAY;
 *   - once room is freed (ballast removed) the store works again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "state.h"

#define BALLAST_BYTES (48 * 1024)
#define MAX_KNOCKS 200000 /* far more than a tiny tmpfs can hold */

static void nonce_of(uint8_t n[KNOCK_NONCE_BYTES], uint32_t i)
{
	memset(n, 0x5A, KNOCK_NONCE_BYTES);
	memcpy(n, &i, sizeof i);
}

static void write_ballast(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	static const char block[4096];
	for (size_t i = 0; i < BALLAST_BYTES / sizeof block; i++)
		assert_int_equal(fwrite(block, 1, sizeof block, f), sizeof block);
	assert_int_equal(fclose(f), 0);
}

/* Records distinct knocks until the store refuses one; returns how many
 * were recorded. */
static uint32_t fill(struct state *s, const char *user, struct errbuf *err)
{
	for (uint32_t i = 0; i < MAX_KNOCKS; i++) {
		uint8_t n[KNOCK_NONCE_BYTES];
		nonce_of(n, i);
		enum state_result r = state_record_knock(s, user, n, 1000 + i, err);
		if (r == STATE_ERROR)
			return i;
		if (r != STATE_FRESH)
			fail_msg("knock %u: expected FRESH, got %d", i, (int)r);
	}
	fail_msg("the disk never filled after %d knocks", MAX_KNOCKS);
	return 0;
}

static void test_disk_full(void **ctx)
{
	(void)ctx;
	const char *dir = getenv("POSTERN_STATE_DIR");
	if (!dir || !*dir)
		skip();
	char db[4096], ballast[4096];
	snprintf(db, sizeof db, "%s/state.db", dir);
	snprintf(ballast, sizeof ballast, "%s/ballast", dir);
	write_ballast(ballast);

	struct errbuf err = { "" };
	struct state *s = state_open(db, &err);
	if (!s)
		fail_msg("state_open: %s", err.msg);
	const char *user = "alice";

	uint32_t n = fill(s, user, &err);
	print_message("disk full after %u knocks: %s\n", n, err.msg);
	assert_true(n > 0);
	assert_non_null(strstr(err.msg, "state.db"));

	/* Still full: the same knock keeps failing, never turns FRESH. */
	uint8_t nonce[KNOCK_NONCE_BYTES];
	nonce_of(nonce, n);
	for (int k = 0; k < 3; k++)
		assert_int_equal(state_record_knock(s, user, nonce, 1, NULL), STATE_ERROR);
	/* Everything recorded before the disk filled still refuses. */
	for (uint32_t i = 0; i < n; i++) {
		nonce_of(nonce, i);
		enum state_result r = state_record_knock(s, user, nonce, 1000 + i, &err);
		if (r != STATE_REPLAY)
			fail_msg("knock %u recorded before the disk filled: got %d (%s)",
				i, (int)r, err.msg);
	}

	/* Room again: the refused knock is now recorded, exactly once. */
	assert_int_equal(unlink(ballast), 0);
	nonce_of(nonce, n);
	assert_int_equal(state_record_knock(s, user, nonce, 1, &err), STATE_FRESH);
	assert_int_equal(state_record_knock(s, user, nonce, 1, &err), STATE_REPLAY);
	state_close(s);

	/* And it all survived: reopen and check the first and last. */
	s = state_open(db, &err);
	if (!s)
		fail_msg("reopen: %s", err.msg);
	nonce_of(nonce, 0);
	assert_int_equal(state_record_knock(s, user, nonce, 1000, &err), STATE_REPLAY);
	nonce_of(nonce, n);
	assert_int_equal(state_record_knock(s, user, nonce, 1, &err), STATE_REPLAY);
	state_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
