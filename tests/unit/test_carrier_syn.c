/* test_carrier_syn — the SYN token carrier and the port-hit carrier: the
 * SYN our sender builds (send_syn.c) looks like Linux's and yields its
 * token; port hits come from SYNs and datagrams on watched ports only; the
 * kernel filter (compiled by the real libpcap, run with pcap_offline_filter)
 * agrees with the userspace checks for IPv4 and IPv6. With POSTERN_SYN_PCAP
 * and POSTERN_SYN_TOKEN set (tests/integration/test_syn.sh), the SYNs in
 * that capture, sent by `postern syn-knock`, must yield that token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "carrier.h"
#include "config.h"
#include "frame.h"
#include "send_syn.h"
#include "tcpopt.h"

#define CONFIG_TEXT "[daemon]\nsyn_ports = tcp/4444\n" \
	"sequence_watch = tcp/5000-9999, udp/1-65535\n" \
	"[protect]\nports = tcp/22\n" \
	"[user alice]\nkey = /k/alice.key\nopen = tcp/22\n" \
	"sequence = 7000, 8000:udp, 9000\n"

static const uint8_t TOKEN[8] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67 };

struct pkt {
	uint8_t b[256];
	size_t n;
};

static struct config *load(void)
{
	struct config *c = NULL;
	struct errbuf err;
	if (config_load_string(CONFIG_TEXT, "cfg", 0, &c, &err) != 0)
		fail_msg("%s", err.msg);
	return c;
}

/* Raw IP (DLT_RAW) around a TCP segment or UDP datagram. */
static void wrap(struct pkt *p, int family, uint8_t proto, const uint8_t *l4, size_t n)
{
	memset(p, 0, sizeof *p);
	if (family == AF_INET) {
		uint8_t h[20] = { 0x45, 0, 0, (uint8_t)(20 + n), 0x12, 0x34, 0x40, 0, 64, proto,
			0, 0, 10, 77, 0, 2, 10, 77, 0, 1 };
		memcpy(p->b, h, 20);
		p->n = 20;
	} else {
		uint8_t h[40] = { 0x60, 0, 0, 0, 0, (uint8_t)n, proto, 64 };
		h[8] = 0xfd; h[9] = 0x77; h[23] = 2;
		h[24] = 0xfd; h[25] = 0x77; h[39] = 1;
		memcpy(p->b, h, 40);
		p->n = 40;
	}
	memcpy(p->b + p->n, l4, n);
	p->n += n;
}

static void syn_pkt(struct pkt *p, int family, uint16_t dport)
{
	struct addr src = { .family = (uint8_t)family }, dst = src;
	uint8_t seg[SYN_SEGMENT_BYTES];
	syn_build(seg, &src, &dst, 40000, dport, family == AF_INET ? 1460 : 1440, TOKEN);
	wrap(p, family, IPPROTO_TCP, seg, sizeof seg);
}

static size_t extract(const struct config *c, const struct pkt *p, struct candidate *out)
{
	struct frame f;
	assert_int_equal(frame_decode(DLT_RAW, p->b, p->n, &f), FRAME_OK);
	return carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES);
}

static bool bpf_match(const struct config *c, const struct pkt *p)
{
	char filter[8192];
	struct bpf_program prog;
	pcap_t *pc = pcap_open_dead(DLT_RAW, 1024);
	assert_true(carriers_bpf(c, filter, sizeof filter));
	if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
		fail_msg("pcap_compile: %s: %s", pcap_geterr(pc), filter);
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)p->n, .len = (bpf_u_int32)p->n };
	bool m = pcap_offline_filter(&prog, &h, p->b) != 0;
	pcap_freecode(&prog);
	pcap_close(pc);
	return m;
}

static void linux_shape(void **state)
{
	(void)state;
	struct addr src = { .family = AF_INET }, dst = src;
	uint8_t seg[SYN_SEGMENT_BYTES];
	struct tcpopt o;
	syn_build(seg, &src, &dst, 40000, 4444, 1460, TOKEN);
	assert_int_equal(seg[12] >> 4, 10); /* 40-byte header */
	assert_int_equal(seg[13], 0x02); /* SYN only */
	assert_int_equal(seg[14] << 8 | seg[15], 64240); /* Linux's window for 1460 */
	/* MSS, SACK_PERM, TS, NOP, WS: Linux's order and sizes */
	assert_int_equal(seg[20], 2);
	assert_int_equal(seg[24], 4);
	assert_int_equal(seg[26], 8);
	assert_int_equal(seg[36], 1);
	assert_int_equal(seg[37], 3);
	assert_true(tcpopt_parse(seg + 20, 20, &o));
	assert_true(o.has_mss && o.has_sack_perm && o.has_ts && o.has_wscale);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.tsval, 0x01234567);
	assert_int_equal(o.tsecr, 0);
	assert_true(o.wscale <= 14); /* this host's tcp_rmem decides */
	assert_int_equal(o.nopts, 5);
}

static void options_parser(void **state)
{
	(void)state;
	struct tcpopt o;
	const uint8_t eol[] = { 1, 1, 0, 0xff };
	assert_true(tcpopt_parse(eol, sizeof eol, &o)); /* stops at EOL */
	const uint8_t zero_len[] = { 8, 0 };
	assert_false(tcpopt_parse(zero_len, sizeof zero_len, &o));
	const uint8_t past_end[] = { 8, 10, 0, 0 };
	assert_false(tcpopt_parse(past_end, sizeof past_end, &o));
	const uint8_t wrong_size[] = { 2, 3, 0 };
	assert_false(tcpopt_parse(wrong_size, sizeof wrong_size, &o));
	const uint8_t twice[] = { 4, 2, 4, 2 };
	assert_false(tcpopt_parse(twice, sizeof twice, &o));
	const uint8_t unknown[] = { 30, 4, 1, 2, 1 };
	assert_true(tcpopt_parse(unknown, sizeof unknown, &o));
	const uint8_t trunc[] = { 2 };
	assert_false(tcpopt_parse(trunc, sizeof trunc, &o));
}

static void syn_token_v4_v6(void **state)
{
	(void)state;
	struct config *c = load();
	struct candidate out[CARRIER_MAX_CANDIDATES];
	struct pkt p;
	int fams[] = { AF_INET, AF_INET6 };
	for (size_t i = 0; i < 2; i++) {
		syn_pkt(&p, fams[i], 4444);
		size_t n = extract(c, &p, out);
		assert_int_equal(n, 1); /* 4444 is not watched: no port hit */
		assert_int_equal(out[0].kind, CANDIDATE_TOKEN);
		assert_int_equal(out[0].carrier, CARRIER_SYN);
		assert_int_equal(out[0].u.token.len, 8);
		assert_memory_equal(out[0].u.token.bytes, TOKEN, 8);
		assert_true(bpf_match(c, &p));
		/* another port: no token */
		syn_pkt(&p, fams[i], 4445);
		assert_int_equal(extract(c, &p, out), 0);
		assert_false(bpf_match(c, &p));
		/* a SYN-ACK to 4444 is no knock */
		syn_pkt(&p, fams[i], 4444);
		p.b[p.n - SYN_SEGMENT_BYTES + 13] = 0x12;
		assert_int_equal(extract(c, &p, out), 0);
		assert_false(bpf_match(c, &p));
	}
	config_free(c);
}

static void port_hits(void **state)
{
	(void)state;
	struct config *c = load();
	struct candidate out[CARRIER_MAX_CANDIDATES];
	struct pkt p;
	int fams[] = { AF_INET, AF_INET6 };
	for (size_t i = 0; i < 2; i++) {
		syn_pkt(&p, fams[i], 7000); /* watched: tcp/5000-9999 */
		assert_int_equal(extract(c, &p, out), 1);
		assert_int_equal(out[0].kind, CANDIDATE_PORT_HIT);
		assert_int_equal(out[0].carrier, CARRIER_PORT);
		assert_int_equal(out[0].u.port.proto, IPPROTO_TCP);
		assert_int_equal(out[0].u.port.port, 7000);
		assert_true(bpf_match(c, &p));
		syn_pkt(&p, fams[i], 22); /* not watched */
		assert_int_equal(extract(c, &p, out), 0);
		assert_false(bpf_match(c, &p));
		syn_pkt(&p, fams[i], 7000);
		p.b[p.n - SYN_SEGMENT_BYTES + 13] = 0x10; /* a plain ACK */
		assert_int_equal(extract(c, &p, out), 0);
		assert_false(bpf_match(c, &p));
		p.b[p.n - SYN_SEGMENT_BYTES + 13] = 0x06; /* SYN+RST */
		assert_int_equal(extract(c, &p, out), 0);
		assert_false(bpf_match(c, &p));
		uint8_t udp[12] = { 0x9c, 0x40, 0x1f, 0x40, 0, 12, 0, 0, 'k', 'n', 'o', 'k' };
		wrap(&p, fams[i], IPPROTO_UDP, udp, sizeof udp); /* udp/8000 */
		assert_int_equal(extract(c, &p, out), 1);
		assert_int_equal(out[0].u.port.proto, IPPROTO_UDP);
		assert_int_equal(out[0].u.port.port, 8000);
		assert_true(bpf_match(c, &p));
	}
	config_free(c);
	/* Without sequences nothing is captured for them. */
	struct errbuf err;
	assert_int_equal(config_load_string("[protect]\nports = tcp/22\n", "cfg", 0, &c, &err), 0);
	syn_pkt(&p, AF_INET, 7000);
	assert_int_equal(extract(c, &p, out), 0);
	config_free(c);
}

/* The SYNs `postern syn-knock` really sent (captured by tcpdump). */
static void captured_syn(void **state)
{
	(void)state;
	const char *path = getenv("POSTERN_SYN_PCAP"), *hex = getenv("POSTERN_SYN_TOKEN");
	if (!path || !hex)
		skip();
	uint8_t want[8];
	size_t len;
	assert_int_equal(sodium_hex2bin(want, 8, hex, strlen(hex), NULL, &len, NULL), 0);
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, errbuf);
	if (!pc)
		fail_msg("%s", errbuf);
	struct config *c = load();
	struct pcap_pkthdr *h;
	const u_char *bytes;
	size_t tokens = 0;
	while (pcap_next_ex(pc, &h, &bytes) == 1) {
		struct frame f;
		struct candidate out[CARRIER_MAX_CANDIDATES];
		if (frame_decode(pcap_datalink(pc), bytes, h->caplen, &f) != FRAME_OK)
			continue;
		size_t n = carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES);
		for (size_t i = 0; i < n; i++) {
			if (out[i].kind != CANDIDATE_TOKEN)
				continue;
			assert_memory_equal(out[i].u.token.bytes, want, 8);
			tokens++;
		}
	}
	assert_true(tokens >= 1);
	printf("captured SYNs carried the token %zu time(s)\n", tokens);
	pcap_close(pc);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linux_shape),
		cmocka_unit_test(options_parser),
		cmocka_unit_test(syn_token_v4_v6),
		cmocka_unit_test(port_hits),
		cmocka_unit_test(captured_syn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
