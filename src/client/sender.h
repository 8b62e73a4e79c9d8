/* sender — how `postern knock` puts a sealed knock on the wire: one file per
 * carrier (send_udp.c, ...), one entry each in the table in sender.c. */
#ifndef POSTERN_SENDER_H
#define POSTERN_SENDER_H

#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "errbuf.h"
#include "knock.h"

struct sender_opts {
	const char *server; /* as given on the command line */
	const char *port; /* --port: the knock port (UDP carrier) */
	int family; /* AF_UNSPEC, AF_INET, AF_INET6 */
	const char *zone; /* --zone: the knock sub-domain (DNS carrier) */
	const char *resolver; /* --resolver: where DNS queries go ("" = the server) */
	/* A signed knock's KNOCK_SIG_BYTES (knocksig.h), sent right after the
	 * 100 knock bytes, or NULL. Only senders with can_sign take it. */
	const uint8_t *sig;
};

struct sender {
	const char *name; /* the --via value */
	const char *summary; /* one line for --help */
	bool can_sign; /* can carry a signed knock's 164 bytes (udp, icmp; not dns) */
	/* Sends one sealed knock to `to` (the resolved server). 0, or -1 with a
	 * message in err. */
	int (*send)(const struct sender_opts *o, const struct addrinfo *to,
		const uint8_t wire[static KNOCK_WIRE_BYTES], struct errbuf *err);
};

/* The sender called name, or NULL. */
const struct sender *sender_find(const char *name);
/* Prints "  NAME  summary" for each sender. */
void senders_describe(FILE *f);

extern const struct sender sender_udp;
extern const struct sender sender_icmp;
extern const struct sender sender_dns;

#endif
