/* send_icmp — the knock as the data of one ICMP (IPv4) or ICMPv6 echo
 * request, like a `ping -c 1` with a 100-byte payload. The server's kernel
 * answers it as it answers any ping; nothing else replies.
 *
 * An unprivileged "ping socket" (SOCK_DGRAM, allowed for the groups in
 * net.ipv4.ping_group_range) is tried first, so postern needs no privilege
 * where ping needs none; otherwise a raw socket (root or CAP_NET_RAW). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "cursor.h"
#include "sender.h"

#define ICMP_ECHO_REQUEST 8 /* RFC 792 */
#define ICMPV6_ECHO_REQUEST 128 /* RFC 4443 */
#define ICMP_HEADER_BYTES 8
#define ICMP_CHECKSUM_OFFSET 2
/* ping's first sequence number: a knock looks like `ping -c 1`. */
#define PING_FIRST_SEQ 1

/* RFC 1071 Internet checksum. IPv4 raw sockets need it from us; the kernel
 * fills it in for ping sockets and for every ICMPv6 socket. */
static uint16_t inet_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The ping socket, or failing that the raw socket, of this family. */
static int open_icmp_socket(int family, bool *raw)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
	*raw = fd < 0;
	if (fd < 0)
		fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, proto);
	return fd;
}

static int icmp_send(const struct sender_opts *o, const struct addrinfo *to,
	const uint8_t wire[static KNOCK_WIRE_BYTES], struct errbuf *err)
{
	uint8_t pkt[ICMP_HEADER_BYTES + KNOCK_SIGNED_WIRE_BYTES];
	size_t pktlen = ICMP_HEADER_BYTES + (o->sig ? KNOCK_SIGNED_WIRE_BYTES : KNOCK_WIRE_BYTES);
	struct sockaddr_storage dst;
	struct writer w;
	bool raw;

	if ((to->ai_family != AF_INET && to->ai_family != AF_INET6) ||
		to->ai_addrlen > sizeof dst) {
		errbuf_set(err, "sending to %s: not an IPv4 or IPv6 address", o->server);
		return -1;
	}
	/* Raw IPv6 sockets take a non-zero "port" as the protocol and refuse
	 * any other than their own; echo requests have no port at all. */
	memset(&dst, 0, sizeof dst);
	memcpy(&dst, to->ai_addr, to->ai_addrlen);
	if (to->ai_family == AF_INET)
		((struct sockaddr_in *)&dst)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;

	int fd = open_icmp_socket(to->ai_family, &raw);
	if (fd < 0) {
		errbuf_set(err, "sending to %s: cannot open an ICMP socket (%s): run "
			"as root, or allow ping sockets with net.ipv4.ping_group_range",
			o->server, strerror(errno));
		return -1;
	}
	writer_init(&w, pkt, pktlen);
	writer_u8(&w, to->ai_family == AF_INET ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST);
	writer_u8(&w, 0); /* code */
	writer_u16(&w, 0); /* checksum, below */
	/* A ping socket replaces the identifier with its own, random too. */
	writer_u16(&w, (uint16_t)randombytes_uniform(UINT16_MAX + 1u));
	writer_u16(&w, PING_FIRST_SEQ);
	writer_bytes(&w, wire, KNOCK_WIRE_BYTES);
	if (o->sig) /* a signed knock: docs/protocol.md §11 */
		writer_bytes(&w, o->sig, KNOCK_SIG_BYTES);
	if (raw && to->ai_family == AF_INET) {
		uint16_t sum = inet_checksum(pkt, pktlen);
		pkt[ICMP_CHECKSUM_OFFSET] = (uint8_t)(sum >> 8);
		pkt[ICMP_CHECKSUM_OFFSET + 1] = (uint8_t)sum;
	}
	ssize_t sent = writer_ok(&w) ? sendto(fd, pkt, pktlen, 0,
		(struct sockaddr *)&dst, to->ai_addrlen) : -1;
	int saved = errno;
	sodium_memzero(pkt, sizeof pkt);
	close(fd);
	if (sent != (ssize_t)pktlen) {
		errbuf_set(err, "sending to %s: %s", o->server,
			sent < 0 ? strerror(saved) : "short write");
		return -1;
	}
	return 0;
}

const struct sender sender_icmp = {
	.name = "icmp",
	.summary = "one ICMP/ICMPv6 echo request (a ping) carrying the knock",
	.can_sign = true,
	.send = icmp_send,
};
