/* user_admin — see user_admin.h. */
#include "user_admin.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "commands.h"
#include "config.h"
#include "keyfile.h"
#include "state_query.h"
#include "timerule.h"
#include "userfile.h"

#define RELOAD_HINT "reload the daemon to apply: systemctl reload posternd " \
	"(or kill -HUP the posternd parent)"
#define MAX_OPEN 16

struct uopts {
	const char *config, *state, *user, *targets, *expires, *client_out, *until,
		*overlap;
	const char *open[MAX_OPEN];
	size_t nopen;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: postern user add NAME --open P/N [--open ...] [--targets LIST]\n"
		"                        [--expires YYYY-MM-DD] [--client-out FILE]\n"
		"       postern user show|disable|enable|remove NAME\n"
		"       postern user rotate NAME (--overlap 7d | --until YYYY-MM-DD)\n"
		"                        [--client-out FILE]\n"
		"  (each also takes --config FILE; show takes --state FILE)\n"
		"\n"
		"  add      writes NAME's key (mode 0600) and users_dir/NAME.conf\n"
		"  show     NAME's settings, last knock, positions and key expiry\n"
		"  disable  sets disabled = yes (knocks are refused, naming the rule)\n"
		"  enable   sets disabled = no\n"
		"  rotate   a new key; the old one stays valid until the overlap ends\n"
		"  remove   deletes NAME's drop-in and key files\n"
		"Users of users_dir only; each command edits files, then: " RELOAD_HINT ".\n");
}

static int parse(int argc, char **argv, struct uopts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 'S' },
		{ "open", required_argument, NULL, 'o' },
		{ "targets", required_argument, NULL, 't' },
		{ "expires", required_argument, NULL, 'e' },
		{ "client-out", required_argument, NULL, 'O' },
		{ "overlap", required_argument, NULL, 'v' },
		{ "until", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	*o = (struct uopts){ .config = ADMIN_DEFAULT_CONFIG };
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:S:o:t:e:O:v:U:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'S': o->state = optarg; break;
		case 'o':
			if (o->nopen == MAX_OPEN) {
				fprintf(stderr, "postern user: more than %d --open\n", MAX_OPEN);
				return EXIT_USAGE;
			}
			o->open[o->nopen++] = optarg;
			break;
		case 't': o->targets = optarg; break;
		case 'e': o->expires = optarg; break;
		case 'O': o->client_out = optarg; break;
		case 'v': o->overlap = optarg; break;
		case 'U': o->until = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !keyfile_user_valid(argv[optind])) {
		fprintf(stderr, "postern user %s: give one valid user name\n", argv[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	o->user = argv[optind];
	return -1; /* go on */
}

/* Loads the config; fills *u with the user (NULL if absent). */
static struct config *load(const struct uopts *o, const struct config_user **u)
{
	struct errbuf err;
	struct config *c = admin_config(o->config, &err);
	if (!c) {
		fprintf(stderr, "postern user: %s\n", err.msg);
		return NULL;
	}
	*u = config_find_user(c, o->user);
	return c;
}

/* One subcommand's work on the loaded config (u NULL if the user is absent). */
typedef int (*user_action)(const struct uopts *o, const struct config *c,
	const struct config_user *u);

/* Parses argv, loads the config, runs act on it and frees it: the exit code. */
static int run(int argc, char **argv, user_action act)
{
	struct uopts o;
	const struct config_user *u;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	struct config *c = load(&o, &u);
	if (!c)
		return EXIT_FAILURE_GENERIC;
	rc = act(&o, c, u);
	config_free(c);
	return rc;
}

/* The user must be one of users_dir: fills path with the drop-in. */
static bool managed(const struct config *c, const struct config_user *u, const char *name)
{
	if (!u) {
		fprintf(stderr, "postern user: no user %s in %s\n", name, c->path);
		return false;
	}
	if (u->prof->from_template) {
		fprintf(stderr, "postern user: %s is a line of keys_file %s with the "
			"settings of [user *] (%s line %u), not a users_dir drop-in; "
			"edit them there\n", name, c->keys_file, c->path, u->prof->line);
		return false;
	}
	if (!u->prof->file[0]) {
		fprintf(stderr, "postern user: %s is defined in %s line %u, not in a "
			"users_dir drop-in; edit it there\n", name, c->path, u->prof->line);
		return false;
	}
	return true;
}

/* The whole config, key files included, as the daemon will read it. */
static bool valid(const char *path)
{
	struct config *c = NULL;
	struct errbuf err;
	if (config_load(path, CONFIG_LOAD_KEYS, &c, &err) < 0) {
		fprintf(stderr, "postern user: the config would be refused: %s\n", err.msg);
		return false;
	}
	config_free(c);
	return true;
}

static int write_key(const char *path, const struct keyfile *kf)
{
	struct errbuf err;
	if (keyfile_write(path, kf, &err) < 0) {
		fprintf(stderr, "postern user: %s\n", err.msg);
		return -1;
	}
	return 0;
}

int user_add(int argc, char **argv)
{
	struct uopts o;
	const struct config_user *u;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.nopen == 0) {
		fprintf(stderr, "postern user add: --open P/N is required\n");
		return EXIT_USAGE;
	}
	int64_t exp;
	if (o.expires && !timerule_parse_date(o.expires, &exp)) {
		fprintf(stderr, "postern user add: bad --expires '%s' (YYYY-MM-DD)\n", o.expires);
		return EXIT_USAGE;
	}
	struct config *c = load(&o, &u);
	if (!c)
		return EXIT_FAILURE_GENERIC;
	char conf[PATH_MAX], key[PATH_MAX], text[USERFILE_MAX];
	rc = EXIT_FAILURE_GENERIC;
	if (!c->users_dir[0]) {
		fprintf(stderr, "postern user add: %s has no users_dir in [daemon] "
			"(add users_dir = /etc/postern/users.d)\n", c->path);
		goto out;
	}
	if (u && u->prof->from_template) {
		fprintf(stderr, "postern user add: user %s exists already, in keys_file "
			"%s with the settings of [user *] (%s line %u); to give them "
			"settings of their own, add a [user %s] section (their secret "
			"stays in keys_file)\n", o.user, c->keys_file, c->path, u->prof->line,
			o.user);
		goto out;
	}
	if (u) {
		fprintf(stderr, "postern user add: user %s exists already\n", o.user);
		goto out;
	}
	int w = snprintf(key, sizeof key, "%s/%s.key", c->users_dir, o.user);
	if (!userfile_path(c->users_dir, o.user, conf, sizeof conf) || w < 0 ||
	    (size_t)w >= sizeof key)
		goto out;
	size_t n = (size_t)snprintf(text, sizeof text, "# postern user add %s\n"
		"[user %s]\nkey = %s\nopen = ", o.user, o.user, key);
	for (size_t i = 0; i < o.nopen && n < sizeof text; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", i ? ", " : "",
			o.open[i]);
	if (n < sizeof text)
		n += (size_t)snprintf(text + n, sizeof text - n, "\n");
	if (o.targets && n < sizeof text)
		n += (size_t)snprintf(text + n, sizeof text - n, "targets = %s\n", o.targets);
	if (o.expires && n < sizeof text)
		n += (size_t)snprintf(text + n, sizeof text - n, "expires = %s\n", o.expires);
	if (n >= sizeof text)
		goto out;
	struct keyfile kf;
	struct errbuf err;
	keyfile_generate(&kf, o.user);
	if (write_key(key, &kf) < 0) {
		keyfile_wipe(&kf);
		goto out;
	}
	if (userfile_write(conf, text, false, &err) < 0) {
		fprintf(stderr, "postern user add: %s\n", err.msg);
		unlink(key);
		keyfile_wipe(&kf);
		goto out;
	}
	if (!valid(o.config)) {
		unlink(conf);
		unlink(key);
		keyfile_wipe(&kf);
		goto out;
	}
	if (o.client_out && write_key(o.client_out, &kf) == 0)
		printf("Wrote %s's client key to %s (mode 0600).\n", o.user, o.client_out);
	keyfile_wipe(&kf);
	printf("Added user %s: %s, key %s.\n", o.user, conf, key);
	if (!o.client_out)
		printf("Give %s a copy of %s over a secure channel.\n", o.user, key);
	printf("Now " RELOAD_HINT ".\n");
	rc = EXIT_OK;
out:
	config_free(c);
	return rc;
}

/* Sets key = value in u's drop-in. */
static int set_in_dropin(const struct uopts *o, const struct config *c,
	const struct config_user *u, const char *key, const char *value, const char *done)
{
	char text[USERFILE_MAX];
	struct errbuf err;
	if (!managed(c, u, o->user))
		return EXIT_FAILURE_GENERIC;
	if (userfile_read(u->prof->file, text, &err) < 0 || !userfile_set(text, key, value) ||
	    userfile_write(u->prof->file, text, true, &err) < 0) {
		fprintf(stderr, "postern user: %s\n", err.msg);
		return EXIT_FAILURE_GENERIC;
	}
	printf("User %s %s (%s). Now " RELOAD_HINT ".\n", o->user, done, u->prof->file);
	return EXIT_OK;
}

static int disable(const struct uopts *o, const struct config *c,
	const struct config_user *u)
{
	return set_in_dropin(o, c, u, "disabled", "yes", "disabled");
}

int user_disable(int argc, char **argv)
{
	return run(argc, argv, disable);
}

static int enable(const struct uopts *o, const struct config *c,
	const struct config_user *u)
{
	return set_in_dropin(o, c, u, "disabled", "no", "enabled");
}

int user_enable(int argc, char **argv)
{
	return run(argc, argv, enable);
}

static int remove_user(const struct uopts *o, const struct config *c,
	const struct config_user *u)
{
	if (!managed(c, u, o->user))
		return EXIT_FAILURE_GENERIC;
	if (unlink(u->prof->file) < 0) {
		fprintf(stderr, "postern user remove: %s: %s\n", u->prof->file,
			strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	if (unlink(u->prof->key_path) < 0 && errno != ENOENT)
		fprintf(stderr, "postern user remove: %s: %s\n", u->prof->key_path,
			strerror(errno));
	if (u->prof->pol->old_key_path[0])
		(void)unlink(u->prof->pol->old_key_path);
	printf("Removed user %s (%s and its key files). Now " RELOAD_HINT
		"; until then the running daemon still knows %s.\n", o->user,
		u->prof->file, o->user);
	return EXIT_OK;
}

int user_remove(int argc, char **argv)
{
	return run(argc, argv, remove_user);
}

int user_rotate(int argc, char **argv)
{
	struct uopts o;
	const struct config_user *u;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	int64_t until = 0;
	uint32_t overlap = 0;
	time_t now = time(NULL);
	if (o.until ? !timerule_parse_date(o.until, &until) :
	    !o.overlap || !duration_parse(o.overlap, 366u * 86400u, &overlap)) {
		fprintf(stderr, "postern user rotate: give --overlap DURATION (e.g. 7d) "
			"or --until YYYY-MM-DD\n");
		return EXIT_USAGE;
	}
	if (!o.until) /* the old key ends at the first midnight (UTC) after */
		until = ((int64_t)now + overlap + 86399) / 86400 * 86400;
	struct config *c = load(&o, &u);
	if (!c)
		return EXIT_FAILURE_GENERIC;
	rc = EXIT_FAILURE_GENERIC;
	char text[USERFILE_MAX], saved[USERFILE_MAX], newkey[PATH_MAX], dirbuf[PATH_MAX];
	char date[TIMERULE_DATE_LEN], stamp[32];
	struct errbuf err;
	struct keyfile kf;
	if (!managed(c, u, o.user))
		goto out;
	if (!u->prof->key_line) {
		fprintf(stderr, "postern user rotate: %s's secret is in keys_file %s; "
			"rotate it there\n", o.user, c->keys_file);
		goto out;
	}
	if (userfile_read(u->prof->file, text, &err) < 0)
		goto out;
	memcpy(saved, text, sizeof saved);
	snprintf(dirbuf, sizeof dirbuf, "%s", u->prof->key_path);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
	int w = snprintf(newkey, sizeof newkey, "%s/%s-%s.key", dirname(dirbuf), o.user, stamp);
	if (w < 0 || (size_t)w >= sizeof newkey)
		goto out;
	timerule_format_date(until, date);
	if (!userfile_set(text, "key", newkey) ||
	    !userfile_set(text, "old_key", u->prof->key_path) ||
	    !userfile_set(text, "old_key_until", date)) {
		fprintf(stderr, "postern user rotate: %s too large\n", u->prof->file);
		goto out;
	}
	keyfile_generate(&kf, o.user);
	if (write_key(newkey, &kf) < 0)
		goto wipe;
	if (userfile_write(u->prof->file, text, true, &err) < 0) {
		fprintf(stderr, "postern user rotate: %s\n", err.msg);
		unlink(newkey);
		goto wipe;
	}
	if (!valid(o.config)) {
		(void)userfile_write(u->prof->file, saved, true, &err);
		unlink(newkey);
		goto wipe;
	}
	/* The key before the old one has no use left. */
	if (u->prof->pol->old_key_path[0] && strcmp(u->prof->pol->old_key_path, newkey) != 0)
		(void)unlink(u->prof->pol->old_key_path);
	if (o.client_out && write_key(o.client_out, &kf) == 0)
		printf("Wrote %s's new client key to %s (mode 0600).\n", o.user, o.client_out);
	printf("Rotated %s's key: new %s; the old key %s stays valid until %s "
		"00:00 UTC.\nNow " RELOAD_HINT ".\n", o.user, newkey, u->prof->key_path, date);
	rc = EXIT_OK;
wipe:
	keyfile_wipe(&kf);
out:
	config_free(c);
	return rc;
}

static void show_position(void *ctx, const char *key, uint64_t position, uint64_t at)
{
	char when[32];
	time_t t = (time_t)at;
	(void)ctx;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", gmtime(&t));
	printf("  position %-24s %llu (updated %s)\n", key, (unsigned long long)position, when);
}

static int show(const struct uopts *o, const struct config *c,
	const struct config_user *u)
{
	if (!u) {
		fprintf(stderr, "postern user show: no user %s in %s\n", o->user, c->path);
		return EXIT_FAILURE_GENERIC;
	}
	char date[TIMERULE_DATE_LEN], addr[64], when[32];
	printf("user %s (%s)\n", u->name, u->prof->disabled ? "disabled" : "enabled");
	if (u->prof->from_template)
		printf("  defined in keys_file %s, settings of [user *] (%s line %u)\n",
			c->keys_file, c->path, u->prof->line);
	else
		printf("  defined in %s\n", u->prof->file[0] ? u->prof->file : c->path);
	if (u->prof->key_line)
		printf("  key        %s\n", u->prof->key_path);
	else
		printf("  key        in keys_file %s\n", c->keys_file);
	if (u->prof->pol->old_key_path[0])
		printf("  old key    %s, valid until %s\n", u->prof->pol->old_key_path,
			timerule_format_date(u->prof->pol->old_key_until, date));
	printf("  expires    %s\n", u->prof->pol->expires ?
		timerule_format_date(u->prof->pol->expires, date) : "never");
	printf("  settings (normalised):\n");
	struct config one = *c;
	one.users = (struct config_user *)u;
	one.nusers = 1;
	/* A template user prints as the template; another without it. */
	one.tmpl = u->prof->from_template ? c->tmpl : NULL;
	if (u->prof->from_template)
		one.nusers = 0;
	/* config_print prints the daemon too; show only the user's part. */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem) {
		config_print(&one, mem);
		fclose(mem);
		char *sec = buf ? strstr(buf, "[user ") : NULL;
		for (char *line = sec ? strtok(sec, "\n") : NULL; line; line = strtok(NULL, "\n"))
			if (!strchr(line, '['))
				printf("    %s\n", line);
		free(buf);
	}
	struct state_query *q = NULL;
	struct errbuf err;
	const char *sp = o->state ? o->state : c->state_path;
	if (state_query_open(sp, &q, &err) < 0) {
		fprintf(stderr, "postern user show: %s\n", err.msg);
	} else if (q) {
		uint64_t at;
		bool found;
		if (state_query_last(q, u->name, &at, addr, sizeof addr, &found, &err) == 0) {
			time_t t = (time_t)at;
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", gmtime(&t));
			printf("  last knock %s\n", found ? when : "never");
			if (found)
				printf("  from       %s\n", addr);
		}
		(void)state_query_positions(q, u->name, show_position, NULL, &err);
		state_query_close(q);
	} else {
		printf("  last knock never (no state store yet)\n");
	}
	return EXIT_OK;
}

int user_show(int argc, char **argv)
{
	return run(argc, argv, show);
}
