/* fuzz_dns — libFuzzer target for the DNS carrier's parsers: the query
 * parser and name reader (dnsmsg.c, dnsname.c), the knock-name decoder
 * (dnsknock.c, base32.c), the server's answer builder and the carrier.
 *
 * Input: a UDP payload as sent to port 53, in a heap block of exactly its
 * size so ASan sees any read past it. Checked on every input:
 *  1. dnsmsg_parse_query never crashes; a parsed name is within RFC 1035's
 *     limits and its labels lie inside it;
 *  2. every query that is answered at all gets an answer that fits 512
 *     bytes, is a reply with the query's ID, and echoes the question byte
 *     for byte;
 *  3. a knock read from the name survives a round trip: an SPA knock
 *     written under the zone again reads back as the same 100 bytes; text
 *     and user hints are lower case and NUL-terminated;
 *  4. the input read as base32 either is refused or re-encodes to itself
 *     (lower case): one encoding per byte string.
 * Any violated property aborts, which libFuzzer reports as a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base32.h"
#include "carrier_dns.h"
#include "config.h"
#include "dnsknock.h"
#include "dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ZONE "k.example.net"

static const struct config *fixed_config(void)
{
	static struct config *c;
	if (!c) {
		struct errbuf err;
		if (config_load_string("[daemon]\ndns = authoritative\ndns_zone = " ZONE "\n"
			    "dns_answer = 192.0.2.1, 2001:db8::1\n[protect]\nports = tcp/22\n",
			    "fuzz", 0, &c, &err) != 0)
			abort();
	}
	return c;
}

static void check_name(const struct dnsname *n)
{
	if (n->wire_len < 1 || n->wire_len > DNSNAME_WIRE_MAX || n->wire[n->wire_len - 1] != 0)
		abort();
	for (size_t i = 0; i < n->nlabels; i++) {
		size_t len;
		(void)dnsname_label(n, i, &len);
		if (len == 0 || len > DNSNAME_LABEL_MAX || n->off[i] + 1u + len >= n->wire_len)
			abort();
	}
}

static void check_lower(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			abort();
}

static void check_knock(const struct dnsquery *q, const struct config *c)
{
	struct dnsknock k, again;
	char name[DNSNAME_TEXT_MAX + 1];
	struct dnsname n;
	switch (dnsknock_read(&q->qname, &c->dns.zone.zone, &k)) {
	case DNSKNOCK_SPA:
		if (!dnsknock_spa_name(k.u.spa, ZONE, name, sizeof name) ||
		    !dnsname_from_text(name, &n) ||
		    dnsknock_read(&n, &c->dns.zone.zone, &again) != DNSKNOCK_SPA ||
		    memcmp(again.u.spa, k.u.spa, sizeof k.u.spa) != 0)
			abort();
		break;
	case DNSKNOCK_TEXT:
		check_lower(k.u.text, sizeof k.u.text);
		break;
	default:
		break;
	}
	check_lower(k.user, sizeof k.user);
	struct candidate cand;
	if (carrier_dns_candidates(c, q, true, &cand, 1) > 1)
		abort();
}

static void check_base32(const uint8_t *data, size_t size)
{
	uint8_t out[256];
	char enc[BASE32_LEN(256) + 1];
	if (size > 400)
		return;
	long n = base32_decode((const char *)data, size, out, sizeof out);
	if (n < 0)
		return;
	if (base32_encode(out, (size_t)n, enc, sizeof enc) != size)
		abort();
	for (size_t i = 0; i < size; i++) {
		char ch = (char)data[i];
		if ((ch >= 'A' && ch <= 'Z' ? (char)(ch | 0x20) : ch) != enc[i])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct config *c = fixed_config();
	uint8_t *msg = malloc(size ? size : 1);
	if (!msg)
		return 0;
	memcpy(msg, data, size);
	struct dnsquery q;
	enum dnsmsg_result r = dnsmsg_parse_query(msg, size, &q);
	if (q.has_question)
		check_name(&q.qname);
	if (r != DNSMSG_DROP) {
		uint8_t *answer = malloc(DNS_UDP_MAX);
		if (!answer)
			abort();
		size_t alen = dnsmsg_answer(&q, r, &c->dns.zone, answer, DNS_UDP_MAX);
		uint16_t id;
		uint8_t rcode;
		if (alen < DNS_HEADER_BYTES || !dnsmsg_parse_reply(answer, alen, &id, &rcode) ||
		    id != q.id)
			abort();
		if (q.has_question &&
		    (alen < DNS_HEADER_BYTES + q.qname.wire_len + 4u ||
		     memcmp(answer + DNS_HEADER_BYTES, q.qname.wire, q.qname.wire_len) != 0))
			abort();
		free(answer);
	}
	if (r == DNSMSG_QUERY)
		check_knock(&q, c);
	check_base32(msg, size);
	free(msg);
	return 0;
}
