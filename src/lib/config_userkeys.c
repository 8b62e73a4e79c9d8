/* config_userkeys — users' keys, kept outside struct config_user (see
 * struct config_keys in config.h). Part of the config module.
 *
 * Why a mapping of its own for the whole keys: the capture child must not
 * hold an AEAD key. Wiping them in place wrote to every user's struct and
 * so copied the whole users array into the child (~25 MiB at 100 000
 * users); unmapping a separate region gives the same guarantee (the child's
 * address space holds no AEAD key) and copies nothing. The tag keys are
 * read in the same mapping (not a second array: 16 B per user less in the
 * parent); the child packs them into its first third before unmapping the
 * rest, which copies those pages only (config_keys_drop_secret). */
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

/* Wipes (if asked) and unmaps the mapping, whichever view it has. */
static void unmap_keys(struct config_keys *k, bool wipe)
{
	void *map = k->secret ? (void *)k->secret : (void *)k->tag;
	if (!map)
		return;
	if (wipe)
		sodium_memzero(map, k->map_bytes);
	munmap(map, k->map_bytes);
	k->secret = NULL;
	k->tag = NULL;
	k->map_bytes = 0;
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
	/* A new mapping, the old contents copied and wiped: growing is rare (a
	 * hand-built config; the loader reserves once). */
	size_t bytes = page_round(n * sizeof *k->secret);
	void *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -1;
	(void)madvise(map, bytes, MADV_DONTDUMP); /* keys stay out of core dumps */
	prefault(map, bytes); /* written once, front to back (prefault.h) */
	if (k->cap && k->secret)
		memcpy(map, k->secret, k->cap * sizeof *k->secret);
	config_keys_free(c);
	k->secret = map;
	k->cap = n;
	k->map_bytes = bytes;
	return 0;
}

void config_keys_release_spare(struct config *c)
{
	struct config_keys *k = &c->keys;
	if (k->secret)
		prefault_release(k->secret, c->nusers * sizeof *k->secret, k->map_bytes);
}

int config_user_set_secret(struct config *c, size_t i,
	const uint8_t secret[static KNOCK_MASTER_BYTES])
{
	if (i >= c->keys.cap || !c->keys.secret) {
		/* At least doubled: users added one by one beyond a reserve (a
		 * keys_file that grew while it was read) are not a copy each. */
		size_t want = c->nusers > i ? c->nusers : i + 1;
		if (want < 2 * c->keys.cap)
			want = 2 * c->keys.cap;
		if (config_keys_reserve(c, want) != 0)
			return -1;
	}
	knock_derive_keys(secret, &c->keys.secret[i]);
	if (i < c->nusers) {
		struct dyn_conf *d = cfg_dyn_own(&c->users[i]); /* default: not enabled */
		if (d && d->enabled) /* the key of dynamic replies (dynreply.h) */
			dynreply_derive_key(secret, d->reply_key);
	}
	return 0;
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

const struct user_keys *config_user_keys(const struct config *c,
	const struct config_user *u)
{
	size_t i = user_index(c, u);
	return c->keys.secret && i < c->keys.cap ? &c->keys.secret[i] : NULL;
}

const uint8_t *config_user_tag_key(const struct config *c,
	const struct config_user *u)
{
	size_t i = user_index(c, u);
	if (i >= c->keys.cap)
		return NULL;
	if (c->keys.secret)
		return c->keys.secret[i].tag_key;
	return c->keys.tag ? c->keys.tag[i] : NULL;
}

void config_keys_drop_secret(struct config *c)
{
	struct config_keys *k = &c->keys;
	if (!k->secret)
		return;
	uint8_t (*tag)[KNOCK_TAG_KEY_BYTES] = (void *)k->secret;
	/* The users' slots only: the reserve beyond them has no keys. */
	size_t n = k->cap < c->nusers ? k->cap : c->nusers;
	size_t packed = n * sizeof *tag;
	size_t keep = page_round(packed);
	if (n == 0 || keep > k->map_bytes) { /* nothing to keep */
		unmap_keys(k, false);
		k->cap = 0;
		return;
	}
	/* Forward: slot i's tag key moves from 48 i to 16 i, never onto a key
	 * not yet moved. Every byte of [0, packed) is a tag key after this. */
	for (size_t i = 1; i < n; i++)
		memmove(tag[i], k->secret[i].tag_key, sizeof tag[i]);
	sodium_memzero((uint8_t *)tag + packed, keep - packed);
	if (keep < k->map_bytes)
		munmap((uint8_t *)tag + keep, k->map_bytes - keep);
	k->secret = NULL;
	k->tag = tag;
	k->cap = n;
	k->map_bytes = keep;
}

void config_keys_free(struct config *c)
{
	unmap_keys(&c->keys, true);
	c->keys.cap = 0;
}
