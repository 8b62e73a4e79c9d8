/* carrier_icmp — a knock in the data of one ICMP or ICMPv6 echo request.
 *
 * Two shapes are recognised:
 *  - a full SPA knock: echo data of exactly KNOCK_WIRE_BYTES, or
 *    KNOCK_SIGNED_WIRE_BYTES for a signed one (what `postern knock --via
 *    icmp` sends);
 *  - a token sent with iputils `ping -p <16 hex digits>`: ping fills the data
 *    with the 8-byte pattern repeated from data offset 0, then writes its
 *    16-byte timestamp over the start, so bytes 16.. repeat the pattern with
 *    period 8 (checked against a real capture).
 * postern only listens: the kernel answers echo requests exactly as it would
 * without postern (or not at all, if the operator set
 * net.ipv4.icmp_echo_ignore_all), so a knock looks like any other ping. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "carrier.h"
#include "cursor.h"

#define ICMP_ECHO_REQUEST 8 /* RFC 792 */
#define ICMPV6_ECHO_REQUEST 128 /* RFC 4443 */
#define ICMP_HEADER_BYTES 8
#define IPV4_MAX_HEADER_BYTES 60
#define IPV6_NEXT_ICMPV6 58
/* Largest echo data looked at: a knock or a ping with its default 56 bytes
 * fit easily. More than the capture keeps (CARRIER_SNAPLEN_MAX) with the
 * headers: a ping that long arrives truncated and frame.c refuses it. */
#define ICMP_DATA_MAX 512
/* iputils ping's timestamp (a struct timeval) at the start of the data. */
#define PING_TIMESTAMP_BYTES 16
/* The token scheme's tokens: `ping -p` with 16 hex digits. */
#define PING_PATTERN_BYTES 8
/* At least two whole periods after the timestamp, so "repeats" means
 * something (ping's default 56 bytes give five). */
#define PING_MIN_DATA (PING_TIMESTAMP_BYTES + 2 * PING_PATTERN_BYTES)

static bool icmp_bpf(const struct config *c, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!c->icmp)
		return true;
	/* icmp[] is relative to the IPv4 header length and matches only first
	 * fragments; for IPv6 libpcap cannot index past the fixed header, so
	 * check the next header and the byte right after it (an echo request
	 * never needs extension headers). Sizes bound what userspace sees. */
	int n = snprintf(buf, len,
		"(icmp and icmp[0] = %u and icmp[1] = 0 and ip[2:2] <= %u) or "
		"(ip6 and ip6[6] = %u and ip6[40] = %u and ip6[41] = 0 and ip6[4:2] <= %u)",
		ICMP_ECHO_REQUEST, IPV4_MAX_HEADER_BYTES + ICMP_HEADER_BYTES + ICMP_DATA_MAX,
		IPV6_NEXT_ICMPV6, ICMPV6_ECHO_REQUEST, ICMP_HEADER_BYTES + ICMP_DATA_MAX);
	return n >= 0 && (size_t)n < len;
}

static bool is_echo_request(const struct frame *f)
{
	if (f->icmp_code != 0)
		return false;
	return (f->proto == IPPROTO_ICMP && f->icmp_type == ICMP_ECHO_REQUEST) ||
		(f->proto == IPPROTO_ICMPV6 && f->icmp_type == ICMPV6_ECHO_REQUEST);
}

/* Finds the `ping -p` pattern in echo data d of n bytes: true with the 8
 * pattern bytes in out if every byte after the timestamp repeats them. A
 * pattern that repeats itself within 8 bytes (all zeros, `ping -p ff`, the
 * fillers of monitoring tools) is an ordinary ping, not a token: a random
 * 64-bit token does that with odds of 2^-32. */
static bool icmp_ping_pattern(const uint8_t *d, size_t n, uint8_t out[static PING_PATTERN_BYTES])
{
	struct cursor c;
	uint8_t period[PING_PATTERN_BYTES];
	if (n < PING_MIN_DATA || n > ICMP_DATA_MAX)
		return false;
	cursor_init(&c, d, n);
	cursor_skip(&c, PING_TIMESTAMP_BYTES);
	cursor_bytes(&c, period, sizeof period);
	/* The last period may be partial (-s not a multiple of 8). */
	for (size_t i = 0; cursor_left(&c) > 0; i = (i + 1) % PING_PATTERN_BYTES)
		if (cursor_u8(&c) != period[i])
			return false;
	if (!cursor_ok(&c) || memcmp(period, period + PING_PATTERN_BYTES / 2,
		PING_PATTERN_BYTES / 2) == 0)
		return false;
	memcpy(out, period, PING_PATTERN_BYTES);
	return true;
}

static size_t icmp_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max)
{
	uint8_t pattern[PING_PATTERN_BYTES];
	if (!c->icmp || max == 0 || !is_echo_request(f) || !f->payload)
		return 0;
	/* Pattern first: a random knock never repeats itself, while a
	 * `ping -s 100 -p ...` would otherwise pass for a (bad) knock. */
	if (icmp_ping_pattern(f->payload, f->payload_len, pattern)) {
		memset(out, 0, sizeof *out);
		out->kind = CANDIDATE_TOKEN;
		out->u.token.len = PING_PATTERN_BYTES;
		memcpy(out->u.token.bytes, pattern, PING_PATTERN_BYTES);
		return 1;
	}
	return carrier_spa(f->payload, f->payload_len, out);
}

static size_t icmp_max_packet(const struct config *c)
{
	if (!c->icmp)
		return 0;
	return CARRIER_IP_HEADER_MAX + ICMP_HEADER_BYTES + ICMP_DATA_MAX;
}

const struct carrier carrier_icmp = {
	.id = CARRIER_ICMP,
	.name = "icmp",
	.bpf = icmp_bpf,
	.extract = icmp_extract,
	.max_packet = icmp_max_packet,
};
