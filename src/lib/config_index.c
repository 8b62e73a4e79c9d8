/* config_index — hash indexes of users for the config's duplicate checks
 * (names, key files, secrets), so that loading n users costs O(n), not
 * O(n^2). Part of the config module (config_int.h). Linear probing; the
 * table stays at most half full. */
#include <stdlib.h>

#include "config_int.h"
#include "prefault.h"

#define INDEX_MIN_CAP 64

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
	size_t mask = x->cap - 1;
	for (size_t k = (size_t)h & mask; x->slot[k].i; k = (k + 1) & mask)
		if (x->slot[k].h == (uint32_t)h && same(ctx, x->slot[k].i - 1))
			return x->slot[k].i - 1;
	return SIZE_MAX;
}

/* Only the low 32 bits of a hash are kept: they pick the slot (the table
 * never has 2^32 slots), so a rehash can place an entry again. */
static void put(struct cfg_index_slot *slot, size_t cap, uint32_t h, uint32_t i1)
{
	size_t k = h & (cap - 1);
	while (slot[k].i)
		k = (k + 1) & (cap - 1);
	slot[k].h = h;
	slot[k].i = i1;
}

/* Rehashes into a table of cap slots (a power of 2). */
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

int cfg_index_reserve(struct cfg_index *x, size_t n)
{
	size_t cap = x->cap ? x->cap : INDEX_MIN_CAP;
	while (2 * n > cap)
		cap *= 2;
	return cap == x->cap ? 0 : resize(x, cap);
}

int cfg_index_add(struct cfg_index *x, uint64_t h, size_t i)
{
	if (2 * (x->n + 1) > x->cap &&
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
