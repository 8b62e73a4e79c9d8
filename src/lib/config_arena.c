/* config_arena — the users' names, one copy each, packed in large chunks:
 * at 100 000 users, 100 000 small strings in a few allocations instead of
 * 64 bytes inline in every struct config_user. Read-only once the config is
 * loaded; freed whole by config_free. Part of the config module
 * (config_int.h). */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

#define ARENA_CHUNK (64 * 1024)

struct config_arena {
	struct config_arena *prev; /* older chunk */
	size_t used, cap;
	char bytes[];
};

const char *cfg_arena_str(struct config *c, const char *s, size_t n)
{
	struct config_arena *a = c->arena;
	if (!a || a->cap - a->used < n + 1) {
		size_t cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;
		struct config_arena *na = malloc(sizeof *na + cap);
		if (!na)
			return NULL;
		na->prev = a;
		na->used = 0;
		na->cap = cap;
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
		free(a);
	}
	c->arena = NULL;
}
