/* keyfile — see keyfile.h.
 *
 * A key file is small, strict text: the whole file is read into one buffer
 * (at most KEYFILE_MAX_BYTES), parsed line by line, and every buffer that saw
 * the secret is wiped before returning, on every path. */
#include "keyfile.h"
#include "keyfile_kdf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base64ct.h"
#include "fdio.h"

#define KEYFILE_MAX_BYTES 4096
#define KEYFILE_FORMAT "1"
/* base64 of 32 bytes is 44 characters; leave room to report a wrong length. */
#define SECRET_B64_MAX 128

bool keyfile_user_valid(const char *name)
{
	size_t n = 0;

	if (!name || name[0] == '\0' || name[0] == '.' || name[0] == '-')
		return false;
	for (; name[n] != '\0'; n++) {
		char c = name[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			|| (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok || n + 1 >= KEYFILE_USER_MAX)
			return false;
	}
	return true;
}

void keyfile_wipe(struct keyfile *kf)
{
	sodium_memzero(kf, sizeof *kf);
}

void keyfile_generate(struct keyfile *kf, const char *user)
{
	keyfile_wipe(kf);
	if (sodium_init() < 0)
		abort(); /* no usable randomness: never hand out a zero key */
	/* truncates an over-long name; keyfile_write refuses it later anyway */
	size_t n = user ? strnlen(user, sizeof kf->user - 1) : 0;
	if (n > 0)
		memcpy(kf->user, user, n);
	randombytes_buf(kf->secret, sizeof kf->secret);
}

/* --- reading ----------------------------------------------------------- */

int keyfile_open_private(const char *path, long long max_bytes, struct errbuf *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		if (errno == ELOOP)
			errbuf_set(err, "%s: is a symbolic link; key files must be "
				"regular files (name the target itself)", path);
		else
			errbuf_set(err, "%s: cannot open key file: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		errbuf_set(err, "%s: cannot stat key file: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf_set(err, "%s: not a regular file; a key file must be one", path);
		goto fail;
	}
	if (st.st_mode & 077) {
		errbuf_set(err, "%s: mode %04o lets group or others access this secret "
			"key; refusing it (fix: chmod 600 %s)", path,
			(unsigned)(st.st_mode & 07777), path);
		goto fail;
	}
	/* Whoever owns the file can replace the key: only we may. */
	if (st.st_uid != geteuid()) {
		errbuf_set(err, "%s: owned by uid %u, not by uid %u who reads it; "
			"refusing it (fix: chown %u %s)", path, (unsigned)st.st_uid,
			(unsigned)geteuid(), (unsigned)geteuid(), path);
		goto fail;
	}
	if (st.st_size > max_bytes) {
		errbuf_set(err, "%s: %lld bytes; a key file is at most %lld bytes", path,
			(long long)st.st_size, max_bytes);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Reads the whole file into buf (NUL-terminated). Returns its length or -1.
 * Reads one byte past the limit so a file that grew after fstat is caught. */
static ssize_t read_all(int fd, const char *path, char buf[static KEYFILE_MAX_BYTES + 2],
	struct errbuf *err)
{
	size_t len = 0;

	while (len < KEYFILE_MAX_BYTES + 1) {
		ssize_t r = read(fd, buf + len, KEYFILE_MAX_BYTES + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			errbuf_set(err, "%s: read error: %s", path, strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (len > KEYFILE_MAX_BYTES) {
		errbuf_set(err, "%s: larger than %d bytes; not a key file", path,
			KEYFILE_MAX_BYTES);
		return -1;
	}
	if (memchr(buf, '\0', len)) {
		errbuf_set(err, "%s: contains a NUL byte; not a key file", path);
		return -1;
	}
	return (ssize_t)len;
}

/* What has been seen so far while parsing. */
struct seen {
	bool format, user, secret, sign;
	bool kdf, salt, ops, mem; /* keyfile_kdf: the passphrase KDF lines */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Splits one line (NUL-terminated, no '\n') into name and value in place.
 * Returns false for a blank or comment line. */
static bool split_line(char *line, char **name, char **value)
{
	while (is_blank(*line))
		line++;
	if (*line == '\0' || *line == '#')
		return false;
	*name = line;
	while (*line != '\0' && !is_blank(*line))
		line++;
	if (*line != '\0')
		*line++ = '\0';
	while (is_blank(*line))
		line++;
	*value = line;
	/* trailing blanks (and a CR from CRLF files) are not part of the value */
	char *end = line + strlen(line);
	while (end > line && is_blank(end[-1]))
		*--end = '\0';
	return true;
}

static int parse_secret(const char *value, uint8_t dst[static KNOCK_MASTER_BYTES],
	const char *where, struct errbuf *err)
{
	uint8_t bin[SECRET_B64_MAX];
	size_t binlen = 0;
	int rc = -1;

	/* The decoder keys_file lines use: constant-time in the characters,
	 * and bytes 0x80-0xff refused (libsodium reads them as '/'). */
	if (base64ct_decode(bin, sizeof bin, &binlen, value, strlen(value)) != 0) {
		errbuf_set(err, "%s: secret is not valid base64", where);
		goto out;
	}
	if (binlen != KNOCK_MASTER_BYTES) {
		errbuf_set(err, "%s: secret is %zu bytes; it must be exactly %d", where,
			binlen, KNOCK_MASTER_BYTES);
		goto out;
	}
	memcpy(dst, bin, KNOCK_MASTER_BYTES);
	rc = 0;
out:
	sodium_memzero(bin, sizeof bin);
	return rc;
}

/* Handles one "name value" pair. where = "path:line". */
static int parse_pair(const char *name, const char *value, struct seen *seen,
	struct keyfile *out, const char *where, struct errbuf *err)
{
	bool *flag;

	if (strcmp(name, "postern-key") == 0)
		flag = &seen->format;
	else if (strcmp(name, "user") == 0)
		flag = &seen->user;
	else if (strcmp(name, "secret") == 0)
		flag = &seen->secret;
	else if (strcmp(name, "sign-secret") == 0)
		flag = &seen->sign;
	else if (keyfile_kdf_is_key(name))
		return keyfile_kdf_pair(name, value, &seen->kdf, &seen->salt, &seen->ops,
			&seen->mem, &out->kdf, where, err);
	else {
		errbuf_set(err, "%s: unknown key \"%.32s\" (expected postern-key, user, "
			"secret, sign-secret, kdf, salt, opslimit or memlimit)", where, name);
		return -1;
	}
	if (*flag) {
		errbuf_set(err, "%s: duplicate \"%s\"", where, name);
		return -1;
	}
	*flag = true;

	if (flag == &seen->format) {
		if (strcmp(value, KEYFILE_FORMAT) != 0) {
			errbuf_set(err, "%s: unsupported key file format \"%.16s\" "
				"(this postern reads format %s)", where, value, KEYFILE_FORMAT);
			return -1;
		}
		return 0;
	}
	if (flag == &seen->user) {
		if (!keyfile_user_valid(value)) {
			errbuf_set(err, "%s: invalid user name \"%.64s\" (1..63 of "
				"[A-Za-z0-9._-], not starting with '.' or '-')", where, value);
			return -1;
		}
		memcpy(out->user, value, strlen(value) + 1); /* valid => fits */
		return 0;
	}
	if (flag == &seen->sign) {
		out->has_sign = true;
		return parse_secret(value, out->sign_seed, where, err);
	}
	return parse_secret(value, out->secret, where, err);
}

static int parse_text(char *text, const char *path, unsigned flags,
	struct keyfile *out, struct errbuf *err)
{
	struct seen seen = { false, false, false, false, false, false, false, false };
	char where[256];
	char *line = text;

	for (unsigned lineno = 1; line != NULL; lineno++) {
		char *next = strchr(line, '\n');
		char *name, *value;
		if (next)
			*next++ = '\0';
		snprintf(where, sizeof where, "%s:%u", path, lineno);
		if (split_line(line, &name, &value)
			&& parse_pair(name, value, &seen, out, where, err) != 0)
			return -1;
		line = next;
	}
	out->has_kdf = seen.kdf || seen.salt || seen.ops || seen.mem;
	if (out->has_kdf && keyfile_kdf_check(seen.kdf, seen.salt, seen.ops, seen.mem,
		    &out->kdf, path, err) != 0)
		return -1;
	if (!seen.secret && out->has_kdf && seen.format && seen.user) {
		if (!(flags & KEYFILE_ALLOW_KDF_ONLY)) {
			errbuf_set(err, "%s: no \"secret\" line: a passphrase-derived "
				"client key (kdf %s) holds none; this needs the server's copy "
				"(keygen --server-out)", path, PWKDF_NAME);
			return -1;
		}
		out->kdf_only = true;
		return 0;
	}
	if (!seen.format || !seen.user || !seen.secret) {
		errbuf_set(err, "%s: missing \"%s\" line", path,
			!seen.format ? "postern-key 1" : !seen.user ? "user" : "secret");
		return -1;
	}
	return 0;
}

int keyfile_read(const char *path, struct keyfile *out, struct errbuf *err)
{
	return keyfile_read_flags(path, 0, out, err);
}

int keyfile_read_flags(const char *path, unsigned flags, struct keyfile *out,
	struct errbuf *err)
{
	char buf[KEYFILE_MAX_BYTES + 2];
	int rc = -1;

	keyfile_wipe(out);
	if (sodium_init() < 0) {
		errbuf_set(err, "%s: libsodium failed to initialise", path);
		return -1;
	}
	int fd = keyfile_open_private(path, KEYFILE_MAX_BYTES, err);
	if (fd < 0)
		return -1;
	ssize_t len = read_all(fd, path, buf, err);
	close(fd);
	if (len >= 0)
		rc = parse_text(buf, path, flags, out, err);
	sodium_memzero(buf, sizeof buf);
	if (rc != 0)
		keyfile_wipe(out);
	return rc;
}

/* --- writing ----------------------------------------------------------- */

/* Formats the file text into buf; returns its length or -1. */
static int format_text(const struct keyfile *kf, char *buf, size_t cap)
{
	char b64[sodium_base64_ENCODED_LEN(KNOCK_MASTER_BYTES,
		sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(b64, sizeof b64, kf->secret, sizeof kf->secret,
		sodium_base64_VARIANT_ORIGINAL);
	int n = snprintf(buf, cap,
		"# postern key v1 - secret: keep mode 0600, never share it\n"
		"postern-key %s\nuser %s\n%s%s%s", KEYFILE_FORMAT, kf->user,
		kf->kdf_only ? "" : "secret ", kf->kdf_only ? "" : b64,
		kf->kdf_only ? "" : "\n");
	if (n >= 0 && (size_t)n < cap && kf->has_kdf) {
		int m = keyfile_kdf_format(&kf->kdf, buf + n, cap - (size_t)n);
		n = m < 0 ? -1 : n + m;
	}
	if (n >= 0 && (size_t)n < cap && kf->has_sign) {
		sodium_bin2base64(b64, sizeof b64, kf->sign_seed, sizeof kf->sign_seed,
			sodium_base64_VARIANT_ORIGINAL);
		int m = snprintf(buf + n, cap - (size_t)n, "sign-secret %s\n", b64);
		n = m < 0 ? -1 : n + m;
	}
	sodium_memzero(b64, sizeof b64);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int keyfile_write(const char *path, const struct keyfile *kf, struct errbuf *err)
{
	char buf[512];
	int rc = -1;

	if (!keyfile_user_valid(kf->user)) {
		errbuf_set(err, "%s: invalid user name; not writing", path);
		return -1;
	}
	const char *why = NULL;
	if ((kf->kdf_only && !kf->has_kdf)
		|| (kf->has_kdf && !pwkdf_params_valid(&kf->kdf, &why))) {
		errbuf_set(err, "%s: %s; not writing", path,
			why ? why : "no secret and no passphrase parameters");
		return -1;
	}
	int len = format_text(kf, buf, sizeof buf);
	if (len < 0) {
		errbuf_set(err, "%s: key file text too long", path);
		goto out;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			errbuf_set(err, "%s: already exists; refusing to overwrite a key "
				"file (move it away first)", path);
		else
			errbuf_set(err, "%s: cannot create key file: %s", path, strerror(errno));
		goto out;
	}
	if (fdio_write_all(fd, buf, (size_t)len) != 0 || fsync(fd) != 0) {
		errbuf_set(err, "%s: cannot write key file: %s", path, strerror(errno));
		close(fd);
		unlink(path); /* never leave a truncated key behind */
		goto out;
	}
	if (close(fd) != 0) {
		errbuf_set(err, "%s: cannot write key file: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(buf, sizeof buf);
	return rc;
}
