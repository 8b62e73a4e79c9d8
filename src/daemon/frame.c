/* frame — see frame.h. */
#include "frame.h"

#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>
#include <sys/socket.h>

#include "cursor.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETH_ADDRS_BYTES 12
#define SLL_HEADER_BYTES 16
#define SLL2_HEADER_BYTES 20
#define MAX_VLAN_TAGS 2
#define MAX_IPV6_EXT_HEADERS 4
#define IPV6_HEADER_BYTES 40
#define UDP_HEADER_BYTES 8
#define TCP_MIN_HEADER_BYTES 20
#define ICMP_HEADER_BYTES 8

/* Returns the ethertype after the link header, leaving c at the L3 header;
 * 0 if the link type or ethertype is not one we handle. */
static uint16_t link_decode(int dlt, struct cursor *c)
{
	uint16_t type;
	switch (dlt) {
	case DLT_EN10MB:
		cursor_skip(c, ETH_ADDRS_BYTES);
		type = cursor_u16(c);
		for (int i = 0; i < MAX_VLAN_TAGS &&
		     (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); i++) {
			cursor_skip(c, 2); /* tag control */
			type = cursor_u16(c);
		}
		return type;
	case DLT_LINUX_SLL:
		/* packet type, ARPHRD, addr len, addr[8], protocol */
		cursor_skip(c, SLL_HEADER_BYTES - 2);
		return cursor_u16(c);
	case DLT_LINUX_SLL2:
		/* protocol first, then reserved, ifindex, ARPHRD, type, len, addr */
		type = cursor_u16(c);
		cursor_skip(c, SLL2_HEADER_BYTES - 2);
		return type;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6: {
		/* Raw IP: the version nibble tells the family. */
		if (cursor_left(c) < 1)
			return 0;
		uint8_t version = c->buf[c->pos] >> 4;
		return version == 4 ? ETHERTYPE_IPV4 : version == 6 ? ETHERTYPE_IPV6 : 0;
	}
	default:
		return 0;
	}
}

static enum frame_result ipv4_decode(struct cursor *c, struct frame *f,
	struct cursor *l4)
{
	size_t start = c->pos;
	uint8_t vihl = cursor_u8(c);
	cursor_skip(c, 1); /* DSCP/ECN */
	uint16_t total = cursor_u16(c);
	cursor_skip(c, 2); /* id */
	uint16_t frag = cursor_u16(c);
	f->ttl = cursor_u8(c);
	f->proto = cursor_u8(c);
	cursor_skip(c, 2); /* checksum: the kernel already dropped bad ones */
	f->src.family = AF_INET;
	cursor_bytes(c, f->src.bytes, 4);
	f->dst.family = AF_INET;
	cursor_bytes(c, f->dst.bytes, 4);
	if (!cursor_ok(c))
		return FRAME_TRUNCATED;
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || ihl < 20 || total < ihl)
		return FRAME_MALFORMED;
	if ((frag & 0x3fff) != 0) /* MF set or nonzero offset */
		return FRAME_UNSUPPORTED;
	if (total > c->len - start)
		return FRAME_TRUNCATED;
	cursor_init(l4, c->buf + start + ihl, total - ihl);
	return FRAME_OK;
}

static bool ipv6_is_extension(uint8_t next)
{
	return next == 0 /* hop-by-hop */ || next == 43 /* routing */ ||
		next == 60 /* destination options */;
}

static enum frame_result ipv6_decode(struct cursor *c, struct frame *f,
	struct cursor *l4)
{
	uint32_t vtcfl = cursor_u32(c);
	uint16_t payload_len = cursor_u16(c);
	uint8_t next = cursor_u8(c);
	f->ttl = cursor_u8(c);
	f->src.family = AF_INET6;
	cursor_bytes(c, f->src.bytes, 16);
	f->dst.family = AF_INET6;
	cursor_bytes(c, f->dst.bytes, 16);
	if (!cursor_ok(c))
		return FRAME_TRUNCATED;
	if ((vtcfl >> 28) != 6)
		return FRAME_MALFORMED;
	if (payload_len > cursor_left(c))
		return FRAME_TRUNCATED;
	struct cursor p;
	cursor_init(&p, c->buf + c->pos, payload_len);
	for (int i = 0; i < MAX_IPV6_EXT_HEADERS && ipv6_is_extension(next); i++) {
		next = cursor_u8(&p);
		size_t len = ((size_t)cursor_u8(&p) + 1) * 8;
		cursor_skip(&p, len - 2);
	}
	if (!cursor_ok(&p))
		return FRAME_TRUNCATED;
	if (ipv6_is_extension(next) || next == 44 /* fragment */)
		return FRAME_UNSUPPORTED;
	f->proto = next;
	cursor_init(l4, p.buf + p.pos, p.len - p.pos);
	return FRAME_OK;
}

static enum frame_result l4_decode(struct cursor *c, struct frame *f)
{
	size_t header;
	switch (f->proto) {
	case IPPROTO_UDP: {
		f->sport = cursor_u16(c);
		f->dport = cursor_u16(c);
		uint16_t len = cursor_u16(c);
		cursor_skip(c, 2);
		if (!cursor_ok(c))
			return FRAME_TRUNCATED;
		if (len < UDP_HEADER_BYTES || len > c->len)
			return FRAME_MALFORMED;
		f->payload = c->buf + UDP_HEADER_BYTES;
		f->payload_len = len - UDP_HEADER_BYTES;
		return FRAME_OK;
	}
	case IPPROTO_TCP:
		f->sport = cursor_u16(c);
		f->dport = cursor_u16(c);
		f->tcp_seq = cursor_u32(c);
		cursor_skip(c, 4); /* ack */
		header = (size_t)(cursor_u8(c) >> 4) * 4;
		f->tcp_flags = cursor_u8(c);
		if (!cursor_ok(c))
			return FRAME_TRUNCATED;
		if (header < TCP_MIN_HEADER_BYTES)
			return FRAME_MALFORMED;
		if (header > c->len)
			return FRAME_TRUNCATED;
		f->tcp_options = c->buf + TCP_MIN_HEADER_BYTES;
		f->tcp_options_len = header - TCP_MIN_HEADER_BYTES;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		f->icmp_type = cursor_u8(c);
		f->icmp_code = cursor_u8(c);
		if (!cursor_ok(c) || c->len < ICMP_HEADER_BYTES)
			return FRAME_TRUNCATED;
		header = ICMP_HEADER_BYTES;
		break;
	default:
		return FRAME_UNSUPPORTED;
	}
	f->payload = c->buf + header;
	f->payload_len = c->len - header;
	return FRAME_OK;
}

enum frame_result frame_decode(int dlt, const uint8_t *pkt, size_t caplen,
	struct frame *out)
{
	struct cursor c, l4;
	memset(out, 0, sizeof *out);
	cursor_init(&c, pkt, caplen);
	uint16_t type = link_decode(dlt, &c);
	if (!cursor_ok(&c))
		return FRAME_TRUNCATED;
	enum frame_result r;
	if (type == ETHERTYPE_IPV4)
		r = ipv4_decode(&c, out, &l4);
	else if (type == ETHERTYPE_IPV6)
		r = ipv6_decode(&c, out, &l4);
	else
		return FRAME_UNSUPPORTED;
	if (r != FRAME_OK)
		return r;
	return l4_decode(&l4, out);
}
