/* carrier_udp — a knock is the whole payload of one UDP datagram sent to one
 * of the configured knock ports. Nothing listens there: the datagram is seen
 * by the capture and then dropped by the kernel like any other. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "carrier.h"

#define UDP_HEADER_BYTES 8
/* Printable text: an RFC 2289 response as typed ("A A A A A A" is the
 * shortest six words; 16 hex digits; a trailing newline from echo). */
#define UDP_TEXT_MIN 11
#define UDP_TEXT_MAX (CANDIDATE_TEXT_MAX - 1)

/* True if some user has RFC 2289 chains: only then is text worth a look. */
static bool wants_text(const struct config *c)
{
	return c->uses.otp;
}

/* The UDP length test: the SPA sizes (plain and signed), or (with text)
 * the text range too. */
static void len_test(const struct config *c, const char *field, char *buf, size_t len)
{
	unsigned spa = UDP_HEADER_BYTES + KNOCK_WIRE_BYTES;
	unsigned sig = UDP_HEADER_BYTES + KNOCK_SIGNED_WIRE_BYTES;
	if (wants_text(c))
		snprintf(buf, len, "(%s = %u or %s = %u or (%s >= %u and %s <= %u))", field,
			spa, field, sig, field, UDP_HEADER_BYTES + UDP_TEXT_MIN, field,
			UDP_HEADER_BYTES + UDP_TEXT_MAX);
	else
		snprintf(buf, len, "(%s = %u or %s = %u)", field, spa, field, sig);
}

static bool udp_bpf(const struct config *c, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < c->nknock_ports; i++) {
		unsigned port = c->knock_ports[i].port;
		char len4[96], len6[96];
		len_test(c, "udp[4:2]", len4, sizeof len4);
		len_test(c, "ip6[4:2]", len6, sizeof len6);
		/* udp[4:2] is the UDP length; for IPv6 libpcap cannot index the
		 * transport header, so check the next header and payload length
		 * (knocks never carry IPv6 extension headers). */
		int n = snprintf(buf + used, len - used,
			"%s(ip and udp dst port %u and %s) or "
			"(ip6 and ip6[6] = 17 and %s and udp dst port %u)",
			used ? " or " : "", port, len4, len6, port);
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
	}
	return true;
}

/* A printable payload of text length (OTP responses, as typed): one
 * CANDIDATE_TEXT, without the trailing line end. */
static size_t udp_text(const struct config *c, const struct frame *f,
	struct candidate *out)
{
	size_t n = f->payload_len;
	if (n < UDP_TEXT_MIN || n > UDP_TEXT_MAX || !wants_text(c))
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = f->payload[i];
		if ((ch < 0x20 || ch > 0x7e) && ch != '\t' && ch != '\r' && ch != '\n')
			return 0;
	}
	while (n > 0 && (f->payload[n - 1] == '\n' || f->payload[n - 1] == '\r'))
		n--;
	memset(out, 0, sizeof *out);
	out->kind = CANDIDATE_TEXT;
	memcpy(out->u.text, f->payload, n);
	return 1;
}

static size_t udp_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max)
{
	if (max == 0 || f->proto != IPPROTO_UDP)
		return 0;
	for (size_t i = 0; i < c->nknock_ports; i++) {
		if (c->knock_ports[i].port != f->dport)
			continue;
		if (carrier_spa(f->payload, f->payload_len, out))
			return 1;
		return udp_text(c, f, out);
	}
	return 0;
}

/* A signed knock is the longest payload taken (text is shorter). */
static size_t udp_max_packet(const struct config *c)
{
	size_t payload = KNOCK_SIGNED_WIRE_BYTES;
	if (c->nknock_ports == 0)
		return 0;
	if (wants_text(c) && UDP_TEXT_MAX > payload)
		payload = UDP_TEXT_MAX;
	return CARRIER_IP_HEADER_MAX + UDP_HEADER_BYTES + payload;
}

const struct carrier carrier_udp = {
	.id = CARRIER_UDP,
	.name = "udp",
	.bpf = udp_bpf,
	.extract = udp_extract,
	.max_packet = udp_max_packet,
};
