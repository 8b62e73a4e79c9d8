/* msg — see msg.h. */
#include "msg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "carrier.h"
#include "verify.h"

int msg_send(int fd, const struct msg *m)
{
	ssize_t n;
	do
		n = send(fd, m, sizeof *m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof *m ? 0 : -1;
}

static bool terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

static bool addr_sane(const struct addr *a)
{
	return a->family == 0 || a->family == AF_INET || a->family == AF_INET6;
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
	if (!addr_sane(&m->src) || !terminated(m->iface, sizeof m->iface) ||
	    !terminated(m->detail, sizeof m->detail)) {
		errbuf_set(why, "malformed address or string field");
		return false;
	}
	switch (m->type) {
	case MSG_KNOCK:
		if (m->user == MSG_NO_USER || m->src.family == 0 ||
		    m->carrier == CARRIER_NONE || m->carrier >= CARRIER_COUNT) {
			errbuf_set(why, "knock message without user, source or carrier");
			return false;
		}
		return true;
	case MSG_REFUSAL:
		if (m->verdict == VERDICT_ACCEPT || m->verdict >= VERDICT_COUNT ||
		    m->count == 0) {
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
	/* One byte more than a message: a longer record shows as too long. */
	unsigned char buf[sizeof *m + 1];
	ssize_t n;
	do
		n = recv(fd, buf, sizeof buf, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof *m) {
		errbuf_set(why, "record of %zd bytes, expected %zu", n, sizeof *m);
		return -2;
	}
	memcpy(m, buf, sizeof *m);
	return msg_valid(m, nusers, why) ? 1 : -2;
}
