/* carrier_port — hits on watched ports, for port sequences: a TCP SYN (SYN
 * set, ACK and RST clear) or a UDP datagram whose destination port lies in
 * [daemon] sequence_watch. Each is one CANDIDATE_PORT_HIT; what it means is
 * up to the sequence tracker (scheme_sequence.c).
 *
 * Only when some user knocks with sequences is anything captured. The watch
 * is wide on purpose (default: every TCP and UDP port): a hit on a port
 * that is not the next step must be seen to reset progress, or a scan
 * would walk through a sequence. The cost is one more packet per inbound
 * connection attempt and per inbound datagram handed to the capture child;
 * issue 5 narrows it. IPv6 packets with extension headers are not matched
 * by the kernel filter (libpcap cannot index past them); no knock client
 * sends them. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "carrier.h"

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define TCP_MAX_HEADER_BYTES 60

static bool port_bpf(const struct config *c, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	if (!config_uses_sequences(c))
		return true;
	for (size_t i = 0; i < c->seq.nwatch; i++) {
		const struct portrange *r = &c->seq.watch[i];
		int n;
		/* For IPv6 libpcap cannot index the TCP header: the flags byte is
		 * at 40 + 13 when the next header is TCP (no extension headers). */
		if (r->proto == IPPROTO_TCP)
			n = snprintf(buf + used, len - used,
				"%s(ip and tcp[13] & 0x16 = 0x02 and tcp dst portrange %u-%u) or "
				"(ip6 and ip6[6] = 6 and ip6[53] & 0x16 = 0x02 and "
				"tcp dst portrange %u-%u)", used ? " or " : "",
				r->lo, r->hi, r->lo, r->hi);
		else
			n = snprintf(buf + used, len - used,
				"%s(ip and udp dst portrange %u-%u) or "
				"(ip6 and ip6[6] = 17 and udp dst portrange %u-%u)",
				used ? " or " : "", r->lo, r->hi, r->lo, r->hi);
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
	}
	return true;
}

static size_t port_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max)
{
	struct portspec hit = { f->proto, f->dport };
	if (max == 0 || f->dport == 0)
		return 0;
	if (f->proto == IPPROTO_TCP) {
		if ((f->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
			return 0;
	} else if (f->proto != IPPROTO_UDP) {
		return 0;
	}
	/* Only for a hit on a watched port: config_uses_sequences once walked
	 * every user per packet (issue 5: at 10,000 users 460 us per garbage
	 * packet); it is a flag now, but the order costs nothing. */
	for (size_t i = 0; i < c->seq.nwatch; i++) {
		if (portrange_contains(&c->seq.watch[i], &hit)) {
			if (!config_uses_sequences(c))
				return 0;
			memset(out, 0, sizeof *out);
			out->kind = CANDIDATE_PORT_HIT;
			out->u.port = hit;
			return 1;
		}
	}
	return 0;
}

/* A TCP hit is a SYN: headers only. A UDP hit is any datagram to a watched
 * port, whatever its size (a scan must reset progress): as much as the
 * capture keeps, as before snap lengths were per config. */
static size_t port_max_packet(const struct config *c)
{
	size_t most = 0;
	if (!config_uses_sequences(c))
		return 0;
	for (size_t i = 0; i < c->seq.nwatch; i++) {
		size_t n = c->seq.watch[i].proto == IPPROTO_TCP ?
			CARRIER_IP_HEADER_MAX + TCP_MAX_HEADER_BYTES : CARRIER_SNAPLEN_MAX;
		if (n > most)
			most = n;
	}
	return most;
}

const struct carrier carrier_port = {
	.id = CARRIER_PORT,
	.name = "port",
	.bpf = port_bpf,
	.extract = port_extract,
	.max_packet = port_max_packet,
};
