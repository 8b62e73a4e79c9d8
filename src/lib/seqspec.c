/* seqspec — see seqspec.h. Text is walked byte by byte through a cursor:
 * a one-time list file is operator input, but it is parsed as if it were
 * hostile (the fuzzer feeds it anything). */
#include "seqspec.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cursor.h"

/* Plain decimal 1..65535: no sign, blanks or leading zeros. */
static bool parse_port(const char *s, size_t n, uint16_t *out)
{
	uint32_t v = 0;
	if (n == 0 || n > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

static bool parse_proto(const char *s, size_t n, uint8_t *out)
{
	if (n == 3 && strncasecmp(s, "tcp", 3) == 0)
		*out = IPPROTO_TCP;
	else if (n == 3 && strncasecmp(s, "udp", 3) == 0)
		*out = IPPROTO_UDP;
	else
		return false;
	return true;
}

bool seqspec_parse_step(const char *s, struct portspec *out)
{
	const char *slash = strchr(s, '/');
	const char *colon = strchr(s, ':');
	struct portspec p;
	if (slash) /* postern's tcp/7000 */
		return portspec_parse(s, out);
	p.proto = IPPROTO_TCP; /* knockd's default */
	size_t plen = colon ? (size_t)(colon - s) : strlen(s);
	if (!parse_port(s, plen, &p.port))
		return false;
	if (colon && !parse_proto(colon + 1, strlen(colon + 1), &p.proto))
		return false;
	*out = p;
	return true;
}

bool seqspec_add_step(struct seqspec *seq, const char *s)
{
	if (seq->n >= SEQ_MAX_STEPS || !seqspec_parse_step(s, &seq->step[seq->n]))
		return false;
	seq->n++;
	return true;
}

static bool is_blank(uint8_t ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

bool seqspec_parse(const char *s, size_t len, struct seqspec *out,
	char why[static 128])
{
	struct cursor c;
	char item[32];
	memset(out, 0, sizeof *out);
	cursor_init(&c, s, len);
	while (cursor_left(&c) > 0 || out->n == 0) {
		size_t n = 0;
		bool overlong = false;
		while (cursor_left(&c) > 0 && is_blank(c.buf[c.pos]))
			cursor_skip(&c, 1);
		while (cursor_left(&c) > 0 && c.buf[c.pos] != ',') {
			uint8_t ch = cursor_u8(&c);
			if (is_blank(ch))
				continue; /* "7000 : tcp" reads as "7000:tcp" */
			if (n + 1 >= sizeof item)
				overlong = true;
			else
				item[n++] = (char)ch;
		}
		item[n] = '\0';
		if (n == 0) {
			snprintf(why, 128, "empty step (expected PORT[:tcp|udp], "
				"separated by commas)");
			return false;
		}
		struct portspec step;
		if (overlong || memchr(item, '\0', n) || !seqspec_parse_step(item, &step)) {
			snprintf(why, 128, "bad step '%.24s' (expected PORT[:tcp|udp] "
				"with PORT in 1..65535)", item);
			return false;
		}
		if (out->n == SEQ_MAX_STEPS) {
			snprintf(why, 128, "more than %d steps", SEQ_MAX_STEPS);
			return false;
		}
		out->step[out->n++] = step;
		if (cursor_left(&c) == 0)
			break;
		cursor_skip(&c, 1); /* the comma */
		if (cursor_left(&c) == 0) {
			snprintf(why, 128, "trailing comma");
			return false;
		}
	}
	if (out->n < SEQ_MIN_STEPS) {
		snprintf(why, 128, "%u step%s: a sequence needs at least %d (a port "
			"scan would complete a shorter one)", out->n, out->n == 1 ? "" : "s",
			SEQ_MIN_STEPS);
		return false;
	}
	return true;
}

const char *seqspec_format_steps(const struct portspec *step, size_t n, char *buf,
	size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + used, len - used, "%s%u:%s",
			i ? "," : "", (unsigned)step[i].port, proto_name(step[i].proto));
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

const char *seqspec_format(const struct seqspec *s, char buf[static SEQSPEC_STRLEN])
{
	return seqspec_format_steps(s->step, s->n < SEQ_MAX_STEPS ? s->n : SEQ_MAX_STEPS,
		buf, SEQSPEC_STRLEN);
}

bool seqspec_equal(const struct seqspec *a, const struct seqspec *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!portspec_equal(&a->step[i], &b->step[i]))
			return false;
	return true;
}

bool portrange_parse(const char *s, struct portrange *out)
{
	const char *slash = strchr(s, '/');
	if (!slash)
		return false;
	struct portrange r;
	if (!parse_proto(s, (size_t)(slash - s), &r.proto))
		return false;
	const char *lo = slash + 1, *dash = strchr(lo, '-');
	if (!dash) {
		if (!parse_port(lo, strlen(lo), &r.lo))
			return false;
		r.hi = r.lo;
	} else if (!parse_port(lo, (size_t)(dash - lo), &r.lo) ||
		!parse_port(dash + 1, strlen(dash + 1), &r.hi) || r.hi < r.lo) {
		return false;
	}
	*out = r;
	return true;
}

bool portrange_contains(const struct portrange *r, const struct portspec *p)
{
	return r->proto == p->proto && p->port >= r->lo && p->port <= r->hi;
}

const char *portrange_format(const struct portrange *r, char buf[static 20])
{
	if (r->lo == r->hi)
		snprintf(buf, 20, "%s/%u", proto_name(r->proto), (unsigned)r->lo);
	else
		snprintf(buf, 20, "%s/%u-%u", proto_name(r->proto), (unsigned)r->lo,
			(unsigned)r->hi);
	return buf;
}

int seqlist_parse(const uint8_t *text, size_t len, const char *name,
	struct seqlist *out, struct errbuf *err)
{
	struct cursor c;
	size_t cap = 0;
	unsigned line = 0;
	memset(out, 0, sizeof *out);
	cursor_init(&c, text, len);
	while (cursor_left(&c) > 0) {
		line++;
		const uint8_t *start = c.buf + c.pos;
		size_t n = 0;
		while (cursor_left(&c) > 0 && c.buf[c.pos] != '\n') {
			cursor_skip(&c, 1);
			n++;
		}
		if (cursor_left(&c) > 0)
			cursor_skip(&c, 1); /* the newline */
		size_t skip = 0;
		while (skip < n && is_blank(start[skip]))
			skip++;
		if (skip == n || start[skip] == '#')
			continue;
		if (n > SEQ_LINE_MAX || memchr(start, '\0', n)) {
			errbuf_set(err, "%s:%u: line too long or holds a NUL byte", name, line);
			goto fail;
		}
		if (out->n == SEQLIST_MAX_LINES) {
			errbuf_set(err, "%s:%u: more than %d sequences", name, line,
				SEQLIST_MAX_LINES);
			goto fail;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct seqspec *s = realloc(out->seq, ncap * sizeof *s);
			if (!s) {
				errbuf_set(err, "%s: out of memory", name);
				goto fail;
			}
			out->seq = s;
			cap = ncap;
		}
		char why[128];
		if (!seqspec_parse((const char *)start + skip, n - skip, &out->seq[out->n], why)) {
			errbuf_set(err, "%s:%u: %s", name, line, why);
			goto fail;
		}
		out->n++;
	}
	if (out->n == 0) {
		errbuf_set(err, "%s: no sequences (one per line: PORT[:tcp|udp], ...)", name);
		goto fail;
	}
	return 0;
fail:
	if (out->seq)
		sodium_memzero(out->seq, cap * sizeof *out->seq);
	free(out->seq);
	memset(out, 0, sizeof *out);
	return -1;
}

int seqlist_read(const char *path, struct seqlist *out, struct errbuf *err)
{
	struct stat st;
	int rc = -1;
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		errbuf_set(err, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		errbuf_set(err, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		errbuf_set(err, "%s: mode %04o lets group or others read these secret "
			"sequences (fix: chmod 600 %s)", path,
			(unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		errbuf_set(err, "%s: owned by uid %u, not by us (uid %u)", path,
			(unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	if (st.st_size > (off_t)SEQLIST_MAX_BYTES) {
		errbuf_set(err, "%s: larger than %u bytes", path, SEQLIST_MAX_BYTES);
		goto out;
	}
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		errbuf_set(err, "%s: out of memory", path);
		goto out;
	}
	size_t got = 0;
	for (;;) { /* one byte past the size, so a file that grew is caught */
		ssize_t r = read(fd, buf + got, (size_t)st.st_size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == (size_t)st.st_size + 1)
			break;
	}
	if (got != (size_t)st.st_size)
		errbuf_set(err, "%s: changed while being read", path);
	else
		rc = seqlist_parse(buf, got, path, out, err);
	sodium_memzero(buf, (size_t)st.st_size + 1);
	free(buf);
out:
	close(fd);
	return rc;
}

void seqlist_free(struct seqlist *l)
{
	if (l->seq)
		sodium_memzero(l->seq, l->n * sizeof *l->seq);
	free(l->seq);
	l->seq = NULL;
	l->n = 0;
}
