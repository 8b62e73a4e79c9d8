/* tokenkey — token secret files and otpauth:// URIs; see tokenkey.h. */
#include "tokenkey.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base32.h"

#define TOKENKEY_MAX_BYTES 4096

/* Opens path for reading, refusing symlinks, non-regular files, files
 * others can access or another user owns. Returns the fd or -1. */
static int open_private(const char *path, struct errbuf *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		errbuf_set(err, "%s: cannot open token secret: %s", path,
			errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		errbuf_set(err, "%s: not a regular file; a token secret must be one",
			path);
	} else if (st.st_mode & 077) {
		errbuf_set(err, "%s: mode %04o lets group or others access this token "
			"secret; refusing it (fix: chmod 600 %s)", path,
			(unsigned)(st.st_mode & 07777), path);
	} else if (st.st_uid != geteuid()) {
		errbuf_set(err, "%s: owned by uid %u, not by uid %u who reads it; "
			"refusing it (fix: chown %u %s)", path, (unsigned)st.st_uid,
			(unsigned)geteuid(), (unsigned)geteuid(), path);
	} else if (st.st_size > TOKENKEY_MAX_BYTES) {
		errbuf_set(err, "%s: %lld bytes; a token secret file is at most %d",
			path, (long long)st.st_size, TOKENKEY_MAX_BYTES);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* The secret line of text: the first line that is neither blank nor a '#'
 * comment, trimmed, NUL-terminated in place; NULL if there is none or a
 * second one follows. */
static char *secret_line(char *text)
{
	char *found = NULL;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		while (isspace((unsigned char)*line))
			line++;
		size_t n = strlen(line);
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		if (n > 0 && line[0] != '#') {
			if (found)
				return NULL;
			found = line;
		}
		line = nl ? nl + 1 : NULL;
	}
	return found;
}

int tokenkey_read(const char *path, uint8_t secret[static OTP_SECRET_MAX],
	size_t *len, struct errbuf *err)
{
	char buf[TOKENKEY_MAX_BYTES + 2];
	size_t used = 0;
	int rc = -1;
	int fd = open_private(path, err);
	if (fd < 0)
		return -1;
	while (used < TOKENKEY_MAX_BYTES + 1) {
		ssize_t r = read(fd, buf + used, TOKENKEY_MAX_BYTES + 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			errbuf_set(err, "%s: read error: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	buf[used] = '\0';
	if (used > TOKENKEY_MAX_BYTES || memchr(buf, '\0', used)) {
		errbuf_set(err, "%s: not a token secret file (too long or binary)", path);
		goto out;
	}
	char *line = secret_line(buf);
	if (!line) {
		errbuf_set(err, "%s: expected exactly one line with the base32 "
			"secret (besides # comments)", path);
		goto out;
	}
	/* Authenticator apps print secrets in groups, sometimes padded. */
	size_t k = 0;
	for (size_t i = 0; line[i]; i++)
		if (line[i] != ' ' && line[i] != '-')
			line[k++] = line[i];
	while (k > 0 && line[k - 1] == '=')
		k--;
	long got = base32_decode(line, k, secret, OTP_SECRET_MAX);
	if (got < 0) {
		errbuf_set(err, "%s: the secret is not base32 (A-Z, 2-7) of at most "
			"%d bytes", path, OTP_SECRET_MAX);
		goto out;
	}
	*len = (size_t)got;
	if (*len < OTP_SECRET_MIN) {
		errbuf_set(err, "%s: the secret has %zu bytes; at least %d (128 bits, "
			"RFC 4226) are needed", path, *len, OTP_SECRET_MIN);
		sodium_memzero(secret, OTP_SECRET_MAX);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(buf, sizeof buf);
	close(fd);
	return rc;
}

int tokenkey_write(const char *path, const char *user, const uint8_t *secret,
	size_t len, struct errbuf *err)
{
	char b32[BASE32_LEN(OTP_SECRET_MAX) + 1];
	char text[sizeof b32 + 160];
	if (len < OTP_SECRET_MIN || len > OTP_SECRET_MAX) {
		errbuf_set(err, "%s: a token secret has %d..%d bytes", path,
			OTP_SECRET_MIN, OTP_SECRET_MAX);
		return -1;
	}
	base32_encode(secret, len, b32, sizeof b32);
	for (char *c = b32; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	int n = snprintf(text, sizeof text, "# postern token secret for %s "
		"(base32, RFC 4648): keep mode 0600\n%s\n", user, b32);
	sodium_memzero(b32, sizeof b32);
	int rc = -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		errbuf_set(err, "%s: cannot create: %s", path, strerror(errno));
	} else if (n < 0 || (size_t)n >= sizeof text ||
		   write(fd, text, (size_t)n) != n || fsync(fd) != 0) {
		errbuf_set(err, "%s: cannot write: %s", path, strerror(errno));
		close(fd);
		unlink(path);
	} else {
		rc = close(fd) == 0 ? 0 : -1;
		if (rc != 0)
			errbuf_set(err, "%s: cannot write: %s", path, strerror(errno));
	}
	sodium_memzero(text, sizeof text);
	return rc;
}

/* Percent-encodes s (RFC 3986 unreserved characters kept) onto buf. */
static bool append_escaped(char *buf, size_t len, size_t *used, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int n = isalnum(c) || strchr("-._~", c) ?
			snprintf(buf + *used, len - *used, "%c", c) :
			snprintf(buf + *used, len - *used, "%%%02X", c);
		if (n < 0 || (size_t)n >= len - *used)
			return false;
		*used += (size_t)n;
	}
	return true;
}

bool tokenkey_uri(const struct token_conf *t, const char *issuer,
	const char *user, uint64_t counter, char *buf, size_t len)
{
	char b32[BASE32_LEN(OTP_SECRET_MAX) + 1], alg[8];
	size_t used = 0;
	bool ok = false;
	base32_encode(t->secret, t->secret_len, b32, sizeof b32);
	for (char *c = b32; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	snprintf(alg, sizeof alg, "%s", otp_hash_name(t->hash));
	for (char *p = alg; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	int n = snprintf(buf, len, "otpauth://%s/", t->mode == TOKEN_HOTP ?
		"hotp" : "totp");
	if (n < 0 || (size_t)n >= len)
		goto out;
	used = (size_t)n;
	if (!append_escaped(buf, len, &used, issuer) ||
		!append_escaped(buf, len, &used, ":") ||
		!append_escaped(buf, len, &used, user))
		goto out;
	n = snprintf(buf + used, len - used, "?secret=%s&issuer=", b32);
	if (n < 0 || (size_t)n >= len - used)
		goto out;
	used += (size_t)n;
	if (!append_escaped(buf, len, &used, issuer))
		goto out;
	if (t->mode == TOKEN_HOTP)
		n = snprintf(buf + used, len - used, "&algorithm=%s&digits=%u"
			"&counter=%llu", alg, t->digits, (unsigned long long)counter);
	else
		n = snprintf(buf + used, len - used, "&algorithm=%s&digits=%u"
			"&period=%u", alg, t->digits, t->step);
	ok = n >= 0 && (size_t)n < len - used;
out:
	sodium_memzero(b32, sizeof b32);
	if (!ok && len > 0)
		sodium_memzero(buf, len);
	return ok;
}
