/* config_childview — what the capture child keeps of the config: the
 * users only where a knock can need more of them than the tag key that an
 * SPA knock's tag finds by index (config.h). Part of the config module. */
#include <stdlib.h>

#include "config_int.h"

bool config_names_user_in_knocks(const struct config *c)
{
	return c->uses.tokens || c->uses.otp || c->uses.sequences || c->uses.dynamic ||
		c->dns.mode != DNS_OFF;
}

/* Users of a section of their own: users[0 .. own) (config.h), each with a
 * profile of its own, freed one by one, which writes to (copies) a heap
 * page each: worth it for a few, not for thousands. */
#define CHILD_FREES_SECTIONS_MAX 64

static size_t own_sections(const struct config *c)
{
	return c->nusers - c->ntemplate_users;
}

bool config_child_needs_users(const struct config *c)
{
	return own_sections(c) > CHILD_FREES_SECTIONS_MAX || c->uses.old_keys ||
		config_names_user_in_knocks(c);
}

void config_release_users(struct config *c)
{
	/* [user *]'s users share c->tmpl's profile (config_free frees it
	 * there). The array is not wiped: its pages are the parent's too,
	 * and hold no secret. */
	for (size_t i = 0; c->users && i < own_sections(c); i++)
		cfg_user_free(&c->users[i]);
	free(c->users);
	c->users = NULL;
	cfg_arena_free(c);
	cfg_names_free(c);
}
