/* config_keysfile — [daemon] keys_file: the secrets of many users in one
 * file, so that a config of 100 000 users is not 100 000 opens. Part of the
 * config module (config_int.h).
 *
 *   [daemon]
 *   keys_file = /etc/postern/users.keys
 *
 * One line per user, "NAME BASE64SECRET" (the secret as in a key file's
 * "secret" line: base64 of 32 bytes), separated by spaces or tabs; blank
 * lines and lines starting with '#' are skipped. The file is checked as a
 * key file is (regular, owned by the reading uid, mode 0600 or stricter)
 * and refused whole, with "FILE:LINE: reason", on any bad line, a user named
 * twice, a user the config does not define (unless a [user *] template
 * makes one of them: config_template.c), or a user who also has a key =
 * line. A user with no key line must be in it. Read with CONFIG_LOAD_KEYS,
 * before the users' own key files (or CONFIG_LOAD_TEMPLATE_USERS); every
 * buffer that saw a secret is wiped.
 *
 * At 100 000 users this is a large part of start-up, so it is one pass
 * through one reused 64 KiB buffer: the users array and the name index are
 * sized for the file at once, and a template user is a struct copy of the
 * template. Fresh memory is dear here (a page fault per 4 KiB), so
 * nothing is allocated per line. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64ct.h"
#include "config_int.h"
#include "keyfile.h"

/* 100 000 users of ~60 bytes each, with room to spare. */
#define KEYS_FILE_MAX_BYTES (64ll * 1024 * 1024)
#define KEYS_LINE_MAX 256
/* What one read() takes: many lines, and always room for a whole one. */
#define KEYS_CHUNK (64 * 1024)
/* The shortest line with a secret: a 1-byte name, a space, 43 base64
 * characters and '=', a newline. */
#define KEYS_LINE_MIN 47

int cfg_set_keys_file(struct cfg_parse *p, const char *v)
{
	if (v[0] != '/' || strlen(v) >= sizeof p->c->keys_file || strpbrk(v, "\t\n")) {
		cfg_error(p, p->line, "keys_file: '%s' is not an absolute path "
			"(without tabs)", v);
		return -1;
	}
	snprintf(p->c->keys_file, sizeof p->c->keys_file, "%s", v);
	return 0;
}

/* The user line names: one with a section, or a new one of [user *].
 * NULL after cfg_error. */
static struct config_user *line_user(struct cfg_parse *p, const char *name)
{
	struct config *c = p->c;
	size_t i = cfg_user_index(p, name);
	if (i == SIZE_MAX) {
		if (!c->tmpl) {
			cfg_error(p, p->line, "user %s is not defined in %s (add a [user %s] "
				"section, a [user *] for every such user, or remove the "
				"line)", name, c->path, name);
			return NULL;
		}
		size_t n = strlen(name);
		struct config_user *u = cfg_template_user(p, name, n);
		if (!u || cfg_index_add(&p->names, cfg_name_hash(name), c->nusers - 1) != 0) {
			cfg_error(p, p->line, "out of memory");
			return NULL;
		}
		return u;
	}
	struct config_user *u = &c->users[i];
	if (p->lines[i].keys_file) {
		cfg_error(p, p->line, "user %s is already at line %u", name,
			p->lines[i].keys_file);
		return NULL;
	}
	if (u->prof->key_line) {
		cfg_error(p, p->line, "user %s also has key = %s (line %u); give a "
			"user one key", name, u->prof->key_path, u->prof->key_line);
		return NULL;
	}
	return u;
}

/* One "NAME BASE64SECRET" line (NUL-terminated, no newline) into the user
 * it names. 0, or -1 after cfg_error at p->line. */
static int keys_line(struct cfg_parse *p, char *line)
{
	char *name = line + strspn(line, " \t");
	if (*name == '\0' || *name == '#')
		return 0;
	char *sep = name + strcspn(name, " \t");
	if (*sep == '\0') {
		cfg_error(p, p->line, "expected 'NAME BASE64SECRET'");
		return -1;
	}
	*sep = '\0';
	char *b64 = sep + 1 + strspn(sep + 1, " \t");
	size_t b64len = strcspn(b64, " \t");
	if (b64len == 0 || b64[b64len + strspn(b64 + b64len, " \t")] != '\0') {
		cfg_error(p, p->line, "expected 'NAME BASE64SECRET' (one name, one "
			"secret, nothing else)");
		return -1;
	}
	if (!keyfile_user_valid(name)) {
		cfg_error(p, p->line, "bad user name '%s'", name);
		return -1;
	}
	uint8_t secret[KNOCK_MASTER_BYTES];
	size_t len = 0;
	/* Constant-time, 8 characters at a time (base64ct.h). */
	int rc = base64ct_decode(secret, sizeof secret, &len, b64, b64len);
	if (rc != 0 || len != sizeof secret) {
		sodium_memzero(secret, sizeof secret);
		cfg_error(p, p->line, "user %s: the secret is not base64 of %d bytes",
			name, KNOCK_MASTER_BYTES);
		return -1;
	}
	struct config_user *u = line_user(p, name);
	if (!u) {
		sodium_memzero(secret, sizeof secret);
		return -1;
	}
	rc = cfg_user_store_secret(p->c, (size_t)(u - p->c->users), secret);
	sodium_memzero(secret, sizeof secret);
	if (rc != 0) {
		cfg_error(p, p->line, "out of memory");
		return -1;
	}
	cfg_lines(p, u)->keys_file = p->line;
	return 0;
}

/* Line by line from the bytes [line, end): complete lines only (each ends
 * in '\n'), or the last one too when at_eof. Returns where the unfinished
 * line begins, or NULL after cfg_error. */
static char *keys_lines(struct cfg_parse *p, char *line, char *end, bool at_eof)
{
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl && !at_eof)
			break;
		char *stop = nl ? nl : end;
		p->line++;
		if (stop - line > KEYS_LINE_MAX) {
			cfg_error(p, p->line, "line longer than %d characters", KEYS_LINE_MAX);
			return NULL;
		}
		if (memchr(line, '\0', (size_t)(stop - line))) {
			cfg_error(p, p->line, "NUL byte in line");
			return NULL;
		}
		*stop = '\0';
		if (keys_line(p, line) != 0)
			return NULL;
		line = stop + 1;
	}
	if (end - line > KEYS_LINE_MAX) {
		cfg_error(p, p->line + 1, "line longer than %d characters", KEYS_LINE_MAX);
		return NULL;
	}
	return line;
}

/* Reads fd through buf (KEYS_CHUNK + 1 bytes, reused: a 5 MB file is not
 * copied whole into fresh memory). 0, or -1 after cfg_error. */
static int keys_read(struct cfg_parse *p, int fd, char *buf)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		cfg_error(p, 0, "cannot stat: %s", strerror(errno));
		return -1;
	}
	/* Room for every line that can hold a secret: no realloc, no rehash. */
	size_t most = p->c->nusers + (size_t)st.st_size / KEYS_LINE_MIN + 1;
	if (cfg_users_reserve(p, most) != 0)
		return -1;
	if (config_keys_reserve(p->c, most) != 0) {
		cfg_error(p, 0, "out of memory for the keys of %zu users", most);
		return -1;
	}
	if (cfg_index_reserve(&p->names, most) != 0) {
		cfg_error(p, 0, "out of memory");
		return -1;
	}
	size_t have = 0; /* bytes of an unfinished line at the start of buf */
	for (;;) {
		ssize_t r = read(fd, buf + have, KEYS_CHUNK - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cfg_error(p, 0, "read error: %s", strerror(errno));
			return -1;
		}
		char *end = buf + have + r;
		char *rest = keys_lines(p, buf, end, r == 0);
		if (!rest)
			return -1;
		if (r == 0)
			return 0;
		have = (size_t)(end - rest);
		memmove(buf, rest, have);
	}
}

int cfg_load_keys_file(struct cfg_parse *p)
{
	const char *path = p->c->keys_file;
	struct errbuf kerr = { { 0 } };

	int fd = keyfile_open_private(path, KEYS_FILE_MAX_BYTES, &kerr);
	if (fd < 0) {
		cfg_error(p, p->daemon_keys[DK_KEYS_FILE], "keys_file: %s", kerr.msg);
		return -1;
	}
	char *buf = malloc(KEYS_CHUNK + 1);
	if (!buf) {
		close(fd);
		cfg_error(p, p->daemon_keys[DK_KEYS_FILE], "keys_file: out of memory");
		return -1;
	}
	const char *saved_file = p->file;
	unsigned saved_line = p->line;
	p->file = path; /* errors below are "KEYS_FILE:LINE: ..." */
	p->line = 0;
	int rc = keys_read(p, fd, buf);
	close(fd);
	sodium_memzero(buf, KEYS_CHUNK + 1);
	free(buf);
	p->file = saved_file;
	p->line = saved_line;
	if (rc == 0)
		p->c->keys_file_read = true;
	return rc;
}
