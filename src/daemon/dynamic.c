/* dynamic — see dynamic.h: the parent's forward and reply after a grant
 * (the child's half, and dynamic_prepare, are in scheme_dynamic.c). */
#include "dynamic.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "carrier.h"
#include "dynreply.h"
#include "fwdnat.h"
#include "log.h"

bool dynamic_moves(const struct request *r)
{
	return strcmp(r->position_key, DYNAMIC_POS_KEY) == 0;
}

static socklen_t to_sockaddr(const struct addr *a, uint16_t port,
	struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->bytes, 4);
		return sizeof *s4;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->bytes, 16);
	return sizeof *s6;
}

/* One datagram from ev's destination (address, and the knocked port if it
 * is free: what a client behind NAT expects to hear back from) to ev's
 * source. The socket is closed at once: nothing is ever read from it. */
static int send_reply(const struct candidate *ev, const uint8_t *buf, size_t len,
	struct errbuf *err)
{
	struct sockaddr_storage from, to;
	int fam = ev->src.family == AF_INET6 ? AF_INET6 : AF_INET;
	int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errbuf_set(err, "socket: %s", strerror(errno));
		return -1;
	}
	socklen_t fl = to_sockaddr(&ev->dst, ev->dport, &from);
	if (ev->dst.family != ev->src.family ||
	    bind(fd, (struct sockaddr *)&from, fl) < 0) {
		/* The port is taken by a real service (or the address is gone):
		 * any port of the knocked address, else the kernel's choice. */
		fl = to_sockaddr(&ev->dst, 0, &from);
		if (ev->dst.family == ev->src.family)
			(void)bind(fd, (struct sockaddr *)&from, fl);
	}
	socklen_t tl = to_sockaddr(&ev->src, ev->sport, &to);
	ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&to, tl);
	int e = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errbuf_set(err, "sendto: %s", n < 0 ? strerror(e) : "short write");
		return -1;
	}
	return 0;
}

void dynamic_answer(const struct config *c, const struct request *r,
	const struct candidate *ev, const struct addr *granted, uint32_t lease)
{
	const struct config_user *u = &c->users[r->user];
	struct dynreply rep = { .flags = DYNREPLY_FLAG_NEXT, .generation = r->position };
	struct errbuf err;
	char src[ADDR_STRLEN], fwd[48] = "";
	if (!dynamic_moves(r) || !u->prof->dyn->enabled || !r->has_replay_key)
		return;
	if (!dynknock_decode(r->blob, r->blob_len, &rep.next)) {
		log_err("dynamic: user %s: the committed next knock does not decode", u->name);
		return;
	}
	if (ev->sport == 0) {
		log_warn("dynamic: user %s: knock via %s has no source port to answer",
			u->name, carrier_name(ev->carrier));
		return;
	}
	if (u->prof->dyn->forward.port) {
		uint32_t span = (uint32_t)(u->prof->dyn->fwd_hi - u->prof->dyn->fwd_lo) + 1;
		uint16_t high = (uint16_t)(u->prof->dyn->fwd_lo + randombytes_uniform(span));
		if (fwdnat_add(c->table, granted, &u->prof->dyn->forward, high, lease,
			&err) < 0) {
			log_err("dynamic: user %s: %s", u->name, err.msg);
		} else {
			rep.flags |= DYNREPLY_FLAG_FORWARD;
			rep.service = u->prof->dyn->forward;
			rep.fwd_port = high;
			rep.lease = lease;
			snprintf(fwd, sizeof fwd, " forward=%s/%u->%u",
				u->prof->dyn->forward.proto == IPPROTO_TCP ? "tcp" : "udp",
				(unsigned)high, (unsigned)u->prof->dyn->forward.port);
		}
	}
	uint8_t wire[DYNREPLY_WIRE_BYTES];
	if (dynreply_seal(u->prof->dyn->reply_key, r->replay_key, &rep, wire) < 0) {
		log_err("dynamic: user %s: cannot seal the reply", u->name);
		return;
	}
	sodium_memzero(&rep, sizeof rep);
	if (send_reply(ev, wire, sizeof wire, &err) < 0)
		log_warn("dynamic: reply to user %s at %s port %u not sent: %s", u->name,
			addr_format(&ev->src, src), (unsigned)ev->sport, err.msg);
	else
		log_notice("dynamic user=%s src=%s reply-to=%u generation=%llu%s",
			u->name, addr_format(&ev->src, src), (unsigned)ev->sport,
			(unsigned long long)r->position, fwd);
}
