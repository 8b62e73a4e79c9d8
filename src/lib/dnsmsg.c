/* dnsmsg — see dnsmsg.h. */
#include "dnsmsg.h"

#include <string.h>

#include "cursor.h"

#define FLAG_QR 0x8000
#define FLAG_AA 0x0400
#define FLAG_RD 0x0100
#define OPCODE_SHIFT 11
#define OPCODE_MASK 0xF
#define OPCODE_QUERY 0
#define POINTER(off) ((uint16_t)(0xC000 | (off)))
#define EDNS_UDP_SIZE 1232 /* the DNS flag day 2020 value */
#define EXT_RCODE_BADVERS 1 /* BADVERS (16) >> 4 */
#define DNS_CLASS_ANY 255

/* The SOA of the zone: plausible, fixed values. */
#define SOA_SERIAL 1
#define SOA_REFRESH 3600
#define SOA_RETRY 600
#define SOA_EXPIRE 86400

/* Reads the OPT record if it is the first additional record. */
static bool read_edns(struct cursor *c, struct dnsquery *q)
{
	uint8_t root = cursor_u8(c);
	uint16_t type = cursor_u16(c);
	(void)cursor_u16(c); /* the sender's UDP size: we stay under 512 */
	uint32_t ttl = cursor_u32(c);
	uint16_t rdlen = cursor_u16(c);
	cursor_skip(c, rdlen);
	if (!cursor_ok(c))
		return false;
	if (root == 0 && type == DNS_TYPE_OPT) {
		q->edns = true;
		q->edns_version = (uint8_t)(ttl >> 16);
	}
	return true;
}

enum dnsmsg_result dnsmsg_parse_query(const uint8_t *msg, size_t len,
	struct dnsquery *q)
{
	struct cursor c;
	memset(q, 0, sizeof *q);
	if (len < DNS_HEADER_BYTES)
		return DNSMSG_DROP;
	cursor_init(&c, msg, len);
	q->id = cursor_u16(&c);
	q->flags = cursor_u16(&c);
	uint16_t qd = cursor_u16(&c), an = cursor_u16(&c), ns = cursor_u16(&c);
	uint16_t ar = cursor_u16(&c);
	q->rd = (q->flags & FLAG_RD) != 0;
	/* Never answer an answer: that is how reflection loops start. */
	if (q->flags & FLAG_QR)
		return DNSMSG_DROP;
	if (((q->flags >> OPCODE_SHIFT) & OPCODE_MASK) != OPCODE_QUERY)
		return DNSMSG_NOTIMP;
	if (qd != 1)
		return DNSMSG_FORMERR;
	if (dnsname_read(&c, &q->qname) != DNSNAME_OK)
		return DNSMSG_FORMERR;
	q->qtype = cursor_u16(&c);
	q->qclass = cursor_u16(&c);
	if (!cursor_ok(&c))
		return DNSMSG_FORMERR;
	q->has_question = true;
	/* A query's only extra record is its OPT (RFC 6891). */
	if (an == 0 && ns == 0 && ar > 0 && !read_edns(&c, q))
		return DNSMSG_FORMERR;
	return DNSMSG_QUERY;
}

static void write_header(struct writer *w, uint16_t id, uint16_t flags,
	uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	writer_u16(w, id);
	writer_u16(w, flags);
	writer_u16(w, qd);
	writer_u16(w, an);
	writer_u16(w, ns);
	writer_u16(w, ar);
}

/* The zone's SOA record; its owner is the zone as it appears in the
 * question (at offset zone_off), so names are written as pointers. */
static void write_soa(struct writer *w, uint16_t zone_off)
{
	static const char host[] = "ns", mbox[] = "hostmaster";
	writer_u16(w, POINTER(zone_off));
	writer_u16(w, DNS_TYPE_SOA);
	writer_u16(w, DNS_CLASS_IN);
	writer_u32(w, DNS_ANSWER_TTL);
	writer_u16(w, (uint16_t)(1 + sizeof host - 1 + 2 + 1 + sizeof mbox - 1 + 2 + 20));
	writer_u8(w, sizeof host - 1);
	writer_bytes(w, host, sizeof host - 1);
	writer_u16(w, POINTER(zone_off));
	writer_u8(w, sizeof mbox - 1);
	writer_bytes(w, mbox, sizeof mbox - 1);
	writer_u16(w, POINTER(zone_off));
	writer_u32(w, SOA_SERIAL);
	writer_u32(w, SOA_REFRESH);
	writer_u32(w, SOA_RETRY);
	writer_u32(w, SOA_EXPIRE);
	writer_u32(w, DNS_ANSWER_TTL); /* minimum: the negative-caching TTL */
}

static void write_address(struct writer *w, uint16_t type, const struct addr *a)
{
	writer_u16(w, POINTER(DNS_HEADER_BYTES)); /* the question's name */
	writer_u16(w, type);
	writer_u16(w, DNS_CLASS_IN);
	writer_u32(w, DNS_ANSWER_TTL);
	writer_u16(w, (uint16_t)addr_len(a));
	writer_bytes(w, a->bytes, addr_len(a));
}

static void write_opt(struct writer *w, uint8_t ext_rcode)
{
	writer_u8(w, 0); /* the root */
	writer_u16(w, DNS_TYPE_OPT);
	writer_u16(w, EDNS_UDP_SIZE);
	writer_u32(w, (uint32_t)ext_rcode << 24); /* version 0, no DO */
	writer_u16(w, 0);
}

/* The answer record to give, if any. */
static const struct addr *answer_for(const struct dnsquery *q,
	const struct dnsmsg_zone *z, uint16_t *type)
{
	if (z->mode != DNS_ANSWER_ADDRESS)
		return NULL;
	*type = q->qtype;
	if (q->qtype == DNS_TYPE_A && z->a4.family)
		return &z->a4;
	if (q->qtype == DNS_TYPE_AAAA && z->a6.family)
		return &z->a6;
	return NULL;
}

size_t dnsmsg_answer(const struct dnsquery *q, enum dnsmsg_result r,
	const struct dnsmsg_zone *z, uint8_t *out, size_t cap)
{
	struct writer w;
	uint16_t flags = FLAG_QR | (q->flags & (OPCODE_MASK << OPCODE_SHIFT)) |
		(q->flags & FLAG_RD);
	uint8_t ext = 0;
	size_t below = 0;
	bool in_zone = false, soa = false;
	const struct addr *rr = NULL;
	uint16_t rr_type = 0;

	if (r == DNSMSG_DROP)
		return 0;
	if (r == DNSMSG_FORMERR)
		flags |= DNS_RCODE_FORMERR;
	else if (r == DNSMSG_NOTIMP)
		flags |= DNS_RCODE_NOTIMP;
	else if (q->edns && q->edns_version != 0)
		ext = EXT_RCODE_BADVERS; /* RFC 6891 §6.1.3: no answer */
	else if (!dnsname_under(&q->qname, &z->zone, &below) ||
		 (q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY))
		flags |= DNS_RCODE_REFUSED; /* not our zone */
	else {
		in_zone = true;
		flags |= FLAG_AA;
		if (below > 0 && z->mode == DNS_ANSWER_NXDOMAIN)
			flags |= DNS_RCODE_NXDOMAIN;
		else
			rr = answer_for(q, z, &rr_type);
		soa = !rr; /* the SOA answers an apex SOA query, else goes in authority */
	}
	bool apex_soa = in_zone && below == 0 && q->qtype == DNS_TYPE_SOA;
	/* The zone's own labels inside the echoed question. */
	uint16_t zone_off = (uint16_t)(DNS_HEADER_BYTES +
		(below < q->qname.nlabels ? q->qname.off[below] : q->qname.wire_len - 1));

	writer_init(&w, out, cap);
	write_header(&w, q->id, flags, q->has_question ? 1 : 0,
		(rr || (soa && apex_soa)) ? 1 : 0, (soa && !apex_soa) ? 1 : 0,
		q->edns ? 1 : 0);
	if (q->has_question) {
		dnsname_write(&w, &q->qname);
		writer_u16(&w, q->qtype);
		writer_u16(&w, q->qclass);
	}
	if (rr)
		write_address(&w, rr_type, rr);
	if (soa)
		write_soa(&w, zone_off);
	if (q->edns)
		write_opt(&w, ext);
	return writer_ok(&w) ? w.pos : 0;
}

size_t dnsmsg_build_query(uint16_t id, const struct dnsname *name, uint16_t qtype,
	uint8_t *out, size_t cap)
{
	struct writer w;
	writer_init(&w, out, cap);
	write_header(&w, id, FLAG_RD, 1, 0, 0, 0);
	dnsname_write(&w, name);
	writer_u16(&w, qtype);
	writer_u16(&w, DNS_CLASS_IN);
	return writer_ok(&w) ? w.pos : 0;
}

bool dnsmsg_parse_reply(const uint8_t *msg, size_t len, uint16_t *id, uint8_t *rcode)
{
	struct cursor c;
	cursor_init(&c, msg, len);
	*id = cursor_u16(&c);
	uint16_t flags = cursor_u16(&c);
	*rcode = (uint8_t)(flags & 0xF);
	return cursor_ok(&c) && len >= DNS_HEADER_BYTES && (flags & FLAG_QR);
}
