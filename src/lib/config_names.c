/* config_names — users by name in O(1), for the daemon's packet paths (a
 * numeric code or a DNS label names its user: with 100 000 users a linear
 * search per packet would let a flood of such packets stall the capture
 * child). It is the loader's duplicate-name index (config_index.c), kept
 * when the config is loaded; read only afterwards.
 * Keyed by the name folded to lower case, so a DNS label whose case a
 * resolver randomised (0x20) finds its user in the same probe sequence. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

uint64_t cfg_name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		h ^= (uint64_t)tolower(*s);
		h *= 0x100000001b3u;
	}
	return h;
}

/* The loader checked every name against this index as it added the user
 * (config.c, config_keysfile.c): at 100 000 users, building a second
 * table afterwards was another 100 000 random writes into fresh memory. */
void cfg_names_adopt(struct config *c, struct cfg_index *names)
{
	free(c->name_slot);
	c->name_slot = names->slot;
	c->name_cap = names->cap;
	*names = (struct cfg_index){ 0 };
}

void cfg_names_free(struct config *c)
{
	free(c->name_slot);
	c->name_slot = NULL;
	c->name_cap = 0;
}

void config_names_release(struct config *c)
{
	cfg_names_free(c);
}

static const struct config_user *find(const struct config *c, const char *name,
	int (*cmp)(const char *, const char *))
{
	if (!c->users) /* known by index only (config_release_users) */
		return NULL;
	if (!c->name_slot) { /* a config built by hand (tests, benches) */
		for (size_t i = 0; i < c->nusers; i++)
			if (cmp(c->users[i].name, name) == 0)
				return &c->users[i];
		return NULL;
	}
	uint64_t h = cfg_name_hash(name);
	for (size_t k = cfg_index_home(h, c->name_cap); c->name_slot[k].i;
	     k = cfg_index_next(k, c->name_cap)) {
		const struct config_user *u = &c->users[c->name_slot[k].i - 1];
		if (c->name_slot[k].h == (uint32_t)h && cmp(u->name, name) == 0)
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
