/* config_trigger — [trigger NAME] sections and the [user] keys that refer
 * to them: triggers, on_open, on_close, one_shot. See trigger_conf.h and
 * postern.conf(5), "TRIGGERS AND HOOKS". */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmdline.h"
#include "config_int.h"
#include "keyfile.h"
#include "trigarg.h"

static struct trigger_conf *current(struct cfg_parse *p)
{
	return &p->c->triggers[p->c->ntriggers - 1];
}

static int find_trigger(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->ntriggers; i++)
		if (strcmp(c->triggers[i].name, name) == 0)
			return (int)i;
	return TRIGGER_NO_HOOK;
}

/* Trigger names follow the rules of user names (keyfile_user_valid). */
int cfg_trigger_begin(struct cfg_parse *p, const char *name)
{
	struct config *c = p->c;
	if (!keyfile_user_valid(name)) {
		cfg_error(p, p->line, "bad trigger name '%s' (1..63 of A-Z a-z 0-9 . _ -, "
			"not starting with . or -)", name);
		return -1;
	}
	int dup = find_trigger(c, name);
	if (dup != TRIGGER_NO_HOOK) {
		cfg_error(p, p->line, "trigger %s is already defined at line %u", name,
			c->triggers[dup].line);
		return -1;
	}
	if (c->ntriggers == TRIGGER_MAX) {
		cfg_error(p, p->line, "more than %d [trigger] sections", TRIGGER_MAX);
		return -1;
	}
	struct trigger_conf *t = realloc(c->triggers, (c->ntriggers + 1) * sizeof *t);
	if (!t) {
		cfg_error(p, p->line, "out of memory");
		return -1;
	}
	c->triggers = t;
	t = &c->triggers[c->ntriggers++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->run_as, sizeof t->run_as, "%s", TRIGGER_DEFAULT_RUN_AS);
	t->timeout = TRIGGER_DEFAULT_TIMEOUT;
	t->max_running = TRIGGER_DEFAULT_MAX_RUNNING;
	t->line = p->line;
	p->sec = SEC_TRIGGER;
	return 0;
}

const char *cfg_trigger_name(struct cfg_parse *p)
{
	return current(p)->name;
}

/* A decimal number in lo..hi without sign, spaces or leading zeros. */
static bool number(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	size_t n = strlen(v);
	if (n == 0 || n > 5 || strspn(v, "0123456789") != n || (n > 1 && v[0] == '0'))
		return false;
	unsigned x = (unsigned)strtoul(v, NULL, 10);
	if (x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

/* ---- [trigger NAME] ---- */

static int set_id(struct cfg_parse *p, const char *v)
{
	struct trigger_conf *t = current(p);
	if (!number(v, 1, TRIGGER_ID_MAX, &t->id)) {
		cfg_error(p, p->line, "id: bad trigger id '%s' (expected 1..%d: the "
			"number a knock carries)", v, TRIGGER_ID_MAX);
		return -1;
	}
	t->id_line = p->line;
	return 0;
}

static int set_command(struct cfg_parse *p, const char *v)
{
	struct trigger_conf *t = current(p);
	struct cmdline cl;
	const char *why;
	if (strlen(v) >= sizeof t->command || !cmdline_split(v, &cl, &why)) {
		cfg_error(p, p->line, "command: %s (a fixed argv split at spaces, "
			"with '...', \"...\" and \\ quoting; never a shell)",
			strlen(v) >= sizeof t->command ? "too long" : why);
		return -1;
	}
	snprintf(t->command, sizeof t->command, "%s", v);
	t->command_line = p->line;
	return 0;
}

static int set_pattern(struct cfg_parse *p, const char *v)
{
	struct trigger_conf *t = current(p);
	char why[ERRBUF_LEN / 2];
	if (!trigarg_pattern_ok(v, why, sizeof why)) {
		cfg_error(p, p->line, "args_pattern: %s", why);
		return -1;
	}
	snprintf(t->pattern, sizeof t->pattern, "%s", v);
	t->pattern_line = p->line;
	return 0;
}

static int set_trigger_run_as(struct cfg_parse *p, const char *v)
{
	struct trigger_conf *t = current(p);
	/* The rules of [daemon] run_as; root only when written out. */
	if (strlen(v) >= sizeof t->run_as || v[0] == '-' ||
		strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789._-") != strlen(v)) {
		cfg_error(p, p->line, "run_as: bad user name '%s'", v);
		return -1;
	}
	snprintf(t->run_as, sizeof t->run_as, "%s", v);
	return 0;
}

static int set_timeout(struct cfg_parse *p, const char *v)
{
	if (!duration_parse(v, TRIGGER_TIMEOUT_MAX, &current(p)->timeout)) {
		cfg_error(p, p->line, "timeout: bad duration '%s' (1..%u seconds, as "
			"N, Ns, Nm or Nh)", v, TRIGGER_TIMEOUT_MAX);
		return -1;
	}
	return 0;
}

static int set_max_running(struct cfg_parse *p, const char *v)
{
	unsigned n;
	if (!number(v, 1, TRIGGER_MAX_RUNNING_MAX, &n)) {
		cfg_error(p, p->line, "max_running: '%s' is not 1..%d", v,
			TRIGGER_MAX_RUNNING_MAX);
		return -1;
	}
	current(p)->max_running = n;
	return 0;
}

static const struct cfg_key trigger_keys[] = {
	{ "id", set_id, false },
	{ "command", set_command, false },
	{ "args_pattern", set_pattern, false },
	{ "run_as", set_trigger_run_as, false },
	{ "timeout", set_timeout, false },
	{ "max_running", set_max_running, false },
};

const struct cfg_key *cfg_trigger_keys(size_t *n)
{
	*n = sizeof trigger_keys / sizeof *trigger_keys;
	return trigger_keys;
}

/* ---- [user NAME] ---- */

static int check_name(struct cfg_parse *p, const char *key, const char *v)
{
	if (strlen(v) >= TRIGGER_NAME_MAX || !keyfile_user_valid(v)) {
		cfg_error(p, p->line, "%s: bad trigger name '%s'", key, v);
		return -1;
	}
	return 0;
}

int cfg_set_user_triggers(struct cfg_parse *p, const char *v)
{
	struct trigger_user *tu = cfg_trig(p);
	if (!tu)
		return -1;
	if (check_name(p, "triggers", v) != 0)
		return -1;
	for (size_t i = 0; i < tu->n; i++) {
		if (strcmp(tu->names[i], v) == 0) {
			cfg_error(p, p->line, "triggers: %s listed twice", v);
			return -1;
		}
	}
	if (tu->n == TRIGGER_PER_USER_MAX) {
		cfg_error(p, p->line, "triggers: more than %d", TRIGGER_PER_USER_MAX);
		return -1;
	}
	if (!tu->triggers_line)
		tu->triggers_line = p->line;
	snprintf(tu->names[tu->n++], TRIGGER_NAME_MAX, "%s", v);
	return 0;
}

int cfg_set_on_open(struct cfg_parse *p, const char *v)
{
	struct trigger_user *tu = cfg_trig(p);
	if (!tu)
		return -1;
	if (check_name(p, "on_open", v) != 0)
		return -1;
	snprintf(tu->on_open, sizeof tu->on_open, "%s", v);
	tu->on_open_line = p->line;
	return 0;
}

int cfg_set_on_close(struct cfg_parse *p, const char *v)
{
	struct trigger_user *tu = cfg_trig(p);
	if (!tu)
		return -1;
	if (check_name(p, "on_close", v) != 0)
		return -1;
	snprintf(tu->on_close, sizeof tu->on_close, "%s", v);
	tu->on_close_line = p->line;
	return 0;
}

int cfg_set_one_shot(struct cfg_parse *p, const char *v)
{
	struct trigger_user *tu = cfg_trig(p);
	if (!tu)
		return -1;
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			tu->one_shot = strcasecmp(v, yes[i]) == 0;
			tu->one_shot_line = p->line;
			return 0;
		}
	}
	cfg_error(p, p->line, "one_shot: '%s' is neither yes nor no", v);
	return -1;
}

/* ---- whole-config checks ---- */

static int resolve_hook(struct cfg_parse *p, const char *user, const char *key,
	const char *name, unsigned line, int *out)
{
	*out = TRIGGER_NO_HOOK;
	if (!name[0])
		return 0;
	*out = find_trigger(p->c, name);
	if (*out == TRIGGER_NO_HOOK) {
		cfg_error(p, line, "user %s: %s = %s names no [trigger %s] section",
			user, key, name, name);
		return -1;
	}
	return 0;
}

int cfg_check_triggers(struct cfg_parse *p)
{
	struct config *c = p->c;
	for (size_t i = 0; i < c->ntriggers; i++) {
		const struct trigger_conf *t = &c->triggers[i];
		if (!t->command[0]) {
			cfg_error(p, t->line, "trigger %s has no command (add command = "
				"/absolute/program arg ...)", t->name);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (t->id && c->triggers[j].id == t->id) {
				cfg_error(p, t->id_line, "trigger %s: id %u is also trigger "
					"%s's (line %u)", t->name, t->id, c->triggers[j].name,
					c->triggers[j].id_line);
				return -1;
			}
		}
	}
	for (size_t u = 0; u <= c->nusers; u++) {
		/* and [user *], whose block its users will share */
		struct config_user *cu = u < c->nusers ? &c->users[u] : c->tmpl;
		struct trigger_user *tu = cu ? cfg_trig_own(cu) : NULL;
		if (!tu)
			continue; /* no triggers: the default resolves to nothing */
		for (size_t i = 0; i < tu->n; i++) {
			int k = find_trigger(c, tu->names[i]);
			if (k == TRIGGER_NO_HOOK) {
				cfg_error(p, tu->triggers_line, "user %s: triggers: %s names "
					"no [trigger %s] section", cu->name, tu->names[i],
					tu->names[i]);
				return -1;
			}
			if (!c->triggers[k].id) {
				cfg_error(p, tu->triggers_line, "user %s: trigger %s has no "
					"id, so no knock can fire it (add id = 1..255 to "
					"[trigger %s])", cu->name, tu->names[i], tu->names[i]);
				return -1;
			}
			tu->idx[i] = (uint16_t)k;
		}
		if (resolve_hook(p, cu->name, "on_open", tu->on_open, tu->on_open_line,
			&tu->open_idx) != 0 || resolve_hook(p, cu->name, "on_close",
			tu->on_close, tu->on_close_line, &tu->close_idx) != 0)
			return -1;
	}
	return 0;
}

/* ---- printing ---- */

void cfg_print_triggers(const struct config *c, FILE *f)
{
	for (size_t i = 0; i < c->ntriggers; i++) {
		const struct trigger_conf *t = &c->triggers[i];
		fprintf(f, "\n[trigger %s]\n", t->name);
		if (t->id)
			fprintf(f, "id = %u\n", t->id);
		else
			fprintf(f, "# id: none (an open/close hook only)\n");
		fprintf(f, "command = %s\n", t->command);
		if (t->pattern[0])
			fprintf(f, "args_pattern = %s\n", t->pattern);
		else
			fprintf(f, "# args_pattern: none (a knock may carry no argument)\n");
		fprintf(f, "run_as = %s\n", t->run_as);
		fprintf(f, "timeout = %u\n", t->timeout);
		fprintf(f, "max_running = %u\n", t->max_running);
	}
}

void cfg_print_trigger_user(const struct config_user *u, FILE *f)
{
	const struct trigger_user *tu = u->prof->trig;
	if (tu->n) {
		fprintf(f, "triggers = ");
		for (size_t i = 0; i < tu->n; i++)
			fprintf(f, "%s%s", i ? ", " : "", tu->names[i]);
		fputc('\n', f);
	}
	if (tu->on_open[0])
		fprintf(f, "on_open = %s\n", tu->on_open);
	if (tu->on_close[0])
		fprintf(f, "on_close = %s\n", tu->on_close);
	if (tu->one_shot)
		fprintf(f, "one_shot = yes\n");
}

void cfg_free_triggers(struct config *c)
{
	free(c->triggers);
	c->triggers = NULL;
	c->ntriggers = 0;
}

const struct trigger_conf *config_find_trigger_id(const struct config *c, unsigned id)
{
	for (size_t i = 0; i < c->ntriggers; i++)
		if (id && c->triggers[i].id == id)
			return &c->triggers[i];
	return NULL;
}
