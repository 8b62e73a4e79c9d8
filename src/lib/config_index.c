/* config_index — hash indexes of users for the config's duplicate checks
 * (names, key files, secrets), so that loading n users costs O(n), not
 * O(n^2). Part of the config module (config_int.h). Linear probing; the
 * table stays at most three quarters full (the names index is kept for the
 * daemon's lookups: at 100 000 users 1.1 MB, where at most half full in a
 * power of 2 it was 2 MiB; a lookup that misses then reads ~8 slots, 64
 * contiguous bytes). */
#include <stdlib.h>

#include "config_int.h"
#include "prefault.h"

#define INDEX_MIN_CAP 64
/* Capacities are rounded up to a page of slots. */
#define INDEX_CAP_STEP (4096 / sizeof(struct cfg_index_slot))

uint64_t cfg_hash(const void *data, size_t n)
{
	const unsigned char *b = data;
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3u;
	}
	return h;
}

size_t cfg_index_find(const struct cfg_index *x, uint64_t h,
	bool (*same)(const void *ctx, size_t i), const void *ctx)
{
	if (x->cap == 0)
		return SIZE_MAX;
	for (size_t k = cfg_index_home(h, x->cap); x->slot[k].i;
	     k = cfg_index_next(k, x->cap))
		if (x->slot[k].h == (uint32_t)h && same(ctx, x->slot[k].i - 1))
			return x->slot[k].i - 1;
	return SIZE_MAX;
}

/* Only the low 32 bits of a hash are kept: they pick the slot (the table
 * never has 2^32 slots), so a rehash can place an entry again. */
static void put(struct cfg_index_slot *slot, size_t cap, uint32_t h, uint32_t i1)
{
	size_t k = cfg_index_home(h, cap);
	while (slot[k].i)
		k = cfg_index_next(k, cap);
	slot[k].h = h;
	slot[k].i = i1;
}

/* Rehashes into a table of cap slots. */
static int resize(struct cfg_index *x, size_t cap)
{
	struct cfg_index_slot *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -1;
	prefault(slot, cap * sizeof *slot); /* probed at random: every page */
	for (size_t k = 0; k < x->cap; k++)
		if (x->slot[k].i)
			put(slot, cap, x->slot[k].h, x->slot[k].i);
	free(x->slot);
	x->slot = slot;
	x->cap = cap;
	return 0;
}

/* Room for n entries at a load of at most 3/4. */
static bool fits(size_t n, size_t cap)
{
	return 4 * n <= 3 * cap;
}

int cfg_index_reserve(struct cfg_index *x, size_t n)
{
	if (fits(n, x->cap))
		return 0;
	if (n > SIZE_MAX / 8)
		return -1;
	size_t cap = (4 * n + 2) / 3;
	cap = (cap + INDEX_CAP_STEP - 1) / INDEX_CAP_STEP * INDEX_CAP_STEP;
	return resize(x, cap);
}

int cfg_index_add(struct cfg_index *x, uint64_t h, size_t i)
{
	if (!fits(x->n + 1, x->cap) &&
	    resize(x, x->cap ? 2 * x->cap : INDEX_MIN_CAP) != 0)
		return -1;
	if (i >= UINT32_MAX)
		return -1; /* more users than an index can hold */
	put(x->slot, x->cap, (uint32_t)h, (uint32_t)i + 1);
	x->n++;
	return 0;
}

void cfg_index_free(struct cfg_index *x)
{
	free(x->slot);
	*x = (struct cfg_index){ 0 };
}
