/* send_syn — see send_syn.h. */
#include "send_syn.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "cursor.h"
#include "tcpopt.h"

#define TCP_SYN 0x02
#define TCP_HEADER_WORDS 10 /* 40 bytes: data offset field */
#define TCP_CHECKSUM_OFFSET 16
#define LINUX_WSCALE_DEFAULT 7 /* tcp_rmem's 6 MB maximum */
#define LINUX_WSCALE_MAX 14 /* RFC 7323 */
#define LINUX_EPHEMERAL_LO 32768 /* net.ipv4.ip_local_port_range */
#define LINUX_EPHEMERAL_HI 60999
#define MTU_DEFAULT 1500
#define IPV4_TCP_OVERHEAD 40
#define IPV6_TCP_OVERHEAD 60

/* RFC 1071 over the pseudo-header (RFC 793 / RFC 8200 §8.1) and segment. */
static uint16_t tcp_checksum(const struct addr *src, const struct addr *dst,
	const uint8_t *seg, size_t n)
{
	uint32_t sum = 0;
	size_t alen = addr_len(src);
	for (size_t i = 0; i + 1 < alen; i += 2) {
		sum += (uint32_t)src->bytes[i] << 8 | src->bytes[i + 1];
		sum += (uint32_t)dst->bytes[i] << 8 | dst->bytes[i + 1];
	}
	sum += IPPROTO_TCP;
	sum += (uint32_t)n;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)seg[i] << 8 | seg[i + 1];
	if (n & 1)
		sum += (uint32_t)seg[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The last number in a /proc/sys file, or 0. */
static unsigned long sysctl_last(const char *path)
{
	unsigned long v = 0, x;
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (fscanf(f, "%lu", &x) == 1)
		v = x;
	fclose(f);
	return v;
}

/* The window scale this host's kernel puts in its own SYNs: the shift that
 * brings the largest receive buffer under 64 KiB (tcp_select_initial_window
 * in Linux's net/ipv4/tcp_output.c). */
static uint8_t linux_wscale(void)
{
	unsigned long rmem = sysctl_last("/proc/sys/net/ipv4/tcp_rmem");
	unsigned long core = sysctl_last("/proc/sys/net/core/rmem_max");
	unsigned long space = rmem > core ? rmem : core;
	uint8_t ws = 0;
	if (space == 0)
		return LINUX_WSCALE_DEFAULT;
	while (space > 65535 && ws < LINUX_WSCALE_MAX) {
		space >>= 1;
		ws++;
	}
	return ws;
}

void syn_build(uint8_t out[static SYN_SEGMENT_BYTES], const struct addr *src,
	const struct addr *dst, uint16_t sport, uint16_t dport, uint16_t mss,
	const uint8_t token[static SYN_TOKEN_BYTES])
{
	struct writer w;
	uint8_t opts[TCPOPT_LINUX_SYN_BYTES];
	uint32_t seq = (uint32_t)token[0] << 24 | (uint32_t)token[1] << 16 |
		(uint32_t)token[2] << 8 | token[3];
	uint32_t tsval = (uint32_t)token[4] << 24 | (uint32_t)token[5] << 16 |
		(uint32_t)token[6] << 8 | token[7];
	/* Linux's first window: the largest multiple of the MSS below 64 KiB. */
	uint16_t window = (uint16_t)(mss ? 65535u / mss * mss : 64240u);

	tcpopt_linux_syn(opts, mss, tsval, linux_wscale());
	writer_init(&w, out, SYN_SEGMENT_BYTES);
	writer_u16(&w, sport);
	writer_u16(&w, dport);
	writer_u32(&w, seq);
	writer_u32(&w, 0); /* ack */
	writer_u8(&w, TCP_HEADER_WORDS << 4);
	writer_u8(&w, TCP_SYN);
	writer_u16(&w, window);
	writer_u16(&w, 0); /* checksum, below */
	writer_u16(&w, 0); /* urgent pointer */
	writer_bytes(&w, opts, sizeof opts);
	uint16_t sum = tcp_checksum(src, dst, out, SYN_SEGMENT_BYTES);
	out[TCP_CHECKSUM_OFFSET] = (uint8_t)(sum >> 8);
	out[TCP_CHECKSUM_OFFSET + 1] = (uint8_t)sum;
}

static void sockaddr_to_addr(const struct sockaddr_storage *ss, struct addr *a)
{
	memset(a, 0, sizeof *a);
	a->family = (uint8_t)ss->ss_family;
	if (ss->ss_family == AF_INET)
		memcpy(a->bytes, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else
		memcpy(a->bytes, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
}

/* The local address the kernel would use towards to, and the path MTU's
 * MSS, found with a connected UDP socket (which sends nothing). */
static int local_route(const struct addrinfo *to, struct sockaddr_storage *local,
	uint16_t *mss)
{
	socklen_t len = sizeof *local;
	int mtu = MTU_DEFAULT;
	socklen_t mlen = sizeof mtu;
	int fd = socket(to->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int rc = connect(fd, to->ai_addr, to->ai_addrlen) == 0 &&
		getsockname(fd, (struct sockaddr *)local, &len) == 0 ? 0 : -1;
	if (rc == 0 && getsockopt(fd, to->ai_family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		to->ai_family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &mlen) != 0)
		mtu = MTU_DEFAULT;
	int overhead = to->ai_family == AF_INET ? IPV4_TCP_OVERHEAD : IPV6_TCP_OVERHEAD;
	*mss = (uint16_t)(mtu > overhead && mtu <= 65535 ? mtu - overhead : MTU_DEFAULT - overhead);
	close(fd);
	return rc;
}

int syn_send_token(const char *server, uint16_t dport, int family,
	const uint8_t token[static SYN_TOKEN_BYTES], struct errbuf *err)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	struct sockaddr_storage local, dst;
	struct addr src_a, dst_a;
	uint8_t seg[SYN_SEGMENT_BYTES];
	uint16_t mss;
	int rc = getaddrinfo(server, NULL, &hints, &res);
	if (rc != 0) {
		errbuf_set(err, "%s: %s", server, gai_strerror(rc));
		return -1;
	}
	memset(&dst, 0, sizeof dst);
	memcpy(&dst, res->ai_addr, res->ai_addrlen);
	/* Raw sockets take the port as the protocol: leave it 0. */
	if (local_route(res, &local, &mss) < 0) {
		errbuf_set(err, "%s: no route (%s)", server, strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		errbuf_set(err, "cannot open a raw TCP socket (%s): run as root or "
			"with CAP_NET_RAW", strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	if (local.ss_family == AF_INET)
		((struct sockaddr_in *)&local)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&local)->sin6_port = 0;
	sockaddr_to_addr(&local, &src_a);
	sockaddr_to_addr(&dst, &dst_a);
	uint16_t sport = (uint16_t)(LINUX_EPHEMERAL_LO +
		randombytes_uniform(LINUX_EPHEMERAL_HI - LINUX_EPHEMERAL_LO + 1));
	syn_build(seg, &src_a, &dst_a, sport, dport, mss, token);
	rc = bind(fd, (struct sockaddr *)&local, res->ai_addrlen) == 0 &&
		sendto(fd, seg, sizeof seg, 0, (struct sockaddr *)&dst, res->ai_addrlen)
		== (ssize_t)sizeof seg ? 0 : -1;
	if (rc < 0)
		errbuf_set(err, "sending to %s: %s", server, strerror(errno));
	close(fd);
	freeaddrinfo(res);
	sodium_memzero(seg, sizeof seg);
	return rc;
}
