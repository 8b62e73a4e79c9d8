/* send_dns — the knock as one DNS query for `<knock>.<zone>` (dnsknock.h),
 * sent straight to the server's UDP 53 (dns = sniff, or authoritative) or,
 * with --resolver, to a recursive resolver that carries it to the zone's
 * server (dns = authoritative). The query is an ordinary A query with RD
 * set and a random ID, as a stub resolver sends it. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "dnsknock.h"
#include "dnsmsg.h"
#include "sender.h"

#define RESOLVER_WAIT_MS 3000 /* unbound answers a stub zone in milliseconds */
#define DNS_RCODE_SERVFAIL 2

/* Where the query goes: the resolver (port 53), or the server itself. */
static int destination(const struct sender_opts *o, const struct addrinfo *to,
	struct sockaddr_storage *dst, socklen_t *len, struct errbuf *err)
{
	if (!o->resolver || !o->resolver[0]) {
		memcpy(dst, to->ai_addr, to->ai_addrlen);
		*len = to->ai_addrlen;
		if (dst->ss_family == AF_INET)
			((struct sockaddr_in *)dst)->sin_port = htons(DNS_PORT);
		else
			((struct sockaddr_in6 *)dst)->sin6_port = htons(DNS_PORT);
		return 0;
	}
	struct addrinfo hints = { .ai_family = o->family, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai;
	int gai = getaddrinfo(o->resolver, "53", &hints, &ai);
	if (gai != 0) {
		errbuf_set(err, "cannot resolve the resolver %s: %s", o->resolver,
			gai_strerror(gai));
		return -1;
	}
	memcpy(dst, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Waits for the resolver's answer: SERVFAIL means it could not reach the
 * zone's server, so the knock most likely never arrived. */
static int await_answer(int fd, uint16_t id, const char *resolver, struct errbuf *err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[DNS_UDP_MAX];
	uint16_t rid;
	uint8_t rcode;
	for (;;) {
		int rc = poll(&p, 1, RESOLVER_WAIT_MS);
		if (rc == 0) {
			errbuf_set(err, "no answer from the resolver %s within %d s (the "
				"knock may still have arrived)", resolver, RESOLVER_WAIT_MS / 1000);
			return -1;
		}
		ssize_t n = rc > 0 ? recv(fd, buf, sizeof buf, 0) : -1;
		if (n < 0) {
			errbuf_set(err, "waiting for the resolver %s: %s", resolver, strerror(errno));
			return -1;
		}
		if (!dnsmsg_parse_reply(buf, (size_t)n, &rid, &rcode) || rid != id)
			continue; /* not ours */
		if (rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED) {
			errbuf_set(err, "the resolver %s answered %s: it did not pass the "
				"query on to the zone's server", resolver,
				rcode == DNS_RCODE_SERVFAIL ? "SERVFAIL" : "REFUSED");
			return -1;
		}
		return 0;
	}
}

static int dns_send(const struct sender_opts *o, const struct addrinfo *to,
	const uint8_t wire[static KNOCK_WIRE_BYTES], struct errbuf *err)
{
	char text[DNSNAME_TEXT_MAX + 1];
	struct dnsname name;
	uint8_t query[DNS_UDP_MAX];
	struct sockaddr_storage dst;
	socklen_t dlen;
	uint16_t id;

	if (!o->zone || !o->zone[0]) {
		errbuf_set(err, "--via dns needs --zone (the server's knock sub-domain, "
			"its dns_zone)");
		return -1;
	}
	if (!dnsknock_spa_name(wire, o->zone, text, sizeof text) ||
	    !dnsname_from_text(text, &name)) {
		errbuf_set(err, "--zone '%s' is not a domain name of at most %d "
			"characters", o->zone, DNSKNOCK_ZONE_MAX);
		return -1;
	}
	randombytes_buf(&id, sizeof id);
	size_t qlen = dnsmsg_build_query(id, &name, DNS_TYPE_A, query, sizeof query);
	if (qlen == 0 || destination(o, to, &dst, &dlen, err) < 0) {
		if (qlen == 0)
			errbuf_set(err, "cannot build the query");
		return -1;
	}
	const char *peer = o->resolver && o->resolver[0] ? o->resolver : o->server;
	int fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Connected: only the peer's answer can come back. */
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, dlen) < 0 ||
	    send(fd, query, qlen, 0) != (ssize_t)qlen) {
		errbuf_set(err, "sending the DNS query to %s: %s", peer, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Straight to the server nothing answers in sniff mode: do not wait. */
	int rc = o->resolver && o->resolver[0] ? await_answer(fd, id, peer, err) : 0;
	close(fd);
	return rc;
}

const struct sender sender_dns = {
	.name = "dns",
	.summary = "one DNS query for <knock>.ZONE (--zone; --resolver)",
	.send = dns_send,
};
