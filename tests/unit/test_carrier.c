/* test_carrier — the UDP carrier: which decoded packets carry a candidate
 * knock, and the capture filter carriers_bpf builds, compiled by the real
 * libpcap and run over the same frames with pcap_offline_filter, so the
 * kernel filter and the userspace check are seen to agree. */
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

#include "capture.h"
#include "carrier.h"
#include "config.h"
#include "frame.h"

/* The daemon's filter buffer (FILTER_MAX in capture.c). */
#define DAEMON_FILTER_MAX CARRIER_BPF_MAX /* capture.c builds into this much */

#define CONFIG_TEXT "[daemon]\nknock_ports = udp/62201, udp/4000\n" \
	"[protect]\nports = tcp/22\n" \
	"[user alice]\nkey = /k/alice.key\nopen = tcp/22\n"

/* --- frames ------------------------------------------------------------- */

struct pkt {
	uint8_t b[2048];
	size_t n;
};

static void put8(struct pkt *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static void put16(struct pkt *p, unsigned v) { put8(p, v >> 8); put8(p, v); }
static void put32(struct pkt *p, uint32_t v) { put16(p, v >> 16); put16(p, v & 0xffff); }

enum family { V4, V6 };
enum linkt { ETH, SLL, SLL2 };

/* Link + IP + UDP (or TCP with the same payload) to dport with n bytes. */
static void build(struct pkt *p, enum linkt l, enum family fam, unsigned proto,
	unsigned sport, unsigned dport, size_t n)
{
	size_t l4 = (proto == IPPROTO_UDP ? 8 : 20) + n;
	unsigned type = fam == V4 ? 0x0800 : 0x86dd;
	memset(p, 0, sizeof *p);
	if (l == ETH) {
		for (int i = 0; i < 12; i++)
			put8(p, i < 6 ? 0x02 : 0x04);
		put16(p, type);
	} else if (l == SLL) {
		put16(p, 0);
		put16(p, 1);
		put16(p, 6);
		put32(p, 0x02000000);
		put32(p, 0x01000000);
		put16(p, type);
	} else {
		put16(p, type);
		put16(p, 0);
		put32(p, 2);
		put16(p, 1);
		put8(p, 0);
		put8(p, 6);
		put32(p, 0x02000000);
		put32(p, 0x01000000);
	}
	if (fam == V4) {
		put8(p, 0x45);
		put8(p, 0);
		put16(p, (unsigned)(20 + l4));
		put16(p, 1);
		put16(p, 0x4000);
		put8(p, 64);
		put8(p, proto);
		put16(p, 0);
		put32(p, 0xc0000201); /* 192.0.2.1 */
		put32(p, 0xc6336402); /* 198.51.100.2 */
	} else {
		put32(p, 0x60000000);
		put16(p, (unsigned)l4);
		put8(p, proto);
		put8(p, 64);
		put32(p, 0x20010db8);
		put32(p, 0);
		put32(p, 0);
		put32(p, 1);
		put32(p, 0x20010db8);
		put32(p, 0);
		put32(p, 0);
		put32(p, 2);
	}
	put16(p, sport);
	put16(p, dport);
	if (proto == IPPROTO_UDP) {
		put16(p, (unsigned)l4);
		put16(p, 0);
	} else {
		put32(p, 1);
		put32(p, 0);
		put8(p, 5 << 4);
		put8(p, 0x02);
		put16(p, 1024);
		put32(p, 0);
	}
	for (size_t i = 0; i < n; i++)
		put8(p, (unsigned)(0xa5 ^ i));
}

static int dlt_of(enum linkt l)
{
	return l == ETH ? DLT_EN10MB : l == SLL ? DLT_LINUX_SLL : DLT_LINUX_SLL2;
}

/* --- fixtures ----------------------------------------------------------- */

static int setup(void **state)
{
	struct config *c = NULL;
	struct errbuf err;
	if (config_load_string(CONFIG_TEXT, "test", 0, &c, &err) != 0) {
		fprintf(stderr, "config refused: %s\n", err.msg);
		return -1;
	}
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	config_free(*state);
	return 0;
}

/* Runs frame_decode + carriers_extract on p; returns the carrier of the
 * SPA candidate found (CARRIER_NONE if none) and checks that it is the
 * datagram's payload, addressed as the packet was. With this config (no
 * tokens, OTP chains, sequences or DNS zone) nothing else may be found. */
static enum carrier_id extract(const struct config *c, const struct pkt *p, int dlt)
{
	struct frame f;
	struct candidate out[CARRIER_MAX_CANDIDATES];
	if (frame_decode(dlt, p->b, p->n, &f) != FRAME_OK)
		fail_msg("test frame did not decode");
	memset(out, 0xee, sizeof out);
	size_t n = carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES);
	assert_true(n <= 1);
	if (n == 0)
		return CARRIER_NONE;
	assert_int_equal(out[0].kind, CANDIDATE_SPA);
	assert_false(out[0].via_resolver);
	assert_true(addr_equal(&out[0].src, &f.src));
	assert_true(addr_equal(&out[0].dst, &f.dst));
	assert_string_equal(out[0].user_hint, "");
	assert_memory_equal(out[0].u.spa, f.payload, KNOCK_WIRE_BYTES);
	return (enum carrier_id)out[0].carrier;
}

/* --- extract ------------------------------------------------------------ */

static void extracts_knock_sized_datagrams(void **state)
{
	const struct config *c = *state;
	struct pkt p;
	for (enum linkt l = ETH; l <= SLL2; l++) {
		for (enum family fam = V4; fam <= V6; fam++) {
			build(&p, l, fam, IPPROTO_UDP, 50000, 62201, KNOCK_WIRE_BYTES);
			assert_int_equal(extract(c, &p, dlt_of(l)), CARRIER_UDP);
			build(&p, l, fam, IPPROTO_UDP, 50000, 4000, KNOCK_WIRE_BYTES);
			assert_int_equal(extract(c, &p, dlt_of(l)), CARRIER_UDP);
		}
	}
}

static void ignores_everything_else(void **state)
{
	const struct config *c = *state;
	struct pkt p;
	static const size_t sizes[] = { 0, 8, KNOCK_WIRE_BYTES - 1,
		KNOCK_WIRE_BYTES + 1, 2 * KNOCK_WIRE_BYTES, 1400 };
	for (enum family fam = V4; fam <= V6; fam++) {
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			build(&p, ETH, fam, IPPROTO_UDP, 50000, 62201, sizes[i]);
			assert_int_equal(extract(c, &p, DLT_EN10MB), CARRIER_NONE);
		}
		/* Other ports, including the knock port as source only. */
		static const unsigned ports[] = { 62200, 62202, 4001, 53, 1 };
		for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
			build(&p, ETH, fam, IPPROTO_UDP, 50000, ports[i], KNOCK_WIRE_BYTES);
			assert_int_equal(extract(c, &p, DLT_EN10MB), CARRIER_NONE);
		}
		build(&p, ETH, fam, IPPROTO_UDP, 62201, 50000, KNOCK_WIRE_BYTES);
		assert_int_equal(extract(c, &p, DLT_EN10MB), CARRIER_NONE);
		/* TCP to the knock port with a knock-sized payload. */
		build(&p, ETH, fam, IPPROTO_TCP, 50000, 62201, KNOCK_WIRE_BYTES);
		assert_int_equal(extract(c, &p, DLT_EN10MB), CARRIER_NONE);
	}
}

/* A frame struct the decoder never produced: the carrier re-checks lengths
 * itself, and honours max. */
static void rechecks_frame_fields(void **state)
{
	const struct config *c = *state;
	uint8_t payload[KNOCK_WIRE_BYTES + 1] = { 1 };
	struct candidate out[2];
	struct frame f = { .proto = IPPROTO_UDP, .dport = 62201,
		.payload = payload, .payload_len = KNOCK_WIRE_BYTES };
	f.src.family = AF_INET;
	f.dst.family = AF_INET;
	assert_int_equal(carriers_extract(c, &f, out, 2), 1);
	assert_int_equal(out[0].carrier, CARRIER_UDP);
	assert_int_equal(out[0].kind, CANDIDATE_SPA);
	assert_int_equal(carriers_extract(c, &f, out, 0), 0);
	f.payload_len = KNOCK_WIRE_BYTES + 1;
	assert_int_equal(carriers_extract(c, &f, out, 2), 0);
	f.payload_len = KNOCK_WIRE_BYTES;
	f.proto = IPPROTO_ICMP;
	assert_int_equal(carriers_extract(c, &f, out, 2), 0);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(carrier_name(CARRIER_UDP), "udp");
	assert_string_equal(carrier_name(CARRIER_NONE), "?");
	for (int id = CARRIER_UDP; id < CARRIER_COUNT; id++)
		assert_string_not_equal(carrier_name((enum carrier_id)id), "?");
	assert_string_equal(carrier_name(CARRIER_COUNT), "?");
	assert_string_equal(carrier_udp.name, "udp");
}

/* --- the capture filter ------------------------------------------------- */

struct filter {
	pcap_t *dead;
	struct bpf_program prog;
};

static void filter_compile(struct filter *fl, const char *expr, int dlt)
{
	fl->dead = pcap_open_dead(dlt, 1024);
	assert_non_null(fl->dead);
	if (pcap_compile(fl->dead, &fl->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
		fail_msg("pcap_compile refused \"%s\": %s", expr, pcap_geterr(fl->dead));
}

static void filter_free(struct filter *fl)
{
	pcap_freecode(&fl->prog);
	pcap_close(fl->dead);
}

static bool passes(const struct filter *fl, const struct pkt *p)
{
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)p->n, .len = (bpf_u_int32)p->n };
	return pcap_offline_filter(&fl->prog, &h, p->b) != 0;
}

static void bpf_filter_matches_carrier(void **state)
{
	const struct config *c = *state;
	char expr[DAEMON_FILTER_MAX];
	assert_true(carriers_bpf(c, expr, sizeof expr));
	assert_non_null(strstr(expr, "62201"));
	assert_non_null(strstr(expr, "4000"));

	for (enum linkt l = ETH; l <= SLL2; l++) {
		struct filter fl;
		struct pkt p;
		filter_compile(&fl, expr, dlt_of(l));
		for (enum family fam = V4; fam <= V6; fam++) {
			build(&p, l, fam, IPPROTO_UDP, 50000, 62201, KNOCK_WIRE_BYTES);
			assert_true(passes(&fl, &p));
			build(&p, l, fam, IPPROTO_UDP, 50000, 4000, KNOCK_WIRE_BYTES);
			assert_true(passes(&fl, &p));

			build(&p, l, fam, IPPROTO_UDP, 50000, 62201, KNOCK_WIRE_BYTES - 1);
			assert_false(passes(&fl, &p));
			build(&p, l, fam, IPPROTO_UDP, 50000, 62201, KNOCK_WIRE_BYTES + 1);
			assert_false(passes(&fl, &p));
			build(&p, l, fam, IPPROTO_UDP, 50000, 62202, KNOCK_WIRE_BYTES);
			assert_false(passes(&fl, &p));
			build(&p, l, fam, IPPROTO_UDP, 62201, 50000, KNOCK_WIRE_BYTES);
			assert_false(passes(&fl, &p));
			build(&p, l, fam, IPPROTO_TCP, 50000, 62201, KNOCK_WIRE_BYTES);
			assert_false(passes(&fl, &p));
			/* Whatever the filter passes, the carrier agrees with. */
			build(&p, l, fam, IPPROTO_UDP, 50000, 4000, KNOCK_WIRE_BYTES);
			assert_int_equal(extract(c, &p, dlt_of(l)), CARRIER_UDP);
		}
		filter_free(&fl);
	}
}

/* A buffer too small for the filter is refused, never overrun. */
static void bpf_small_buffer(void **state)
{
	const struct config *c = *state;
	char full[DAEMON_FILTER_MAX];
	assert_true(carriers_bpf(c, full, sizeof full));
	size_t need = strlen(full) + 1;
	for (size_t len = 1; len < need; len++) {
		char *buf = malloc(len);
		assert_non_null(buf);
		assert_false(carriers_bpf(c, buf, len));
		free(buf);
	}
	char *buf = malloc(need);
	assert_non_null(buf);
	assert_true(carriers_bpf(c, buf, need));
	assert_string_equal(buf, full);
	free(buf);
}

/* The config accepts up to CONFIG_MAX_PORTS knock ports; the daemon must be
 * able to build (in its 8 KiB buffer) and compile the filter for all. */
static void bpf_most_knock_ports(void **state)
{
	(void)state;
	char text[4096];
	int used = snprintf(text, sizeof text, "[daemon]\nknock_ports = ");
	for (int i = 0; i < CONFIG_MAX_PORTS; i++)
		used += snprintf(text + used, sizeof text - (size_t)used, "%sudp/%d",
			i ? ",\n  " : "", 60000 + i);
	snprintf(text + used, sizeof text - (size_t)used,
		"\n[protect]\nports = tcp/22\n");
	struct config *c = NULL;
	struct errbuf err;
	if (config_load_string(text, "test", 0, &c, &err) != 0)
		fail_msg("config refused: %s", err.msg);
	assert_int_equal(c->nknock_ports, CONFIG_MAX_PORTS);

	char expr[DAEMON_FILTER_MAX];
	bool built = carriers_bpf(c, expr, sizeof expr);
	if (!built) {
		config_free(c);
		fail_msg("carriers_bpf failed for %d knock ports (a config the "
			"parser accepts)", CONFIG_MAX_PORTS);
	}
	struct filter fl;
	struct pkt p;
	filter_compile(&fl, expr, DLT_EN10MB);
	build(&p, ETH, V6, IPPROTO_UDP, 1, 60000 + CONFIG_MAX_PORTS - 1, KNOCK_WIRE_BYTES);
	assert_true(passes(&fl, &p));
	build(&p, ETH, V4, IPPROTO_UDP, 1, 60000 + CONFIG_MAX_PORTS, KNOCK_WIRE_BYTES);
	assert_false(passes(&fl, &p));
	filter_free(&fl);
	config_free(c);
}

/* --- snap length -------------------------------------------------------- */

static unsigned snaplen_of(const char *daemon, const char *user)
{
	char text[1024];
	struct config *c = NULL;
	struct errbuf err;
	snprintf(text, sizeof text, "[daemon]\n%s[protect]\nports = tcp/22\n"
		"[user alice]\nkey = /k/alice.key\nopen = tcp/22\n%s", daemon, user);
	if (config_load_string(text, "test", 0, &c, &err) != 0)
		fail_msg("config refused: %s", err.msg);
	unsigned n = carriers_snaplen(c);
	config_free(c);
	return n;
}

/* Each carrier's largest packet, with the worst link (Ethernet, two VLAN
 * tags) and IPv4 header (40 bytes of options), rounded up to 16; capped at
 * today's 512 where a carrier takes more (ICMP data, DNS, any UDP hit). */
static void snaplen_per_config(void **state)
{
	(void)state;
	/* UDP SPA: 22 + 60 + 8 + 164 (a signed knock) = 254. */
	assert_int_equal(snaplen_of("", ""), 256);
	assert_int_equal(snaplen_of("knock_ports = udp/1, udp/2\n", ""), 256);
	/* OTP text (at most 95 bytes) and token codes (75) are shorter. */
	assert_int_equal(snaplen_of("", "otp = md5\notp_open = tcp/22\n"), 256);
	assert_int_equal(snaplen_of("", "token = hotp\ntoken_key = /k/t\n"
		"token_open = tcp/22\n"), 256);
	/* SYN tokens and TCP port hits are headers only (60 + 60). */
	assert_int_equal(snaplen_of("syn_ports = tcp/4444\n", ""), 256);
	assert_int_equal(snaplen_of("sequence_watch = tcp/5000-9999\n",
		"sequence = 7000, 8000, 9000\n"), 256);
	/* Any datagram to a watched UDP port is a hit, whatever its size. */
	assert_int_equal(snaplen_of("sequence_watch = tcp/5000-9999, udp/1-65535\n",
		"sequence = 7000, 8000:udp, 9000\n"), 512);
	assert_int_equal(snaplen_of("", "sequence = 7000, 8000, 9000\n"), 512);
	/* ICMP echo data up to 512 bytes, DNS queries up to 512: the cap. */
	assert_int_equal(snaplen_of("icmp = yes\n", ""), 512);
	assert_int_equal(snaplen_of("dns = sniff\ndns_zone = k.example.net\n", ""), 512);
	/* dns = authoritative answers on its own socket: nothing captured. */
	assert_int_equal(snaplen_of("dns = authoritative\ndns_zone = k.example.net\n"
		"dns_listen = 127.0.0.1\n", ""), 256);
}

/* Ethernet, 802.1ad + 802.1Q tags, IPv4 with 40 bytes of options, UDP to
 * 62201 with n bytes: the longest headers a capture hands over. */
static void worst_headers(struct pkt *p, size_t n)
{
	memset(p, 0, sizeof *p);
	for (int i = 0; i < 12; i++)
		put8(p, 0x02);
	put16(p, 0x88a8);
	put16(p, 100);
	put16(p, 0x8100);
	put16(p, 200);
	put16(p, 0x0800);
	put8(p, 0x4f); /* IHL 15: 60 bytes */
	put8(p, 0);
	put16(p, (unsigned)(60 + 8 + n));
	put16(p, 1);
	put16(p, 0x4000);
	put8(p, 64);
	put8(p, IPPROTO_UDP);
	put16(p, 0);
	put32(p, 0xc0000201);
	put32(p, 0xc6336402);
	for (int i = 0; i < 40; i++)
		put8(p, 1); /* NOP options */
	put16(p, 50000);
	put16(p, 62201);
	put16(p, (unsigned)(8 + n));
	put16(p, 0);
	for (size_t i = 0; i < n; i++)
		put8(p, (unsigned)(0x5a ^ i));
}

/* The UDP-knock snap length keeps a signed knock behind the longest
 * headers whole, and a longer datagram cut at that length is no knock:
 * frame_decode goes by the IP and UDP lengths, not by what was captured
 * (pcap's caplen), so a prefix that happens to be knock-sized is refused. */
static void snaplen_keeps_knocks_refuses_prefixes(void **state)
{
	const struct config *c = *state;
	unsigned snap = carriers_snaplen(c);
	struct pkt p;
	struct frame f;
	struct candidate out[CARRIER_MAX_CANDIDATES];

	worst_headers(&p, KNOCK_SIGNED_WIRE_BYTES);
	assert_true(p.n <= snap);
	assert_int_equal(frame_decode(DLT_EN10MB, p.b, p.n, &f), FRAME_OK);
	assert_int_equal(carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES), 1);
	assert_int_equal(out[0].kind, CANDIDATE_SPA);
	assert_int_equal(out[0].sig_len, KNOCK_SIG_BYTES);

	/* Longer datagrams, cut so that a knock's size of payload was kept. */
	static const size_t kept[] = { KNOCK_WIRE_BYTES, KNOCK_SIGNED_WIRE_BYTES };
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		worst_headers(&p, 400);
		size_t cut = p.n - 400 + kept[i];
		assert_int_equal(frame_decode(DLT_EN10MB, p.b, cut, &f), FRAME_TRUNCATED);
		for (enum linkt l = ETH; l <= SLL2; l++) {
			for (enum family fam = V4; fam <= V6; fam++) {
				build(&p, l, fam, IPPROTO_UDP, 50000, 62201, 400);
				cut = p.n - 400 + kept[i];
				assert_int_equal(frame_decode(dlt_of(l), p.b, cut, &f),
					FRAME_TRUNCATED);
				/* And at the snap length itself. */
				assert_int_equal(frame_decode(dlt_of(l), p.b, snap, &f),
					FRAME_TRUNCATED);
			}
		}
	}
}

/* capture_buffer = auto: room for the packets 8 MiB held at snaplen 512
 * (13 797 cooked frames), at the cooked frame TPACKET_ALIGN(snaplen + 96):
 * at 512 the old 8 MiB (less 32 bytes); a size set in bytes is kept. */
static void ring_plan(void **state)
{
	(void)state;
	static const struct {
		const char *daemon;
		unsigned snaplen;
		uint32_t buffer, frames;
	} cases[] = {
		{ "", 256, 13797 * 352, 13797 },
		{ "icmp = yes\n", 512, 13797 * 608, 13797 },
		{ "capture_buffer = 2m\n", 256, 2u << 20, (2u << 20) / 352 },
		{ "capture_buffer = auto\n", 256, 13797 * 352, 13797 },
		{ "icmp = yes\ncapture_buffer = 8m\n", 512, 8u << 20, (8u << 20) / 608 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[512];
		struct config *c = NULL;
		struct errbuf err;
		struct capture_ring r;
		snprintf(text, sizeof text, "[daemon]\n%s[protect]\nports = tcp/22\n",
			cases[i].daemon);
		if (config_load_string(text, "test", 0, &c, &err) != 0)
			fail_msg("config refused: %s", err.msg);
		capture_ring_plan(c, &r);
		assert_int_equal(r.snaplen, cases[i].snaplen);
		assert_int_equal(r.buffer, cases[i].buffer);
		assert_int_equal(r.frames, cases[i].frames);
		config_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(extracts_knock_sized_datagrams, setup, teardown),
		cmocka_unit_test_setup_teardown(ignores_everything_else, setup, teardown),
		cmocka_unit_test_setup_teardown(rechecks_frame_fields, setup, teardown),
		cmocka_unit_test(names),
		cmocka_unit_test_setup_teardown(bpf_filter_matches_carrier, setup, teardown),
		cmocka_unit_test_setup_teardown(bpf_small_buffer, setup, teardown),
		cmocka_unit_test(bpf_most_knock_ports),
		cmocka_unit_test(snaplen_per_config),
		cmocka_unit_test_setup_teardown(snaplen_keeps_knocks_refuses_prefixes,
			setup, teardown),
		cmocka_unit_test(ring_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
