/* addr — see addr.h.
 *
 * Every parser here is strict: the whole string must be consumed, numbers are
 * plain decimal without sign, blanks or leading zeros, and anything odd is
 * refused rather than guessed at. Callers add the context to the message. */
#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Parses a plain decimal number of at most max_digits digits: no sign, no
 * blanks, no leading zero (except "0" itself), nothing after it. */
static bool parse_decimal(const char *s, size_t max_digits, uint32_t *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > max_digits || (n > 1 && s[0] == '0'))
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

bool addr_parse(const char *s, struct addr *out)
{
	struct addr a = { 0 };
	if (!s || !*s)
		return false;
	/* inet_pton is strict already: no hostnames, no scope ids, no short
	 * forms like "10.1" and no octal. */
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, a.bytes) != 1)
			return false;
		a.family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, a.bytes) != 1)
			return false;
		a.family = AF_INET;
	}
	*out = a;
	return true;
}

const char *addr_format(const struct addr *a, char buf[static ADDR_STRLEN])
{
	if (!a || (a->family != AF_INET && a->family != AF_INET6) ||
		!inet_ntop(a->family, a->bytes, buf, ADDR_STRLEN))
		snprintf(buf, ADDR_STRLEN, "?");
	return buf;
}

size_t addr_len(const struct addr *a)
{
	switch (a->family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return a->family == b->family &&
		memcmp(a->bytes, b->bytes, addr_len(a)) == 0;
}

/* True if the first `prefix` bits of x and y are equal. */
static bool prefix_equal(const uint8_t *x, const uint8_t *y, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;
	if (memcmp(x, y, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (x[whole] & mask) == (y[whole] & mask);
}

/* True if every bit after the first `prefix` bits of a is zero. */
static bool host_bits_zero(const struct addr *a, unsigned prefix)
{
	size_t len = addr_len(a);
	for (size_t i = 0; i < len; i++) {
		unsigned bit = (unsigned)i * 8;
		unsigned keep = prefix <= bit ? 0 : prefix - bit >= 8 ? 8 : prefix - bit;
		uint8_t host = (uint8_t)~(0xffu << (8 - keep));
		if (a->bytes[i] & host)
			return false;
	}
	return true;
}

bool cidr_parse(const char *s, struct cidr *out)
{
	char buf[ADDR_STRLEN];
	struct cidr c = { 0 };
	if (!s)
		return false;
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof buf)
		return false;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (!addr_parse(buf, &c.base))
		return false;
	uint32_t max = c.base.family == AF_INET ? 32 : 128, prefix = max;
	if (slash && (!parse_decimal(slash + 1, 3, &prefix) || prefix > max))
		return false;
	if (!host_bits_zero(&c.base, prefix))
		return false;
	c.prefix = (uint8_t)prefix;
	*out = c;
	return true;
}

bool cidr_contains(const struct cidr *c, const struct addr *a)
{
	return c->base.family == a->family && a->family != 0 &&
		prefix_equal(c->base.bytes, a->bytes, c->prefix);
}

const char *cidr_format(const struct cidr *c, char buf[static ADDR_STRLEN + 4])
{
	char a[ADDR_STRLEN];
	snprintf(buf, ADDR_STRLEN + 4, "%s/%u", addr_format(&c->base, a),
		(unsigned)c->prefix);
	return buf;
}

bool portspec_parse(const char *s, struct portspec *out)
{
	uint32_t port;
	uint8_t proto;
	if (!s)
		return false;
	if (strncasecmp(s, "tcp/", 4) == 0)
		proto = IPPROTO_TCP;
	else if (strncasecmp(s, "udp/", 4) == 0)
		proto = IPPROTO_UDP;
	else
		return false;
	if (!parse_decimal(s + 4, 5, &port) || port < 1 || port > 65535)
		return false;
	memset(out, 0, sizeof *out); /* padding too: lists are compared bytewise */
	out->proto = proto;
	out->port = (uint16_t)port;
	return true;
}

const char *portspec_format(const struct portspec *p, char buf[static PORTSPEC_STRLEN])
{
	snprintf(buf, PORTSPEC_STRLEN, "%s/%u", proto_name(p->proto),
		(unsigned)p->port);
	return buf;
}

bool portspec_equal(const struct portspec *a, const struct portspec *b)
{
	return a->proto == b->proto && a->port == b->port;
}

const char *portspec_list_format(const struct portspec *p, size_t n, const char *sep,
	char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		char one[PORTSPEC_STRLEN];
		int w = snprintf(buf + used, len - used, "%s%s", i ? sep : "",
			portspec_format(&p[i], one));
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "?";
	}
}

/* Seconds per unit suffix, or 0 if c is not one. */
static uint32_t duration_unit(char c)
{
	switch (c) {
	case 's':
		return 1;
	case 'm':
		return 60;
	case 'h':
		return 3600;
	case 'd':
		return 86400;
	default:
		return 0;
	}
}

bool duration_parse(const char *s, uint32_t max, uint32_t *seconds)
{
	uint32_t unit = 1;
	uint64_t v = 0;
	size_t n = s ? strlen(s) : 0;
	if (n == 0)
		return false;
	if (n > 1 && duration_unit(s[n - 1])) {
		unit = duration_unit(s[n - 1]);
		n--;
	}
	if (n > 10) /* more digits than any uint32_t has */
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* v < 10^10 and unit <= 86400, so the product fits in 64 bits. */
	v *= unit;
	if (v < 1 || v > max)
		return false;
	*seconds = (uint32_t)v;
	return true;
}
