/* test_frame — frame_decode on real frames built byte by byte: every link
 * type libpcap gives on Linux, IPv4 (with options, VLAN tags) and IPv6 (with
 * extension headers), and every way a frame can be cut short or lie about
 * itself. Every decode runs on an exact-size heap copy, so under ASan a read
 * one byte past the capture is a crash, not a silent pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "frame.h"

#define ETH_HDR 14
#define VLAN_TAG 4
#define IP4_HDR 20
#define IP6_HDR 40
#define UDP_HDR 8
#define SLL_HDR 16
#define SLL2_HDR 20
#define KNOCK_LEN 100

static const uint8_t v4_src[4] = { 192, 0, 2, 1 };
static const uint8_t v4_dst[4] = { 198, 51, 100, 2 };
static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* --- a frame builder ---------------------------------------------------- */

struct pkt {
	uint8_t b[2048];
	size_t n;
	size_t l3; /* offset of the IP header */
	size_t l4; /* offset of the transport header */
	size_t pay; /* offset of the transport payload */
};

static void put8(struct pkt *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static void put16(struct pkt *p, unsigned v) { put8(p, v >> 8); put8(p, v); }
static void put32(struct pkt *p, uint32_t v) { put16(p, v >> 16); put16(p, v & 0xffff); }
static void putn(struct pkt *p, const void *s, size_t n)
{
	memcpy(p->b + p->n, s, n);
	p->n += n;
}
static void set16(struct pkt *p, size_t off, unsigned v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static void eth(struct pkt *p, unsigned type)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2 };
	putn(p, macs, sizeof macs);
	put16(p, type);
}

static void vlan(struct pkt *p, unsigned id, unsigned next)
{
	put16(p, id);
	put16(p, next);
}

/* Linux cooked v1: packet type, ARPHRD, address length, address[8], protocol. */
static void sll(struct pkt *p, unsigned proto)
{
	static const uint8_t addr[8] = { 0x02, 0, 0, 0, 0, 1 };
	put16(p, 0); /* PACKET_HOST */
	put16(p, 1); /* ARPHRD_ETHER */
	put16(p, 6);
	putn(p, addr, sizeof addr);
	put16(p, proto);
}

/* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, type, addr len, addr[8]. */
static void sll2(struct pkt *p, unsigned proto)
{
	static const uint8_t addr[8] = { 0x02, 0, 0, 0, 0, 1 };
	put16(p, proto);
	put16(p, 0);
	put32(p, 3);
	put16(p, 1);
	put8(p, 0);
	put8(p, 6);
	putn(p, addr, sizeof addr);
}

/* IPv4 header (no options, DF set) for l4len bytes of transport. */
static void ip4(struct pkt *p, unsigned proto, size_t l4len)
{
	p->l3 = p->n;
	put8(p, 0x45);
	put8(p, 0);
	put16(p, (unsigned)(IP4_HDR + l4len));
	put16(p, 0x1234);
	put16(p, 0x4000);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	putn(p, v4_src, 4);
	putn(p, v4_dst, 4);
	p->l4 = p->n;
}

static void ip6(struct pkt *p, unsigned next, size_t plen)
{
	p->l3 = p->n;
	put32(p, 0x60000000);
	put16(p, (unsigned)plen);
	put8(p, next);
	put8(p, 57);
	putn(p, v6_src, 16);
	putn(p, v6_dst, 16);
	p->l4 = p->n;
}

/* An 8-byte IPv6 extension header (PadN filling it). */
static void ip6_ext(struct pkt *p, unsigned next)
{
	put8(p, next);
	put8(p, 0); /* (0 + 1) * 8 bytes */
	put8(p, 1); /* PadN */
	put8(p, 4);
	put32(p, 0);
	p->l4 = p->n;
}

static void payload(struct pkt *p, size_t n)
{
	p->pay = p->n;
	for (size_t i = 0; i < n; i++)
		put8(p, (unsigned)(i * 7 + 3));
}

static void udp(struct pkt *p, unsigned sport, unsigned dport, size_t n)
{
	p->l4 = p->n;
	put16(p, sport);
	put16(p, dport);
	put16(p, (unsigned)(UDP_HDR + n));
	put16(p, 0);
	payload(p, n);
}

enum link { L_ETH, L_VLAN, L_QINQ, L_SLL, L_SLL2, L_RAW };

static int link_dlt(enum link l)
{
	switch (l) {
	case L_SLL: return DLT_LINUX_SLL;
	case L_SLL2: return DLT_LINUX_SLL2;
	case L_RAW: return DLT_RAW;
	default: return DLT_EN10MB;
	}
}

static void link_hdr(struct pkt *p, enum link l, unsigned ethertype)
{
	switch (l) {
	case L_ETH: eth(p, ethertype); break;
	case L_VLAN: eth(p, 0x8100); vlan(p, 42, ethertype); break;
	case L_QINQ: eth(p, 0x88a8); vlan(p, 7, 0x8100); vlan(p, 42, ethertype); break;
	case L_SLL: sll(p, ethertype); break;
	case L_SLL2: sll2(p, ethertype); break;
	case L_RAW: break;
	}
}

/* Link + IPv4 + UDP carrying n payload bytes. */
static void udp4(struct pkt *p, enum link l, size_t n)
{
	memset(p, 0, sizeof *p);
	link_hdr(p, l, 0x0800);
	ip4(p, IPPROTO_UDP, UDP_HDR + n);
	udp(p, 40000, 62201, n);
}

/* Link + IPv6 (+ next extension headers) + UDP carrying n payload bytes. */
static void udp6(struct pkt *p, enum link l, size_t exts, size_t n)
{
	memset(p, 0, sizeof *p);
	link_hdr(p, l, 0x86dd);
	ip6(p, exts ? 0 : IPPROTO_UDP, exts * 8 + UDP_HDR + n);
	for (size_t i = 0; i < exts; i++)
		ip6_ext(p, i + 1 < exts ? 60 : IPPROTO_UDP);
	udp(p, 40000, 62201, n);
}

/* --- decoding on an exact-size copy ------------------------------------- */

struct decoded {
	uint8_t *copy;
	size_t len;
	enum frame_result r;
	struct frame f;
};

/* Decodes the first len bytes of p from a heap block of exactly len bytes
 * and checks that a payload lies inside it. */
static void decode_n(struct decoded *d, int dlt, const struct pkt *p, size_t len)
{
	d->len = len;
	d->copy = malloc(len ? len : 1);
	assert_non_null(d->copy);
	memcpy(d->copy, p->b, len);
	d->r = frame_decode(dlt, d->copy, len, &d->f);
	if (d->r == FRAME_OK) {
		assert_true(d->f.payload >= d->copy);
		assert_true(d->f.payload <= d->copy + len);
		assert_true(d->f.payload_len <= (size_t)(d->copy + len - d->f.payload));
	}
}

static void decode(struct decoded *d, int dlt, const struct pkt *p)
{
	decode_n(d, dlt, p, p->n);
}

static void done(struct decoded *d)
{
	free(d->copy);
	d->copy = NULL;
}

static enum frame_result result_of(int dlt, const struct pkt *p)
{
	struct decoded d;
	decode(&d, dlt, p);
	done(&d);
	return d.r;
}

static void check_udp4(const struct decoded *d, const struct pkt *p, size_t n)
{
	assert_int_equal(d->r, FRAME_OK);
	assert_int_equal(d->f.src.family, AF_INET);
	assert_memory_equal(d->f.src.bytes, v4_src, 4);
	assert_int_equal(d->f.dst.family, AF_INET);
	assert_memory_equal(d->f.dst.bytes, v4_dst, 4);
	assert_int_equal(d->f.proto, IPPROTO_UDP);
	assert_int_equal(d->f.ttl, 64);
	assert_int_equal(d->f.sport, 40000);
	assert_int_equal(d->f.dport, 62201);
	assert_ptr_equal(d->f.payload, d->copy + p->pay);
	assert_int_equal(d->f.payload_len, n);
	assert_memory_equal(d->f.payload, p->b + p->pay, n);
}

static void check_udp6(const struct decoded *d, const struct pkt *p, size_t n)
{
	assert_int_equal(d->r, FRAME_OK);
	assert_int_equal(d->f.src.family, AF_INET6);
	assert_memory_equal(d->f.src.bytes, v6_src, 16);
	assert_int_equal(d->f.dst.family, AF_INET6);
	assert_memory_equal(d->f.dst.bytes, v6_dst, 16);
	assert_int_equal(d->f.proto, IPPROTO_UDP);
	assert_int_equal(d->f.ttl, 57);
	assert_int_equal(d->f.sport, 40000);
	assert_int_equal(d->f.dport, 62201);
	assert_ptr_equal(d->f.payload, d->copy + p->pay);
	assert_int_equal(d->f.payload_len, n);
	assert_memory_equal(d->f.payload, p->b + p->pay, n);
}

/* --- what decodes ------------------------------------------------------- */

static void ipv4_udp_every_link(void **state)
{
	(void)state;
	static const enum link links[] = { L_ETH, L_VLAN, L_QINQ, L_SLL, L_SLL2, L_RAW };
	static const size_t l3_at[] = { ETH_HDR, ETH_HDR + VLAN_TAG,
		ETH_HDR + 2 * VLAN_TAG, SLL_HDR, SLL2_HDR, 0 };
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		struct pkt p;
		struct decoded d;
		udp4(&p, links[i], KNOCK_LEN);
		assert_int_equal(p.l3, l3_at[i]);
		assert_int_equal(p.pay, l3_at[i] + IP4_HDR + UDP_HDR);
		decode(&d, link_dlt(links[i]), &p);
		check_udp4(&d, &p, KNOCK_LEN);
		done(&d);
	}
}

static void ipv6_udp_every_link(void **state)
{
	(void)state;
	static const enum link links[] = { L_ETH, L_VLAN, L_QINQ, L_SLL, L_SLL2, L_RAW };
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		struct pkt p;
		struct decoded d;
		udp6(&p, links[i], 0, KNOCK_LEN);
		decode(&d, link_dlt(links[i]), &p);
		check_udp6(&d, &p, KNOCK_LEN);
		done(&d);
	}
}

static void ipv6_extension_headers(void **state)
{
	(void)state;
	struct pkt p;
	struct decoded d;

	/* Hop-by-hop, then UDP. */
	udp6(&p, L_ETH, 1, KNOCK_LEN);
	assert_int_equal(p.b[ETH_HDR + 6], 0); /* next header: hop-by-hop */
	assert_int_equal(p.pay, ETH_HDR + IP6_HDR + 8 + UDP_HDR);
	decode(&d, DLT_EN10MB, &p);
	check_udp6(&d, &p, KNOCK_LEN);
	done(&d);

	/* Hop-by-hop, then destination options, up to four in all. */
	for (size_t n = 2; n <= 4; n++) {
		udp6(&p, L_SLL2, n, KNOCK_LEN);
		decode(&d, DLT_LINUX_SLL2, &p);
		check_udp6(&d, &p, KNOCK_LEN);
		done(&d);
	}
	/* A fifth extension header is more than a knock ever carries. */
	udp6(&p, L_ETH, 5, KNOCK_LEN);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);

	/* An extension header longer than 8 bytes: (1 + 1) * 8. */
	memset(&p, 0, sizeof p);
	eth(&p, 0x86dd);
	ip6(&p, 60, 16 + UDP_HDR + KNOCK_LEN);
	put8(&p, IPPROTO_UDP);
	put8(&p, 1);
	for (int i = 0; i < 14; i++)
		put8(&p, 0); /* Pad1 */
	udp(&p, 40000, 62201, KNOCK_LEN);
	decode(&d, DLT_EN10MB, &p);
	check_udp6(&d, &p, KNOCK_LEN);
	done(&d);
}

static void ipv4_options(void **state)
{
	(void)state;
	struct pkt p;
	struct decoded d;
	memset(&p, 0, sizeof p);
	eth(&p, 0x0800);
	ip4(&p, IPPROTO_UDP, 8 + UDP_HDR + KNOCK_LEN);
	p.b[p.l3] = 0x47; /* IHL 7: 8 bytes of options */
	set16(&p, p.l3 + 2, IP4_HDR + 8 + UDP_HDR + KNOCK_LEN);
	put32(&p, 0x01010101); /* NOPs */
	put32(&p, 0x01010100); /* NOPs, EOL */
	udp(&p, 40000, 62201, KNOCK_LEN);
	decode(&d, DLT_EN10MB, &p);
	check_udp4(&d, &p, KNOCK_LEN);
	done(&d);
}

/* Ethernet pads short frames to 60 bytes: bytes past the IP total length
 * are not payload. */
static void ethernet_padding_is_not_payload(void **state)
{
	(void)state;
	struct pkt p;
	struct decoded d;
	udp4(&p, L_ETH, 4);
	size_t declared = p.n;
	while (p.n < 60)
		put8(&p, 0xee);
	decode(&d, DLT_EN10MB, &p);
	check_udp4(&d, &p, 4);
	done(&d);
	/* Cutting the padding changes nothing; cutting the datagram refuses. */
	for (size_t len = 0; len <= p.n; len++) {
		decode_n(&d, DLT_EN10MB, &p, len);
		if (len >= declared)
			check_udp4(&d, &p, 4);
		else
			assert_int_not_equal(d.r, FRAME_OK);
		done(&d);
	}
}

/* A UDP length shorter than the IP payload: the UDP length wins. */
static void udp_length_shorter_than_ip(void **state)
{
	(void)state;
	struct pkt p;
	struct decoded d;
	udp4(&p, L_ETH, KNOCK_LEN);
	set16(&p, p.l4 + 4, UDP_HDR + 10);
	decode(&d, DLT_EN10MB, &p);
	assert_int_equal(d.r, FRAME_OK);
	assert_int_equal(d.f.payload_len, 10);
	done(&d);
}

static void raw_ipv4_ipv6_dlts(void **state)
{
	(void)state;
	struct pkt p;
	struct decoded d;
	udp4(&p, L_RAW, KNOCK_LEN);
	decode(&d, DLT_IPV4, &p);
	check_udp4(&d, &p, KNOCK_LEN);
	done(&d);
	udp6(&p, L_RAW, 0, KNOCK_LEN);
	decode(&d, DLT_IPV6, &p);
	check_udp6(&d, &p, KNOCK_LEN);
	done(&d);
}

static void tcp_and_icmp(void **state)
{
	(void)state;
	struct pkt p;
	struct decoded d;

	/* TCP SYN with 12 bytes of options (data offset 8). */
	memset(&p, 0, sizeof p);
	eth(&p, 0x0800);
	ip4(&p, IPPROTO_TCP, 32);
	put16(&p, 40001);
	put16(&p, 22);
	put32(&p, 0xdeadbeef);
	put32(&p, 0);
	put8(&p, 8 << 4);
	put8(&p, 0x02); /* SYN */
	put16(&p, 65535);
	put32(&p, 0);
	for (int i = 0; i < 12; i++)
		put8(&p, 1);
	decode(&d, DLT_EN10MB, &p);
	assert_int_equal(d.r, FRAME_OK);
	assert_int_equal(d.f.proto, IPPROTO_TCP);
	assert_int_equal(d.f.sport, 40001);
	assert_int_equal(d.f.dport, 22);
	assert_int_equal(d.f.tcp_seq, 0xdeadbeef);
	assert_int_equal(d.f.tcp_flags, 0x02);
	assert_int_equal(d.f.payload_len, 0);
	done(&d);

	/* ICMPv6 echo request with 16 bytes of data. */
	memset(&p, 0, sizeof p);
	eth(&p, 0x86dd);
	ip6(&p, IPPROTO_ICMPV6, 8 + 16);
	put8(&p, 128);
	put8(&p, 0);
	put16(&p, 0);
	put32(&p, 0x00010002);
	payload(&p, 16);
	decode(&d, DLT_EN10MB, &p);
	assert_int_equal(d.r, FRAME_OK);
	assert_int_equal(d.f.proto, IPPROTO_ICMPV6);
	assert_int_equal(d.f.icmp_type, 128);
	assert_ptr_equal(d.f.payload, d.copy + p.pay);
	assert_int_equal(d.f.payload_len, 16);
	done(&d);

	/* ICMP echo request with 8 bytes of data. */
	memset(&p, 0, sizeof p);
	eth(&p, 0x0800);
	ip4(&p, IPPROTO_ICMP, 8 + 8);
	put8(&p, 8);
	put8(&p, 0);
	put16(&p, 0);
	put32(&p, 0x00010002);
	payload(&p, 8);
	decode(&d, DLT_EN10MB, &p);
	assert_int_equal(d.r, FRAME_OK);
	assert_int_equal(d.f.icmp_type, 8);
	assert_int_equal(d.f.payload_len, 8);
	done(&d);
}

/* --- what is refused ---------------------------------------------------- */

/* Every strict prefix of a frame whose headers declare all of its bytes must
 * be refused, and must be decoded without reading past the prefix. */
static void every_prefix(const struct pkt *p, int dlt)
{
	struct decoded d;
	decode(&d, dlt, p);
	assert_int_equal(d.r, FRAME_OK);
	done(&d);
	for (size_t len = 0; len < p->n; len++) {
		decode_n(&d, dlt, p, len);
		if (d.r == FRAME_OK)
			fail_msg("prefix of %zu of %zu bytes (dlt %d) decoded as OK", len,
				p->n, dlt);
		done(&d);
	}
}

static void truncated_at_every_length(void **state)
{
	(void)state;
	static const enum link links[] = { L_ETH, L_VLAN, L_QINQ, L_SLL, L_SLL2, L_RAW };
	struct pkt p;
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		int dlt = link_dlt(links[i]);
		udp4(&p, links[i], KNOCK_LEN);
		every_prefix(&p, dlt);
		udp6(&p, links[i], 0, KNOCK_LEN);
		every_prefix(&p, dlt);
		udp6(&p, links[i], 1, KNOCK_LEN);
		every_prefix(&p, dlt);
		udp6(&p, links[i], 3, 7);
		every_prefix(&p, dlt);
		udp4(&p, links[i], 0);
		every_prefix(&p, dlt);
	}
}

static void ipv4_fragments(void **state)
{
	(void)state;
	struct pkt p;
	static const unsigned frag[] = {
		0x2000, /* MF, offset 0: first fragment */
		0x0001, /* offset 8 bytes, last fragment */
		0x2001, /* middle fragment */
		0x1fff, /* largest offset */
		0x6000, /* DF and MF together */
	};
	for (size_t i = 0; i < sizeof frag / sizeof frag[0]; i++) {
		udp4(&p, L_ETH, KNOCK_LEN);
		set16(&p, p.l3 + 6, frag[i]);
		assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);
	}
	/* DF alone is a whole datagram; so is the reserved bit's absence. */
	udp4(&p, L_ETH, KNOCK_LEN);
	set16(&p, p.l3 + 6, 0x4000);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_OK);
	set16(&p, p.l3 + 6, 0);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_OK);
}

static void ipv6_fragment_header(void **state)
{
	(void)state;
	struct pkt p;

	/* IPv6 + fragment header (8 bytes) + UDP. */
	memset(&p, 0, sizeof p);
	eth(&p, 0x86dd);
	ip6(&p, 44, 8 + UDP_HDR + KNOCK_LEN);
	put8(&p, IPPROTO_UDP);
	put8(&p, 0);
	put16(&p, 0x0001); /* offset 0, M set */
	put32(&p, 0x12345678);
	udp(&p, 40000, 62201, KNOCK_LEN);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);
	/* An atomic fragment (offset 0, M clear) is still a fragment header. */
	set16(&p, ETH_HDR + IP6_HDR + 2, 0);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);

	/* Fragment header behind a hop-by-hop header. */
	memset(&p, 0, sizeof p);
	eth(&p, 0x86dd);
	ip6(&p, 0, 8 + 8 + UDP_HDR + KNOCK_LEN);
	ip6_ext(&p, 44);
	put8(&p, IPPROTO_UDP);
	put8(&p, 0);
	put16(&p, 0x0001);
	put32(&p, 0x12345678);
	udp(&p, 40000, 62201, KNOCK_LEN);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);
}

static void bad_ipv4_header(void **state)
{
	(void)state;
	struct pkt p;

	/* IHL below 5. */
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		udp4(&p, L_ETH, KNOCK_LEN);
		p.b[p.l3] = (uint8_t)(0x40 | ihl);
		assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	}
	/* IHL 15 (60 bytes) but a total length of 40. */
	udp4(&p, L_ETH, KNOCK_LEN);
	p.b[p.l3] = 0x4f;
	set16(&p, p.l3 + 2, 40);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	/* Total length below the header. */
	udp4(&p, L_ETH, KNOCK_LEN);
	set16(&p, p.l3 + 2, 19);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	/* Version 6 inside an IPv4 ethertype; version 5 in raw IP. */
	udp4(&p, L_ETH, KNOCK_LEN);
	p.b[p.l3] = 0x65;
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	udp4(&p, L_RAW, KNOCK_LEN);
	p.b[0] = 0x55;
	assert_int_equal(result_of(DLT_RAW, &p), FRAME_UNSUPPORTED);
	/* Total length beyond the capture. */
	udp4(&p, L_ETH, KNOCK_LEN);
	set16(&p, p.l3 + 2, IP4_HDR + UDP_HDR + KNOCK_LEN + 1);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_TRUNCATED);
	set16(&p, p.l3 + 2, 0xffff);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_TRUNCATED);
}

static void bad_ipv6_header(void **state)
{
	(void)state;
	struct pkt p;
	udp6(&p, L_ETH, 0, KNOCK_LEN);
	p.b[p.l3] = 0x40;
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	udp6(&p, L_ETH, 0, KNOCK_LEN);
	set16(&p, p.l3 + 4, UDP_HDR + KNOCK_LEN + 1);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_TRUNCATED);
	/* A jumbogram's zero payload length leaves no room for UDP. */
	udp6(&p, L_ETH, 0, KNOCK_LEN);
	set16(&p, p.l3 + 4, 0);
	assert_int_not_equal(result_of(DLT_EN10MB, &p), FRAME_OK);
	/* An extension header claiming more than the payload. */
	udp6(&p, L_ETH, 1, KNOCK_LEN);
	p.b[p.l3 + IP6_HDR + 1] = 255;
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_TRUNCATED);
}

static void bad_udp_length(void **state)
{
	(void)state;
	struct pkt p;
	/* One byte more than the IP payload, and the largest possible. */
	udp4(&p, L_ETH, KNOCK_LEN);
	set16(&p, p.l4 + 4, UDP_HDR + KNOCK_LEN + 1);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	set16(&p, p.l4 + 4, 0xffff);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	/* Below the UDP header itself. */
	for (unsigned len = 0; len < UDP_HDR; len++) {
		set16(&p, p.l4 + 4, len);
		assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	}
	/* Same over IPv6: longer than the IPv6 payload, and longer than what
	 * follows an extension header. */
	udp6(&p, L_ETH, 0, KNOCK_LEN);
	set16(&p, p.l4 + 4, UDP_HDR + KNOCK_LEN + 1);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	udp6(&p, L_ETH, 1, KNOCK_LEN);
	set16(&p, p.l4 + 4, UDP_HDR + KNOCK_LEN + 8);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	/* The UDP length counts, not the bytes captured after the IP payload. */
	udp4(&p, L_ETH, KNOCK_LEN);
	set16(&p, p.l3 + 2, IP4_HDR + UDP_HDR + 50);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
}

static void bad_tcp_icmp(void **state)
{
	(void)state;
	struct pkt p;
	/* TCP data offset 4 (16 bytes) and 15 (60 bytes, beyond the packet). */
	memset(&p, 0, sizeof p);
	eth(&p, 0x0800);
	ip4(&p, IPPROTO_TCP, 20);
	put16(&p, 1);
	put16(&p, 22);
	put32(&p, 1);
	put32(&p, 0);
	size_t off = p.n;
	put8(&p, 4 << 4);
	put8(&p, 0x02);
	put16(&p, 0);
	put32(&p, 0);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_MALFORMED);
	p.b[off] = 15 << 4;
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_TRUNCATED);
	/* ICMP shorter than its 8-byte header. */
	memset(&p, 0, sizeof p);
	eth(&p, 0x0800);
	ip4(&p, IPPROTO_ICMP, 4);
	put32(&p, 0x08000000);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_TRUNCATED);
}

static void unsupported(void **state)
{
	(void)state;
	struct pkt p;
	static const unsigned types[] = { 0x0806 /* ARP */, 0x88cc /* LLDP */,
		0x8847 /* MPLS */, 0x0000, 0xffff };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		udp4(&p, L_ETH, KNOCK_LEN);
		set16(&p, 12, types[i]);
		assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);
		udp4(&p, L_SLL, KNOCK_LEN);
		set16(&p, 14, types[i]);
		assert_int_equal(result_of(DLT_LINUX_SLL, &p), FRAME_UNSUPPORTED);
		udp4(&p, L_SLL2, KNOCK_LEN);
		set16(&p, 0, types[i]);
		assert_int_equal(result_of(DLT_LINUX_SLL2, &p), FRAME_UNSUPPORTED);
		/* The unknown type behind a VLAN tag. */
		udp4(&p, L_VLAN, KNOCK_LEN);
		set16(&p, 16, types[i]);
		assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);
	}
	/* Three VLAN tags: more than the two we peel. */
	memset(&p, 0, sizeof p);
	eth(&p, 0x88a8);
	vlan(&p, 1, 0x8100);
	vlan(&p, 2, 0x8100);
	vlan(&p, 3, 0x0800);
	ip4(&p, IPPROTO_UDP, UDP_HDR + KNOCK_LEN);
	udp(&p, 40000, 62201, KNOCK_LEN);
	assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);
	/* Link types we do not decode. */
	udp4(&p, L_ETH, KNOCK_LEN);
	assert_int_equal(result_of(DLT_NULL, &p), FRAME_UNSUPPORTED);
	assert_int_equal(result_of(DLT_IEEE802_11, &p), FRAME_UNSUPPORTED);
	assert_int_equal(result_of(-1, &p), FRAME_UNSUPPORTED);
	/* Transport protocols we do not decode: GRE, SCTP, ESP. */
	static const unsigned protos[] = { 47, 132, 50 };
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
		udp4(&p, L_ETH, KNOCK_LEN);
		p.b[p.l3 + 9] = (uint8_t)protos[i];
		assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);
		udp6(&p, L_ETH, 0, KNOCK_LEN);
		p.b[p.l3 + 6] = (uint8_t)protos[i];
		assert_int_equal(result_of(DLT_EN10MB, &p), FRAME_UNSUPPORTED);
	}
}

/* A refused decode still leaves *out defined (zeroed where unset). */
static void empty_input(void **state)
{
	(void)state;
	struct frame f;
	static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW };
	for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
		uint8_t *one = malloc(1);
		assert_non_null(one);
		assert_int_not_equal(frame_decode(dlts[i], one, 0, &f), FRAME_OK);
		assert_null(f.payload);
		free(one);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_udp_every_link),
		cmocka_unit_test(ipv6_udp_every_link),
		cmocka_unit_test(ipv6_extension_headers),
		cmocka_unit_test(ipv4_options),
		cmocka_unit_test(ethernet_padding_is_not_payload),
		cmocka_unit_test(udp_length_shorter_than_ip),
		cmocka_unit_test(raw_ipv4_ipv6_dlts),
		cmocka_unit_test(tcp_and_icmp),
		cmocka_unit_test(truncated_at_every_length),
		cmocka_unit_test(ipv4_fragments),
		cmocka_unit_test(ipv6_fragment_header),
		cmocka_unit_test(bad_ipv4_header),
		cmocka_unit_test(bad_ipv6_header),
		cmocka_unit_test(bad_udp_length),
		cmocka_unit_test(bad_tcp_icmp),
		cmocka_unit_test(unsupported),
		cmocka_unit_test(empty_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
