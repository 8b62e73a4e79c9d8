/* testkeys — a user's keys as the daemon derives them, for the unit tests
 * (include after cmocka.h and config.h). */
#ifndef POSTERN_TESTKEYS_H
#define POSTERN_TESTKEYS_H

/* u's keys, in one of two buffers (so that two can be compared); fails the
 * test if u has no secret. */
static inline const struct user_keys *derived(const struct config *c,
	const struct config_user *u)
{
	static struct user_keys buf[2];
	static unsigned next;
	struct user_keys *k = &buf[next++ % 2];
	assert_true(config_user_keys(c, u, k));
	return k;
}

#endif
