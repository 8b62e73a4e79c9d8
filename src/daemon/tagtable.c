/* tagtable — open-addressing hash table keyed by the 64-bit tag itself
 * (tags are PRF outputs, so their low bits are already uniformly spread). */
#include "tagtable.h"

#include <stdlib.h>
#include <string.h>

struct tag_entry {
	uint64_t tag;
	uint32_t user; /* index into config->users, UINT32_MAX = empty */
	uint32_t slot; /* the time slot of this tag (fills the padding) */
};

struct tagtable {
	struct tag_entry *slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t entries;
	uint64_t first_slot, last_slot; /* range covered; first > last = none */
	size_t per_slot; /* tags per slot (users + old keys), set by a full build */
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
	uint32_t user, uint64_t slot)
{
	size_t i = (size_t)tag & mask;
	while (slots[i].user != UINT32_MAX)
		i = (i + 1) & mask;
	slots[i].tag = tag;
	slots[i].user = user;
	slots[i].slot = (uint32_t)slot;
}

/* Adds every user's tags (and old keys' tags) for the slots [from, to]. */
static size_t insert_slots(struct tag_entry *slots, size_t mask,
	const struct config *c, uint64_t from, uint64_t to)
{
	uint8_t tag[KNOCK_TAG_BYTES];
	size_t entries = 0;
	/* Disabled users stay in: their knocks cost what anyone's do, and are
	 * refused by policy with the rule named (user ... is disabled). */
	for (size_t u = 0; u < c->nusers; u++) {
		for (uint64_t s = from; s <= to; s++) {
			knock_tag(&c->users[u].keys, s, tag);
			table_insert(slots, mask, tag_load(tag), (uint32_t)u, s);
			entries++;
			if (!c->users[u].pol->has_old_key)
				continue;
			knock_tag(&c->users[u].pol->old_keys, s, tag);
			table_insert(slots, mask, tag_load(tag), (uint32_t)u, s);
			entries++;
		}
	}
	return entries;
}

/* Removes the entries whose slot is outside [first, last], in one sweep,
 * with backward-shift deletion (no tombstones: probes stay short). The
 * sweep starts just after an empty cell, so no cluster wraps past it, and
 * every entry moves only backwards, into a cell the sweep has not passed. */
static void drop_outside(struct tagtable *t, uint64_t first, uint64_t last)
{
	struct tag_entry *slots = t->slots;
	size_t mask = t->mask, start = 0;
	while (slots[start].user != UINT32_MAX) /* load <= 1/2: one exists */
		start++;
	for (size_t k = 1; k <= mask + 1; k++) {
		size_t i = (start + k) & mask;
		while (slots[i].user != UINT32_MAX &&
		       (slots[i].slot < first || slots[i].slot > last)) {
			size_t hole = i;
			for (size_t j = (i + 1) & mask; slots[j].user != UINT32_MAX;
			     j = (j + 1) & mask) {
				size_t home = (size_t)slots[j].tag & mask;
				if (((j - home) & mask) >= ((j - hole) & mask)) {
					slots[hole] = slots[j];
					hole = j;
				}
			}
			slots[hole].user = UINT32_MAX;
			t->entries--;
		}
	}
}

int tagtable_update(struct tagtable *t, const struct config *c, uint64_t now)
{
	uint64_t first = knock_slot(now > c->window ? now - c->window : 0);
	uint64_t last = knock_slot(now + c->window);
	if (first == t->first_slot && last == t->last_slot)
		return 0;

	/* The window moved forward by a little (every 30 s): drop the slots
	 * that left it and add the ones that entered, instead of recomputing
	 * every slot of every user (5x less SipHash, no new table). */
	if (t->slots && first >= t->first_slot && first <= t->last_slot &&
	    last >= t->last_slot && (last - first + 1) * t->per_slot * 2 <= t->mask + 1) {
		drop_outside(t, first, last);
		t->entries += insert_slots(t->slots, t->mask, c, t->last_slot + 1, last);
		t->first_slot = first;
		t->last_slot = last;
		return 0;
	}

	/* Each user's key, and an old key during a rotation's overlap. */
	size_t per_slot = c->nusers;
	for (size_t u = 0; u < c->nusers; u++)
		per_slot += c->users[u].pol->has_old_key;
	size_t want = (size_t)(last - first + 1) * per_slot;
	size_t cap = 16;
	while (cap < want * 2) /* load factor <= 1/2 keeps probes short */
		cap *= 2;
	struct tag_entry *slots = malloc(cap * sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < cap; i++)
		slots[i].user = UINT32_MAX;

	size_t entries = insert_slots(slots, cap - 1, c, first, last);
	free(t->slots);
	t->slots = slots;
	t->mask = cap - 1;
	t->entries = entries;
	t->per_slot = per_slot;
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
