/* fwlease — the elements of postern's lease sets as the kernel holds them
 * (leases4, leases6, oneshot4, oneshot6 of firewall.h): listed for the
 * start-up reconciliation (reconcile.c) and removed one by one.
 *
 * The listing is nft's text output (`list set`), parsed by fwlease_parse:
 * "elements = { ADDR . PROTO . PORT [timeout T expires E], ... }". */
#ifndef POSTERN_FWLEASE_H
#define POSTERN_FWLEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "errbuf.h"

struct fwlease_elem {
	struct addr addr;
	struct portspec port;
	bool once; /* in oneshot4/6 */
};

typedef void fwlease_fn(void *ctx, const struct fwlease_elem *e);

/* Calls fn for each element of one set listing (text of len bytes, not
 * necessarily NUL-terminated). Returns the number of elements, or -1 if an
 * element cannot be read (those before it were passed to fn). */
int fwlease_parse(const char *text, size_t len, bool once, fwlease_fn *fn, void *ctx);

/* Lists the four sets of table. 0 or -1 with err. */
int fwlease_list(const char *table, fwlease_fn *fn, void *ctx, struct errbuf *err)
	__attribute__((warn_unused_result));

/* Removes one element (absent is not an error). 0 or -1 with err. */
int fwlease_delete(const char *table, const struct fwlease_elem *e, struct errbuf *err)
	__attribute__((warn_unused_result));

#endif
