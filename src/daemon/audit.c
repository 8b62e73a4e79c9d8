/* audit — see audit.h; the record format is auditrec.h, the rules
 * docs/audit.md. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"

#define POSTERN_VERSION "0.1.0"
/* How much of the log start-up reads to continue (and check) the chain. */
#define TAIL_BYTES 65536
#define STREAM_REPORT_SECONDS 60

static struct {
	int fd; /* the audit log, -1 if none */
	int stream; /* the event stream, -1 if none */
	bool stream_is_stdout;
	char path[PATH_MAX];
	char stream_path[PATH_MAX];
	uint64_t seq; /* of the next record */
	char prev[AUDITREC_HASH_HEX + 1]; /* hash of the last line */
	bool resync; /* a write failed: re-read the tail before the next one */
	struct ratelimit loud;
	uint64_t stream_dropped;
	uint64_t stream_reported_at;
} A = { .fd = -1, .stream = -1, .loud = { .burst = 5, .interval = 60 } };

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool audit_logging(void)
{
	return A.fd >= 0;
}

/* ---- the tail: where the chain goes on ---- */

/* Checks the whole lines of buf[0..n) (the first is skipped when it may be
 * cut: cut_first). Sets *last_seq from the last record that parses. */
static void check_lines(const char *buf, size_t n, bool cut_first, off_t base,
	uint64_t *last_seq, bool *have_seq, char *why, size_t whylen)
{
	const char *p = buf, *end = buf + n;
	char prev_hash[AUDITREC_HASH_HEX + 1] = "";
	bool prev_known = false;
	struct auditrec *r = malloc(sizeof *r);
	if (!r) {
		snprintf(why, whylen, "out of memory while checking the tail");
		return;
	}
	if (cut_first) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	} else {
		snprintf(prev_hash, sizeof prev_hash, "%s", AUDITREC_GENESIS);
		prev_known = true;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		long long at = (long long)base + (p - buf);
		struct errbuf err;
		if (auditrec_parse(p, len, r, &err) < 0) {
			if (!why[0])
				snprintf(why, whylen, "the record at byte %lld cannot be "
					"read (%s)", at, err.msg);
		} else {
			/* Damage before a segment record that chains to it was found
			 * and reported at an earlier start: not news. */
			if (!strcmp(r->event, "segment") && prev_known &&
			    !strcmp(r->prev, prev_hash))
				why[0] = '\0';
			if (!why[0] && prev_known && strcmp(r->prev, prev_hash) != 0)
				snprintf(why, whylen, "the record at byte %lld does not "
					"chain to the one before it (a record was altered, "
					"removed or inserted)", at);
			if (!why[0] && *have_seq && r->seq != *last_seq + 1)
				snprintf(why, whylen, "the record at byte %lld has seq "
					"%llu after %llu", at, (unsigned long long)r->seq,
					(unsigned long long)*last_seq);
			*last_seq = r->seq;
			*have_seq = true;
		}
		auditrec_hash(p, len, prev_hash);
		prev_known = true;
		p = nl ? nl + 1 : end;
	}
	free(r);
}

void audit_read_tail(int fd, uint64_t *next_seq,
	char prev[static AUDITREC_HASH_HEX + 1], char *why, size_t whylen)
{
	struct stat st;
	*next_seq = 1;
	memcpy(prev, AUDITREC_GENESIS, AUDITREC_HASH_HEX + 1);
	why[0] = '\0';
	if (fstat(fd, &st) < 0 || st.st_size == 0)
		return;
	off_t off = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	size_t want = (size_t)(st.st_size - off);
	char *buf = malloc(want + 1);
	ssize_t n = buf ? pread(fd, buf, want, off) : -1;
	if (n <= 0) {
		snprintf(why, whylen, "cannot read the end of the log: %s",
			n < 0 ? strerror(errno) : "empty read");
		free(buf);
		return;
	}
	size_t len = (size_t)n;
	bool partial = buf[len - 1] != '\n';
	size_t body = partial ? len : len - 1; /* without the final newline */
	/* The last line, complete or not, is what the next record chains to. */
	size_t start = body;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	auditrec_hash(buf + start, body - start, prev);
	uint64_t last_seq = 0;
	bool have_seq = false;
	check_lines(buf, body, off > 0, off, &last_seq, &have_seq, why, whylen);
	if (partial && !why[0])
		snprintf(why, whylen, "the last line is incomplete (%zu bytes without a "
			"newline: a crash during a write?)", body - start);
	if (start == 0 && off > 0 && !why[0])
		snprintf(why, whylen, "the last line is longer than %d bytes", TAIL_BYTES);
	*next_seq = have_seq ? last_seq + 1 : 1;
	free(buf);
}

/* ---- writing ---- */

static void to_stream(const char *line, size_t len)
{
	if (A.stream < 0)
		return;
	ssize_t w = write(A.stream, line, len);
	if (w != (ssize_t)len)
		A.stream_dropped++;
	uint64_t now = now_ms() / 1000;
	if (A.stream_dropped && now >= A.stream_reported_at + STREAM_REPORT_SECONDS) {
		log_warn("event stream %s: %llu record(s) dropped (full, or no reader)",
			A.stream_path, (unsigned long long)A.stream_dropped);
		A.stream_dropped = 0;
		A.stream_reported_at = now;
	}
}

static int emit(const char *event, const struct auditrec_kv *kv, size_t n,
	unsigned flags);

/* After a failed write (or at start-up): continue from what the file holds;
 * a damaged tail starts a new segment that names the damage. */
static int resync(void)
{
	char why[400];
	A.resync = false;
	audit_read_tail(A.fd, &A.seq, A.prev, why, sizeof why);
	if (!why[0])
		return 0;
	log_err("AUDIT LOG %s IS DAMAGED: %s; starting a new segment (it chains to "
		"the damaged line, so `postern audit verify` shows the break)",
		A.path, why);
	/* An incomplete last line gets its newline, so the segment record is
	 * a line of its own. */
	struct stat st;
	char last = '\n';
	if (fstat(A.fd, &st) == 0 && st.st_size > 0 &&
	    pread(A.fd, &last, 1, st.st_size - 1) == 1 && last != '\n' &&
	    fdio_write_all(A.fd, "\n", 1) < 0)
		return -1;
	const struct auditrec_kv kv[] = { { "reason", why, 0 } };
	return emit("segment", kv, 1, AUDIT_SYNC);
}

static int emit(const char *event, const struct auditrec_kv *kv, size_t n,
	unsigned flags)
{
	char line[AUDITREC_LINE_MAX + 2], stamp[AUDITREC_TIME_MAX];
	auditrec_time(now_ms(), stamp);
	if (A.resync && A.fd >= 0 && resync() < 0)
		goto failed;
	long len = auditrec_format(line, sizeof line - 1, A.seq, A.prev, stamp, event, kv, n);
	if (len < 0) {
		/* Never silently: a record too long for a line is cut to its core. */
		const struct auditrec_kv cut[] = { { "note", "record-too-long", 0 } };
		len = auditrec_format(line, sizeof line - 1, A.seq, A.prev, stamp, event,
			cut, 1);
		if (len < 0)
			return -1;
	}
	line[len] = '\n';
	to_stream(line, (size_t)len + 1);
	if (A.fd < 0)
		return 0;
	if (fdio_write_all(A.fd, line, (size_t)len + 1) < 0 ||
	    ((flags & AUDIT_SYNC) && fdatasync(A.fd) < 0))
		goto failed;
	auditrec_hash(line, (size_t)len, A.prev);
	A.seq++;
	return 0;
failed:
	A.resync = true;
	if (ratelimit_allow(&A.loud, now_ms() / 1000))
		log_err("AUDIT LOG %s: cannot write a %s record: %s", A.path, event,
			strerror(errno));
	return -1;
}

int audit_event(const char *event, const struct auditrec_kv *kv, size_t n,
	unsigned flags)
{
	if (A.fd < 0 && A.stream < 0)
		return 0;
	return emit(event, kv, n, flags);
}

/* ---- opening and closing ---- */

static int open_log(const char *path, struct errbuf *err)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		errbuf_set(err, "audit_log %s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errbuf_set(err, "audit_log %s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* Two writers would interleave and break the chain. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		errbuf_set(err, "audit_log %s: another process writes it (%s)", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int open_stream(const char *path, struct errbuf *err)
{
	A.stream_is_stdout = strcmp(path, AUDIT_STREAM_STDOUT) == 0;
	if (A.stream_is_stdout)
		return STDOUT_FILENO;
	/* O_NONBLOCK: a FIFO without a reader, or a full one, never stalls a
	 * decision (a FIFO with no reader at all refuses to open: ENXIO). */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK |
		O_NOFOLLOW, 0640);
	if (fd < 0)
		errbuf_set(err, "event_stream %s: cannot open: %s", path, strerror(errno));
	return fd;
}

static void start_record(const struct config *c, const char *event)
{
	char pid[24];
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	const struct auditrec_kv kv[] = {
		{ "config", c->path, 0 },
		{ "version", POSTERN_VERSION, 0 },
		{ "pid", pid, 0 },
		{ "users", NULL, c->nusers },
	};
	(void)emit(event, kv, 4, AUDIT_SYNC);
}

int audit_open(const struct config *c, struct errbuf *err)
{
	const struct audit_conf *a = &c->audit;
	A.seq = 1;
	memcpy(A.prev, AUDITREC_GENESIS, sizeof A.prev);
	if (a->event_stream[0]) {
		snprintf(A.stream_path, sizeof A.stream_path, "%s", a->event_stream);
		A.stream = open_stream(a->event_stream, err);
		if (A.stream < 0)
			return -1;
	}
	if (a->log_path[0]) {
		snprintf(A.path, sizeof A.path, "%s", a->log_path);
		A.fd = open_log(a->log_path, err);
		if (A.fd < 0) {
			audit_close(NULL);
			return -1;
		}
		if (resync() < 0) {
			errbuf_set(err, "audit_log %s: cannot write: %s", a->log_path,
				strerror(errno));
			audit_close(NULL);
			return -1;
		}
		log_info("audit log %s: continuing the chain at seq %llu", A.path,
			(unsigned long long)A.seq);
	}
	start_record(c, "start");
	return 0;
}

void audit_reload(const struct config *c)
{
	const struct audit_conf *a = &c->audit;
	struct errbuf err;
	if (strcmp(a->log_path, A.path) != 0 || strcmp(a->event_stream, A.stream_path) != 0) {
		audit_close("reload: audit_log or event_stream changed");
		if (audit_open(c, &err) < 0)
			log_err("AUDIT: after the reload no audit log is kept: %s", err.msg);
		return;
	}
	start_record(c, "reload");
}

void audit_close(const char *why)
{
	if (why) {
		const struct auditrec_kv kv[] = { { "reason", why, 0 } };
		(void)audit_event("stop", kv, 1, AUDIT_SYNC);
	}
	if (A.fd >= 0)
		close(A.fd);
	if (A.stream >= 0 && !A.stream_is_stdout)
		close(A.stream);
	A.fd = A.stream = -1;
	A.path[0] = A.stream_path[0] = '\0';
	A.stream_is_stdout = false;
}
