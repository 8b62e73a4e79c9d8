/* linkwatch — the parent's view of the captured interfaces, from rtnetlink.
 *
 * A packet socket bound to an interface goes quiet while the interface is
 * down and resumes by itself when it comes back; if the interface is deleted
 * and re-created it never resumes. linkwatch reports both, so the parent can
 * log them and restart the capture child when the interface index changed. */
#ifndef POSTERN_LINKWATCH_H
#define POSTERN_LINKWATCH_H

#include <net/if.h>
#include <stdbool.h>

#include "errbuf.h"

struct linkwatch;

enum link_event {
	LINK_DOWN = 1, /* administratively down or gone */
	LINK_UP, /* up again with the same index: capture resumes by itself */
	LINK_NEW_INDEX, /* up with a new index: capture must be reopened */
};

typedef void link_event_fn(void *ctx, enum link_event ev, const char *iface);

/* Watches the named interfaces (n >= 1). Returns NULL with a reason on failure. */
struct linkwatch *linkwatch_open(const char (*names)[IF_NAMESIZE], size_t n,
	struct errbuf *err);
void linkwatch_close(struct linkwatch *lw);
int linkwatch_fd(const struct linkwatch *lw);
/* Reads pending netlink messages and reports changes through fn. */
void linkwatch_read(struct linkwatch *lw, link_event_fn *fn, void *ctx);

#endif
