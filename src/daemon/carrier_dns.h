/* carrier_dns — knocks in DNS query names under the knock zone (dnsknock.h),
 * whichever way the query came in: captured on its way to this host's UDP
 * 53 (dns = sniff: the carrier_dns table entry), or read by the zone's
 * server in the capture child (dns = authoritative: dnsserver.c). */
#ifndef POSTERN_CARRIER_DNS_H
#define POSTERN_CARRIER_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "candidate.h"
#include "config.h"
#include "dnsmsg.h"

/* Writes the candidate q's name carries (at most one, if max > 0) to out:
 * kind, u, user_hint and via_resolver (carrier, src and dst are the
 * caller's). Returns how many. */
size_t carrier_dns_candidates(const struct config *c, const struct dnsquery *q,
	bool via_resolver, struct candidate *out, size_t max);

#endif
