/* config_userkeys — users' keys, kept outside struct config_user (see
 * struct config_keys in config.h). Part of the config module.
 *
 * Two mappings, one per process that keeps them:
 *  - the users' 32-byte secrets, for the parent: it derives a user's AEAD
 *    key from the secret when it checks that user's knock (~0.25 us), so
 *    no AEAD key is held (32 B per user, not 48; config_load skips one
 *    BLAKE2b per user: ~24 ms at 100 000 users);
 *  - the tag keys, derived at load, for the capture child's tag table.
 * Each process unmaps the one it does not need, which writes to neither and
 * so copies no page: the child the secrets (it must not hold them), the
 * parent the tag keys once the child has them (config_keys_drop_tags; it
 * derives them again before it forks another child). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "config_int.h"
#include "dynreply.h"
#include "prefault.h"

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return (n + page - 1) / page * page;
}

static void *map_keys(size_t bytes)
{
	void *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	(void)madvise(map, bytes, MADV_DONTDUMP); /* keys stay out of core dumps */
	prefault(map, bytes); /* written once, front to back (prefault.h) */
	return map;
}

static void unmap_keys(void *map, size_t bytes, bool wipe)
{
	if (!map)
		return;
	if (wipe)
		sodium_memzero(map, bytes);
	munmap(map, bytes);
}

int config_keys_reserve(struct config *c, size_t n)
{
	struct config_keys *k = &c->keys;
	if (n <= k->cap && (n == 0 || k->secret))
		return 0;
	if (n < k->cap)
		n = k->cap;
	if (n > SIZE_MAX / sizeof *k->secret - 1)
		return -1;
	/* New mappings, the old contents copied and wiped: growing is rare (a
	 * hand-built config; the loader reserves once). */
	size_t secret_bytes = page_round(n * sizeof *k->secret);
	size_t tag_bytes = page_round(n * sizeof *k->tag);
	void *secret = map_keys(secret_bytes);
	void *tag = secret ? map_keys(tag_bytes) : NULL;
	if (!tag) {
		unmap_keys(secret, secret_bytes, false);
		return -1;
	}
	if (k->cap && k->secret)
		memcpy(secret, k->secret, k->cap * sizeof *k->secret);
	if (k->cap && k->tag)
		memcpy(tag, k->tag, k->cap * sizeof *k->tag);
	config_keys_free(c);
	k->secret = secret;
	k->tag = tag;
	k->cap = n;
	k->secret_bytes = secret_bytes;
	k->tag_bytes = tag_bytes;
	return 0;
}

void config_keys_release_spare(struct config *c)
{
	struct config_keys *k = &c->keys;
	if (k->secret)
		prefault_release(k->secret, c->nusers * sizeof *k->secret, k->secret_bytes);
	if (k->tag)
		prefault_release(k->tag, c->nusers * sizeof *k->tag, k->tag_bytes);
}

int cfg_user_store_secret(struct config *c, size_t i,
	const uint8_t secret[static KNOCK_MASTER_BYTES])
{
	if (i >= c->keys.cap || !c->keys.secret || !c->keys.tag) {
		/* At least doubled: users added one by one beyond a reserve (a
		 * keys_file that grew while it was read) are not a copy each. */
		size_t want = c->nusers > i ? c->nusers : i + 1;
		if (want < 2 * c->keys.cap)
			want = 2 * c->keys.cap;
		if (config_keys_reserve(c, want) != 0)
			return -1;
	}
	memcpy(c->keys.secret[i], secret, KNOCK_MASTER_BYTES);
	if (i < c->nusers) {
		struct dyn_conf *d = cfg_dyn_own(&c->users[i]); /* default: not enabled */
		if (d && d->enabled) /* the key of dynamic replies (dynreply.h) */
			dynreply_derive_key(secret, d->reply_key);
	}
	return 0;
}

int config_user_set_secret(struct config *c, size_t i,
	const uint8_t secret[static KNOCK_MASTER_BYTES])
{
	if (cfg_user_store_secret(c, i, secret) != 0)
		return -1;
	knock_derive_tag_key(secret, c->keys.tag[i]);
	return 0;
}

/* Users [u0, u1)'s tag keys from their secrets. */
struct tag_range {
	struct config_keys *k;
	size_t u0, u1;
};

static void *derive_range(void *arg)
{
	struct tag_range *r = arg;
	for (size_t i = r->u0; i < r->u1; i++)
		knock_derive_tag_key(r->k->secret[i], r->k->tag[i]);
	return NULL;
}

/* Below this many users a thread costs more than it saves. */
#define TWO_THREADS_MIN_USERS 4096

void cfg_keys_derive_tags(struct config *c)
{
	struct config_keys *k = &c->keys;
	size_t n = k->cap < c->nusers ? k->cap : c->nusers;
	if (!k->secret || !k->tag || n == 0)
		return;
	/* One BLAKE2b per user (~0.25 us: 25 ms at 100 000 users), the half
	 * of them in a second thread. It blocks every signal: a daemon's
	 * signals stay pending for its signalfd (posternd's parent.c). */
	struct tag_range first = { k, 0, n / 2 }, second = { k, n / 2, n };
	pthread_t th;
	bool two = false;
	if (n >= TWO_THREADS_MIN_USERS) {
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		two = pthread_create(&th, NULL, derive_range, &second) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!two)
		first.u1 = n;
	derive_range(&first);
	if (two)
		pthread_join(th, NULL);
}

/* u's index in c->users, or SIZE_MAX for a user struct that is not one of
 * them (c->tmpl, a copy): such a struct has no keys. */
static size_t user_index(const struct config *c, const struct config_user *u)
{
	uintptr_t at = (uintptr_t)u, first = (uintptr_t)c->users;
	if (!c->users || at < first || (at - first) % sizeof *u != 0)
		return SIZE_MAX;
	size_t i = (at - first) / sizeof *u;
	return i < c->nusers ? i : SIZE_MAX;
}

/* Every user of a loaded config has a secret (config_check.c refuses a
 * user without a key). */
static const uint8_t *user_secret(const struct config *c, const struct config_user *u)
{
	size_t i = user_index(c, u);
	return c->keys.secret && i < c->keys.cap ? c->keys.secret[i] : NULL;
}

bool config_user_keys(const struct config *c, const struct config_user *u,
	struct user_keys *out)
{
	const uint8_t *secret = user_secret(c, u);
	if (!secret) {
		sodium_memzero(out, sizeof *out);
		return false;
	}
	knock_derive_keys(secret, out);
	return true;
}

bool config_user_same_secret(const struct config *c, const struct config_user *a,
	const struct config_user *b)
{
	const uint8_t *sa = user_secret(c, a), *sb = user_secret(c, b);
	return sa && sb && sodium_memcmp(sa, sb, KNOCK_MASTER_BYTES) == 0;
}

const uint8_t *config_tag_key_at(const struct config *c, size_t i)
{
	return c->keys.tag && i < c->keys.cap && i < c->nusers ? c->keys.tag[i] : NULL;
}

const uint8_t *config_user_tag_key(const struct config *c,
	const struct config_user *u)
{
	return config_tag_key_at(c, user_index(c, u));
}

void config_keys_drop_secret(struct config *c)
{
	struct config_keys *k = &c->keys;
	/* Not wiped: that would write to (copy) pages the parent still uses;
	 * unmapped, the child cannot reach them. */
	unmap_keys(k->secret, k->secret_bytes, false);
	k->secret = NULL;
	k->secret_bytes = 0;
}

void config_keys_drop_tags(struct config *c)
{
	struct config_keys *k = &c->keys;
	/* Not wiped either: the child holds these very pages, and wiping the
	 * parent's view would only copy them first. */
	unmap_keys(k->tag, k->tag_bytes, false);
	k->tag = NULL;
	k->tag_bytes = 0;
}

int config_keys_restore_tags(struct config *c)
{
	struct config_keys *k = &c->keys;
	if (k->tag || !k->secret)
		return 0;
	if (k->cap == 0)
		return 0;
	size_t tag_bytes = page_round(k->cap * sizeof *k->tag);
	k->tag = map_keys(tag_bytes);
	if (!k->tag)
		return -1;
	k->tag_bytes = tag_bytes;
	cfg_keys_derive_tags(c);
	return 0;
}

void config_keys_free(struct config *c)
{
	struct config_keys *k = &c->keys;
	unmap_keys(k->secret, k->secret_bytes, true);
	unmap_keys(k->tag, k->tag_bytes, true);
	*k = (struct config_keys){ 0 };
}
