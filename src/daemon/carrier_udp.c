/* carrier_udp — a knock is the whole payload of one UDP datagram sent to one
 * of the configured knock ports. Nothing listens there: the datagram is seen
 * by the capture and then dropped by the kernel like any other. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "carrier.h"

#define UDP_HEADER_BYTES 8

static bool udp_bpf(const struct config *c, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < c->nknock_ports; i++) {
		unsigned port = c->knock_ports[i].port;
		unsigned udp_len = UDP_HEADER_BYTES + KNOCK_WIRE_BYTES;
		/* udp[4:2] is the UDP length; for IPv6 libpcap cannot index the
		 * transport header, so check the next header and payload length
		 * (knocks never carry IPv6 extension headers). */
		int n = snprintf(buf + used, len - used,
			"%s(ip and udp dst port %u and udp[4:2] = %u) or "
			"(ip6 and ip6[6] = 17 and ip6[4:2] = %u and udp dst port %u)",
			used ? " or " : "", port, udp_len, udp_len, port);
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
	}
	return true;
}

static size_t udp_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max)
{
	if (max == 0 || f->proto != IPPROTO_UDP || f->payload_len != KNOCK_WIRE_BYTES)
		return 0;
	for (size_t i = 0; i < c->nknock_ports; i++) {
		if (c->knock_ports[i].port == f->dport) {
			memset(out, 0, sizeof *out);
			out->kind = CANDIDATE_SPA;
			memcpy(out->u.spa, f->payload, KNOCK_WIRE_BYTES);
			return 1;
		}
	}
	return 0;
}

const struct carrier carrier_udp = {
	.id = CARRIER_UDP,
	.name = "udp",
	.bpf = udp_bpf,
	.extract = udp_extract,
};
