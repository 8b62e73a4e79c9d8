/* signkey — see signkey.h. */
#include "signkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define SIGNKEY_MAX_BYTES 1024
#define SIGNKEY_FORMAT "1"

void signkey_b64(const uint8_t pk[static KNOCKSIG_PUBLIC_BYTES], char out[static 45])
{
	sodium_bin2base64(out, 45, pk, KNOCKSIG_PUBLIC_BYTES, sodium_base64_VARIANT_ORIGINAL);
}

static int read_file(const char *path, char *buf, size_t cap, struct errbuf *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		errbuf_set(err, "%s: cannot open signing key: %s", path,
			errno == ELOOP ? "a symbolic link (name the file itself)" : strerror(errno));
		return -1;
	}
	ssize_t n = -1;
	if (fstat(fd, &st) != 0)
		errbuf_set(err, "%s: cannot stat: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		errbuf_set(err, "%s: not a regular file", path);
	else if (st.st_mode & 022)
		errbuf_set(err, "%s: mode %04o lets group or others replace this signing "
			"key; refusing it (fix: chmod 644 %s)", path,
			(unsigned)(st.st_mode & 07777), path);
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		errbuf_set(err, "%s: owned by uid %u; a signing key must be owned by "
			"root or by uid %u who reads it", path, (unsigned)st.st_uid,
			(unsigned)geteuid());
	else {
		n = read(fd, buf, cap - 1);
		if (n < 0)
			errbuf_set(err, "%s: read error: %s", path, strerror(errno));
		else if ((size_t)n == cap - 1)
			errbuf_set(err, "%s: larger than %zu bytes; not a signing key", path,
				cap - 2);
		else
			buf[n] = '\0';
	}
	close(fd);
	return n >= 0 && (size_t)n < cap - 1 ? 0 : -1;
}

static int parse_public(const char *v, uint8_t pk[static KNOCKSIG_PUBLIC_BYTES],
	const char *where, struct errbuf *err)
{
	uint8_t bin[64];
	size_t len = 0;
	const char *end = NULL;
	if (sodium_base642bin(bin, sizeof bin, v, strlen(v), NULL, &len, &end,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || *end != '\0' ||
	    len != KNOCKSIG_PUBLIC_BYTES) {
		errbuf_set(err, "%s: public is not the base64 of %d bytes", where,
			KNOCKSIG_PUBLIC_BYTES);
		return -1;
	}
	memcpy(pk, bin, KNOCKSIG_PUBLIC_BYTES);
	return 0;
}

int signkey_read(const char *path, struct signkey *out, struct errbuf *err)
{
	char buf[SIGNKEY_MAX_BYTES + 2], where[300];
	bool format = false, user = false, pub = false;
	memset(out, 0, sizeof *out);
	if (sodium_init() < 0 || read_file(path, buf, sizeof buf, err) < 0)
		return -1;
	char *save, *line = strtok_r(buf, "\n", &save);
	for (unsigned no = 1; line; line = strtok_r(NULL, "\n", &save), no++) {
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		snprintf(where, sizeof where, "%.280s:%u", path, no);
		char *value = line + strcspn(line, " \t");
		if (*value)
			*value++ = '\0';
		value += strspn(value, " \t");
		bool *seen = !strcmp(line, "postern-sign-public") ? &format :
			!strcmp(line, "user") ? &user : !strcmp(line, "public") ? &pub : NULL;
		if (!seen) {
			errbuf_set(err, "%s: unknown key \"%.32s\" (expected "
				"postern-sign-public, user or public)", where, line);
			return -1;
		}
		if (*seen) {
			errbuf_set(err, "%s: duplicate \"%s\"", where, line);
			return -1;
		}
		*seen = true;
		if (seen == &format && strcmp(value, SIGNKEY_FORMAT) != 0) {
			errbuf_set(err, "%s: unsupported format \"%.16s\"", where, value);
			return -1;
		}
		if (seen == &user) {
			if (!keyfile_user_valid(value)) {
				errbuf_set(err, "%s: invalid user name", where);
				return -1;
			}
			snprintf(out->user, sizeof out->user, "%s", value);
		}
		if (seen == &pub && parse_public(value, out->pk, where, err) < 0)
			return -1;
	}
	if (!format || !user || !pub) {
		errbuf_set(err, "%s: missing \"%s\" line", path,
			!format ? "postern-sign-public 1" : !user ? "user" : "public");
		return -1;
	}
	return 0;
}

int signkey_write(const char *path, const struct signkey *k, struct errbuf *err)
{
	char b64[45], text[256];
	if (!keyfile_user_valid(k->user)) {
		errbuf_set(err, "%s: invalid user name; not writing", path);
		return -1;
	}
	signkey_b64(k->pk, b64);
	int len = snprintf(text, sizeof text,
		"# postern signing key v1 - public: the server checks signed knocks with it\n"
		"postern-sign-public %s\nuser %s\npublic %s\n", SIGNKEY_FORMAT, k->user, b64);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		errbuf_set(err, "%s: %s", path, errno == EEXIST ? "already exists; "
			"refusing to overwrite it" : strerror(errno));
		return -1;
	}
	bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
	if (close(fd) != 0 || !ok) {
		errbuf_set(err, "%s: cannot write: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}
