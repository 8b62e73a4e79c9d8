/* childkeys — see childkeys.h. */
#include "childkeys.h"

#include <sodium.h>

#include "dyn_conf.h"
#include "tokenkey.h"
#include "userpolicy.h"

/* The users' secrets are in a mapping of their own (struct config_keys):
 * unmapping it leaves the child without them (and so without any AEAD key)
 * and copies no page, where wiping them in place wrote to, and so copied,
 * every page of it. The tag keys are in another mapping, kept.
 * The per-user blocks point at a shared read-only default (all zero) until
 * a user sets one of its keys: only blocks that hold a secret are written,
 * and those are the user's own (the casts drop the parent's view's const).
 * These few secrets stay wiped in place: they are in small heap blocks of
 * the users that have them, so the pages copied are few. */
void childkeys_forget(struct config *c)
{
	config_keys_drop_secret(c);
	/* Only tokens, dynamic knocks and old keys keep a secret in a block; a
	 * config with none of them is not walked (at 100 000 users the walk is
	 * ~40 ms of the child's start-up). childkeys_forgotten walks anyway. */
	if (!c->uses.tokens && !c->uses.dynamic && !c->uses.old_keys)
		return;
	for (size_t i = 0; i < c->nusers; i++) {
		const struct config_profile *f = c->users[i].prof;
		if (!sodium_is_zero(f->pol->old_keys.aead_key, sizeof f->pol->old_keys.aead_key)) {
			struct user_policy *pol = (struct user_policy *)f->pol;
			sodium_memzero(pol->old_keys.aead_key, sizeof pol->old_keys.aead_key);
		}
		if (!sodium_is_zero(f->token->secret, sizeof f->token->secret)) {
			struct token_conf *t = (struct token_conf *)f->token;
			sodium_memzero(t->secret, sizeof t->secret);
		}
		if (!sodium_is_zero(f->dyn->reply_key, sizeof f->dyn->reply_key)) {
			struct dyn_conf *d = (struct dyn_conf *)f->dyn;
			sodium_memzero(d->reply_key, sizeof d->reply_key);
		}
	}
}

bool childkeys_forgotten(const struct config *c)
{
	if (c->keys.secret)
		return false;
	for (size_t i = 0; c->users && i < c->nusers; i++) {
		const struct config_user *u = &c->users[i];
		struct user_keys k;
		bool has_secret = config_user_keys(c, u, &k);
		knock_wipe_keys(&k);
		if (has_secret ||
		    !sodium_is_zero(u->prof->pol->old_keys.aead_key,
			sizeof u->prof->pol->old_keys.aead_key) ||
		    !sodium_is_zero(u->prof->token->secret, sizeof u->prof->token->secret) ||
		    !sodium_is_zero(u->prof->dyn->reply_key, sizeof u->prof->dyn->reply_key))
			return false;
	}
	return true;
}
