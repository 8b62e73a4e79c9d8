/* config_template — [user *]: the settings of every keys_file user who has
 * no [user NAME] section of their own, so that 100 000 users need 100 000
 * lines in keys_file and not 100 000 sections. Part of the config module
 * (config_int.h).
 *
 *   [daemon]
 *   keys_file = /etc/postern/users.keys
 *   [user *]
 *   open = tcp/22
 *
 * The template is parsed as a user (the same setters, the same checks,
 * once) and kept in c->tmpl. Its users are made while keys_file is read:
 * each a name of its own and a pointer to c->tmpl's profile (16 bytes a
 * user; the profile is marked from_template, never written once keys_file
 * is read, freed once with c->tmpl), with keys of its own (c->keys). So the template takes only what users may share: an allow-list of
 * keys; a secret or an identity (key, token, OTP chain, sequence, dynamic
 * reply key, old key, signing key) is refused with the reason. */
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* The keys [user *] may hold (anything not here is refused: a new key is
 * per user until someone decides it can be shared). */
static const char *const shared_keys[] = {
	"open", "max_lease", "targets", "disabled",
	"triggers", "on_open", "on_close", "one_shot",
	"sources", "allow_wide_targets", "require_target", "hours", "timezone",
	"schemes", "carriers", "expires",
};

/* Why the others are not, by prefix. */
static const struct {
	const char *prefix;
	const char *why;
} refused[] = {
	{ "key", "each user's secret is their line in keys_file" },
	{ "token", "a token's secret (token_key) is per user" },
	{ "otp", "an RFC 2289 chain is per user" },
	{ "sequence", "a port sequence is a shared secret: every user of the "
		"template would knock alike" },
	{ "one_time_sequences", "a list of one-time sequences is per user" },
	{ "dynamic", "dynamic knocks need a reply key of each user's own" },
	{ "old_key", "an old key is a per-user secret" },
	{ "sign_key", "a signing key is per user" },
	{ "require_signature", "it needs a sign_key, which is per user" },
};

int cfg_template_begin(struct cfg_parse *p)
{
	struct config *c = p->c;
	if (p->file) {
		cfg_error(p, p->line, "[user *] belongs in the main config, not in a "
			"users_dir drop-in");
		return -1;
	}
	if (c->tmpl) {
		cfg_error(p, p->line, "section [user *] repeated (first at line %u)",
			c->tmpl->prof->line);
		return -1;
	}
	struct config_user *t = malloc(sizeof *t);
	if (!t) {
		cfg_error(p, p->line, "out of memory");
		return -1;
	}
	if (!cfg_profile_new(p, t)) {
		free(t);
		return -1;
	}
	c->tmpl = t;
	t->name = "*";
	t->prof->line = p->line;
	t->prof->from_template = true; /* the profile its users share */
	p->cur = c->tmpl;
	p->cur_lines = &p->tmpl_lines;
	p->target_source = false;
	return 0;
}

int cfg_template_key(struct cfg_parse *p, const char *key)
{
	for (size_t i = 0; i < sizeof shared_keys / sizeof *shared_keys; i++)
		if (strcmp(key, shared_keys[i]) == 0)
			return 0;
	const char *why = "it is per user";
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
		if (strncmp(key, refused[i].prefix, strlen(refused[i].prefix)) == 0) {
			why = refused[i].why;
			break;
		}
	cfg_error(p, p->line, "%s cannot be in [user *]: %s (give such a user a "
		"[user NAME] section of their own)", key, why);
	return -1;
}

int cfg_check_template(struct cfg_parse *p)
{
	const struct config *c = p->c;
	if (c->tmpl && !c->keys_file[0]) {
		cfg_error(p, c->tmpl->prof->line, "[user *] needs [daemon] keys_file: its "
			"users are the names there that have no [user NAME] section");
		return -1;
	}
	return 0;
}

struct config_user *cfg_template_user(struct cfg_parse *p, const char *name, size_t n)
{
	struct config *c = p->c;
	/* keys_file sized the array for the file it stat'ed; a file that grew
	 * while it was read still gets room, not an overflow. */
	if (c->nusers >= p->users_cap &&
	    cfg_users_reserve(p, p->users_cap ? 2 * p->users_cap : 16) != 0)
		return NULL;
	const char *copy = cfg_arena_str(c, name, n);
	if (!copy)
		return NULL;
	struct config_user *u = &c->users[c->nusers];
	*u = *c->tmpl; /* its profile, shared */
	u->name = copy;
	p->lines[c->nusers] = (struct cfg_user_lines){ 0 };
	c->nusers++;
	c->ntemplate_users++;
	return u;
}

void cfg_print_template(const struct config *c, FILE *f,
	void (*print_user)(const struct config_user *u, FILE *f))
{
	if (!c->tmpl)
		return;
	if (c->keys_file_read)
		fprintf(f, "\n# %zu user%s of keys_file %s with no section of their "
			"own\n", c->ntemplate_users, c->ntemplate_users == 1 ? "" : "s",
			c->keys_file);
	else
		fprintf(f, "\n# the users of keys_file %s with no section of their "
			"own (the file was not read)\n", c->keys_file);
	print_user(c->tmpl, f);
}
