/* carrier_dns — see carrier_dns.h. In sniff mode nothing answers: the query
 * is captured on its way in and the kernel drops it (or a real DNS server
 * on this host answers it). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "carrier.h"
#include "carrier_dns.h"
#include "dnsknock.h"

#define DNS_UDP_HEADER_BYTES 8

/* Config user names are case-sensitive, labels arrive in any case: the
 * hint names the user whose name matches ignoring case. */
static void set_hint(const struct config *c, const char *label, char *hint)
{
	const struct config_user *u = config_find_user_nocase(c, label);
	snprintf(hint, CONFIG_NAME_MAX, "%s", u ? u->name : label);
}

size_t carrier_dns_candidates(const struct config *c, const struct dnsquery *q,
	bool via_resolver, struct candidate *out, size_t max)
{
	struct dnsknock k;
	if (max == 0 || !q->has_question ||
	    dnsknock_read(&q->qname, &c->dns.zone.zone, &k) == DNSKNOCK_NONE)
		return 0;
	memset(out, 0, sizeof *out);
	out->via_resolver = via_resolver;
	if (k.user[0])
		set_hint(c, k.user, out->user_hint);
	switch (k.kind) {
	case DNSKNOCK_SPA:
		out->kind = CANDIDATE_SPA;
		memcpy(out->u.spa, k.u.spa, sizeof out->u.spa);
		break;
	case DNSKNOCK_TOKEN:
		out->kind = CANDIDATE_TOKEN;
		out->u.token.len = sizeof k.u.token;
		memcpy(out->u.token.bytes, k.u.token, sizeof k.u.token);
		break;
	case DNSKNOCK_TEXT:
	default:
		out->kind = CANDIDATE_TEXT;
		snprintf(out->u.text, sizeof out->u.text, "%s", k.u.text);
		break;
	}
	return 1;
}

static bool dns_bpf(const struct config *c, char *buf, size_t len)
{
	buf[0] = '\0';
	if (c->dns.mode != DNS_SNIFF)
		return true;
	/* Both families: libpcap's "udp" covers IPv6 without extension headers. */
	int n = snprintf(buf, len, "udp dst port %d", DNS_PORT);
	return n > 0 && (size_t)n < len;
}

static size_t dns_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max)
{
	struct dnsquery q;
	if (c->dns.mode != DNS_SNIFF || f->proto != IPPROTO_UDP || f->dport != DNS_PORT ||
	    dnsmsg_parse_query(f->payload, f->payload_len, &q) != DNSMSG_QUERY)
		return 0;
	/* A query without RD is a resolver's iterative query (a real server
	 * for the zone runs here): its source is not the user's address. */
	return carrier_dns_candidates(c, &q, !q.rd, out, max);
}

/* A query as long as a DNS message without EDNS may be (longer ones are
 * cut by the capture's ceiling, CARRIER_SNAPLEN_MAX, anyway). */
static size_t dns_max_packet(const struct config *c)
{
	if (c->dns.mode != DNS_SNIFF)
		return 0;
	return CARRIER_IP_HEADER_MAX + DNS_UDP_HEADER_BYTES + DNS_UDP_MAX;
}

const struct carrier carrier_dns = {
	.id = CARRIER_DNS,
	.name = "dns",
	.bpf = dns_bpf,
	.extract = dns_extract,
	.max_packet = dns_max_packet,
};
