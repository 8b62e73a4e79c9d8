/* config_check — rules that span keys or sections, checked once every line
 * has been read (a [user] may come before the [protect] it refers to), and
 * the reading of key files. Each error names the line of the key or section
 * that has to change. */
#include <sodium.h>
#include <string.h>

#include "config_int.h"
#include "keyfile.h"

static int check_protect(struct cfg_parse *p)
{
	if (p->c->nprotect > 0)
		return 0;
	if (p->protect_line)
		cfg_error(p, p->protect_line, "[protect] lists no ports "
			"(add ports = tcp/22, ...)");
	else
		cfg_error(p, 0, "no [protect] section: postern must guard at least "
			"one port");
	return -1;
}

static int check_daemon(struct cfg_parse *p)
{
	const struct config *c = p->c;
	const unsigned *line = p->daemon_keys;

	if (c->default_lease > c->max_lease) {
		/* One of the two was set, or the defaults would agree. */
		cfg_error(p, line[DK_DEFAULT_LEASE] ? line[DK_DEFAULT_LEASE] :
			line[DK_MAX_LEASE], "default_lease (%u s) exceeds max_lease (%u s)",
			c->default_lease, c->max_lease);
		return -1;
	}
	if (c->firewall == FIREWALL_MARK && c->mark == 0) {
		cfg_error(p, line[DK_FIREWALL], "firewall = mark needs a mark "
			"(add mark = 0x10000, and accept that mark in your own ruleset)");
		return -1;
	}
	return 0;
}

/* ctx of the index look-ups below: the users and the one looked up. */
struct lookup {
	const struct config *c;
	const struct config_user *u;
};

static bool same_key_path(const void *ctx, size_t i)
{
	const struct lookup *l = ctx;
	return strcmp(l->c->users[i].prof->key_path, l->u->prof->key_path) == 0;
}

static bool same_secret(const void *ctx, size_t i)
{
	const struct lookup *l = ctx;
	return config_user_same_secret(l->c, &l->c->users[i], l->u);
}

/* Every key file belongs to one user. */
static int check_key_path(struct cfg_parse *p, const struct config_user *u,
	struct cfg_index *paths)
{
	const struct config *c = p->c;
	struct lookup l = { c, u };
	uint64_t h = cfg_hash(u->prof->key_path, strlen(u->prof->key_path));
	size_t dup = cfg_index_find(paths, h, same_key_path, &l);
	if (dup != SIZE_MAX) {
		const struct config_user *o = &c->users[dup];
		cfg_error(p, u->prof->key_line, "user %s: key file %s is also user "
			"%s's (line %u); every user needs their own key",
			u->name, u->prof->key_path, o->name, o->prof->key_line);
		return -1;
	}
	if (cfg_index_add(paths, h, (size_t)(u - c->users)) != 0) {
		cfg_error(p, u->prof->key_line, "out of memory");
		return -1;
	}
	return 0;
}

static int check_user(struct cfg_parse *p, const struct config_user *u,
	struct cfg_index *paths)
{
	const struct config *c = p->c;
	char buf[PORTSPEC_STRLEN];

	if (!u->prof->key_line && !c->keys_file[0] && u != c->tmpl) {
		cfg_error(p, u->prof->line, "user %s has no key (add key = "
			"/etc/postern/users/%s.key)", u->name, u->name);
		return -1;
	}
	/* Without a key line the secret is in keys_file, read with the keys. */
	if (u->prof->key_line && check_key_path(p, u, paths) != 0)
		return -1;
	for (size_t i = 0; i < u->prof->nopen; i++) {
		if (!config_is_protected(c, &u->prof->open[i])) {
			cfg_error(p, cfg_lines(p, u)->open, "user %s: open %s is not a protected "
				"port (add it to [protect] ports)", u->name,
				portspec_format(&u->prof->open[i], buf));
			return -1;
		}
	}
	if (u->prof->max_lease > c->max_lease) {
		cfg_error(p, cfg_lines(p, u)->max_lease, "user %s: max_lease (%u s) exceeds "
			"the daemon's max_lease (%u s)", u->name, u->prof->max_lease,
			c->max_lease);
		return -1;
	}
	return 0;
}

int cfg_check(struct cfg_parse *p)
{
	struct cfg_index paths = { 0 };
	int rc = -1;

	if (check_protect(p) != 0 || check_daemon(p) != 0 || cfg_check_seq(p) != 0 ||
	    cfg_check_dns(p) != 0 || cfg_check_triggers(p) != 0 ||
	    cfg_check_audit(p) != 0 || cfg_check_template(p) != 0)
		return -1;
	/* [user *] once, for all the users keys_file will make of it. */
	for (size_t i = 0; i <= p->c->nusers; i++) {
		struct config_user *u = i < p->c->nusers ? &p->c->users[i] : p->c->tmpl;
		if (!u)
			break;
		/* A user from a users_dir drop-in: its lines are that file's. */
		p->file = u->prof->file[0] ? u->prof->file : NULL;
		if (check_user(p, u, &paths) != 0 || cfg_check_token(p, u) != 0 ||
		    cfg_check_otp(p, u) != 0 || cfg_check_dyn(p, u) != 0 ||
		    cfg_check_policy(p, u) != 0 || cfg_check_sign(p, u) != 0)
			goto out;
	}
	p->file = NULL;
	rc = 0;
out:
	cfg_index_free(&paths);
	return rc;
}

/* Reads u's key file into u's keys; the secret itself is wiped at once. */
static int load_key(struct cfg_parse *p, struct config_user *u)
{
	struct keyfile kf;
	struct errbuf kerr = { { 0 } };
	int rc = -1;

	if (!u->prof->key_line) {
		if (cfg_lines(p, u)->keys_file)
			return 0; /* cfg_load_keys_file set u's keys */
		cfg_error(p, u->prof->line, "user %s has no key: not in keys_file %s, and "
			"no key = line", u->name, p->c->keys_file);
		return -1;
	}
	if (keyfile_read(u->prof->key_path, &kf, &kerr) != 0) {
		cfg_error(p, u->prof->key_line, "user %s: %s", u->name, kerr.msg);
		return -1;
	}
	if (strcmp(kf.user, u->name) != 0)
		cfg_error(p, u->prof->key_line, "user %s: key file %s belongs to user '%s'",
			u->name, u->prof->key_path, kf.user);
	else if (cfg_user_store_secret(p->c, (size_t)(u - p->c->users), kf.secret) != 0)
		cfg_error(p, u->prof->key_line, "out of memory");
	else
		rc = 0;
	keyfile_wipe(&kf);
	return rc;
}

/* Two users with one secret would be indistinguishable on the wire. The
 * index is keyed by a keyed hash of the secret (SipHash, a key of this
 * load's own: never the secret, and no chosen secrets can crowd one
 * probe sequence), only at load time; same_secret compares the secrets. */
static int check_shared_secret(struct cfg_parse *p, const struct config_user *u,
	struct cfg_index *secrets, const uint8_t hash_key[static crypto_shorthash_KEYBYTES])
{
	struct lookup l = { p->c, u };
	uint8_t digest[crypto_shorthash_BYTES];
	uint64_t h;
	crypto_shorthash(digest, p->c->keys.secret[u - p->c->users], KNOCK_MASTER_BYTES,
		hash_key);
	memcpy(&h, digest, sizeof h);
	size_t dup = cfg_index_find(secrets, h, same_secret, &l);
	if (dup != SIZE_MAX) {
		const struct config_user *o = &p->c->users[dup];
		/* A secret from keys_file: say where in that file. */
		if (!u->prof->key_line)
			p->file = p->c->keys_file;
		cfg_error(p, u->prof->key_line ? u->prof->key_line : cfg_lines(p, u)->keys_file,
			"user %s has the same secret as user %s (line %u%s); every "
			"user needs their own key", u->name, o->name,
			o->prof->key_line ? o->prof->key_line : p->lines[dup].keys_file,
			o->prof->key_line ? "" : " of keys_file");
		return -1;
	}
	if (cfg_index_add(secrets, h, (size_t)(u - p->c->users)) != 0) {
		cfg_error(p, u->prof->key_line, "out of memory");
		return -1;
	}
	return 0;
}

int cfg_load_keys(struct cfg_parse *p)
{
	struct cfg_index secrets = { 0 };
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	int rc = -1;

	/* One mapping for all the keys, before any is set (keys_file reserves
	 * its own: it may add [user *] users). */
	if (p->c->keys_file[0]) {
		if (cfg_load_keys_file(p) != 0)
			return -1;
	} else if (config_keys_reserve(p->c, p->c->nusers) != 0) {
		cfg_error(p, 0, "out of memory for the keys of %zu users", p->c->nusers);
		return -1;
	}
	if (cfg_index_reserve(&secrets, p->c->nusers) != 0) {
		cfg_error(p, 0, "out of memory");
		return -1;
	}
	crypto_shorthash_keygen(hash_key);
	for (size_t i = 0; i < p->c->nusers; i++) {
		struct config_user *u = &p->c->users[i];
		/* keys_file set a template user's keys; [user *] has no other
		 * key files (config_template.c). */
		if (u->prof->from_template) {
			if (check_shared_secret(p, u, &secrets, hash_key) != 0)
				goto out;
			continue;
		}
		p->file = u->prof->file[0] ? u->prof->file : NULL; /* a users_dir drop-in */
		if (load_key(p, u) != 0 || check_shared_secret(p, u, &secrets, hash_key) != 0 ||
		    cfg_load_token(p, u) != 0 || cfg_load_seq(p, u) != 0 ||
		    cfg_load_old_key(p, u) != 0 || cfg_load_sign(p, u) != 0)
			goto out;
	}
	p->file = NULL;
	cfg_keys_derive_tags(p->c);
	rc = 0;
out:
	/* The index holds hashes of the secrets: wipe them and the key too. */
	if (secrets.slot)
		sodium_memzero(secrets.slot, secrets.cap * sizeof *secrets.slot);
	sodium_memzero(hash_key, sizeof hash_key);
	cfg_index_free(&secrets);
	return rc;
}
