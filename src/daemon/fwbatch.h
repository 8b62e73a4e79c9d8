/* fwbatch — a lease grant as one prebuilt nftables netlink batch.
 *
 * libnftables reads the kernel's ruleset into its cache before every
 * command: the generation, then every table, chain, set, object and
 * flowtable (seven netlink round trips, more the bigger the host's ruleset),
 * because each commit of ours moves the generation on. A grant needs none
 * of that: it touches only postern's own sets, which firewall_open made.
 * So grants build their messages with libnftnl and send them with libmnl:
 * one sendmsg, applied by the kernel whole or not at all, and the
 * acknowledgements read back. Everything else stays with libnftables. */
#ifndef POSTERN_FWBATCH_H
#define POSTERN_FWBATCH_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errbuf.h"

struct fwbatch;

/* Opens a netfilter netlink socket (needs CAP_NET_ADMIN only to send). */
struct fwbatch *fwbatch_open(struct errbuf *err);
/* Closes the socket. NULL ok. */
void fwbatch_close(struct fwbatch *b);

/* In `table inet TABLE`, set SET (whose type is addr's family's address .
 * inet_proto . inet_service), for each of ports[0..n): add the element,
 * delete it, add it with a timeout of lease seconds; all in one
 * transaction, so an existing element's timeout is replaced atomically and
 * a failure leaves the set as it was. Ports must be valid (proto TCP or
 * UDP, port > 0). Returns 0, or -1 with the kernel's reason in err. */
int fwbatch_grant(struct fwbatch *b, const char *table, const char *set,
	const struct addr *addr, const struct portspec *ports, size_t n,
	uint32_t lease, struct errbuf *err) __attribute__((warn_unused_result));

#endif
