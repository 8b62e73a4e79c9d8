/* config — see config.h. This file reads lines and sections; config_keys.c
 * validates each key, config_check.c the config as a whole.
 *
 * inih parses "key = value" lines but does not tell its handler the line
 * number, and it truncates section names to 50 bytes. So we hand it lines
 * through our own reader, which counts them and reads section headers
 * itself: inih calls the handler for a line before it asks for the next
 * one, so the handler always runs with p->line and p->sec current. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "prefault.h"
#include "keyfile.h"

/* Where lines come from: a file or a NUL-terminated string. */
struct cfg_stream {
	struct cfg_parse *p;
	FILE *f;
	const char *s;
};

void cfg_error(struct cfg_parse *p, unsigned line, const char *fmt, ...)
{
	char msg[ERRBUF_LEN];
	va_list ap;

	if (p->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *file = p->file ? p->file : p->c->path;
	if (line)
		errbuf_set(p->err, "%s:%u: %s", file, line, msg);
	else
		errbuf_set(p->err, "%s: %s", file, msg);
	p->failed = true;
	p->err_line = line;
}

struct config_user *cfg_current_user(struct cfg_parse *p)
{
	return p->cur;
}

struct cfg_user_lines *cfg_lines(struct cfg_parse *p, const struct config_user *u)
{
	if (u == p->c->tmpl)
		return &p->tmpl_lines;
	return &p->lines[u - p->c->users];
}

int cfg_users_reserve(struct cfg_parse *p, size_t n)
{
	struct config *c = p->c;
	if (n <= p->users_cap)
		return 0;
	struct config_user *u = reallocarray(c->users, n, sizeof *u);
	if (u)
		c->users = u;
	struct cfg_user_lines *l = u ? reallocarray(p->lines, n, sizeof *l) : NULL;
	if (!l) {
		cfg_error(p, p->line, "out of memory");
		return -1;
	}
	p->lines = l;
	/* The new room is written once, front to back (prefault.h). */
	prefault(c->users + p->users_cap, (n - p->users_cap) * sizeof *u);
	prefault(l + p->users_cap, (n - p->users_cap) * sizeof *l);
	p->users_cap = n;
	return 0;
}

void cfg_release_spare(struct cfg_parse *p)
{
	struct config *c = p->c;
	prefault_release(c->users, c->nusers * sizeof *c->users,
		p->users_cap * sizeof *c->users);
	config_keys_release_spare(c);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int cfg_set_str(struct cfg_parse *p, const char **dst, const char *v)
{
	char *s = strdup(v);
	if (!s) {
		cfg_error(p, p->line, "out of memory");
		return -1;
	}
	cfg_free_str(dst);
	*dst = s;
	return 0;
}

int cfg_grow(struct cfg_parse *p, void **array, size_t n, size_t size)
{
	void *a = reallocarray(*array, n, size);
	if (!a) {
		cfg_error(p, p->line, "out of memory");
		return -1;
	}
	*array = a;
	return 0;
}

void cfg_free_str(const char **s)
{
	/* Only cfg_set_str's copies are on the heap, and it never copies ""
	 * (empty values are refused), so "" and NULL are never freed. */
	if (*s && **s)
		free((char *)*s);
	*s = "";
}

/* What a user who sets none of these keys has (shared, read-only): the
 * defaults the checks used to fill in for every user. */
static const struct token_conf token_none = {
	.digits = TOKEN_DEFAULT_DIGITS,
	.step = TOKEN_DEFAULT_STEP,
	.lookahead = TOKEN_DEFAULT_LOOKAHEAD,
	.key_path = "",
};
static const struct otp_conf otp_none = {
	.low_water = OTP_DEFAULT_LOW_WATER,
	.lookahead = OTP_DEFAULT_LOOKAHEAD,
};
static const struct dyn_conf dyn_none = {
	.lo = DYN_DEFAULT_LO,
	.hi = DYN_DEFAULT_HI,
	.fwd_lo = DYN_DEFAULT_FWD_LO,
	.fwd_hi = DYN_DEFAULT_FWD_HI,
	.length = DYN_DEFAULT_LENGTH,
};
static const struct seq_user seq_none = {
	.file = "",
	.timeout = SEQ_DEFAULT_TIMEOUT,
};
static const struct sign_conf sign_none = { .key_path = "" };
static const struct user_policy pol_none = { .old_key_path = "" };
static const struct trigger_user trig_none = {
	.open_idx = TRIGGER_NO_HOOK,
	.close_idx = TRIGGER_NO_HOOK,
};

void config_user_init(struct config_user *u, struct config_profile *prof)
{
	memset(prof, 0, sizeof *prof);
	prof->key_path = prof->file = "";
	prof->seq = &seq_none;
	prof->token = &token_none;
	prof->otp = &otp_none;
	prof->dyn = &dyn_none;
	prof->sign = &sign_none;
	prof->pol = &pol_none;
	prof->trig = &trig_none;
	u->name = "";
	u->prof = prof;
}

struct config_profile *cfg_profile_new(struct cfg_parse *p, struct config_user *u)
{
	struct config_profile *prof = malloc(sizeof *prof);
	if (!prof) {
		cfg_error(p, p->line, "out of memory");
		return NULL;
	}
	config_user_init(u, prof);
	return prof;
}

/* A heap copy of def, or NULL after cfg_error. */
static void *own_copy(struct cfg_parse *p, const void *def, size_t size)
{
	void *o = malloc(size);
	if (!o) {
		cfg_error(p, p->line, "out of memory");
		return NULL;
	}
	memcpy(o, def, size);
	return o;
}

/* cfg_NAME_own(u): u's own block, or NULL while u has the shared default
 * (which is never written: hence the cast only here). cfg_NAME(p): the
 * current user's block to write, copied from the default on first use. */
#define USER_BLOCK(name, type, none)						\
	static type *name##_own(struct config_profile *f)			\
	{									\
		return f->name && f->name != &none ? (type *)f->name : NULL;	\
	}									\
	type *cfg_##name##_own(struct config_user *u)				\
	{									\
		return name##_own(u->prof);					\
	}									\
	type *cfg_##name(struct cfg_parse *p)					\
	{									\
		struct config_user *u = cfg_current_user(p);			\
		type *b = cfg_##name##_own(u);					\
		if (!b && (b = own_copy(p, &none, sizeof *b)) != NULL)		\
			u->prof->name = b;					\
		return b;							\
	}
USER_BLOCK(token, struct token_conf, token_none)
USER_BLOCK(otp, struct otp_conf, otp_none)
USER_BLOCK(dyn, struct dyn_conf, dyn_none)
USER_BLOCK(seq, struct seq_user, seq_none)
USER_BLOCK(sign, struct sign_conf, sign_none)
USER_BLOCK(pol, struct user_policy, pol_none)
USER_BLOCK(trig, struct trigger_user, trig_none)

/* Wipes (secrets: token, dynamic reply key, old keys) and frees an own
 * block, and puts the default back. */
#define FREE_BLOCK(f, name, none)						\
	do {									\
		void *b_ = name##_own(f);					\
		if (b_) {							\
			sodium_memzero(b_, sizeof *(f)->name);			\
			free(b_);						\
		}								\
		(f)->name = &none;						\
	} while (0)

void cfg_profile_free(struct config_profile *f)
{
	if (!f)
		return;
	cfg_free_str(&f->key_path);
	cfg_free_str(&f->file);
	struct seq_user *sq = seq_own(f);
	if (sq)
		cfg_free_str(&sq->file);
	struct token_conf *t = token_own(f);
	if (t)
		cfg_free_str(&t->key_path);
	struct sign_conf *sg = sign_own(f);
	if (sg)
		cfg_free_str(&sg->key_path);
	struct user_policy *pol = pol_own(f);
	if (pol)
		cfg_free_str(&pol->old_key_path);
	FREE_BLOCK(f, token, token_none);
	FREE_BLOCK(f, otp, otp_none);
	FREE_BLOCK(f, dyn, dyn_none);
	FREE_BLOCK(f, seq, seq_none);
	FREE_BLOCK(f, sign, sign_none);
	FREE_BLOCK(f, pol, pol_none);
	FREE_BLOCK(f, trig, trig_none);
	free(f->open);
	free(f->targets);
	sodium_memzero(f, sizeof *f);
	free(f);
}

void cfg_user_free(struct config_user *u)
{
	/* [user *]'s profile is freed once, with c->tmpl (config_free). */
	if (u->prof && !u->prof->from_template)
		cfg_profile_free(u->prof);
	u->prof = NULL;
}

static bool same_name(const void *ctx, size_t i)
{
	const struct cfg_parse *p = ctx;
	return strcmp(p->c->users[i].name, p->want_name) == 0;
}

size_t cfg_user_index(struct cfg_parse *p, const char *name)
{
	p->want_name = name;
	return cfg_index_find(&p->names, cfg_name_hash(name), same_name, p);
}

/* Starts a [user NAME] section. */
static int user_begin(struct cfg_parse *p, const char *name)
{
	struct config *c = p->c;
	uint64_t h = cfg_name_hash(name);
	size_t i = cfg_user_index(p, name);
	const struct config_user *dup = i == SIZE_MAX ? NULL : &c->users[i];
	if (!keyfile_user_valid(name)) {
		cfg_error(p, p->line, "bad user name '%s' (1..63 of A-Z a-z 0-9 . _ -, "
			"not starting with . or -)", name);
		return -1;
	}
	if (dup) {
		cfg_error(p, p->line, "user %s is already defined at line %u",
			name, dup->prof->line);
		return -1;
	}
	if (c->nusers == p->users_cap &&
	    cfg_users_reserve(p, p->users_cap ? 2 * p->users_cap : 16) != 0)
		return -1;
	const char *copy = cfg_arena_str(c, name, strlen(name));
	if (!copy || cfg_index_add(&p->names, h, c->nusers) != 0) {
		cfg_error(p, p->line, "out of memory");
		return -1;
	}
	struct config_user *u = &c->users[c->nusers];
	if (!cfg_profile_new(p, u))
		return -1;
	c->nusers++;
	p->lines[c->nusers - 1] = (struct cfg_user_lines){ 0 };
	u->name = copy;
	u->prof->line = p->line;
	p->cur = u;
	p->cur_lines = &p->lines[c->nusers - 1];
	p->target_source = false;
	return 0;
}

/* [daemon] and [protect] appear once each. */
static int single_section(struct cfg_parse *p, enum cfg_section sec,
	unsigned *first, const char *name)
{
	if (*first) {
		cfg_error(p, p->line, "section [%s] repeated (first at line %u)",
			name, *first);
		return -1;
	}
	*first = p->line;
	p->sec = sec;
	return 0;
}

/* Reads a section header; hdr points just after the '['. */
static int section_begin(struct cfg_parse *p, char *hdr)
{
	char *end = strchr(hdr, ']');
	if (!end) {
		cfg_error(p, p->line, "section header without ']'");
		return -1;
	}
	*end = '\0';
	char *rest = trim(end + 1);
	if (*rest && *rest != '#' && *rest != ';') {
		cfg_error(p, p->line, "unexpected text after ']': '%s'", rest);
		return -1;
	}
	char *name = trim(hdr);
	p->prev_key = -1;
	p->seen = p->other_keys;
	memset(p->other_keys, 0, sizeof p->other_keys);
	if (p->file && (strncmp(name, "user", 4) != 0 || !isspace((unsigned char)name[4]))) {
		cfg_error(p, p->line, "a users_dir drop-in holds one [user NAME] "
			"section only, not [%s]", name);
		return -1;
	}
	if (strcmp(name, "daemon") == 0) {
		p->seen = p->daemon_keys;
		return single_section(p, SEC_DAEMON, &p->daemon_line, name);
	}
	if (strcmp(name, "protect") == 0)
		return single_section(p, SEC_PROTECT, &p->protect_line, name);
	if (strncmp(name, "user", 4) == 0 && (name[4] == '\0' || isspace((unsigned char)name[4]))) {
		char *user = trim(name + 4);
		if (!*user) {
			cfg_error(p, p->line, "[user] needs a name: [user NAME] (or [user *])");
			return -1;
		}
		p->sec = SEC_USER;
		if (strcmp(user, "*") == 0)
			return cfg_template_begin(p); /* config_template.c */
		return user_begin(p, user);
	}
	if (strncmp(name, "trigger", 7) == 0 && (name[7] == '\0' || isspace((unsigned char)name[7]))) {
		char *trig = trim(name + 7);
		if (!*trig) {
			cfg_error(p, p->line, "[trigger] needs a name: [trigger NAME]");
			return -1;
		}
		return cfg_trigger_begin(p, trig);
	}
	cfg_error(p, p->line, "unknown section [%s] (expected [daemon], [protect], "
		"[user NAME] or [trigger NAME])", name);
	return -1;
}

/* Called by the reader for each line before inih sees it. */
static int line_begin(struct cfg_parse *p, char *line)
{
	if (p->line == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3; /* a UTF-8 byte order mark; inih skips it too */
	p->indented = isspace((unsigned char)line[0]) && line[0] != '\n';
	char *start = line;
	while (isspace((unsigned char)*start))
		start++;
	if (*start != '[')
		return 0;
	if (p->indented) {
		cfg_error(p, p->line, "section header must not be indented");
		return -1;
	}
	char hdr[CFG_VALUE_MAX];
	snprintf(hdr, sizeof hdr, "%s", start + 1);
	return section_begin(p, hdr);
}

static int stream_getc(struct cfg_stream *st)
{
	if (st->f)
		return getc(st->f);
	if (*st->s == '\0')
		return EOF;
	return (unsigned char)*st->s++;
}

/* inih's fgets-like reader: one physical line per call, counted. A line that
 * does not fit or holds a NUL byte is an error, never split or cut. */
static char *read_line(char *str, int num, void *stream)
{
	struct cfg_stream *st = stream;
	struct cfg_parse *p = st->p;
	size_t len = 0;

	if (p->failed || num < 4)
		return NULL;
	/* inih asks for room for "\r\n\0" beyond the longest line. */
	size_t max = (size_t)num - 3;
	int ch = stream_getc(st);
	if (ch == EOF)
		return NULL;
	p->line++;
	for (; ch != EOF && ch != '\n'; ch = stream_getc(st)) {
		if (ch == '\0') {
			cfg_error(p, p->line, "NUL byte in line");
			return NULL;
		}
		if (len == max) {
			cfg_error(p, p->line, "line longer than %zu characters "
				"(continue a list on an indented line)", max);
			return NULL;
		}
		str[len++] = (char)ch;
	}
	if (ch == '\n')
		str[len++] = '\n';
	str[len] = '\0';
	return line_begin(p, str) == 0 ? str : NULL;
}

static bool has_control_char(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* Splits a list value at commas and sets each item. A line may end in a
 * comma, to be continued on the next, indented line. */
static int set_list(struct cfg_parse *p, const struct cfg_key *k, const char *value)
{
	char buf[CFG_VALUE_MAX];
	if (strlen(value) >= sizeof buf) {
		cfg_error(p, p->line, "%s: value too long", k->name);
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", value);
	for (char *item = buf, *comma;; item = comma + 1) {
		comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		char *t = trim(item);
		if (!*t && !comma && item != buf)
			return 0; /* a trailing comma: the list goes on below */
		if (!*t) {
			cfg_error(p, p->line, "%s: empty item in list", k->name);
			return -1;
		}
		if (k->set(p, t) != 0)
			return -1;
		if (!comma)
			return 0;
	}
}

static int set_value(struct cfg_parse *p, const struct cfg_key *k, const char *value)
{
	if (!*value) {
		cfg_error(p, p->line, "%s: empty value", k->name);
		return -1;
	}
	if (has_control_char(value)) {
		cfg_error(p, p->line, "%s: control character in value", k->name);
		return -1;
	}
	return k->list ? set_list(p, k, value) : k->set(p, value);
}

/* An indented line after a key continues that key's value (inih follows
 * Python's configparser here). Only lists may continue. */
static int continuation(struct cfg_parse *p, const struct cfg_key *k, const char *value)
{
	if (!k->list || strchr(value, '=')) {
		cfg_error(p, p->line, "indented line continues the value of '%s'; "
			"remove the indentation%s", k->name,
			k->list ? " to start a new key" : "");
		return -1;
	}
	return set_value(p, k, value);
}

/* "[daemon]", "[protect]" or "[user NAME]", for messages. */
static const char *section_label(struct cfg_parse *p, char buf[static CONFIG_NAME_MAX + 8])
{
	if (p->sec == SEC_USER)
		snprintf(buf, CONFIG_NAME_MAX + 8, "[user %s]", cfg_current_user(p)->name);
	else if (p->sec == SEC_TRIGGER)
		snprintf(buf, CONFIG_NAME_MAX + 8, "[trigger %s]", cfg_trigger_name(p));
	else
		snprintf(buf, CONFIG_NAME_MAX + 8, "%s",
			p->sec == SEC_DAEMON ? "[daemon]" : "[protect]");
	return buf;
}

/* inih's handler: 1 to go on, 0 on error. section is unused: see the top. */
static int handle(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parse *p = user;
	size_t n;
	(void)section;

	if (p->failed)
		return 0;
	if (p->sec == SEC_NONE) {
		cfg_error(p, p->line, "'%s' outside any section (put it under "
			"[daemon], [protect] or [user NAME])", name);
		return 0;
	}
	const struct cfg_key *keys = cfg_section_keys(p->sec, &n);
	if (p->indented && p->prev_key >= 0)
		return continuation(p, &keys[p->prev_key], value) == 0;
	size_t k = 0;
	while (k < n && strcmp(keys[k].name, name) != 0)
		k++;
	if (k == n) {
		char label[CONFIG_NAME_MAX + 8];
		cfg_error(p, p->line, "unknown key '%s' in %s", name,
			section_label(p, label));
		return 0;
	}
	if (p->seen[k]) {
		cfg_error(p, p->line, "duplicate key '%s' (first at line %u)",
			name, p->seen[k]);
		return 0;
	}
	if (p->sec == SEC_USER && p->cur == p->c->tmpl &&
	    cfg_template_key(p, name) != 0)
		return 0;
	p->seen[k] = p->line;
	p->prev_key = (int)k;
	return set_value(p, &keys[k], value) == 0;
}

int cfg_read_stream(struct cfg_parse *p, FILE *f)
{
	struct cfg_stream st = { .p = p, .f = f };
	int rc = ini_parse_stream(read_line, &st, handle, p);
	if (rc > 0 && (!p->failed || (unsigned)rc < p->err_line)) {
		p->failed = false; /* inih's error comes first */
		cfg_error(p, (unsigned)rc, "syntax error: expected 'key = value', "
			"'[section]' or a comment");
	} else if (rc < 0) {
		cfg_error(p, 0, "out of memory");
	}
	if (!p->failed && ferror(f))
		cfg_error(p, 0, "read error: %s", strerror(errno));
	return p->failed ? -1 : 0;
}

static void summarise_user(struct config_uses *s, const struct config_user *u)
{
	s->otp |= u->prof->otp->alg != 0;
	s->tokens |= u->prof->token->mode != TOKEN_NONE;
	s->sequences |= cfg_has_sequences(u);
	s->dynamic |= u->prof->dyn->enabled;
	s->old_keys |= u->prof->pol->old_key_path[0] != '\0' || u->prof->pol->has_old_key;
}

/* Defaults that depend on whether a key was given at all, and c->uses. */
static void finish_defaults(struct cfg_parse *p)
{
	struct config *c = p->c;
	if (c->nifaces == 0)
		c->all_ifaces = true;
	if (c->nknock_ports == 0) {
		c->knock_ports[0].proto = IPPROTO_UDP;
		c->knock_ports[0].port = CFG_DEFAULT_KNOCK_PORT;
		c->nknock_ports = 1;
	}
	/* One pass over the users with sections. keys_file's template users
	 * come later, as copies of c->tmpl: its features are none of those
	 * c->uses counts (config_template.c refuses their keys). */
	c->uses = (struct config_uses){ 0 };
	for (size_t i = 0; i < c->nusers; i++) {
		if (!p->lines[i].max_lease)
			c->users[i].prof->max_lease = c->max_lease;
		summarise_user(&c->uses, &c->users[i]);
	}
	if (c->tmpl && !p->tmpl_lines.max_lease)
		c->tmpl->prof->max_lease = c->max_lease;
}

/* Parses st into a fresh config, then checks it whole. */
static int load(struct cfg_stream *st, const char *name, unsigned flags,
	struct config **out, struct errbuf *err)
{
	struct cfg_parse p = { .err = err, .prev_key = -1 };
	*out = NULL;
	p.c = calloc(1, sizeof *p.c);
	if (!p.c) {
		errbuf_set(err, "%s: out of memory", name);
		return -1;
	}
	snprintf(p.c->path, sizeof p.c->path, "%s", name);
	cfg_set_defaults(p.c);
	p.seen = p.other_keys;
	st->p = &p;

	int rc = ini_parse_stream(read_line, st, handle, &p);
	if (rc > 0 && (!p.failed || (unsigned)rc < p.err_line)) {
		p.failed = false; /* inih's error comes first */
		cfg_error(&p, (unsigned)rc, "syntax error: expected 'key = value', "
			"'[section]' or a comment");
	} else if (rc < 0) {
		cfg_error(&p, 0, "out of memory");
	}
	if (!p.failed && st->f && ferror(st->f))
		cfg_error(&p, 0, "read error: %s", strerror(errno));
	if (!p.failed && p.c->users_dir[0])
		cfg_load_dropins(&p); /* config_dropin.c */
	if (!p.failed) {
		finish_defaults(&p);
		if (cfg_check(&p) == 0 && (flags & CONFIG_LOAD_KEYS))
			cfg_load_keys(&p);
		else if (!p.failed && (flags & CONFIG_LOAD_TEMPLATE_USERS) &&
		    p.c->tmpl && p.c->keys_file[0] && cfg_load_keys_file(&p) == 0)
			cfg_keys_derive_tags(p.c);
	}
	if (!p.failed) {
		cfg_names_adopt(p.c, &p.names);
		cfg_release_spare(&p);
	}
	cfg_index_free(&p.names);
	free(p.lines);
	if (p.failed) {
		config_free(p.c);
		return -1;
	}
	*out = p.c;
	return 0;
}

int config_load(const char *path, unsigned flags, struct config **out,
	struct errbuf *err)
{
	struct cfg_stream st = { 0 };
	st.f = fopen(path, "re");
	if (!st.f) {
		errbuf_set(err, "%s: cannot open: %s", path, strerror(errno));
		*out = NULL;
		return -1;
	}
	int rc = load(&st, path, flags, out, err);
	fclose(st.f);
	return rc;
}

int config_load_string(const char *text, const char *name, unsigned flags,
	struct config **out, struct errbuf *err)
{
	struct cfg_stream st = { .s = text };
	return load(&st, name, flags, out, err);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	cfg_free_seq(c);
	cfg_free_triggers(c);
	if (c->users) {
		for (size_t i = 0; i < c->nusers; i++)
			cfg_user_free(&c->users[i]);
		sodium_memzero(c->users, c->nusers * sizeof *c->users);
		free(c->users);
	}
	if (c->tmpl) {
		cfg_profile_free(c->tmpl->prof); /* its users' too */
		free(c->tmpl);
	}
	cfg_arena_free(c);
	cfg_names_free(c);
	config_keys_free(c);
	sodium_memzero(c, sizeof *c);
	free(c);
}

void config_summarise(struct config *c)
{
	c->uses = (struct config_uses){ 0 };
	for (size_t i = 0; i < c->nusers; i++)
		summarise_user(&c->uses, &c->users[i]);
}

bool config_is_protected(const struct config *c, const struct portspec *p)
{
	for (size_t i = 0; i < c->nprotect; i++)
		if (portspec_equal(&c->protect[i], p))
			return true;
	return false;
}
