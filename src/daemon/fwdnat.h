/* fwdnat — the forwarded high ports of dynamic knocks: DNAT in postern's
 * own table (`inet TABLE`), for one client address only, with a timeout.
 *
 *   map dynfwd4 { ipv4_addr . inet_proto . inet_service : inet_service; timeout }
 *   map dynfwd6 { ipv6_addr . inet_proto . inet_service : inet_service; timeout }
 *   chain dynfwd  hook prerouting, priority dstnat - 10: a packet whose
 *                 source . proto . port is in the map is redirected to
 *                 this host's real service port (which postern's input
 *                 chain then admits only under the client's lease)
 *
 * The objects are created by the first forward (every forward re-declares
 * them idempotently in its own transaction, so a rebuilt table gets them
 * back); tables other than postern's are never touched. When postern dies
 * the map elements still expire in the kernel. */
#ifndef POSTERN_FWDNAT_H
#define POSTERN_FWDNAT_H

#include <stdint.h>

#include "addr.h"
#include "errbuf.h"

/* Redirects client's packets to high_port (same protocol as service) to
 * service's port on this host, for lease seconds. 0 or -1 with err. */
int fwdnat_add(const char *table, const struct addr *client,
	const struct portspec *service, uint16_t high_port, uint32_t lease,
	struct errbuf *err) __attribute__((warn_unused_result));

#endif
