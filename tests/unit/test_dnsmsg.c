/* test_dnsmsg — DNS queries parsed from the wire and the answers the knock
 * zone's server gives (the question echoed byte for byte, NODATA with the
 * SOA, addresses, NXDOMAIN, REFUSED, FORMERR, NOTIMP, EDNS), the dns_*
 * config keys, and the DNS carrier turning query names into candidates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "carrier_dns.h"
#include "config.h"
#include "dnsknock.h"
#include "dnsmsg.h"

#define CONF_HEAD "[protect]\nports = tcp/22\n[daemon]\n"

static struct dnsmsg_zone zone(enum dns_answer_mode mode)
{
	struct dnsmsg_zone z;
	memset(&z, 0, sizeof z);
	assert_true(dnsname_from_text("k.example.net", &z.zone));
	z.mode = mode;
	assert_true(addr_parse("192.0.2.7", &z.a4));
	assert_true(addr_parse("2001:db8::7", &z.a6));
	return z;
}

static size_t query(const char *name, uint16_t qtype, uint8_t *out)
{
	struct dnsname n;
	assert_true(dnsname_from_text(name, &n));
	size_t len = dnsmsg_build_query(0xBEEF, &n, qtype, out, DNS_UDP_MAX);
	assert_true(len > DNS_HEADER_BYTES);
	return len;
}

/* What a reply says, read the simple way (no compression in questions). */
struct reply {
	uint16_t id, flags, qd, an, ns, ar;
	size_t question_end;
	uint16_t first_type; /* of the first record after the question */
	uint8_t rdata[16];
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void read_reply(const uint8_t *m, size_t len, struct reply *r)
{
	memset(r, 0, sizeof *r);
	assert_true(len >= DNS_HEADER_BYTES);
	r->id = be16(m);
	r->flags = be16(m + 2);
	r->qd = be16(m + 4);
	r->an = be16(m + 6);
	r->ns = be16(m + 8);
	r->ar = be16(m + 10);
	size_t o = DNS_HEADER_BYTES;
	if (r->qd) {
		while (m[o])
			o += 1u + m[o];
		o += 5;
	}
	r->question_end = o;
	if (o + 12 <= len) {
		assert_int_equal(m[o], 0xC0); /* a pointer: owners are compressed */
		r->first_type = be16(m + o + 2);
		uint16_t rdlen = be16(m + o + 10);
		memcpy(r->rdata, m + o + 12, rdlen < 16 ? rdlen : 16);
	}
}

static void answer_echoes_question_and_says_nodata(void **state)
{
	(void)state;
	uint8_t q[DNS_UDP_MAX], a[DNS_UDP_MAX];
	struct dnsquery dq;
	struct reply r;
	struct dnsmsg_zone z = zone(DNS_ANSWER_NODATA);
	size_t qlen = query("AbCdEfGh.K.eXaMpLe.NET", DNS_TYPE_A, q);
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	assert_true(dq.rd);
	assert_int_equal(dq.qtype, DNS_TYPE_A);
	size_t alen = dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a);
	assert_true(alen > qlen);
	read_reply(a, alen, &r);
	assert_int_equal(r.id, 0xBEEF);
	assert_int_equal(r.flags & 0x8000, 0x8000); /* QR */
	assert_int_equal(r.flags & 0x0400, 0x0400); /* AA */
	assert_int_equal(r.flags & 0x0100, 0x0100); /* RD copied */
	assert_int_equal(r.flags & 0xF, DNS_RCODE_NOERROR);
	assert_int_equal(r.qd, 1);
	assert_int_equal(r.an, 0);
	assert_int_equal(r.ns, 1);
	assert_int_equal(r.first_type, DNS_TYPE_SOA);
	/* The question, byte for byte, case included. */
	assert_memory_equal(a + DNS_HEADER_BYTES, q + DNS_HEADER_BYTES, qlen - DNS_HEADER_BYTES);
}

static void answer_addresses_nxdomain_refused(void **state)
{
	(void)state;
	uint8_t q[DNS_UDP_MAX], a[DNS_UDP_MAX];
	struct dnsquery dq;
	struct reply r;
	struct dnsmsg_zone z = zone(DNS_ANSWER_ADDRESS);
	size_t qlen = query("x.k.example.net", DNS_TYPE_A, q);
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a), &r);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.ns, 0);
	assert_int_equal(r.first_type, DNS_TYPE_A);
	assert_memory_equal(r.rdata, z.a4.bytes, 4);
	qlen = query("x.k.example.net", DNS_TYPE_AAAA, q);
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a), &r);
	assert_int_equal(r.first_type, DNS_TYPE_AAAA);
	assert_memory_equal(r.rdata, z.a6.bytes, 16);
	qlen = query("x.k.example.net", DNS_TYPE_TXT, q); /* no TXT: NODATA */
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a), &r);
	assert_int_equal(r.an, 0);
	assert_int_equal(r.first_type, DNS_TYPE_SOA);

	z = zone(DNS_ANSWER_NXDOMAIN);
	qlen = query("x.k.example.net", DNS_TYPE_A, q);
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a), &r);
	assert_int_equal(r.flags & 0xF, DNS_RCODE_NXDOMAIN);
	assert_int_equal(r.ns, 1);
	/* The apex exists: its SOA. */
	qlen = query("k.example.net", DNS_TYPE_SOA, q);
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a), &r);
	assert_int_equal(r.flags & 0xF, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.first_type, DNS_TYPE_SOA);
	/* Another zone: REFUSED, not authoritative. */
	qlen = query("www.example.org", DNS_TYPE_A, q);
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a), &r);
	assert_int_equal(r.flags & 0xF, DNS_RCODE_REFUSED);
	assert_int_equal(r.flags & 0x0400, 0);
	assert_int_equal(r.an + r.ns, 0);
}

static void malformed_queries(void **state)
{
	(void)state;
	uint8_t q[DNS_UDP_MAX], a[DNS_UDP_MAX];
	struct dnsquery dq;
	struct reply r;
	struct dnsmsg_zone z = zone(DNS_ANSWER_NODATA);
	size_t qlen = query("x.k.example.net", DNS_TYPE_A, q);

	assert_int_equal(dnsmsg_parse_query(q, 11, &dq), DNSMSG_DROP); /* no header */
	q[2] |= 0x80; /* QR: an answer is never answered */
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_DROP);
	assert_int_equal(dnsmsg_answer(&dq, DNSMSG_DROP, &z, a, sizeof a), 0);
	q[2] &= 0x7f;
	q[2] |= 2 << 3; /* opcode STATUS */
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_NOTIMP);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_NOTIMP, &z, a, sizeof a), &r);
	assert_int_equal(r.flags & 0xF, DNS_RCODE_NOTIMP);
	q[2] &= (uint8_t)~(0xF << 3);
	q[5] = 2; /* two questions */
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_FORMERR);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_FORMERR, &z, a, sizeof a), &r);
	assert_int_equal(r.flags & 0xF, DNS_RCODE_FORMERR);
	q[5] = 1;
	assert_int_equal(dnsmsg_parse_query(q, qlen - 1, &dq), DNSMSG_FORMERR); /* cut qclass */
	q[DNS_HEADER_BYTES] = 0xC0; /* a pointer to itself */
	q[DNS_HEADER_BYTES + 1] = DNS_HEADER_BYTES;
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_FORMERR);
	assert_false(dq.has_question);
	read_reply(a, dnsmsg_answer(&dq, DNSMSG_FORMERR, &z, a, sizeof a), &r);
	assert_int_equal(r.qd, 0);
}

static void edns_is_echoed(void **state)
{
	(void)state;
	uint8_t q[DNS_UDP_MAX], a[DNS_UDP_MAX];
	struct dnsquery dq;
	struct reply r;
	struct dnsmsg_zone z = zone(DNS_ANSWER_NODATA);
	size_t qlen = query("x.k.example.net", DNS_TYPE_A, q);
	static const uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0 }; /* DO */
	memcpy(q + qlen, opt, sizeof opt);
	q[11] = 1; /* ARCOUNT */
	assert_int_equal(dnsmsg_parse_query(q, qlen + sizeof opt, &dq), DNSMSG_QUERY);
	assert_true(dq.edns);
	size_t alen = dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a);
	read_reply(a, alen, &r);
	assert_int_equal(r.ar, 1);
	assert_int_equal(a[alen - 11], 0); /* the OPT record ends the reply */
	assert_int_equal(be16(a + alen - 10), DNS_TYPE_OPT);
	/* Version 1: BADVERS (extended rcode 1), no data. */
	q[qlen + 6] = 1;
	assert_int_equal(dnsmsg_parse_query(q, qlen + sizeof opt, &dq), DNSMSG_QUERY);
	alen = dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a);
	read_reply(a, alen, &r);
	assert_int_equal(r.an + r.ns, 0);
	assert_int_equal(a[alen - 6], 1);
	/* A truncated OPT record is a malformed query. */
	assert_int_equal(dnsmsg_parse_query(q, qlen + 5, &dq), DNSMSG_FORMERR);
}

static void longest_name_fits_512(void **state)
{
	(void)state;
	uint8_t wire[KNOCK_WIRE_BYTES] = { 0 }, q[DNS_UDP_MAX], a[DNS_UDP_MAX];
	char zone_text[DNSKNOCK_ZONE_MAX + 1], name[DNSNAME_TEXT_MAX + 1];
	struct dnsquery dq;
	struct dnsmsg_zone z;
	memset(zone_text, 'z', sizeof zone_text - 1);
	zone_text[60] = '.';
	zone_text[DNSKNOCK_ZONE_MAX] = '\0';
	assert_true(dnsknock_spa_name(wire, zone_text, name, sizeof name));
	memset(&z, 0, sizeof z);
	assert_true(dnsname_from_text(zone_text, &z.zone));
	z.mode = DNS_ANSWER_ADDRESS;
	assert_true(addr_parse("2001:db8::1", &z.a6));
	size_t qlen = query(name, DNS_TYPE_AAAA, q);
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	assert_true(dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a) > 0);
	qlen = query(name, DNS_TYPE_TXT, q);
	assert_int_equal(dnsmsg_parse_query(q, qlen, &dq), DNSMSG_QUERY);
	assert_true(dnsmsg_answer(&dq, DNSMSG_QUERY, &z, a, sizeof a) > 0);
}

/* ---- config ---- */

static int load(const char *text, struct config **c, char *msg)
{
	struct errbuf err = { { 0 } };
	int rc = config_load_string(text, "t.conf", 0, c, &err);
	strcpy(msg, err.msg);
	return rc;
}

static void config_keys(void **state)
{
	(void)state;
	struct config *c;
	char msg[sizeof((struct errbuf *)0)->msg];
	assert_int_equal(load(CONF_HEAD "dns = sniff\ndns_zone = K.Example.NET.\n", &c, msg), 0);
	assert_int_equal(c->dns.mode, DNS_SNIFF);
	assert_string_equal(c->dns.zone_text, "k.example.net");
	config_free(c);
	assert_int_equal(load(CONF_HEAD "dns = authoritative\ndns_zone = k.example.net\n"
		"dns_answer = 192.0.2.1, 2001:db8::1\ndns_listen = 10.0.0.1, fd00::1\n", &c, msg), 0);
	assert_int_equal(c->dns.zone.mode, DNS_ANSWER_ADDRESS);
	assert_int_equal(c->dns.nlisten, 2);
	config_free(c);

	assert_int_equal(load(CONF_HEAD "dns = sniff\n", &c, msg), -1);
	assert_non_null(strstr(msg, "t.conf:4: dns = sniff needs"));
	assert_int_equal(load(CONF_HEAD "dns_zone = k.example.net\n", &c, msg), -1);
	assert_non_null(strstr(msg, "dns = off"));
	assert_int_equal(load(CONF_HEAD "dns = sniff\ndns_zone = k.example.net\n"
		"dns_answer = nxdomain\n", &c, msg), -1);
	assert_non_null(strstr(msg, "t.conf:6:"));
	assert_int_equal(load(CONF_HEAD "dns = maybe\n", &c, msg), -1);
	assert_int_equal(load(CONF_HEAD "dns = sniff\ndns_zone = a..b\n", &c, msg), -1);
	assert_int_equal(load(CONF_HEAD "dns = authoritative\ndns_zone = k.example.net\n"
		"dns_answer = nodata, 192.0.2.1\n", &c, msg), -1);
	assert_int_equal(load(CONF_HEAD "dns = authoritative\ndns_zone = k.example.net\n"
		"dns_answer = 192.0.2.1, 192.0.2.2\n", &c, msg), -1);
	assert_int_equal(load(CONF_HEAD "dns = authoritative\ndns_zone = k.example.net\n"
		"dns_listen = any, 10.0.0.1\n", &c, msg), -1);

	/* 90 characters is the longest zone, 91 is refused with the reason. */
	char text[512], z[100];
	memset(z, 'a', 60);
	z[60] = '.';
	memset(z + 61, 'b', 29);
	z[90] = '\0';
	snprintf(text, sizeof text, CONF_HEAD "dns = sniff\ndns_zone = %s\n", z);
	assert_int_equal(load(text, &c, msg), 0);
	config_free(c);
	z[90] = 'b';
	z[91] = '\0';
	snprintf(text, sizeof text, CONF_HEAD "dns = sniff\ndns_zone = %s\n", z);
	assert_int_equal(load(text, &c, msg), -1);
	assert_non_null(strstr(msg, "at most 90"));
}

static void config_print_round_trip(void **state)
{
	(void)state;
	struct config *c, *c2;
	char msg[256], *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	assert_int_equal(load(CONF_HEAD "dns = authoritative\ndns_zone = k.example.net\n"
		"dns_answer = 2001:db8::5\n", &c, msg), 0);
	FILE *f = open_memstream(&buf, &len);
	config_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "dns = authoritative\ndns_zone = k.example.net\n"
		"dns_answer = 2001:db8::5\ndns_listen = any\n"));
	assert_int_equal(load(buf, &c2, msg), 0);
	f = open_memstream(&buf2, &len2);
	config_print(c2, f);
	fclose(f);
	assert_string_equal(strchr(buf, '\n'), strchr(buf2, '\n'));
	config_free(c);
	config_free(c2);
	free(buf);
	free(buf2);
}

/* ---- the carrier ---- */

static void carrier_candidates(void **state)
{
	(void)state;
	struct config *c;
	char msg[256], name[DNSNAME_TEXT_MAX + 1];
	uint8_t q[DNS_UDP_MAX], wire[KNOCK_WIRE_BYTES];
	struct dnsquery dq;
	struct candidate cand[2];
	assert_int_equal(load(CONF_HEAD "dns = sniff\ndns_zone = k.example.net\n", &c, msg), 0);

	randombytes_buf(wire, sizeof wire);
	assert_true(dnsknock_spa_name(wire, "K.EXAMPLE.NET", name, sizeof name));
	assert_int_equal(dnsmsg_parse_query(q, query(name, DNS_TYPE_A, q), &dq), DNSMSG_QUERY);
	assert_int_equal(carrier_dns_candidates(c, &dq, true, cand, 2), 1);
	assert_int_equal(cand[0].kind, CANDIDATE_SPA);
	assert_true(cand[0].via_resolver);
	assert_memory_equal(cand[0].u.spa, wire, sizeof wire);

	assert_int_equal(dnsmsg_parse_query(q, query("123456.ALICE.k.example.net",
		DNS_TYPE_A, q), &dq), DNSMSG_QUERY);
	assert_int_equal(carrier_dns_candidates(c, &dq, false, cand, 2), 1);
	assert_int_equal(cand[0].kind, CANDIDATE_TEXT);
	assert_string_equal(cand[0].u.text, "123456");
	assert_string_equal(cand[0].user_hint, "alice");

	assert_int_equal(dnsmsg_parse_query(q, query("mfrggzdfmztwq.k.example.net",
		DNS_TYPE_A, q), &dq), DNSMSG_QUERY);
	assert_int_equal(carrier_dns_candidates(c, &dq, false, cand, 2), 1);
	assert_int_equal(cand[0].kind, CANDIDATE_TOKEN);
	assert_int_equal(cand[0].u.token.len, 8);
	assert_memory_equal(cand[0].u.token.bytes, "abcdefgh", 8);

	assert_int_equal(dnsmsg_parse_query(q, query("www.k.example.net", DNS_TYPE_A, q),
		&dq), DNSMSG_QUERY);
	assert_int_equal(carrier_dns_candidates(c, &dq, false, cand, 2), 0);
	assert_int_equal(carrier_dns_candidates(c, &dq, false, cand, 0), 0);
	config_free(c);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answer_echoes_question_and_says_nodata),
		cmocka_unit_test(answer_addresses_nxdomain_refused),
		cmocka_unit_test(malformed_queries),
		cmocka_unit_test(edns_is_echoed),
		cmocka_unit_test(longest_name_fits_512),
		cmocka_unit_test(config_keys),
		cmocka_unit_test(config_print_round_trip),
		cmocka_unit_test(carrier_candidates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
