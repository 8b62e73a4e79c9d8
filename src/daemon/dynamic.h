/* dynamic — dynamic knocks (SIG^2-style), the parent's side: after an
 * accepted knock of a user with `dynamic = yes`, the server picks the next
 * knock at random, commits it durably (state position "dynamic", its number
 * the knock's generation, the knock in the blob), opens an optional
 * forwarded high port, and sends the client an encrypted reply
 * (dynreply.h) naming both. The capture child recognises the next knock
 * (scheme_dynamic.c); using it consumes it and issues a fresh one.
 *
 * Nothing is ever sent for a knock that was not verified, passed policy,
 * was committed durably and opened its door: grant.c calls dynamic_answer
 * only after all of that. The child never sends anything. */
#ifndef POSTERN_DYNAMIC_H
#define POSTERN_DYNAMIC_H

#include <stdint.h>

#include "candidate.h"
#include "config.h"
#include "request.h"

#define DYNAMIC_POS_KEY "dynamic"

/* Parent, before the commit: if r is an accepted SPA "open" knock over UDP
 * of a user with dynamic = yes, fills r's position ("dynamic", the next
 * generation) and blob (a fresh random next knock). mem is the dynamic
 * scheme's image (scheme_dynamic.c); does nothing if it is NULL or r
 * already moves a position. */
void dynamic_prepare(void *mem, const struct config *c, struct request *r);

/* True if committing r moved the "dynamic" position (its P2C_POSITION is
 * the dynamic scheme's, whatever scheme accepted the knock). */
bool dynamic_moves(const struct request *r);

/* Parent, after the door opened for lease seconds: if r moved the dynamic
 * position, adds the forwarded high port (if configured; only for the
 * granted address) and sends the
 * reply from ev's destination address and port to its source address and
 * port. Failures are logged; the grant stands either way. */
void dynamic_answer(const struct config *c, const struct request *r,
	const struct candidate *ev, const struct addr *granted, uint32_t lease);

/* scheme_dynamic.c: the parent's current generation of user's pending
 * knock (0: none). */
uint64_t scheme_dynamic_generation(void *mem, uint32_t user);

#endif
