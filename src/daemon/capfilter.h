/* capfilter — keeps the capture's kernel filter as tight as the config
 * allows, in the capture child.
 *
 * With kernel_filter = tags, where every knock the config takes is a
 * single-packet knock in a UDP datagram (carriers_udp_spa_only), the
 * filter also checks the tag (tagfilter.h) against the child's tag table,
 * and is replaced whenever the table's tags change (every 30-s slot). The
 * child then never sees a datagram with a tag no user has now, and so
 * cannot log its refusal (reason=unknown-tag): that is the option's price,
 * and why it is not the default. Otherwise, or with more tags than a
 * filter holds, libpcap's filter by port and length stays, built from the
 * carriers at capture_open.
 *
 * Failing closed would lock users out, so a failure opens up instead: a
 * tight filter that cannot be attached the first time leaves libpcap's in
 * place (logged once); one that cannot be replaced later is swapped for
 * the same filter without the tags, and if even that fails the child must
 * restart (its tags would go stale). */
#ifndef POSTERN_CAPFILTER_H
#define POSTERN_CAPFILTER_H

#include "capture.h"
#include "config.h"
#include "tagtable.h"

struct capfilter;

/* NULL if the config gives the tags no role in the filter (logged when it
 * asks for them), or memory ran out: then libpcap's filter stays, which is
 * only looser. */
struct capfilter *capfilter_new(const struct config *c);
void capfilter_free(struct capfilter *f); /* NULL ok */

/* After the tag table's update: attaches a new filter if its tags changed.
 * 0, or -1 if the capture must be restarted (logged). f NULL: 0. */
int capfilter_sync(struct capfilter *f, const struct tagtable *t, struct capture *cap);

#endif
