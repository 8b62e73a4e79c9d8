/* dynfile — see dynfile.h. */
#include "dynfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define LINE_MAX_BYTES 512

bool dynfile_default_path(const char *key_path, char *buf, size_t len)
{
	size_t n = strlen(key_path);
	int w;
	if (n > 4 && strcmp(key_path + n - 4, ".key") == 0)
		w = snprintf(buf, len, "%.*s.next", (int)(n - 4), key_path);
	else
		w = snprintf(buf, len, "%s.next", key_path);
	return w > 0 && (size_t)w < len;
}

int dynfile_store(const char *path, const char *server, const struct dynreply *r,
	struct errbuf *err)
{
	char tmp[4096], hex[2 * DYNKNOCK_BLOB_BYTES + 1], seq[DYNKNOCK_STRLEN];
	uint8_t blob[DYNKNOCK_BLOB_BYTES];
	if (!(r->flags & DYNREPLY_FLAG_NEXT) || strlen(server) >= DYNFILE_SERVER_MAX ||
	    strpbrk(server, " \t\n")) {
		errbuf_set(err, "nothing to store for %s", server);
		return -1;
	}
	int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		errbuf_set(err, "%s: path too long", path);
		return -1;
	}
	int fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0) {
		errbuf_set(err, "%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		errbuf_set(err, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	dynknock_encode(&r->next, blob);
	sodium_bin2hex(hex, sizeof hex, blob, sizeof blob);
	fprintf(f, "# postern next knock (one-time): postern knock --next ...\n"
		"server %s\ngeneration %" PRIu64 "\nknock %s\nsequence %s\n", server,
		r->generation, hex, dynknock_format(&r->next, seq));
	if (r->flags & DYNREPLY_FLAG_FORWARD)
		fprintf(f, "# forward %s %u %u %u (used by the knock that fetched this)\n",
			r->service.proto == IPPROTO_TCP ? "tcp" : "udp",
			(unsigned)r->fwd_port, (unsigned)r->service.port, (unsigned)r->lease);
	int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		errbuf_set(err, "%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* "KEY VALUE\n" with KEY matched exactly; copies VALUE (no line end). */
static bool value_of(const char *line, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);
	if (strncmp(line, key, k) != 0 || line[k] != ' ')
		return false;
	const char *v = line + k + 1;
	size_t n = strcspn(v, "\n");
	if (n == 0 || n >= len || v[n] != '\n')
		return false;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

int dynfile_load(const char *path, struct dynfile *out, struct errbuf *err)
{
	char line[LINE_MAX_BYTES], v[LINE_MAX_BYTES];
	bool has_server = false, has_gen = false, has_knock = false;
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		errbuf_set(err, "%s: %s (get one with postern knock --dynamic)", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || strncmp(line, "sequence ", 9) == 0)
			continue;
		if (value_of(line, "server", out->server, sizeof out->server)) {
			has_server = true;
		} else if (value_of(line, "generation", v, sizeof v)) {
			size_t d = strspn(v, "0123456789");
			has_gen = d > 0 && d <= 19 && !v[d] && v[0] != '0';
			out->generation = has_gen ? strtoull(v, NULL, 10) : 0;
		} else if (value_of(line, "knock", v, sizeof v)) {
			size_t bin = 0;
			has_knock = strlen(v) == 2 * DYNKNOCK_BLOB_BYTES &&
				sodium_hex2bin(out->blob, sizeof out->blob, v, strlen(v), NULL,
					&bin, NULL) == 0 && bin == DYNKNOCK_BLOB_BYTES &&
				dynknock_decode(out->blob, bin, &out->knock);
		} else {
			has_gen = false; /* anything else: not ours */
			break;
		}
	}
	fclose(f);
	if (!has_server || !has_gen || !has_knock) {
		memset(out, 0, sizeof *out);
		errbuf_set(err, "%s: not a postern next-knock file", path);
		return -1;
	}
	return 0;
}
