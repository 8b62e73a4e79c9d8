/* dns_conf — the [daemon] keys of the DNS carrier (config_dns.c):
 *
 *   dns        = off | sniff | authoritative   (default off)
 *   dns_zone   = k.example.net                 the knock sub-domain
 *                                              (at most DNSKNOCK_ZONE_MAX chars)
 *   dns_answer = nodata | nxdomain | ADDR[, ADDR]   authoritative: what every
 *                                              name under the zone answers
 *                                              (default nodata)
 *   dns_listen = any | ADDR[, ADDR...]          authoritative: where UDP 53
 *                                              is bound (default any)
 */
#ifndef POSTERN_DNS_CONF_H
#define POSTERN_DNS_CONF_H

#include <stddef.h>

#include "addr.h"
#include "dnsknock.h"
#include "dnsmsg.h"

#define DNS_LISTEN_MAX 8

enum dns_mode {
	DNS_OFF = 0,
	DNS_SNIFF, /* carrier_dns.c: queries to this host's UDP 53, captured */
	DNS_AUTHORITATIVE, /* dnsserver.c: the child answers for the zone */
};

struct dns_conf {
	enum dns_mode mode;
	char zone_text[DNSKNOCK_ZONE_MAX + 1]; /* lower case, no final dot */
	struct dnsmsg_zone zone; /* the zone as a name, and what to answer */
	struct addr listen[DNS_LISTEN_MAX];
	size_t nlisten; /* 0 = any (0.0.0.0 and ::) */
	bool answer_set, listen_set; /* given in the file */
};

#endif
