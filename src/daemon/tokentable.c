/* tokentable — open addressing on a mixed 64-bit key; see tokentable.h. */
#include "tokentable.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sodium.h>

struct tt_entry {
	uint64_t key;
	uint64_t counter;
	uint32_t user;
	uint8_t form; /* 0 = empty */
	bool used;
};

struct tokentable {
	struct tt_entry *slots;
	size_t mask; /* capacity - 1, a power of two */
	size_t entries, max;
	bool shared; /* slots are a shared mapping (munmap, not free) */
};

/* Code keys are not uniformly spread: mix every key (Fibonacci hashing). */
static size_t home(const struct tokentable *t, uint8_t form, uint64_t key)
{
	uint64_t h = (key ^ ((uint64_t)form << 56)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 17) & t->mask;
}

static size_t capacity(size_t max)
{
	size_t cap = 16;
	while (cap < max * 2) /* load factor <= 1/2 */
		cap *= 2;
	return cap;
}

struct tokentable *tokentable_new(size_t max)
{
	struct tokentable *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	size_t cap = capacity(max);
	t->slots = calloc(cap, sizeof *t->slots);
	if (!t->slots) {
		free(t);
		return NULL;
	}
	t->mask = cap - 1;
	t->max = max;
	return t;
}

struct tokentable *tokentable_new_shared(size_t max)
{
	struct tokentable *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	size_t cap = capacity(max);
	/* Anonymous shared memory: zeroed, not a file the fd sweep would drop. */
	void *p = mmap(NULL, cap * sizeof *t->slots, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		free(t);
		return NULL;
	}
	t->slots = p;
	t->mask = cap - 1;
	t->max = max;
	t->shared = true;
	return t;
}

void tokentable_free(struct tokentable *t)
{
	if (!t)
		return;
	/* The keys are one-time secrets until used: wipe them. */
	size_t bytes = (t->mask + 1) * sizeof *t->slots;
	sodium_memzero(t->slots, bytes);
	if (t->shared)
		munmap(t->slots, bytes);
	else
		free(t->slots);
	free(t);
}

int tokentable_copy(struct tokentable *dst, const struct tokentable *src)
{
	if (dst->mask != src->mask)
		return -1;
	memcpy(dst->slots, src->slots, (src->mask + 1) * sizeof *src->slots);
	dst->entries = src->entries;
	return 0;
}

int tokentable_add(struct tokentable *t, enum tokentable_form form, uint64_t key,
	const struct tokentable_hit *hit)
{
	if (t->entries >= t->max)
		return -1;
	size_t i = home(t, (uint8_t)form, key);
	while (t->slots[i].form != 0)
		i = (i + 1) & t->mask;
	t->slots[i] = (struct tt_entry){ .key = key, .counter = hit->counter,
		.user = hit->user, .form = (uint8_t)form, .used = hit->used };
	t->entries++;
	return 0;
}

bool tokentable_find(const struct tokentable *t, enum tokentable_form form,
	uint64_t key, struct tokentable_hit *hit)
{
	size_t i = home(t, (uint8_t)form, key);
	for (size_t probes = 0; probes <= t->mask && t->slots[i].form != 0;
	     probes++, i = (i + 1) & t->mask) {
		const struct tt_entry *e = &t->slots[i];
		if (e->form == form && e->key == key) {
			*hit = (struct tokentable_hit){ .user = e->user,
				.counter = e->counter, .used = e->used };
			return true;
		}
	}
	return false;
}

size_t tokentable_entries(const struct tokentable *t)
{
	return t->entries;
}

uint64_t tokentable_code_key(uint32_t user, uint32_t code)
{
	return (uint64_t)user << 34 | code; /* codes are below 10^10 < 2^34 */
}

uint64_t tokentable_bytes_key(const uint8_t bytes[static 8])
{
	uint64_t k;
	memcpy(&k, bytes, sizeof k);
	return k;
}
