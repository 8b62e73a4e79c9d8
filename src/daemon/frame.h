/* frame — decode a captured link-layer frame down to its transport payload.
 *
 * Handles the link types libpcap gives on Linux (Ethernet with VLAN tags,
 * cooked "any" captures SLL/SLL2, raw IP) and IPv4/IPv6 with UDP, TCP and
 * ICMP/ICMPv6. Fragments are refused: a knock always fits one packet, and
 * reassembly is a classic place for bugs. Every byte is read through a cursor. */
#ifndef POSTERN_FRAME_H
#define POSTERN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct frame {
	struct addr src;
	struct addr dst;
	uint8_t proto; /* IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	uint8_t ttl; /* IPv4 TTL or IPv6 hop limit */
	uint16_t sport, dport; /* UDP/TCP */
	uint8_t icmp_type, icmp_code; /* ICMP */
	uint32_t tcp_seq; /* TCP */
	uint8_t tcp_flags; /* TCP */
	const uint8_t *tcp_options; /* TCP: the options, inside the captured buffer */
	size_t tcp_options_len; /* TCP: 0..40 */
	const uint8_t *payload; /* inside the captured buffer */
	size_t payload_len;
};

enum frame_result {
	FRAME_OK = 0,
	FRAME_TRUNCATED, /* shorter than its headers say */
	FRAME_UNSUPPORTED, /* other link type, ethertype, protocol, or a fragment */
	FRAME_MALFORMED, /* impossible header values */
};

/* dlt is libpcap's data link type (DLT_EN10MB, DLT_LINUX_SLL, ...). */
enum frame_result frame_decode(int dlt, const uint8_t *pkt, size_t caplen,
	struct frame *out);

#endif
