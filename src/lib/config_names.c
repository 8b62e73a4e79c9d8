/* config_names — users by name in O(1), for the daemon's packet paths (a
 * numeric code or a DNS label names its user: with 100 000 users a linear
 * search per packet would let a flood of such packets stall the capture
 * child). Built once when the config is loaded; read only afterwards.
 * Keyed by the name folded to lower case, so a DNS label whose case a
 * resolver randomised (0x20) finds its user in the same probe sequence. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "prefault.h"

static uint64_t fold_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		h ^= (uint64_t)tolower(*s);
		h *= 0x100000001b3u;
	}
	return h;
}

int cfg_names_build(struct config *c)
{
	size_t cap = 16;
	while (cap < c->nusers * 2) /* at most half full: short probes */
		cap *= 2;
	uint32_t *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -1;
	prefault(slot, cap * sizeof *slot); /* filled at random: every page */
	for (size_t i = 0; i < c->nusers; i++) {
		size_t k = (size_t)fold_hash(c->users[i].name) & (cap - 1);
		while (slot[k])
			k = (k + 1) & (cap - 1);
		slot[k] = (uint32_t)i + 1; /* 0 = empty */
	}
	free(c->name_slot);
	c->name_slot = slot;
	c->name_mask = cap - 1;
	return 0;
}

void cfg_names_free(struct config *c)
{
	free(c->name_slot);
	c->name_slot = NULL;
	c->name_mask = 0;
}

static const struct config_user *find(const struct config *c, const char *name,
	int (*cmp)(const char *, const char *))
{
	if (!c->name_slot) { /* a config built by hand (tests, benches) */
		for (size_t i = 0; i < c->nusers; i++)
			if (cmp(c->users[i].name, name) == 0)
				return &c->users[i];
		return NULL;
	}
	for (size_t k = (size_t)fold_hash(name) & c->name_mask; c->name_slot[k];
	     k = (k + 1) & c->name_mask) {
		const struct config_user *u = &c->users[c->name_slot[k] - 1];
		if (cmp(u->name, name) == 0)
			return u;
	}
	return NULL;
}

const struct config_user *config_find_user(const struct config *c, const char *name)
{
	return find(c, name, strcmp);
}

const struct config_user *config_find_user_nocase(const struct config *c,
	const char *name)
{
	return find(c, name, strcasecmp);
}
