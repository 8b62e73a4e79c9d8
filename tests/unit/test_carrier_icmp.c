/* test_carrier_icmp — the ICMP/ICMPv6 echo carrier: which echo requests
 * carry a knock (100 bytes of data) or a `ping -p` token (the layout of a
 * real iputils capture), which carry nothing, and the capture filter,
 * compiled by the real libpcap and run over the same frames, so the kernel
 * filter and the userspace check are seen to agree. Frames are built by
 * hand, byte by byte. */
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

#include "carrier.h"
#include "config.h"
#include "frame.h"

#define FILTER_MAX 8192 /* the daemon's (capture.c) */
#define BASE_CONFIG "[protect]\nports = tcp/22\n" \
	"[user alice]\nkey = /k/alice.key\nopen = tcp/22\n"

static const uint8_t pattern[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

/* --- frames ------------------------------------------------------------- */

struct pkt {
	uint8_t b[2048];
	size_t n;
};

static void put8(struct pkt *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static void put16(struct pkt *p, unsigned v) { put8(p, v >> 8); put8(p, v); }
static void put32(struct pkt *p, uint32_t v) { put16(p, v >> 16); put16(p, v & 0xffff); }

enum family { V4, V6 };
enum linkt { ETH, SLL, RAW };

static int dlt_of(enum linkt l)
{
	return l == ETH ? DLT_EN10MB : l == SLL ? DLT_LINUX_SLL : DLT_RAW;
}

/* Link + IP + ICMP header (type, code, id, seq) + n bytes of data. */
static void build(struct pkt *p, enum linkt l, enum family fam, unsigned type,
	unsigned code, const uint8_t *data, size_t n)
{
	size_t l4 = 8 + n;
	memset(p, 0, sizeof *p);
	if (l == ETH) {
		for (int i = 0; i < 12; i++)
			put8(p, i < 6 ? 0x02 : 0x04);
		put16(p, fam == V4 ? 0x0800 : 0x86dd);
	} else if (l == SLL) {
		put16(p, 0);
		put16(p, 1);
		put16(p, 6);
		put32(p, 0x02000000);
		put32(p, 0x01000000);
		put16(p, fam == V4 ? 0x0800 : 0x86dd);
	}
	if (fam == V4) {
		put32(p, 0x45000000 | (uint32_t)(20 + l4));
		put32(p, 0x00014000); /* id 1, DF */
		put16(p, 64 << 8 | IPPROTO_ICMP);
		put16(p, 0);
		put32(p, 0xc0000201); /* 192.0.2.1 */
		put32(p, 0xc6336402); /* 198.51.100.2 */
	} else {
		put32(p, 0x60000000);
		put16(p, (unsigned)l4);
		put16(p, IPPROTO_ICMPV6 << 8 | 64);
		for (int i = 0; i < 2; i++) {
			put32(p, 0x20010db8);
			put32(p, 0);
			put32(p, 0);
			put32(p, (uint32_t)i + 1);
		}
	}
	put8(p, type);
	put8(p, code);
	put16(p, 0x1234); /* checksum: not checked by the carrier */
	put16(p, 0x731f); /* identifier */
	put16(p, 1); /* sequence */
	for (size_t i = 0; i < n; i++)
		put8(p, data[i]);
}

static unsigned echo(enum family fam) { return fam == V4 ? 8 : 128; }

/* Echo data as iputils `ping -s n -p <pat>` writes it: pat repeated from
 * data offset 0, then a 16-byte struct timeval over the start (taken from
 * a real capture: seconds 0x6b089b7f, microseconds 0x0002cb64). */
static size_t ping_data(uint8_t *d, size_t n, const uint8_t *pat, size_t plen)
{
	static const uint8_t tv[16] = { 0x7f, 0x9b, 0x08, 0x6b, 0, 0, 0, 0,
		0x64, 0xcb, 0x02, 0, 0, 0, 0, 0 };
	for (size_t i = 0; i < n; i++)
		d[i] = pat[i % plen];
	memcpy(d, tv, n < 16 ? n : 16);
	return n;
}

/* --- fixtures and helpers ----------------------------------------------- */

static struct config *load(const char *daemon)
{
	char text[512];
	struct config *c = NULL;
	struct errbuf err;
	snprintf(text, sizeof text, "[daemon]\n%s\n%s", daemon, BASE_CONFIG);
	if (config_load_string(text, "test", 0, &c, &err) != 0)
		fail_msg("config refused: %s", err.msg);
	return c;
}

static int setup(void **state)
{
	*state = load("icmp = yes");
	return 0;
}

static int teardown(void **state)
{
	config_free(*state);
	return 0;
}

/* frame_decode + carriers_extract; returns how many candidates. */
static size_t extract(const struct config *c, const struct pkt *p, int dlt,
	struct candidate *out)
{
	struct frame f;
	if (frame_decode(dlt, p->b, p->n, &f) != FRAME_OK)
		fail_msg("test frame did not decode");
	size_t n = carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i].carrier, CARRIER_ICMP);
		assert_true(addr_equal(&out[i].src, &f.src));
	}
	return n;
}

/* --- extract ------------------------------------------------------------ */

static void knock_sized_echo_is_spa(void **state)
{
	const struct config *c = *state;
	struct candidate out[CARRIER_MAX_CANDIDATES];
	uint8_t knock[KNOCK_WIRE_BYTES];
	struct pkt p;
	for (size_t i = 0; i < sizeof knock; i++)
		knock[i] = (uint8_t)(i * 37 + 11);
	for (enum linkt l = ETH; l <= RAW; l++) {
		for (enum family fam = V4; fam <= V6; fam++) {
			build(&p, l, fam, echo(fam), 0, knock, sizeof knock);
			assert_int_equal(extract(c, &p, dlt_of(l), out), 1);
			assert_int_equal(out[0].kind, CANDIDATE_SPA);
			assert_memory_equal(out[0].u.spa, knock, sizeof knock);
		}
	}
}

static void ping_pattern_is_token(void **state)
{
	const struct config *c = *state;
	struct candidate out[CARRIER_MAX_CANDIDATES];
	uint8_t d[512];
	struct pkt p;
	/* ping's default 56 bytes, a partial last period, the smallest size
	 * with two periods, 100 bytes (a token, not a knock), and the largest. */
	static const size_t sizes[] = { 56, 61, 32, KNOCK_WIRE_BYTES, 512 };
	for (enum family fam = V4; fam <= V6; fam++) {
		for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
			build(&p, ETH, fam, echo(fam), 0, d,
				ping_data(d, sizes[i], pattern, sizeof pattern));
			assert_int_equal(extract(c, &p, DLT_EN10MB, out), 1);
			assert_int_equal(out[0].kind, CANDIDATE_TOKEN);
			assert_int_equal(out[0].u.token.len, 8);
			assert_memory_equal(out[0].u.token.bytes, pattern, 8);
		}
	}
}

/* The exact echo request of `ping -c1 -p 0123456789abcdef 10.99.0.2` as
 * tcpdump -X showed it (iputils 20221126), from the IPv4 header on. */
static void real_ping_capture_is_token(void **state)
{
	static const uint8_t cap[] = {
		0x45, 0x00, 0x00, 0x54, 0x26, 0x51, 0x40, 0x00, 0x40, 0x01, 0xff, 0x8f,
		0x0a, 0x63, 0x00, 0x01, 0x0a, 0x63, 0x00, 0x02, 0x08, 0x00, 0x7f, 0x51,
		0x73, 0x1f, 0x00, 0x01, 0x7f, 0x9b, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00,
		0x64, 0xcb, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	const struct config *c = *state;
	struct candidate out[CARRIER_MAX_CANDIDATES];
	struct pkt p = { .n = sizeof cap };
	memcpy(p.b, cap, sizeof cap);
	assert_int_equal(extract(c, &p, DLT_RAW, out), 1);
	assert_int_equal(out[0].kind, CANDIDATE_TOKEN);
	assert_memory_equal(out[0].u.token.bytes, pattern, 8);
}

static void not_a_token(void **state)
{
	const struct config *c = *state;
	struct candidate out[CARRIER_MAX_CANDIDATES];
	uint8_t d[600];
	struct pkt p;
	for (enum family fam = V4; fam <= V6; fam++) {
		/* One byte off the pattern, anywhere after the timestamp. */
		for (size_t at = 16; at < 56; at += 7) {
			ping_data(d, 56, pattern, sizeof pattern);
			d[at] ^= 0x40;
			build(&p, ETH, fam, echo(fam), 0, d, 56);
			assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		}
		/* Shorter periods: ordinary pings (zeros, `ping -p ff`, -p 0102). */
		static const uint8_t zero[1] = { 0 }, ff[1] = { 0xff };
		static const uint8_t two[2] = { 1, 2 }, four[4] = { 1, 2, 3, 4 };
		build(&p, ETH, fam, echo(fam), 0, d, ping_data(d, 56, zero, 1));
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		build(&p, ETH, fam, echo(fam), 0, d, ping_data(d, 56, ff, 1));
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		build(&p, ETH, fam, echo(fam), 0, d, ping_data(d, 56, two, 2));
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		build(&p, ETH, fam, echo(fam), 0, d, ping_data(d, 56, four, 4));
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		/* A plain ping (iputils fills 0x10, 0x11, ... after the time). */
		for (size_t i = 0; i < 56; i++)
			d[i] = (uint8_t)(i + 8);
		build(&p, ETH, fam, echo(fam), 0, d, 56);
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		/* Too short for two periods, and longer than the carrier reads. */
		build(&p, ETH, fam, echo(fam), 0, d, ping_data(d, 31, pattern, 8));
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		build(&p, ETH, fam, echo(fam), 0, d, ping_data(d, 513, pattern, 8));
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
	}
}

static void other_icmp_carries_nothing(void **state)
{
	const struct config *c = *state;
	struct candidate out[CARRIER_MAX_CANDIDATES];
	uint8_t knock[KNOCK_WIRE_BYTES] = { 0x5a, 0xa5 }, d[64];
	struct pkt p;
	ping_data(d, 56, pattern, sizeof pattern);
	/* Echo replies, other types, the other family's echo type, codes. */
	static const unsigned v4_types[] = { 0, 3, 11, 13, 128 };
	static const unsigned v6_types[] = { 129, 1, 135, 136, 8 };
	for (size_t i = 0; i < 5; i++) {
		build(&p, ETH, V4, v4_types[i], 0, knock, sizeof knock);
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		build(&p, ETH, V4, v4_types[i], 0, d, 56);
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		build(&p, ETH, V6, v6_types[i], 0, knock, sizeof knock);
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		build(&p, ETH, V6, v6_types[i], 0, d, 56);
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
	}
	for (enum family fam = V4; fam <= V6; fam++) {
		build(&p, ETH, fam, echo(fam), 1, knock, sizeof knock);
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		/* 99 and 101 bytes: neither a knock nor a pattern. */
		build(&p, ETH, fam, echo(fam), 0, knock, sizeof knock - 1);
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
		uint8_t more[KNOCK_WIRE_BYTES + 1] = { 0x5a, 0xa5 };
		build(&p, ETH, fam, echo(fam), 0, more, sizeof more);
		assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
	}
}

static void truncated_frames_carry_nothing(void **state)
{
	const struct config *c = *state;
	struct candidate out[CARRIER_MAX_CANDIDATES];
	uint8_t knock[KNOCK_WIRE_BYTES] = { 1 };
	struct pkt p;
	struct frame f;
	for (enum family fam = V4; fam <= V6; fam++) {
		build(&p, ETH, fam, echo(fam), 0, knock, sizeof knock);
		/* Cut anywhere: the decoder refuses or the data is short. */
		for (size_t cut = 1; cut < p.n; cut++) {
			if (frame_decode(DLT_EN10MB, p.b, p.n - cut, &f) != FRAME_OK)
				continue;
			assert_int_equal(carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES), 0);
		}
	}
}

/* A frame struct the decoder never produced: the carrier re-checks. */
static void rechecks_frame_fields(void **state)
{
	const struct config *c = *state;
	struct candidate out[CARRIER_MAX_CANDIDATES];
	uint8_t payload[KNOCK_WIRE_BYTES] = { 7 };
	struct frame f = { .proto = IPPROTO_ICMP, .icmp_type = 8,
		.payload = payload, .payload_len = KNOCK_WIRE_BYTES };
	assert_int_equal(carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES), 1);
	assert_int_equal(carriers_extract(c, &f, out, 0), 0);
	f.proto = IPPROTO_UDP;
	assert_int_equal(carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES), 0);
	f.proto = IPPROTO_ICMPV6;
	assert_int_equal(carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES), 0);
	f.icmp_type = 128;
	assert_int_equal(carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES), 1);
	f.payload = NULL;
	assert_int_equal(carriers_extract(c, &f, out, CARRIER_MAX_CANDIDATES), 0);
}

static void off_unless_configured(void **state)
{
	(void)state;
	struct config *c = load("");
	struct candidate out[CARRIER_MAX_CANDIDATES];
	uint8_t knock[KNOCK_WIRE_BYTES] = { 1 };
	char expr[FILTER_MAX];
	struct pkt p;
	assert_false(c->icmp);
	build(&p, ETH, V4, 8, 0, knock, sizeof knock);
	assert_int_equal(extract(c, &p, DLT_EN10MB, out), 0);
	assert_true(carriers_bpf(c, expr, sizeof expr));
	assert_null(strstr(expr, "icmp"));
	config_free(c);

	c = load("icmp = no");
	assert_false(c->icmp);
	config_free(c);
	c = load("icmp = On");
	assert_true(c->icmp);
	config_free(c);
}

static void config_refuses_bad_values(void **state)
{
	(void)state;
	static const char *const bad[] = { "icmp = maybe", "icmp = 2", "icmp =",
		"icmp = yes\nicmp = no" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[512];
		struct config *c = NULL;
		struct errbuf err;
		snprintf(text, sizeof text, "[daemon]\n%s\n%s", bad[i], BASE_CONFIG);
		assert_int_equal(config_load_string(text, "cfg", 0, &c, &err), -1);
		assert_non_null(strstr(err.msg, "icmp"));
	}
}

static void name(void **state)
{
	(void)state;
	assert_string_equal(carrier_name(CARRIER_ICMP), "icmp");
}

/* --- the capture filter ------------------------------------------------- */

static bool passes(const char *expr, int dlt, const struct pkt *p)
{
	struct bpf_program prog;
	pcap_t *dead = pcap_open_dead(dlt, 1024);
	assert_non_null(dead);
	if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
		fail_msg("pcap_compile refused \"%s\": %s", expr, pcap_geterr(dead));
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)p->n, .len = (bpf_u_int32)p->n };
	bool ok = pcap_offline_filter(&prog, &h, p->b) != 0;
	pcap_freecode(&prog);
	pcap_close(dead);
	return ok;
}

static void bpf_filter_matches_carrier(void **state)
{
	const struct config *c = *state;
	char expr[FILTER_MAX];
	uint8_t knock[KNOCK_WIRE_BYTES] = { 3 }, d[600];
	struct pkt p;
	assert_true(carriers_bpf(c, expr, sizeof expr));
	for (enum linkt l = ETH; l <= RAW; l++) {
		int dlt = dlt_of(l);
		for (enum family fam = V4; fam <= V6; fam++) {
			build(&p, l, fam, echo(fam), 0, knock, sizeof knock);
			assert_true(passes(expr, dlt, &p));
			build(&p, l, fam, echo(fam), 0, d, ping_data(d, 56, pattern, 8));
			assert_true(passes(expr, dlt, &p));
			build(&p, l, fam, echo(fam), 0, d, ping_data(d, 512, pattern, 8));
			assert_true(passes(expr, dlt, &p));
			/* Replies, other types, codes, oversized: not captured. */
			build(&p, l, fam, fam == V4 ? 0 : 129, 0, knock, sizeof knock);
			assert_false(passes(expr, dlt, &p));
			build(&p, l, fam, fam == V4 ? 128 : 8, 0, knock, sizeof knock);
			assert_false(passes(expr, dlt, &p));
			build(&p, l, fam, echo(fam), 1, knock, sizeof knock);
			assert_false(passes(expr, dlt, &p));
			build(&p, l, fam, echo(fam), 0, d, ping_data(d, 560, pattern, 8));
			assert_false(passes(expr, dlt, &p));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(knock_sized_echo_is_spa),
		cmocka_unit_test(ping_pattern_is_token),
		cmocka_unit_test(real_ping_capture_is_token),
		cmocka_unit_test(not_a_token),
		cmocka_unit_test(other_icmp_carries_nothing),
		cmocka_unit_test(truncated_frames_carry_nothing),
		cmocka_unit_test(rechecks_frame_fields),
		cmocka_unit_test(off_unless_configured),
		cmocka_unit_test(config_refuses_bad_values),
		cmocka_unit_test(name),
		cmocka_unit_test(bpf_filter_matches_carrier),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
