/* config_arena — the users' names, one copy each, packed in large chunks:
 * at 100 000 users, 100 000 small strings in a few allocations instead of
 * 64 bytes inline in every struct config_user. Read-only once the config is
 * loaded; freed whole by config_free. Part of the config module
 * (config_int.h).
 * The chunks are mappings of their own, not malloc's: freeing them gives
 * the memory back at once, also in a forked capture child that frees the
 * names it does not need (config_release_users), where free() of heap
 * chunks would only have written to (copied) the heap's pages. */
#include <string.h>
#include <sys/mman.h>

#include "config_int.h"

#define ARENA_CHUNK (256 * 1024) /* a page each until written: cheap when small */

struct config_arena {
	struct config_arena *prev; /* older chunk */
	size_t used, cap, map_bytes;
	char bytes[];
};

const char *cfg_arena_str(struct config *c, const char *s, size_t n)
{
	struct config_arena *a = c->arena;
	if (!a || a->cap - a->used < n + 1) {
		size_t bytes = sizeof *a + n + 1 > ARENA_CHUNK ? sizeof *a + n + 1 : ARENA_CHUNK;
		struct config_arena *na = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (na == MAP_FAILED)
			return NULL;
		na->prev = a;
		na->used = 0;
		na->cap = bytes - sizeof *na;
		na->map_bytes = bytes;
		c->arena = a = na;
	}
	char *d = a->bytes + a->used;
	memcpy(d, s, n);
	d[n] = '\0';
	a->used += n + 1;
	return d;
}

void cfg_arena_free(struct config *c)
{
	for (struct config_arena *a = c->arena, *prev; a; a = prev) {
		prev = a->prev;
		munmap(a, a->map_bytes);
	}
	c->arena = NULL;
}
