/* seqtrack — see seqtrack.h.
 *
 * Sources live in one array of entries: a hash table (chains through
 * `hnext`, keyed SipHash of the address) finds them, a doubly-linked list
 * keeps them in order of their last hit (head = most recent) for eviction
 * and expiry, and unused entries form a free list. Which slots a hit can
 * start is looked up in a sorted array of (port, slot, step), rebuilt
 * lazily after a slot changes. */
#include "seqtrack.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define NONE UINT32_MAX

enum step_result { STEP_ADVANCED, STEP_DUPLICATE, STEP_MISMATCH };

struct part {
	uint32_t slot;
	uint32_t gen; /* the slot's generation when this partial began */
	uint32_t mask; /* steps seen */
	uint8_t last; /* index of the step seen last */
	uint64_t last_ms; /* time of the last step */
};

struct entry {
	struct addr src;
	uint32_t hnext; /* next in the bucket chain (or the free list) */
	uint32_t newer, older; /* LRU neighbours */
	uint64_t last_ms;
	uint8_t nparts;
	struct part parts[SEQTRACK_PARTIALS];
	uint8_t nwin;
	uint16_t win[SEQTRACK_WINDOW]; /* token window, oldest first */
	uint64_t win_ms; /* time of its last hit */
};

struct slotinfo {
	struct seqtrack_want w;
	uint32_t gen;
};

struct start {
	uint32_t key; /* proto << 16 | port */
	uint32_t slot;
	uint8_t step;
};

struct seqtrack {
	size_t cap, nslots, nbuckets;
	struct entry *e;
	uint32_t *bucket;
	uint32_t free_head, newest, oldest;
	size_t count;
	uint64_t evictions;
	struct slotinfo *slot;
	struct start *starts;
	size_t nstarts;
	bool starts_dirty;
	uint64_t max_timeout_ms;
	struct portrange windows[SEQTRACK_MAX_WINDOWS];
	size_t nwindows;
	uint32_t window_ms;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
};

static uint32_t port_key(const struct portspec *p)
{
	return (uint32_t)p->proto << 16 | p->port;
}

struct seqtrack *seqtrack_new(size_t capacity, size_t nslots)
{
	if (capacity == 0 || capacity > SEQTRACK_MAX_CAPACITY || nslots == 0 ||
	    nslots > SEQTRACK_MAX_CAPACITY)
		return NULL;
	struct seqtrack *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cap = capacity;
	t->nslots = nslots;
	t->nbuckets = 1;
	while (t->nbuckets < capacity)
		t->nbuckets <<= 1;
	t->e = calloc(capacity, sizeof *t->e);
	t->bucket = malloc(t->nbuckets * sizeof *t->bucket);
	t->slot = calloc(nslots, sizeof *t->slot);
	t->starts = calloc(nslots * (SEQ_MAX_TOLERANCE + 1), sizeof *t->starts);
	if (!t->e || !t->bucket || !t->slot || !t->starts) {
		seqtrack_free(t);
		return NULL;
	}
	for (size_t i = 0; i < t->nbuckets; i++)
		t->bucket[i] = NONE;
	for (size_t i = 0; i < capacity; i++)
		t->e[i].hnext = i + 1 < capacity ? (uint32_t)(i + 1) : NONE;
	t->free_head = 0;
	t->newest = t->oldest = NONE;
	randombytes_buf(t->hkey, sizeof t->hkey);
	return t;
}

void seqtrack_free(struct seqtrack *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->bucket);
	free(t->slot);
	free(t->starts);
	free(t);
}

/* ---- slots ---- */

int seqtrack_set(struct seqtrack *t, size_t slot, const struct seqtrack_want *w)
{
	if (slot >= t->nslots)
		return -1;
	if (w && w->seq.n > 0 && (w->seq.n < 2 || w->seq.n > SEQ_MAX_STEPS ||
		w->tolerance > SEQ_MAX_TOLERANCE || w->tolerance + 1u >= w->seq.n))
		return -1;
	struct slotinfo *s = &t->slot[slot];
	memset(&s->w, 0, sizeof s->w);
	if (w && w->seq.n > 0)
		s->w = *w;
	s->gen++; /* partials of the former sequence no longer count */
	t->starts_dirty = true;
	t->max_timeout_ms = 0;
	for (size_t i = 0; i < t->nslots; i++)
		if (t->slot[i].w.seq.n && t->slot[i].w.timeout_ms > t->max_timeout_ms)
			t->max_timeout_ms = t->slot[i].w.timeout_ms;
	return 0;
}

int seqtrack_set_windows(struct seqtrack *t, const struct portrange *r, size_t n,
	uint32_t timeout_ms)
{
	if (n > SEQTRACK_MAX_WINDOWS)
		return -1;
	memcpy(t->windows, r, n * sizeof *r);
	t->nwindows = n;
	t->window_ms = timeout_ms;
	return 0;
}

static int start_cmp(const void *a, const void *b)
{
	const struct start *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return (int)x->step - (int)y->step;
}

static void rebuild_starts(struct seqtrack *t)
{
	t->nstarts = 0;
	for (size_t i = 0; i < t->nslots; i++) {
		const struct seqtrack_want *w = &t->slot[i].w;
		for (size_t j = 0; w->seq.n && j <= w->tolerance; j++)
			t->starts[t->nstarts++] = (struct start){
				.key = port_key(&w->seq.step[j]), .slot = (uint32_t)i,
				.step = (uint8_t)j };
	}
	if (t->nstarts)
		qsort(t->starts, t->nstarts, sizeof *t->starts, start_cmp);
	t->starts_dirty = false;
}

/* Index of the first start with key >= k. */
static size_t starts_lower(const struct seqtrack *t, uint32_t k)
{
	size_t lo = 0, hi = t->nstarts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->starts[mid].key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- entries ---- */

static uint32_t hash_src(const struct seqtrack *t, const struct addr *a)
{
	uint8_t in[1 + sizeof a->bytes], out[crypto_shorthash_BYTES];
	uint64_t h;
	in[0] = a->family;
	memcpy(in + 1, a->bytes, sizeof a->bytes);
	crypto_shorthash(out, in, sizeof in, t->hkey);
	memcpy(&h, out, sizeof h);
	return (uint32_t)(h & (t->nbuckets - 1));
}

static uint32_t find(const struct seqtrack *t, const struct addr *a, uint32_t b)
{
	for (uint32_t i = t->bucket[b]; i != NONE; i = t->e[i].hnext)
		if (addr_equal(&t->e[i].src, a))
			return i;
	return NONE;
}

static void lru_unlink(struct seqtrack *t, uint32_t i)
{
	struct entry *e = &t->e[i];
	if (e->newer != NONE)
		t->e[e->newer].older = e->older;
	else
		t->newest = e->older;
	if (e->older != NONE)
		t->e[e->older].newer = e->newer;
	else
		t->oldest = e->newer;
}

static void lru_push(struct seqtrack *t, uint32_t i)
{
	struct entry *e = &t->e[i];
	e->newer = NONE;
	e->older = t->newest;
	if (t->newest != NONE)
		t->e[t->newest].newer = i;
	t->newest = i;
	if (t->oldest == NONE)
		t->oldest = i;
}

static void remove_entry(struct seqtrack *t, uint32_t i)
{
	uint32_t b = hash_src(t, &t->e[i].src);
	uint32_t *link = &t->bucket[b];
	while (*link != NONE && *link != i)
		link = &t->e[*link].hnext;
	if (*link == i)
		*link = t->e[i].hnext;
	lru_unlink(t, i);
	memset(&t->e[i], 0, sizeof t->e[i]);
	t->e[i].hnext = t->free_head;
	t->free_head = i;
	t->count--;
}

static uint32_t add_entry(struct seqtrack *t, const struct addr *a, uint32_t b)
{
	if (t->free_head == NONE) {
		remove_entry(t, t->oldest); /* full: the least recently hit goes */
		t->evictions++;
	}
	uint32_t i = t->free_head;
	t->free_head = t->e[i].hnext;
	t->e[i].src = *a;
	t->e[i].hnext = t->bucket[b];
	t->bucket[b] = i;
	lru_push(t, i);
	t->count++;
	return i;
}

/* ---- matching ---- */

static enum step_result step(struct part *p, const struct seqtrack_want *w,
	const struct portspec *hit)
{
	size_t m = 0;
	while (m < w->seq.n && (p->mask >> m & 1))
		m++;
	for (size_t j = m; j < w->seq.n && j <= m + w->tolerance; j++) {
		if (!(p->mask >> j & 1) && portspec_equal(&w->seq.step[j], hit)) {
			p->mask |= 1u << j;
			p->last = (uint8_t)j;
			return STEP_ADVANCED;
		}
	}
	/* Only a repeat of the step just seen (a retransmitted SYN) is
	 * harmless: "A B A C" must not pass for "A B C". */
	if (portspec_equal(&w->seq.step[p->last], hit))
		return STEP_DUPLICATE;
	return STEP_MISMATCH;
}

static bool complete(const struct part *p, const struct seqtrack_want *w)
{
	return p->mask == ((1u << w->seq.n) - 1);
}

static int popcount(uint32_t v)
{
	int n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Adds p to parts, replacing the least advanced (then oldest) if full. */
static void keep_part(struct part *parts, size_t *n, const struct part *p)
{
	if (*n < SEQTRACK_PARTIALS) {
		parts[(*n)++] = *p;
		return;
	}
	size_t worst = 0;
	for (size_t i = 1; i < *n; i++) {
		int a = popcount(parts[i].mask), b = popcount(parts[worst].mask);
		if (a < b || (a == b && parts[i].last_ms < parts[worst].last_ms))
			worst = i;
	}
	if (popcount(p->mask) >= popcount(parts[worst].mask))
		parts[worst] = *p;
}

static bool listed(const uint32_t *slots, size_t n, uint32_t slot)
{
	for (size_t i = 0; i < n; i++)
		if (slots[i] == slot)
			return true;
	return false;
}

static bool in_window(const struct seqtrack *t, const struct portspec *p)
{
	for (size_t i = 0; i < t->nwindows; i++)
		if (portrange_contains(&t->windows[i], p))
			return true;
	return false;
}

/* Moves the source's token window on by hit p; true if it is full. */
static bool window_hit(const struct seqtrack *t, struct entry *e,
	const struct portspec *p, uint64_t now_ms)
{
	if (!in_window(t, p)) {
		e->nwin = 0; /* a watched hit elsewhere resets */
		return false;
	}
	if (e->nwin && (now_ms < e->win_ms || now_ms - e->win_ms > t->window_ms))
		e->nwin = 0; /* gap too long */
	for (size_t i = 0; i < e->nwin; i++)
		if (e->win[i] == p->port)
			return false; /* a repeat (retransmitted SYN): neutral */
	if (e->nwin == SEQTRACK_WINDOW) {
		memmove(e->win, e->win + 1, (SEQTRACK_WINDOW - 1) * sizeof *e->win);
		e->nwin--;
	}
	e->win[e->nwin++] = p->port;
	e->win_ms = now_ms;
	return e->nwin == SEQTRACK_WINDOW;
}

/* Advances (or drops) each partial of entry i by hit p. */
static void advance_parts(struct seqtrack *t, uint32_t i, const struct portspec *p,
	uint64_t now_ms, struct part *keep, size_t *nkeep, uint32_t *touched,
	size_t *ntouched, struct seqtrack_result *r)
{
	for (size_t k = 0; i != NONE && k < t->e[i].nparts; k++) {
		struct part part = t->e[i].parts[k];
		const struct slotinfo *s = &t->slot[part.slot];
		if (part.gen != s->gen || !s->w.seq.n ||
		    now_ms - part.last_ms > s->w.timeout_ms || now_ms < part.last_ms)
			continue; /* gap too long, or the slot changed */
		switch (step(&part, &s->w, p)) {
		case STEP_ADVANCED:
			touched[(*ntouched)++] = part.slot;
			part.last_ms = now_ms;
			if (!complete(&part, &s->w))
				keep_part(keep, nkeep, &part);
			else if (r->ndone < SEQTRACK_PARTIALS)
				r->done[r->ndone++] = part.slot;
			break;
		case STEP_DUPLICATE:
			touched[(*ntouched)++] = part.slot;
			keep_part(keep, nkeep, &part);
			break;
		case STEP_MISMATCH:
			break; /* progress on this sequence resets */
		}
	}
}

void seqtrack_hit(struct seqtrack *t, const struct addr *src,
	const struct portspec *p, uint64_t now_ms, struct seqtrack_result *r)
{
	struct part keep[SEQTRACK_PARTIALS];
	uint32_t touched[SEQTRACK_PARTIALS * 2];
	size_t nkeep = 0, ntouched = 0;
	uint32_t b = hash_src(t, src);
	uint32_t i = find(t, src, b);
	struct entry scratch = { .nwin = 0 };

	memset(r, 0, sizeof *r);
	if (t->starts_dirty)
		rebuild_starts(t);
	advance_parts(t, i, p, now_ms, keep, &nkeep, touched, &ntouched, r);
	for (size_t k = starts_lower(t, port_key(p));
	     k < t->nstarts && t->starts[k].key == port_key(p); k++) {
		const struct start *st = &t->starts[k];
		if (listed(touched, ntouched, st->slot) || ntouched == sizeof touched / sizeof *touched)
			continue; /* advanced already, or started at a lower step */
		struct part part = { .slot = st->slot, .gen = t->slot[st->slot].gen,
			.mask = 1u << st->step, .last = st->step, .last_ms = now_ms };
		touched[ntouched++] = st->slot;
		keep_part(keep, &nkeep, &part);
	}
	struct entry *w = i != NONE ? &t->e[i] : &scratch;
	if (t->nwindows && window_hit(t, w, p, now_ms)) {
		r->window = true;
		memcpy(r->ports, w->win, sizeof r->ports);
	}
	if (nkeep == 0 && w->nwin == 0) {
		if (i != NONE)
			remove_entry(t, i);
		return;
	}
	if (i == NONE) {
		i = add_entry(t, src, b);
		t->e[i].nwin = scratch.nwin;
		memcpy(t->e[i].win, scratch.win, sizeof scratch.win);
		t->e[i].win_ms = scratch.win_ms;
	} else {
		lru_unlink(t, i);
		lru_push(t, i);
	}
	memcpy(t->e[i].parts, keep, nkeep * sizeof *keep);
	t->e[i].nparts = (uint8_t)nkeep;
	t->e[i].last_ms = now_ms;
}

void seqtrack_expire(struct seqtrack *t, uint64_t now_ms)
{
	while (t->oldest != NONE) {
		const struct entry *e = &t->e[t->oldest];
		uint64_t idle = t->max_timeout_ms > t->window_ms ? t->max_timeout_ms : t->window_ms;
		if (now_ms < e->last_ms || now_ms - e->last_ms <= idle)
			break;
		remove_entry(t, t->oldest);
	}
}

uint64_t seqtrack_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

size_t seqtrack_count(const struct seqtrack *t)
{
	return t->count;
}

uint64_t seqtrack_evictions(const struct seqtrack *t)
{
	return t->evictions;
}
