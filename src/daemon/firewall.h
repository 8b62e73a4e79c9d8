/* firewall — doors as nftables set elements with timeouts (libnftables).
 *
 * postern owns one table (`inet TABLE`) and nothing else. It holds:
 *   set protected  { inet_proto . inet_service }            the guarded doors
 *   set leases4    { ipv4_addr . inet_proto . inet_service; flags timeout }
 *   set leases6    { ipv6_addr . inet_proto . inet_service; flags timeout }
 *   set oneshot4/6 { the same; flags dynamic,timeout }       one-shot doors
 *   chain input    hook input, priority filter - 10
 * In FIREWALL_DROP mode the chain drops a protected door unless the packet's
 * source . proto . port is leased; in FIREWALL_MARK mode it sets the mark on
 * leased packets and the operator's own chain accepts that mark.
 * A lease is a set element with a timeout: when postern dies, doors still close
 * on schedule in the kernel, and protected ports stay closed (fail closed). */
#ifndef POSTERN_FIREWALL_H
#define POSTERN_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "errbuf.h"

struct firewall;

/* Creates the table, sets and chain if missing, and replaces the chain's rules
 * and the protected set's contents with the config's. Existing leases are
 * kept (a restart closes nothing early). A table whose sets or chain have
 * another shape (another version's layout) is deleted and rebuilt in the
 * same transaction, losing its leases. Never touches other tables. */
struct firewall *firewall_open(const struct config *c, struct errbuf *err);
/* A handle on an existing postern table, changing nothing in it (for tools
 * that grant into a running daemon's table). Fails if the table is absent. */
struct firewall *firewall_attach(const char *table, struct errbuf *err);
/* Frees the handle; the table and its leases stay in the kernel. NULL ok. */
void firewall_close(struct firewall *fw);

/* Opens each of ports[0..n) for addr for lease seconds, in one atomic
 * transaction; an existing lease for the same element is replaced. */
int firewall_grant(struct firewall *fw, const struct addr *addr,
	const struct portspec *ports, size_t n, uint32_t lease, struct errbuf *err)
	__attribute__((warn_unused_result));

/* As firewall_grant, into the one-shot sets: each door admits one new
 * connection (the chain deletes the element as it admits it; that
 * connection goes on as established) or closes when the lease ends. */
int firewall_grant_once(struct firewall *fw, const struct addr *addr,
	const struct portspec *ports, size_t n, uint32_t lease, struct errbuf *err)
	__attribute__((warn_unused_result));

/* The table's name (fwlease.h lists and removes its elements). */
const char *firewall_table(const struct firewall *fw);
/* True if t is a name postern may paste into nft command text as its table:
 * a letter, then letters, digits and '_', shorter than CONFIG_TABLE_MAX. */
bool firewall_table_name_ok(const char *t);

/* Deletes the whole table (for `posternd --remove-firewall`). */
int firewall_remove(const char *table, struct errbuf *err);

#endif
