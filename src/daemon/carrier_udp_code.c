/* carrier_udp_code — a numeric token code in a UDP datagram to a knock
 * port, as any machine can send it without postern:
 *
 *   printf 'alice:123456' | nc -u -w1 HOST 62201
 *
 * The payload is "USER:DIGITS" (a user name, a colon, 6..10 digits, an
 * optional trailing newline): 8..75 bytes, so it never overlaps the
 * 100-byte SPA datagram of carrier_udp.c. It yields a CANDIDATE_TEXT with
 * user_hint for the token scheme. Captured only if some user has tokens. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "carrier.h"
#include "keyfile.h"
#include "otpauth.h"

#define UDP_HEADER_BYTES 8
#define CODE_MIN_BYTES (1 + 1 + OTP_DIGITS_MIN)
#define CODE_MAX_BYTES (KEYFILE_USER_MAX - 1 + 1 + OTP_DIGITS_MAX + 1)

static bool any_tokens(const struct config *c)
{
	return c->uses.tokens;
}

static bool code_bpf(const struct config *c, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	if (!any_tokens(c))
		return true;
	unsigned lo = UDP_HEADER_BYTES + CODE_MIN_BYTES;
	unsigned hi = UDP_HEADER_BYTES + CODE_MAX_BYTES;
	for (size_t i = 0; i < c->nknock_ports; i++) {
		unsigned port = c->knock_ports[i].port;
		/* As carrier_udp.c: the IPv6 payload length is the UDP length. */
		int n = snprintf(buf + used, len - used,
			"%s(udp dst port %u and ((ip and udp[4:2] >= %u and "
			"udp[4:2] <= %u) or (ip6 and ip6[6] = 17 and ip6[4:2] >= %u "
			"and ip6[4:2] <= %u)))",
			used ? " or " : "", port, lo, hi, lo, hi);
		if (n < 0 || (size_t)n >= len - used)
			return false;
		used += (size_t)n;
	}
	return true;
}

static size_t code_extract(const struct config *c, const struct frame *f,
	struct candidate *out, size_t max)
{
	char text[CODE_MAX_BYTES + 1];
	size_t len = f->payload_len;
	if (max == 0 || f->proto != IPPROTO_UDP || len < CODE_MIN_BYTES ||
		len > CODE_MAX_BYTES || !any_tokens(c))
		return 0;
	bool port_ok = false;
	for (size_t i = 0; i < c->nknock_ports && !port_ok; i++)
		port_ok = c->knock_ports[i].port == f->dport;
	if (!port_ok)
		return 0;
	memcpy(text, f->payload, len);
	text[len] = '\0';
	if (text[len - 1] == '\n')
		text[--len] = '\0';
	if (memchr(text, '\0', len))
		return 0;
	char *colon = strchr(text, ':');
	if (!colon)
		return 0;
	*colon = '\0';
	const char *digits = colon + 1;
	size_t ulen = strlen(text), dlen = strlen(digits);
	if (!keyfile_user_valid(text) || !otp_code_syntax(digits) ||
		ulen >= sizeof out->user_hint || dlen >= sizeof out->u.text)
		return 0;
	memset(out, 0, sizeof *out);
	out->kind = CANDIDATE_TEXT;
	memcpy(out->user_hint, text, ulen + 1);
	memcpy(out->u.text, digits, dlen + 1);
	return 1;
}

static size_t code_max_packet(const struct config *c)
{
	if (!any_tokens(c) || c->nknock_ports == 0)
		return 0;
	return CARRIER_IP_HEADER_MAX + UDP_HEADER_BYTES + CODE_MAX_BYTES;
}

const struct carrier carrier_udp_code = {
	.id = CARRIER_UDP,
	.name = "udp",
	.bpf = code_bpf,
	.extract = code_extract,
	.max_packet = code_max_packet,
};
