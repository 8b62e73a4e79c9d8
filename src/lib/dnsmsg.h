/* dnsmsg — the two DNS messages postern deals in: a query (parsed from the
 * network, or built by the client) and the answer an authoritative server
 * for the knock zone gives to it.
 *
 * The answer depends only on the question, never on whether it held a valid
 * knock: an observer learns nothing from it (no oracle). Under the zone every
 * name exists and has no data (NOERROR, SOA in the authority section, so
 * resolvers cache it briefly and, with QNAME minimisation, go on to the full
 * name), or the configured A/AAAA record, or NXDOMAIN if configured; the
 * zone's apex has its SOA; other zones are REFUSED. The question is echoed
 * byte for byte (case included: resolvers check it, see dnsname.h). */
#ifndef POSTERN_DNSMSG_H
#define POSTERN_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dnsname.h"

#define DNS_HEADER_BYTES 12
#define DNS_UDP_MAX 512 /* a reply without EDNS must fit */
#define DNS_PORT 53

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_SOA 6
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

/* Seconds resolvers may keep an answer (and, through the SOA's minimum, a
 * negative one): short, since every knock name is new anyway. */
#define DNS_ANSWER_TTL 60

enum dnsmsg_result {
	DNSMSG_QUERY = 0, /* a well-formed standard query: answer it */
	DNSMSG_FORMERR, /* a query, but malformed: answer FORMERR */
	DNSMSG_NOTIMP, /* a query with another opcode: answer NOTIMP */
	DNSMSG_DROP, /* not a query (a reply, or too short): never answer */
};

struct dnsquery {
	uint16_t id;
	uint16_t flags; /* as received */
	bool rd; /* recursion desired: set by stubs, clear in a resolver's queries */
	bool has_question;
	struct dnsname qname; /* as received, case kept */
	uint16_t qtype, qclass;
	bool edns; /* carried an OPT record */
	uint8_t edns_version;
};

/* What the server answers (from the config). */
enum dns_answer_mode {
	DNS_ANSWER_NODATA = 0,
	DNS_ANSWER_NXDOMAIN,
	DNS_ANSWER_ADDRESS, /* a4 for A, a6 for AAAA (each optional), else NODATA */
};

struct dnsmsg_zone {
	struct dnsname zone;
	enum dns_answer_mode mode;
	struct addr a4, a6; /* family 0 = none */
};

/* Parses a message received on UDP. Reads only through a cursor; never
 * reads past len. Fills q as far as it got (for FORMERR/NOTIMP answers). */
enum dnsmsg_result dnsmsg_parse_query(const uint8_t *msg, size_t len,
	struct dnsquery *q);

/* Builds the answer to q (as parsed with result r, which must not be
 * DNSMSG_DROP) into out (room for cap bytes; DNS_UDP_MAX is always enough).
 * Returns its length, or 0 if it does not fit. */
size_t dnsmsg_answer(const struct dnsquery *q, enum dnsmsg_result r,
	const struct dnsmsg_zone *z, uint8_t *out, size_t cap);

/* Builds a standard query for name and qtype with id, RD set and no EDNS
 * (as a plain stub resolver sends it). Returns its length, or 0. */
size_t dnsmsg_build_query(uint16_t id, const struct dnsname *name, uint16_t qtype,
	uint8_t *out, size_t cap);

/* Reads the id and rcode of a reply (QR set); false if it is not one. */
bool dnsmsg_parse_reply(const uint8_t *msg, size_t len, uint16_t *id,
	uint8_t *rcode);

#endif
