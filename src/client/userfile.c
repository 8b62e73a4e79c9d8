/* userfile — see userfile.h. */
#include "userfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool userfile_path(const char *dir, const char *user, char *out, size_t len)
{
	int w = snprintf(out, len, "%s/%s.conf", dir, user);
	return w > 0 && (size_t)w < len;
}

int userfile_read(const char *path, char buf[static USERFILE_MAX], struct errbuf *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		errbuf_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = 0;
	ssize_t r;
	while (n < USERFILE_MAX - 1 && (r = read(fd, buf + n, USERFILE_MAX - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			errbuf_set(err, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	char extra;
	bool more = n == USERFILE_MAX - 1 && read(fd, &extra, 1) > 0;
	close(fd);
	if (more) {
		errbuf_set(err, "%s: larger than %d bytes", path, USERFILE_MAX - 1);
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

int userfile_write(const char *path, const char *text, bool replace, struct errbuf *err)
{
	char dirbuf[PATH_MAX], basebuf[PATH_MAX], tmp[PATH_MAX];
	snprintf(dirbuf, sizeof dirbuf, "%s", path);
	snprintf(basebuf, sizeof basebuf, "%s", path);
	const char *dir = dirname(dirbuf), *base = basename(basebuf);
	if (!replace && access(path, F_OK) == 0) {
		errbuf_set(err, "%s: already exists", path);
		return -1;
	}
	/* A leading dot: config_dropin.c never reads it half-written. */
	int w = snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, base);
	if (w < 0 || (size_t)w >= sizeof tmp) {
		errbuf_set(err, "%s: path too long", path);
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		errbuf_set(err, "%s: cannot create a temporary file: %s", dir, strerror(errno));
		return -1;
	}
	size_t len = strlen(text), off = 0;
	bool ok = fchmod(fd, 0644) == 0;
	while (ok && off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0;
		off += n > 0 ? (size_t)n : 0;
	}
	ok = ok && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok && !replace)
		ok = link(tmp, path) == 0 && unlink(tmp) == 0; /* never overwrites */
	else if (ok)
		ok = rename(tmp, path) == 0;
	if (!ok) {
		errbuf_set(err, "%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* Length of the key at line start (before blanks and '='), or 0. */
static bool line_is_key(const char *line, const char *key)
{
	size_t k = strlen(key);
	if (strncmp(line, key, k) != 0)
		return false;
	const char *p = line + k;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '=';
}

bool userfile_set(char text[static USERFILE_MAX], const char *key, const char *value)
{
	char out[USERFILE_MAX], line[USERFILE_MAX];
	size_t used = 0;
	bool done = false, skipping = false;
	const char *p = text;
	out[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n;
		bool indented = line[0] == ' ' || line[0] == '\t';
		if (skipping && indented && line[strspn(line, " \t\r\n")] != '\0')
			continue; /* the old value's continuation lines */
		skipping = false;
		if (!done && line_is_key(line, key)) {
			done = skipping = true;
			if (!value)
				continue;
			snprintf(line, sizeof line, "%s = %s\n", key, value);
		}
		size_t l = strlen(line);
		if (used + l >= sizeof out)
			return false;
		memcpy(out + used, line, l + 1);
		used += l;
	}
	if (!done && value) {
		int w = snprintf(out + used, sizeof out - used, "%s%s = %s\n",
			used && out[used - 1] != '\n' ? "\n" : "", key, value);
		if (w < 0 || (size_t)w >= sizeof out - used)
			return false;
	}
	memcpy(text, out, strlen(out) + 1);
	return true;
}
