/* dnsserver — see dnsserver.h. */
#include "dnsserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "carrier.h"
#include "carrier_dns.h"
#include "dnsmsg.h"
#include "log.h"

#define BATCH 64 /* datagrams per dispatch, so the capture is not starved */
#define RECV_MAX 1500 /* queries are small; a longer one is cut and refused */
#define DUP_SLOTS 1024
#define REPORT_EVERY_SECONDS 10

struct recent_name {
	uint64_t digest; /* 0 = empty */
	uint64_t seen;
};

struct dnsserver {
	const struct config *config;
	int fds[DNSSERVER_MAX_FDS];
	size_t n;
	struct ratelimit answers;
	uint64_t dropped; /* answers held back by the rate limit */
	uint64_t report_at; /* when dropped may next be logged */
	uint8_t dup_key[crypto_shorthash_KEYBYTES];
	struct recent_name recent[DUP_SLOTS];
};

static int bind_one(const struct addr *a, struct errbuf *err)
{
	char buf[ADDR_STRLEN];
	struct sockaddr_storage ss;
	socklen_t len;
	int on = 1, fam = a->family;
	memset(&ss, 0, sizeof ss);
	if (fam == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(DNS_PORT);
		memcpy(&s4->sin_addr, a->bytes, 4);
		len = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(DNS_PORT);
		memcpy(&s6->sin6_addr, a->bytes, 16);
		len = sizeof *s6;
	}
	int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errbuf_set(err, "dns_listen %s: socket: %s", addr_format(a, buf), strerror(errno));
		return -errno - 1;
	}
	/* Learn which local address each query came to, and answer from it:
	 * a resolver drops an answer from another address. */
	bool ok = fam == AF_INET
		? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) == 0
		: setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == 0 &&
		  setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) == 0;
	if (!ok || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		errbuf_set(err, "dns = authoritative: cannot bind udp/%d on %s: %s%s",
			DNS_PORT, addr_format(a, buf), strerror(e), e == EADDRINUSE ?
			" (another DNS server runs here? name this host's public address in "
			"dns_listen, or use dns = sniff)" : "");
		close(fd);
		return -e - 1;
	}
	return fd;
}

struct dnsserver *dnsserver_open(const struct config *c, struct errbuf *err)
{
	struct dnsserver *s = calloc(1, sizeof *s);
	if (!s) {
		errbuf_set(err, "out of memory");
		return NULL;
	}
	s->config = c;
	s->answers = (struct ratelimit){ .burst = DNSSERVER_ANSWERS_PER_SECOND, .interval = 1 };
	randombytes_buf(s->dup_key, sizeof s->dup_key);
	struct addr any[2] = { { .family = AF_INET }, { .family = AF_INET6 } };
	const struct addr *list = c->dns.nlisten ? c->dns.listen : any;
	size_t n = c->dns.nlisten ? c->dns.nlisten : 2;
	for (size_t i = 0; i < n; i++) {
		int fd = bind_one(&list[i], err);
		/* "any" on a host without IPv6 is IPv4 only. */
		if (fd == -EAFNOSUPPORT - 1 && !c->dns.nlisten && i == 1)
			continue;
		if (fd < 0) {
			dnsserver_close(s);
			return NULL;
		}
		s->fds[s->n++] = fd;
	}
	log_info("dns: answering for %s on udp/%d (%s), answer %s", c->dns.zone_text,
		DNS_PORT, c->dns.nlisten ? "dns_listen" : "any address",
		c->dns.zone.mode == DNS_ANSWER_NXDOMAIN ? "nxdomain" :
		c->dns.zone.mode == DNS_ANSWER_ADDRESS ? "address" : "nodata");
	return s;
}

void dnsserver_close(struct dnsserver *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		close(s->fds[i]);
	free(s);
}

size_t dnsserver_pollfds(const struct dnsserver *s, struct pollfd *pfds)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		pfds[i] = (struct pollfd){ .fd = s->fds[i], .events = POLLIN };
	return s->n;
}

/* One received datagram with where it came from and where it went to. */
struct datagram {
	uint8_t buf[RECV_MAX];
	size_t len;
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct addr src, dst;
	int ifindex;
};

static bool recv_one(int fd, struct datagram *d)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { d->buf, sizeof d->buf };
	struct msghdr mh = { .msg_name = &d->from, .msg_namelen = sizeof d->from,
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
		.msg_controllen = sizeof ctl.buf };
	ssize_t n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return false;
	d->len = (mh.msg_flags & MSG_TRUNC) ? 0 : (size_t)n;
	d->fromlen = mh.msg_namelen;
	memset(&d->src, 0, sizeof d->src);
	memset(&d->dst, 0, sizeof d->dst);
	d->ifindex = 0;
	if (d->from.ss_family == AF_INET) {
		d->src.family = AF_INET;
		memcpy(d->src.bytes, &((struct sockaddr_in *)&d->from)->sin_addr, 4);
	} else if (d->from.ss_family == AF_INET6) {
		d->src.family = AF_INET6;
		memcpy(d->src.bytes, &((struct sockaddr_in6 *)&d->from)->sin6_addr, 16);
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof pi);
			d->dst.family = AF_INET;
			memcpy(d->dst.bytes, &pi.ipi_addr, 4);
			d->ifindex = pi.ipi_ifindex;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof pi);
			d->dst.family = AF_INET6;
			memcpy(d->dst.bytes, &pi.ipi6_addr, 16);
			d->ifindex = (int)pi.ipi6_ifindex;
		}
	}
	return true;
}

/* Only unicast queries from a real port get an answer. */
static bool answerable(const struct datagram *d)
{
	uint16_t port = d->from.ss_family == AF_INET
		? ((const struct sockaddr_in *)&d->from)->sin_port
		: ((const struct sockaddr_in6 *)&d->from)->sin6_port;
	if (port == 0 || d->src.family != d->dst.family)
		return false;
	if (d->dst.family == AF_INET)
		return d->dst.bytes[0] < 224 && !(d->dst.bytes[0] == 255);
	return d->dst.bytes[0] != 0xff;
}

/* Sends the answer from the address the query was sent to. */
static void send_answer(int fd, const struct datagram *d, const uint8_t *msg, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_name = (void *)&d->from, .msg_namelen = d->fromlen,
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf };
	struct cmsghdr *cm = (struct cmsghdr *)ctl.buf;
	if (d->dst.family == AF_INET) {
		struct in_pktinfo pi = { 0 };
		memcpy(&pi.ipi_spec_dst, d->dst.bytes, 4);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(cm), &pi, sizeof pi);
		mh.msg_controllen = CMSG_SPACE(sizeof pi);
	} else {
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)d->ifindex };
		memcpy(&pi.ipi6_addr, d->dst.bytes, 16);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(cm), &pi, sizeof pi);
		mh.msg_controllen = CMSG_SPACE(sizeof pi);
	}
	/* A lost answer is a resolver's retry, nothing more. */
	(void)sendmsg(fd, &mh, MSG_DONTWAIT);
}

/* True if this name (ignoring case) carried a knock within the last
 * DNSSERVER_DUP_SECONDS; remembers it otherwise. */
static bool duplicate(struct dnsserver *s, const struct dnsname *n, uint64_t now)
{
	uint8_t lower[DNSNAME_WIRE_MAX], out[crypto_shorthash_BYTES];
	uint64_t digest;
	for (size_t i = 0; i < n->wire_len; i++)
		lower[i] = n->wire[i] >= 'A' && n->wire[i] <= 'Z' ? n->wire[i] | 0x20 : n->wire[i];
	crypto_shorthash(out, lower, n->wire_len, s->dup_key);
	memcpy(&digest, out, sizeof digest);
	digest |= 1; /* never 0, the empty mark */
	struct recent_name *r = &s->recent[digest % DUP_SLOTS];
	if (r->digest == digest && now - r->seen < DNSSERVER_DUP_SECONDS)
		return true;
	r->digest = digest;
	r->seen = now;
	return false;
}

static void handle(struct dnsserver *s, int fd, const struct datagram *d, uint64_t now,
	dnsserver_candidate_fn *fn, void *ctx)
{
	struct dnsquery q;
	uint8_t answer[DNS_UDP_MAX];
	enum dnsmsg_result r = dnsmsg_parse_query(d->buf, d->len, &q);
	if (r == DNSMSG_DROP || !answerable(d))
		return;
	/* Answer first, the same for every query: no oracle, no delay. */
	if (ratelimit_allow(&s->answers, now)) {
		size_t len = dnsmsg_answer(&q, r, &s->config->dns.zone, answer, sizeof answer);
		if (len)
			send_answer(fd, d, answer, len);
	} else
		s->dropped++;
	struct candidate cand;
	if (r != DNSMSG_QUERY || carrier_dns_candidates(s->config, &q, true, &cand, 1) == 0)
		return;
	if (duplicate(s, &q.qname, now)) {
		char src[ADDR_STRLEN];
		log_debug("refuse reason=duplicate src=%s via=dns note=resolver-retry",
			addr_format(&d->src, src));
		return;
	}
	cand.carrier = CARRIER_DNS;
	cand.src = d->src;
	cand.dst = d->dst;
	fn(ctx, &cand);
}

void dnsserver_dispatch(struct dnsserver *s, size_t i, uint64_t now,
	dnsserver_candidate_fn *fn, void *ctx)
{
	static struct datagram d; /* 1.5 kB: off the stack */
	if (!s || i >= s->n)
		return;
	for (int k = 0; k < BATCH && recv_one(s->fds[i], &d); k++)
		handle(s, s->fds[i], &d, now, fn, ctx);
	if (s->dropped && now >= s->report_at) {
		log_notice("dns: %llu answers held back by the rate limit (%d/s)",
			(unsigned long long)s->dropped, DNSSERVER_ANSWERS_PER_SECOND);
		s->dropped = 0;
		s->report_at = now + REPORT_EVERY_SECONDS;
	}
}
