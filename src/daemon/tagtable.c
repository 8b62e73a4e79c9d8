/* tagtable — open-addressing hash table keyed by the 64-bit tag itself
 * (tags are PRF outputs, so their low bits are already uniformly spread). */
#include "tagtable.h"

#include <stdlib.h>
#include <string.h>

struct tag_entry {
	uint64_t tag;
	uint32_t user; /* index into config->users, UINT32_MAX = empty */
};

struct tagtable {
	struct tag_entry *slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t entries;
	uint64_t first_slot, last_slot; /* range covered; first > last = none */
};

static uint64_t tag_load(const uint8_t tag[static KNOCK_TAG_BYTES])
{
	uint64_t v;
	memcpy(&v, tag, sizeof v);
	return v;
}

struct tagtable *tagtable_new(void)
{
	struct tagtable *t = calloc(1, sizeof *t);
	if (t)
		tagtable_invalidate(t);
	return t;
}

void tagtable_free(struct tagtable *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

void tagtable_invalidate(struct tagtable *t)
{
	t->first_slot = 1;
	t->last_slot = 0;
}

static void table_insert(struct tag_entry *slots, size_t mask, uint64_t tag,
	uint32_t user)
{
	size_t i = (size_t)tag & mask;
	while (slots[i].user != UINT32_MAX)
		i = (i + 1) & mask;
	slots[i].tag = tag;
	slots[i].user = user;
}

int tagtable_update(struct tagtable *t, const struct config *c, uint64_t now)
{
	uint64_t first = knock_slot(now > c->window ? now - c->window : 0);
	uint64_t last = knock_slot(now + c->window);
	if (first == t->first_slot && last == t->last_slot)
		return 0;

	size_t want = (size_t)(last - first + 1) * c->nusers;
	size_t cap = 16;
	while (cap < want * 2) /* load factor <= 1/2 keeps probes short */
		cap *= 2;
	struct tag_entry *slots = malloc(cap * sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < cap; i++)
		slots[i].user = UINT32_MAX;

	uint8_t tag[KNOCK_TAG_BYTES];
	size_t entries = 0;
	for (size_t u = 0; u < c->nusers; u++) {
		if (c->users[u].disabled)
			continue;
		for (uint64_t s = first; s <= last; s++) {
			knock_tag(&c->users[u].keys, s, tag);
			table_insert(slots, cap - 1, tag_load(tag), (uint32_t)u);
			entries++;
		}
	}
	free(t->slots);
	t->slots = slots;
	t->mask = cap - 1;
	t->entries = entries;
	t->first_slot = first;
	t->last_slot = last;
	return 0;
}

size_t tagtable_lookup(const struct tagtable *t,
	const uint8_t tag[static KNOCK_TAG_BYTES], uint32_t *users, size_t max)
{
	if (!t->slots)
		return 0;
	uint64_t want = tag_load(tag);
	size_t found = 0;
	for (size_t i = (size_t)want & t->mask; t->slots[i].user != UINT32_MAX;
	     i = (i + 1) & t->mask) {
		if (t->slots[i].tag == want && found < max)
			users[found++] = t->slots[i].user;
	}
	return found;
}

size_t tagtable_entries(const struct tagtable *t)
{
	return t->entries;
}

size_t tagtable_bytes(const struct tagtable *t)
{
	return sizeof *t + (t->slots ? (t->mask + 1) * sizeof *t->slots : 0);
}
