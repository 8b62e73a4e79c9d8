/* dnsserver — the authoritative server for the knock zone (dns =
 * authoritative), run inside the capture child.
 *
 * The one exception to "postern never listens for knocks": a knock sent to
 * any recursive resolver reaches postern only if postern answers as the
 * zone's server. Every query is answered at once and the same way whatever
 * it carries (dnsmsg.h: no oracle, and no resolver ever marks the server
 * down, which would cut off later knocks). The name is then handed to the
 * DNS carrier; its candidates come through a resolver, so they must name
 * their target. A resolver's retries of a name (new ID, new port, another
 * case mix) are dropped here as duplicates, logged at debug level only.
 *
 * The sockets are bound as root before the child drops privileges, like
 * the capture; the child reads them in its poll loop. */
#ifndef POSTERN_DNSSERVER_H
#define POSTERN_DNSSERVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "candidate.h"
#include "config.h"
#include "errbuf.h"

#define DNSSERVER_MAX_FDS DNS_LISTEN_MAX
/* Answers per second before the rest are dropped: a server that answers
 * everyone must not become a flood amplifier (each answer is at most a
 * question plus ~60 bytes). */
#define DNSSERVER_ANSWERS_PER_SECOND 2000
/* A name seen this recently is a retry, not a new knock. */
#define DNSSERVER_DUP_SECONDS 60

struct dnsserver;

typedef void dnsserver_candidate_fn(void *ctx, const struct candidate *cand);

/* Binds UDP 53 on each dns_listen address (any: 0.0.0.0 and ::). Returns
 * NULL with err if one cannot be bound. */
struct dnsserver *dnsserver_open(const struct config *c, struct errbuf *err);
/* NULL is a no-op. */
void dnsserver_close(struct dnsserver *s);
/* Fills pfds (room for DNSSERVER_MAX_FDS) with the sockets; returns how
 * many (0 for NULL). */
size_t dnsserver_pollfds(const struct dnsserver *s, struct pollfd *pfds);
/* Answers what waits on the i-th socket (a bounded batch) and passes the
 * knocks the names carry to fn. */
void dnsserver_dispatch(struct dnsserver *s, size_t i, uint64_t now,
	dnsserver_candidate_fn *fn, void *ctx);

#endif
