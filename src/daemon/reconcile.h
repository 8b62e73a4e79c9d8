/* reconcile — at start-up, postern's lease sets in the kernel against the
 * leases its state store says are still open:
 *   - an element the state does not know is removed, and logged:
 *     reconcile-removed set=S elem="ADDR . PROTO . PORT" reason=unknown
 *   - a lease the state has but the kernel lost is NOT re-opened (a door
 *     opens only for a fresh knock); it is logged and its close handled
 *     now (its close hook runs):
 *     reconcile-lost user=U addr=A port=P expires=T note=not-reopened
 * Run once, before the first knock is read. */
#ifndef POSTERN_RECONCILE_H
#define POSTERN_RECONCILE_H

#include <stdint.h>

#include "state.h"

/* 0, or -1 when the kernel or the store could not be read (logged; the
 * daemon goes on: leases still expire in the kernel). */
int reconcile_leases(struct state *st, const char *table, uint64_t now);

#endif
