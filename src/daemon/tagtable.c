/* tagtable — open-addressing hash table keyed by the 64-bit tag itself
 * (tags are PRF outputs, so their bits are already uniformly spread),
 * ordered: linear probing in which every probe run holds its entries in
 * the order of their home cells, and of tag_lo within a home (Amble and
 * Knuth's ordered hash table; Robin Hood hashing), so that a lookup stops
 * at the first entry past its tag instead of at the end of the cluster. */
#include "tagtable.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "prefault.h"

/* 8 bytes: the tag's low half (which also gives the entry's home cell), and
 * the user index with an old-key bit and the slot's low bits. The high half
 * is not kept: a lookup whose low half matches recomputes that user's tag
 * for that slot from the config's tag key and compares all 64 bits, so a
 * false match is impossible. That costs one SipHash per genuine knock, and
 * for garbage one per ~cap / 2^32 x cells probed (the probed entries share
 * the query's home, i.e. the top bits of its low half): ~1 in 1 900 garbage
 * packets at 100 000 users. A table never spans more than SLOT_SPAN slots
 * (a 600-s window is 41), so the low bits and the table's range give back
 * the slot. 500 000 tags (100 000 users) at load 0.85: 4.5 MiB (6.4 MiB at
 * the 0.6 an unordered table needed for short misses). */
struct tag_entry {
	uint32_t tag_lo; /* UINT32_MAX in a free cell: past every tag */
	uint32_t us; /* user << US_USER_SHIFT | old << SLOT_BITS | slot % SLOT_SPAN;
			EMPTY = free */
};

#define SLOT_BITS 6
#define SLOT_SPAN (1u << SLOT_BITS)
#define US_OLD (1u << SLOT_BITS) /* the tag is of the user's old key */
#define US_USER_SHIFT (SLOT_BITS + 1)
#define EMPTY UINT32_MAX
static const struct tag_entry free_cell = { .tag_lo = UINT32_MAX, .us = EMPTY };
/* Users a table can name (the top index would collide with EMPTY). */
#define USERS_MAX ((UINT32_MAX >> US_USER_SHIFT) - 1)
/* Load factor at most LOAD_NUM / LOAD_DEN. Ordered, a lookup for a tag that
 * is not there looks at ~3.8 cells at 0.85 (Knuth: (1 + 1/(1 - a)) / 2, what
 * a hit costs), where plain linear probing looks at ~3.6 at 0.6 and ~23 at
 * 0.85 ((1 + 1/(1 - a)^2) / 2: the rest of the cluster). The capacity is
 * not a power of two: the home cell is the low half scaled to it (multiply
 * and shift), so the table is as large as the load factor says, not up to
 * twice that; and the home is monotonic in the low half. */
#define LOAD_NUM 17u
#define LOAD_DEN 20u

struct tagtable {
	struct tag_entry *slots;
	size_t cap; /* cells; < 2^32 */
	size_t entries;
	uint64_t first_slot, last_slot; /* range covered; first > last = none */
	uint64_t generation; /* moves on whenever the tags held change */
	size_t per_slot; /* tags per slot (users + old keys), set by a full build */
	/* A build running in a thread of its own (tagtable_prebuild_start). */
	bool building;
	pthread_t builder;
	const struct config *build_config;
	uint64_t build_now;
};

static uint64_t tag_load(const uint8_t tag[static KNOCK_TAG_BYTES])
{
	uint64_t v;
	memcpy(&v, tag, sizeof v);
	return v;
}

/* The home cell of tag: its low half times cap, over 2^32. */
static size_t tag_home(uint64_t tag, size_t cap)
{
	return (size_t)(((uint64_t)(uint32_t)tag * cap) >> 32);
}

static size_t next_cell(size_t i, size_t cap)
{
	return i + 1 == cap ? 0 : i + 1;
}

/* How far cell j is past cell from, going forward (wrapping). */
static size_t cells_after(size_t from, size_t j, size_t cap)
{
	return j >= from ? j - from : j + cap - from;
}

static uint32_t entry_user(const struct tag_entry *e)
{
	return e->us >> US_USER_SHIFT;
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
	tagtable_prebuild_wait(t);
	free(t->slots);
	free(t);
}

void tagtable_invalidate(struct tagtable *t)
{
	t->first_slot = 1;
	t->last_slot = 0;
}

static struct tag_entry make_cell(uint64_t tag, uint32_t user, bool old, uint64_t slot)
{
	return (struct tag_entry){ .tag_lo = (uint32_t)tag,
		.us = user << US_USER_SHIFT | (old ? US_OLD : 0) |
			(uint32_t)(slot & (SLOT_SPAN - 1)) };
}

/* How far the entry in cell i is from its home. */
static size_t displacement(const struct tag_entry *slots, size_t i, size_t cap)
{
	return cells_after(tag_home(slots[i].tag_lo, cap), i, cap);
}

/* Robin Hood insertion: e goes before the first entry of its run that comes
 * after it (a later home, i.e. less displaced than e would be there; or the
 * same home and a higher tag_lo), and the rest of the run moves up one
 * cell. In any order of insertion, wrapping past the last cell too. */
static void place_cell(struct tag_entry *slots, size_t cap, struct tag_entry e)
{
	size_t i = tag_home(e.tag_lo, cap);
	for (size_t d = 0; slots[i].us != EMPTY; i = next_cell(i, cap), d++) {
		size_t here = displacement(slots, i, cap);
		if (here < d || (here == d && slots[i].tag_lo > e.tag_lo)) {
			struct tag_entry r = slots[i];
			slots[i] = e;
			e = r;
			d = here;
		}
	}
	slots[i] = e;
}

/* Where new cells go: straight into the table, or first into a list that
 * is sorted and then placed (see insert_slots). */
struct cell_sink {
	struct tag_entry *list; /* NULL: place each cell as it comes */
	size_t listed, most; /* in list; its size (beyond it: placed) */
	size_t n; /* cells put, listed or placed */
	struct tag_entry *slots;
	size_t cap;
};

static void sink_put(struct cell_sink *k, struct tag_entry e)
{
	if (k->list && k->listed < k->most)
		k->list[k->listed++] = e;
	else
		place_cell(k->slots, k->cap, e);
	k->n++;
}

/* The tags (and old keys' tags) of users [u0, u1) for the slots [from, to]. */
static void collect_users(struct cell_sink *k, const struct config *c,
	size_t u0, size_t u1, uint64_t from, uint64_t to)
{
	uint8_t tag[KNOCK_TAG_BYTES];
	/* Disabled users stay in: their knocks cost what anyone's do, and are
	 * refused by policy with the rule named (user ... is disabled). */
	for (size_t u = u0; u < u1; u++) {
		const uint8_t *tag_key = config_tag_key_at(c, u);
		if (!tag_key) /* keys not loaded: no knock is anyone's */
			continue;
		for (uint64_t s = from; s <= to; s++) {
			knock_tag(tag_key, s, tag);
			sink_put(k, make_cell(tag_load(tag), (uint32_t)u, false, s));
			if (!c->uses.old_keys || !c->users[u].prof->pol->has_old_key)
				continue;
			knock_tag(c->users[u].prof->pol->old_keys.tag_key, s, tag);
			sink_put(k, make_cell(tag_load(tag), (uint32_t)u, true, s));
		}
	}
}

/* Starts fn(arg) in a thread that blocks every signal: the daemon's
 * signals must stay pending for its signalfd (parent.c), never land in a
 * thread that happens to leave them unblocked. */
static int start_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* The second half of the users, listed by a thread of its own. */
struct half {
	struct cell_sink k;
	const struct config *c;
	size_t u0, u1;
	uint64_t from, to;
};

static void *collect_half(void *arg)
{
	struct half *h = arg;
	collect_users(&h->k, h->c, h->u0, h->u1, h->from, h->to);
	return NULL;
}

/* Below this many users a thread costs more than it saves. */
#define TWO_THREADS_MIN_USERS 4096

/* Every user's tags for the slots [from, to] into k's list. With two (a
 * first build in the parent: tagtable_update_prefork), each thread lists
 * half of the users into its own part of the list (SipHash is most of the
 * build); the parts are then joined. Only without old keys, when every user
 * has exactly one tag per slot, so that the parts' sizes are known. */
static void collect_slots(struct cell_sink *k, const struct config *c,
	uint64_t from, uint64_t to, bool two)
{
	size_t per_user = (size_t)(to - from + 1);
	size_t mid = c->nusers / 2;
	if (!two || !k->list || c->uses.old_keys || c->nusers < TWO_THREADS_MIN_USERS ||
	    k->most < c->nusers * per_user) {
		collect_users(k, c, 0, c->nusers, from, to);
		return;
	}
	struct half h = { .c = c, .u0 = mid, .u1 = c->nusers, .from = from, .to = to,
		.k = { .list = k->list + mid * per_user, .most = (c->nusers - mid) * per_user,
			.slots = k->slots, .cap = k->cap } };
	pthread_t th;
	if (start_thread(&th, collect_half, &h) != 0) {
		collect_users(k, c, 0, c->nusers, from, to);
		return;
	}
	struct cell_sink first = *k;
	first.most = mid * per_user;
	collect_users(&first, c, 0, mid, from, to);
	pthread_join(th, NULL);
	/* Users without keys listed nothing: close the gap between the parts. */
	memmove(k->list + first.listed, h.k.list, h.k.listed * sizeof *k->list);
	k->listed = first.listed + h.k.listed;
	k->n = first.n + h.k.n; /* first began as a copy of *k */
}

/* Sorts cells by tag_lo, and so by home cell (tag_home is monotonic in
 * it): two radix passes of 16 bits, through tmp and back. false, unsorted,
 * without memory for the counts. */
static bool sort_cells(struct tag_entry *cells, struct tag_entry *tmp, size_t n)
{
	uint32_t *count = calloc(2 * 65536, sizeof *count);
	if (!count)
		return false;
	uint32_t *lo = count, *hi = count + 65536;
	for (size_t i = 0; i < n; i++) {
		lo[cells[i].tag_lo & 0xffff]++;
		hi[cells[i].tag_lo >> 16]++;
	}
	uint32_t sum_lo = 0, sum_hi = 0;
	for (size_t d = 0; d < 65536; d++) {
		uint32_t l = lo[d], h = hi[d];
		lo[d] = sum_lo;
		hi[d] = sum_hi;
		sum_lo += l;
		sum_hi += h;
	}
	for (size_t i = 0; i < n; i++)
		tmp[lo[cells[i].tag_lo & 0xffff]++] = cells[i];
	for (size_t i = 0; i < n; i++)
		cells[hi[tmp[i].tag_lo >> 16]++] = tmp[i];
	free(count);
	return true;
}

/* Places cells sorted by tag_lo into an empty table, front to back: each at
 * its home or just after the one before, whichever is later, which is the
 * ordered table itself, without a probe. Those that would run past the
 * last cell go round to the front through place_cell, which puts them
 * before the entries whose homes are there. */
static void place_sorted(struct tag_entry *slots, size_t cap,
	const struct tag_entry *sorted, size_t n)
{
	size_t i = 0;
	for (size_t next = 0; i < n; i++) {
		size_t home = tag_home(sorted[i].tag_lo, cap);
		size_t at = home > next ? home : next;
		if (at == cap)
			break;
		slots[at] = sorted[i];
		next = at + 1;
	}
	for (; i < n; i++)
		place_cell(slots, cap, sorted[i]);
}

/* Adds the tags of the slots [from, to] (at most most of them). Sorted by
 * home cell, they fill the table front to back: one pass through its memory
 * instead of a cache miss per tag (at 100 000 users, 500 000 tags into 4.5
 * MiB); into an empty table (fresh), each straight into its cell. Without
 * memory for the sort, one by one. */
static size_t insert_slots(struct tag_entry *slots, size_t cap,
	const struct config *c, uint64_t from, uint64_t to, size_t most, bool two,
	bool fresh)
{
	struct cell_sink k = { .slots = slots, .cap = cap, .most = most };
	struct tag_entry *tmp = NULL;
	if (most > 0 && most <= UINT32_MAX) {
		k.list = malloc(most * sizeof *k.list);
		tmp = malloc(most * sizeof *tmp);
	}
	if (!k.list || !tmp) {
		free(k.list);
		k.list = NULL;
	} else { /* written front to back (prefault.h) */
		prefault(k.list, most * sizeof *k.list);
		prefault(tmp, most * sizeof *tmp);
	}
	collect_slots(&k, c, from, to, two);
	if (k.list) {
		bool sorted = sort_cells(k.list, tmp, k.listed);
		if (sorted && fresh && k.listed == k.n) /* none placed beyond the list */
			place_sorted(slots, cap, k.list, k.listed);
		else
			for (size_t i = 0; i < k.listed; i++)
				place_cell(slots, cap, k.list[i]);
	}
	free(k.list);
	free(tmp);
	return k.n;
}

/* Removes the entries whose slot is outside [first, last], in one sweep
 * that also closes the gaps (no tombstones: probes stay short). Each entry
 * kept moves back to its home or to just after the entry kept before it,
 * whichever comes later: the runs keep their order and have no holes. The
 * sweep starts just after an empty cell, so no run wraps past it, and every
 * entry moves only backwards, into a cell the sweep has passed. */
static void drop_outside(struct tagtable *t, uint64_t first, uint64_t last)
{
	struct tag_entry *slots = t->slots;
	size_t cap = t->cap, start = 0;
	uint64_t base = t->first_slot; /* entries hold slots of the old range */
	while (slots[start].us != EMPTY) /* cells_for leaves one */
		start++;
	size_t to = next_cell(start, cap); /* the first cell a kept entry may take */
	for (size_t k = 1, i = to; k < cap; k++, i = next_cell(i, cap)) {
		struct tag_entry e = slots[i];
		if (e.us == EMPTY) {
			to = next_cell(i, cap);
			continue;
		}
		slots[i] = free_cell;
		if (entry_slot(&e, base) < first || entry_slot(&e, base) > last) {
			t->entries--;
			continue;
		}
		size_t home = tag_home(e.tag_lo, cap);
		size_t at = cells_after(home, i, cap) <= cells_after(to, i, cap) ? home : to;
		slots[at] = e;
		to = next_cell(at, cap);
	}
}

/* The most slots a window of +/- window seconds overlaps: sizing for it
 * lets every later slide fit the same table. */
static uint64_t max_slots(uint32_t window)
{
	return (2 * (uint64_t)window + KNOCK_SLOT_SECONDS - 1) / KNOCK_SLOT_SECONDS + 1;
}

/* Cells for n entries at load <= LOAD_NUM / LOAD_DEN (at least one empty). */
static size_t cells_for(size_t n)
{
	return n / LOAD_NUM * LOAD_DEN + (n % LOAD_NUM * LOAD_DEN + LOAD_NUM - 1) /
		LOAD_NUM + 1;
}

static int update(struct tagtable *t, const struct config *c, uint64_t now, bool two)
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
	    last >= t->last_slot && cells_for((last - first + 1) * t->per_slot) <= t->cap) {
		drop_outside(t, first, last);
		t->entries += insert_slots(t->slots, t->cap, c, t->last_slot + 1, last,
			(size_t)(last - t->last_slot) * t->per_slot, two, false);
		t->first_slot = first;
		t->last_slot = last;
		t->generation++;
		return 0;
	}

	/* Each user's key, and an old key during a rotation's overlap. */
	size_t per_slot = c->nusers;
	for (size_t u = 0; c->uses.old_keys && u < c->nusers; u++)
		per_slot += c->users[u].prof->pol->has_old_key;
	uint64_t span = max_slots(c->window);
	if (span < last - first + 1)
		span = last - first + 1;
	size_t cap = cells_for((size_t)span * per_slot);
	if (cap > UINT32_MAX) /* tag_home scales a 32-bit half */
		return -1;
	struct tag_entry *slots = malloc(cap * sizeof *slots);
	if (!slots)
		return -1;
	prefault(slots, cap * sizeof *slots);
	memset(slots, 0xff, cap * sizeof *slots); /* every cell free_cell */

	size_t entries = insert_slots(slots, cap, c, first, last,
		(size_t)(last - first + 1) * per_slot, two, true);
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	t->entries = entries;
	t->per_slot = per_slot;
	t->first_slot = first;
	t->last_slot = last;
	t->generation++;
	return 0;
}

int tagtable_update(struct tagtable *t, const struct config *c, uint64_t now)
{
	return update(t, c, now, false);
}

int tagtable_update_prefork(struct tagtable *t, const struct config *c, uint64_t now)
{
	tagtable_prebuild_wait(t); /* then only a slide, if a slot passed since */
	return update(t, c, now, true);
}

static void *prebuild(void *arg)
{
	struct tagtable *t = arg;
	(void)update(t, t->build_config, t->build_now, true); /* on failure: */
	return NULL; /* tagtable_update_prefork builds again */
}

int tagtable_prebuild_start(struct tagtable *t, const struct config *c, uint64_t now)
{
	if (t->building)
		return -1;
	t->build_config = c;
	t->build_now = now;
	if (start_thread(&t->builder, prebuild, t) != 0)
		return -1;
	t->building = true;
	return 0;
}

void tagtable_prebuild_wait(struct tagtable *t)
{
	if (!t->building)
		return;
	pthread_join(t->builder, NULL);
	t->building = false;
}

void tagtable_release(struct tagtable *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
	t->entries = 0;
	tagtable_invalidate(t);
}

/* Whether entry e is really tag want: recomputed with the key it names. */
static bool entry_is(const struct tagtable *t, const struct config *c,
	const struct tag_entry *e, uint64_t want)
{
	uint32_t user = entry_user(e);
	if (user >= c->nusers)
		return false;
	const uint8_t *key = e->us & US_OLD ? c->users[user].prof->pol->old_keys.tag_key :
		config_tag_key_at(c, user);
	if (!key)
		return false;
	uint8_t tag[KNOCK_TAG_BYTES];
	knock_tag(key, entry_slot(e, t->first_slot), tag);
	return tag_load(tag) == want;
}

/* The lookup, counting the cells it looks at: from the tag's home, past
 * the entries before it (of earlier homes displaced into it, or of a lower
 * tag_lo), through those of its tag_lo, up to the first entry after it or
 * an empty cell, both of a higher tag_lo. An entry of a higher tag_lo may
 * also be one of the highest homes that went round past the last cell
 * (displaced more than the tag would be there): only for those is the
 * home worked out. Past the last cell itself, the lookup may go on over
 * entries of the first homes: longer, never wrong. Inlined (always: gcc
 * would call it from both users) into tagtable_lookup, where the count is
 * dropped. */
static inline __attribute__((always_inline)) size_t scan(const struct tagtable *t,
	const struct config *c, uint64_t want, uint32_t *users, size_t max, size_t *found)
{
	uint32_t lo = (uint32_t)want;
	size_t cap = t->cap, home = tag_home(want, cap), i = home;
	*found = 0;
	for (;; i = next_cell(i, cap)) {
		const struct tag_entry *e = &t->slots[i];
		if (e->tag_lo < lo)
			continue;
		if (e->us == EMPTY)
			break;
		if (e->tag_lo == lo) { /* confirmed with the full tag */
			if (*found < max && entry_is(t, c, e, want))
				users[(*found)++] = entry_user(e);
		} else if (displacement(t->slots, i, cap) <= cells_after(home, i, cap)) {
			break;
		}
	}
	return cells_after(home, i, cap) + 1;
}

size_t tagtable_lookup(const struct tagtable *t, const struct config *c,
	const uint8_t tag[static KNOCK_TAG_BYTES], uint32_t *users, size_t max)
{
	size_t found = 0;
	if (t->slots)
		(void)scan(t, c, tag_load(tag), users, max, &found);
	return found;
}

size_t tagtable_lookup_cells(const struct tagtable *t,
	const uint8_t tag[static KNOCK_TAG_BYTES])
{
	size_t found;
	return t->slots ? scan(t, NULL, tag_load(tag), NULL, 0, &found) : 0;
}

bool tagtable_check_order(const struct tagtable *t)
{
	size_t used = 0;
	for (size_t i = 0; t->slots && i < t->cap; i++) {
		const struct tag_entry *e = &t->slots[i];
		if (e->us == EMPTY) {
			if (e->tag_lo != UINT32_MAX)
				return false;
			continue;
		}
		used++;
		size_t d = displacement(t->slots, i, t->cap);
		if (d == 0)
			continue;
		/* Displaced: the cell before is taken, by an entry of an earlier
		 * home (displaced at least as much), or of the same home (d - 1)
		 * and a tag_lo no higher. */
		size_t prev = i ? i - 1 : t->cap - 1;
		const struct tag_entry *p = &t->slots[prev];
		if (p->us == EMPTY)
			return false;
		size_t dp = displacement(t->slots, prev, t->cap);
		if (dp + 1 < d || (dp + 1 == d && p->tag_lo > e->tag_lo))
			return false;
	}
	return used == t->entries && (!t->slots || used < t->cap);
}

uint64_t tagtable_generation(const struct tagtable *t)
{
	return t->generation;
}

size_t tagtable_prefixes(const struct tagtable *t, uint8_t (*out)[TAGTABLE_PREFIX_BYTES],
	size_t max, size_t *offset)
{
	/* A cell keeps the half of the tag that tag_load put in the low 32
	 * bits: the first four bytes on a little-endian host, the last four
	 * on a big-endian one. Stored back the same way, they are in order. */
	uint64_t probe = 1;
	uint8_t first;
	memcpy(&first, &probe, 1);
	*offset = first ? 0 : KNOCK_TAG_BYTES - TAGTABLE_PREFIX_BYTES;
	if (t->entries > max)
		return t->entries;
	size_t n = 0;
	for (size_t i = 0; t->slots && i < t->cap && n < max; i++) {
		if (t->slots[i].us == EMPTY)
			continue;
		uint64_t v = t->slots[i].tag_lo;
		uint8_t bytes[KNOCK_TAG_BYTES];
		memcpy(bytes, &v, sizeof bytes);
		memcpy(out[n++], bytes + *offset, TAGTABLE_PREFIX_BYTES);
	}
	return n;
}

size_t tagtable_entries(const struct tagtable *t)
{
	return t->entries;
}

size_t tagtable_bytes(const struct tagtable *t)
{
	return sizeof *t + (t->slots ? t->cap * sizeof *t->slots : 0);
}
