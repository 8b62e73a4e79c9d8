/* msg — see msg.h. */
#include "msg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "carrier.h"
#include "scheme.h"
#include "verify.h"

static int send_record(int fd, const void *m, size_t len, bool block)
{
	ssize_t n;
	do
		n = send(fd, m, len, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

int msg_send(int fd, const struct msg *m, bool block)
{
	return send_record(fd, m, sizeof *m, block);
}

int msg_send_batch(int fd, const struct msg *m, size_t n, bool block)
{
	if (n == 0 || n > MSG_BATCH_MAX) {
		errno = EINVAL;
		return -1;
	}
	return send_record(fd, m, n * sizeof *m, block);
}

int p2c_send(int fd, const struct p2c_msg *m)
{
	return send_record(fd, m, sizeof *m, false);
}

/* Reads one record of 1..max units of unit bytes into out: 1 with *n
 * units, 0 end, -1 nothing or error, -2 wrong size. */
static int recv_record(int fd, void *out, size_t unit, size_t max, size_t *n,
	struct errbuf *why)
{
	/* One byte more than the largest record: a longer one shows as such. */
	static unsigned char buf[MSG_BATCH_MAX * sizeof(struct msg) + sizeof(struct p2c_msg) + 1];
	size_t cap = unit * max;
	ssize_t got;
	do
		got = recv(fd, buf, cap + 1, MSG_TRUNC | MSG_DONTWAIT);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -1;
	if (got == 0)
		return 0;
	if ((size_t)got > cap || (size_t)got % unit != 0) {
		if (max == 1)
			errbuf_set(why, "record of %zd bytes, expected %zu", got, unit);
		else
			errbuf_set(why, "record of %zd bytes, expected 1 to %zu times %zu",
				got, max, unit);
		return -2;
	}
	*n = (size_t)got / unit;
	memcpy(out, buf, (size_t)got);
	return 1;
}

static bool terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

static bool addr_sane(const struct addr *a)
{
	return a->family == 0 || a->family == AF_INET || a->family == AF_INET6;
}

static bool candidate_valid(const struct candidate *c)
{
	if (c->kind >= CANDIDATE_KIND_END || c->carrier >= CARRIER_COUNT ||
	    !addr_sane(&c->src) || !addr_sane(&c->dst) ||
	    !terminated(c->user_hint, sizeof c->user_hint) ||
	    (c->sig_len != 0 && (c->sig_len != KNOCK_SIG_BYTES || c->kind != CANDIDATE_SPA)))
		return false;
	switch (c->kind) {
	case CANDIDATE_TOKEN:
		return c->u.token.len <= CANDIDATE_TOKEN_MAX;
	case CANDIDATE_TEXT:
		return terminated(c->u.text, sizeof c->u.text);
	default:
		return true;
	}
}

/* Checks every field the parent will use, so the handlers can trust them. */
static bool msg_valid(const struct msg *m, uint32_t nusers, struct errbuf *why)
{
	if (m->type == 0 || m->type >= MSG_TYPE_END) {
		errbuf_set(why, "unknown message type %u", m->type);
		return false;
	}
	if (m->user != MSG_NO_USER && m->user >= nusers) {
		errbuf_set(why, "user index %u out of range", m->user);
		return false;
	}
	if (!terminated(m->iface, sizeof m->iface) ||
	    !terminated(m->detail, sizeof m->detail) || !candidate_valid(&m->evidence)) {
		errbuf_set(why, "malformed evidence or string field");
		return false;
	}
	switch (m->type) {
	case MSG_KNOCK:
		if (m->user == MSG_NO_USER || m->evidence.src.family == 0 ||
		    m->evidence.kind == CANDIDATE_NONE ||
		    m->evidence.carrier == CARRIER_NONE || !scheme_get(m->scheme)) {
			errbuf_set(why, "knock message without user, source, carrier or scheme");
			return false;
		}
		return true;
	case MSG_REFUSAL:
		if (m->verdict == VERDICT_ACCEPT || m->verdict == VERDICT_IGNORE ||
		    m->verdict >= VERDICT_COUNT || m->count == 0) {
			errbuf_set(why, "refusal message with verdict %u count %llu",
				m->verdict, (unsigned long long)m->count);
			return false;
		}
		return true;
	case MSG_CAPTURE:
		if (m->event == 0 || m->event >= CAPTURE_EVENT_END) {
			errbuf_set(why, "capture message with event %u", m->event);
			return false;
		}
		return true;
	}
	return false;
}

int msg_recv(int fd, struct msg *m, uint32_t nusers, struct errbuf *why)
{
	size_t n;
	return msg_recv_batch(fd, m, 1, &n, nusers, why);
}

int msg_recv_batch(int fd, struct msg *m, size_t max, size_t *n, uint32_t nusers,
	struct errbuf *why)
{
	if (max == 0 || max > MSG_BATCH_MAX)
		max = MSG_BATCH_MAX;
	int rc = recv_record(fd, m, sizeof *m, max, n, why);
	if (rc != 1)
		return rc;
	for (size_t i = 0; i < *n; i++)
		if (!msg_valid(&m[i], nusers, why))
			return -2;
	return 1;
}

int p2c_recv(int fd, struct p2c_msg *m, uint32_t nusers, struct errbuf *why)
{
	size_t n;
	int rc = recv_record(fd, m, sizeof *m, 1, &n, why);
	if (rc != 1)
		return rc;
	if (m->type == 0 || m->type >= P2C_TYPE_END || m->user >= nusers ||
	    !scheme_get(m->scheme) || m->blob_len > REQUEST_BLOB_MAX ||
	    !terminated(m->key, sizeof m->key)) {
		errbuf_set(why, "malformed parent message");
		return -2;
	}
	return 1;
}
