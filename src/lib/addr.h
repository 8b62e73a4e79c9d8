/* addr — IPv4/IPv6 addresses, CIDR prefixes, protocol/port pairs, durations.
 *
 * IPv4 and IPv6 are handled by the same type everywhere, so no code path can
 * forget one family. */
#ifndef POSTERN_ADDR_H
#define POSTERN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define PORTSPEC_STRLEN 12 /* "tcp/65535" */

struct addr {
	uint8_t family; /* AF_INET or AF_INET6; 0 = unset */
	uint8_t bytes[16]; /* IPv4 uses the first 4 bytes, the rest is zero */
};

struct cidr {
	struct addr base;
	uint8_t prefix; /* 0..32 or 0..128 */
};

struct portspec {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port; /* 1..65535 */
};

/* Parses a numeric IPv4 or IPv6 address (no names, no scope ids). */
bool addr_parse(const char *s, struct addr *out);
/* Formats into buf and returns buf. */
const char *addr_format(const struct addr *a, char buf[static ADDR_STRLEN]);
bool addr_equal(const struct addr *a, const struct addr *b);
/* Length of the address in bytes: 4, 16, or 0 if unset. */
size_t addr_len(const struct addr *a);

/* Parses "10.0.0.0/8", "2001:db8::/32", or a bare address (full prefix).
 * Host bits below the prefix must be zero. */
bool cidr_parse(const char *s, struct cidr *out);
bool cidr_contains(const struct cidr *c, const struct addr *a);
const char *cidr_format(const struct cidr *c, char buf[static ADDR_STRLEN + 4]);

/* Parses "tcp/22" or "udp/53". */
bool portspec_parse(const char *s, struct portspec *out);
const char *portspec_format(const struct portspec *p, char buf[static PORTSPEC_STRLEN]);
bool portspec_equal(const struct portspec *a, const struct portspec *b);
/* p[0..n) formatted and joined with sep ("tcp/22,udp/53" for ","), into
 * buf of len bytes (> 0), cut short if it does not fit. Returns buf. */
const char *portspec_list_format(const struct portspec *p, size_t n, const char *sep,
	char *buf, size_t len);
/* "tcp" or "udp" (or "?"). */
const char *proto_name(uint8_t proto);

/* Parses a duration: "90", "90s", "5m", "2h", "1d". Result in seconds,
 * must be 1..max. */
bool duration_parse(const char *s, uint32_t max, uint32_t *seconds);

#endif
