/* carrier_syn — a one-time token in one TCP SYN to a closed port.
 *
 * The 8 bytes of CANDIDATE_TOKEN travel in two fields every Linux SYN has
 * and fills with values that look random to an observer:
 *   bytes 0..3  the initial sequence number (RFC 6528: keyed hash + clock)
 *   bytes 4..7  the TSval of the timestamp option (Linux >= 4.10 adds a
 *               random per-connection offset)
 * The rest of the SYN is what Linux sends (src/client/send_syn.c). Only SYNs
 * to [daemon] syn_ports are looked at, and only with a timestamp option; the
 * kernel answers them as it answers any SYN to a closed port (RST, or
 * nothing if the firewall drops), so the knock looks like one failed
 * connection attempt. docs/modes.md says what a careful observer could still
 * notice. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "carrier.h"
#include "tcpopt.h"

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define SYN_TOKEN_BYTES 8
#define TCP_MAX_HEADER_BYTES 60

static bool syn_bpf(const struct config *c, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < c->seq.nsyn_ports; i++) {
		unsigned port = c->seq.syn_ports[i].port;
		/* IPv6: the TCP flags at 40 + 13 (no extension headers). */
		int n = snprintf(buf + used, len - used,
			"%s(ip and tcp[13] & 0x16 = 0x02 and tcp dst port %u) or "
			"(ip6 and ip6[6] = 6 and ip6[53] & 0x16 = 0x02 and tcp dst port %u)",
			used ? " or " : "", port, port);
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
	}
	return true;
}

static size_t syn_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max)
{
	struct tcpopt o;
	bool ours = false;
	if (max == 0 || f->proto != IPPROTO_TCP ||
	    (f->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return 0;
	for (size_t i = 0; i < c->seq.nsyn_ports; i++)
		ours |= c->seq.syn_ports[i].port == f->dport;
	if (!ours || !tcpopt_parse(f->tcp_options, f->tcp_options_len, &o) || !o.has_ts)
		return 0;
	memset(out, 0, sizeof *out);
	out->kind = CANDIDATE_TOKEN;
	out->u.token.len = SYN_TOKEN_BYTES;
	uint8_t *t = out->u.token.bytes;
	t[0] = (uint8_t)(f->tcp_seq >> 24);
	t[1] = (uint8_t)(f->tcp_seq >> 16);
	t[2] = (uint8_t)(f->tcp_seq >> 8);
	t[3] = (uint8_t)f->tcp_seq;
	t[4] = (uint8_t)(o.tsval >> 24);
	t[5] = (uint8_t)(o.tsval >> 16);
	t[6] = (uint8_t)(o.tsval >> 8);
	t[7] = (uint8_t)o.tsval;
	return 1;
}

/* Headers only: a token SYN carries no data, its TCP header 20 bytes and
 * at most 40 of options. */
static size_t syn_max_packet(const struct config *c)
{
	if (c->seq.nsyn_ports == 0)
		return 0;
	return CARRIER_IP_HEADER_MAX + TCP_MAX_HEADER_BYTES;
}

const struct carrier carrier_syn = {
	.id = CARRIER_SYN,
	.name = "syn",
	.bpf = syn_bpf,
	.extract = syn_extract,
	.max_packet = syn_max_packet,
};
