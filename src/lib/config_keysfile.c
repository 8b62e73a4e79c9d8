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
 * twice, a user the config does not define, or a user who also has a key =
 * line. A user with no key line must be in it. Read only with
 * CONFIG_LOAD_KEYS, before the users' own key files; every buffer that saw
 * a secret is wiped. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "keyfile.h"

/* 100 000 users of ~60 bytes each, with room to spare. */
#define KEYS_FILE_MAX_BYTES (64ll * 1024 * 1024)
#define KEYS_LINE_MAX 256

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

/* One "NAME BASE64SECRET" line (NUL-terminated, no newline) into the user
 * it names. 0, or -1 after cfg_error at p->line. */
static int keys_line(struct cfg_parse *p, char *line)
{
	struct config *c = p->c;
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
	size_t i = cfg_user_index(p, name);
	if (i == SIZE_MAX) {
		cfg_error(p, p->line, "user %s is not defined in %s (add a [user %s] "
			"section, or remove the line)", name, c->path, name);
		return -1;
	}
	struct config_user *u = &c->users[i];
	if (u->keys_file_line) {
		cfg_error(p, p->line, "user %s is already at line %u", name,
			u->keys_file_line);
		return -1;
	}
	if (u->key_line) {
		cfg_error(p, p->line, "user %s also has key = %s (line %u); give a "
			"user one key", name, u->key_path, u->key_line);
		return -1;
	}
	uint8_t secret[KNOCK_MASTER_BYTES];
	size_t len = 0;
	const char *end = NULL;
	int rc = sodium_base642bin(secret, sizeof secret, b64, b64len, NULL, &len,
		&end, sodium_base64_VARIANT_ORIGINAL);
	if (rc != 0 || end != b64 + b64len || len != sizeof secret) {
		sodium_memzero(secret, sizeof secret);
		cfg_error(p, p->line, "user %s: the secret is not base64 of %d bytes",
			name, KNOCK_MASTER_BYTES);
		return -1;
	}
	rc = config_user_set_secret(c, i, secret);
	sodium_memzero(secret, sizeof secret);
	if (rc != 0) {
		cfg_error(p, p->line, "out of memory");
		return -1;
	}
	u->keys_file_line = p->line;
	return 0;
}

int cfg_load_keys_file(struct cfg_parse *p)
{
	const char *path = p->c->keys_file;
	struct errbuf kerr = { { 0 } };
	char line[KEYS_LINE_MAX + 2];
	char iobuf[BUFSIZ]; /* stdio's buffer, ours so that it can be wiped */
	int rc = 0;

	int fd = keyfile_open_private(path, KEYS_FILE_MAX_BYTES, &kerr);
	if (fd < 0) {
		cfg_error(p, p->daemon_keys[DK_KEYS_FILE], "keys_file: %s", kerr.msg);
		return -1;
	}
	FILE *f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		cfg_error(p, p->daemon_keys[DK_KEYS_FILE], "keys_file: %s: %s", path,
			strerror(errno));
		return -1;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
	const char *saved_file = p->file;
	unsigned saved_line = p->line;
	p->file = path; /* errors below are "KEYS_FILE:LINE: ..." */
	p->line = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		p->line++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(f)) {
			cfg_error(p, p->line, "line longer than %d characters", KEYS_LINE_MAX);
			rc = -1;
			break;
		}
		rc = keys_line(p, line);
	}
	if (rc == 0 && ferror(f)) {
		cfg_error(p, 0, "read error: %s", strerror(errno));
		rc = -1;
	}
	fclose(f);
	sodium_memzero(line, sizeof line);
	sodium_memzero(iobuf, sizeof iobuf);
	p->file = saved_file;
	p->line = saved_line;
	return rc;
}
