/* tagtable — open-addressing hash table keyed by the 64-bit tag itself
 * (tags are PRF outputs, so their low bits are already uniformly spread). */
#include "tagtable.h"

#include <stdlib.h>
#include <string.h>

/* 12 bytes, not 16: the tag as two halves (4-byte alignment, no padding),
 * and the user index with the slot's low bits. A table never spans more
 * than SLOT_SPAN slots (a 600-s window is 41), so the low bits and the
 * table's range give back the slot. 500 000 tags (100 000 users): 12 MiB. */
struct tag_entry {
	uint32_t tag_lo, tag_hi;
	uint32_t us; /* user << SLOT_BITS | slot % SLOT_SPAN; EMPTY = free */
};

#define SLOT_BITS 6
#define SLOT_SPAN (1u << SLOT_BITS)
#define EMPTY UINT32_MAX
/* Users a table can name (the top index would collide with EMPTY). */
#define USERS_MAX ((UINT32_MAX >> SLOT_BITS) - 1)

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

static uint64_t entry_tag(const struct tag_entry *e)
{
	return (uint64_t)e->tag_hi << 32 | e->tag_lo;
}

static uint32_t entry_user(const struct tag_entry *e)
{
	return e->us >> SLOT_BITS;
}

/* The full slot of e, in a table covering [first, first + SLOT_SPAN). */
static uint64_t entry_slot(const struct tag_entry *e, uint64_t first)
{
	return first + ((e->us - first) & (SLOT_SPAN - 1));
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
	while (slots[i].us != EMPTY)
		i = (i + 1) & mask;
	slots[i].tag_lo = (uint32_t)tag;
	slots[i].tag_hi = (uint32_t)(tag >> 32);
	slots[i].us = user << SLOT_BITS | (uint32_t)(slot & (SLOT_SPAN - 1));
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
		const uint8_t *tag_key = config_user_tag_key(c, &c->users[u]);
		if (!tag_key) /* keys not loaded: no knock is anyone's */
			continue;
		for (uint64_t s = from; s <= to; s++) {
			knock_tag(tag_key, s, tag);
			table_insert(slots, mask, tag_load(tag), (uint32_t)u, s);
			entries++;
			if (!c->users[u].pol->has_old_key)
				continue;
			knock_tag(c->users[u].pol->old_keys.tag_key, s, tag);
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
	uint64_t base = t->first_slot; /* entries hold slots of the old range */
	while (slots[start].us != EMPTY) /* load <= 1/2: one exists */
		start++;
	for (size_t k = 1; k <= mask + 1; k++) {
		size_t i = (start + k) & mask;
		while (slots[i].us != EMPTY && (entry_slot(&slots[i], base) < first ||
		       entry_slot(&slots[i], base) > last)) {
			size_t hole = i;
			for (size_t j = (i + 1) & mask; slots[j].us != EMPTY;
			     j = (j + 1) & mask) {
				size_t home = (size_t)entry_tag(&slots[j]) & mask;
				if (((j - home) & mask) >= ((j - hole) & mask)) {
					slots[hole] = slots[j];
					hole = j;
				}
			}
			slots[hole].us = EMPTY;
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
	if (last - first + 1 > SLOT_SPAN || c->nusers > USERS_MAX)
		return -1; /* the config's window and user count are far below */
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
	memset(slots, 0xff, cap * sizeof *slots); /* every us = EMPTY */

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
	for (size_t i = (size_t)want & t->mask; t->slots[i].us != EMPTY;
	     i = (i + 1) & t->mask) {
		if (entry_tag(&t->slots[i]) == want && found < max)
			users[found++] = entry_user(&t->slots[i]);
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
