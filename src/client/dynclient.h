/* dynclient — the client's half of dynamic knocks (dynreply.h):
 * `postern knock --dynamic` sends the SPA knock from its own UDP socket and
 * waits briefly on it for the server's encrypted reply; `postern knock
 * --next` sends the stored next knock (a port sequence, every packet from
 * one local port number, the last one UDP) and waits for the reply that
 * carries the one after it. A reply is accepted only from the server's
 * address, only if it opens under the user's reply key bound to the knock
 * just sent; anything else is ignored while the wait lasts. */
#ifndef POSTERN_DYNCLIENT_H
#define POSTERN_DYNCLIENT_H

#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "dynreply.h"
#include "knock.h"

#define DYNCLIENT_DEFAULT_WAIT_MS 2000

struct dynclient_opts {
	const char *server; /* as given: stored in the next-knock file */
	const char *user;
	const char *key_path; /* the key file */
	const char *pass_file; /* passphrase-derived keys: NULL = ask the terminal */
	const char *next_path; /* the next-knock file */
	/* The reply key if the caller derived it already (it read the key
	 * file, and perhaps asked for its passphrase); NULL: read key_path. */
	const uint8_t *reply_key;
	unsigned wait_ms; /* how long to wait for the reply */
	bool quiet;
};

/* Sends one datagram of len bytes (a sealed SPA knock, with its signature
 * if signed) to `to` over UDP, waits for the reply, stores the next knock.
 * Returns a postern exit code (commands.h). */
int dynclient_knock(const struct dynclient_opts *o, const struct addrinfo *to,
	const uint8_t *datagram, size_t len);

/* Sends the stored next knock to the server it names (family: AF_UNSPEC,
 * AF_INET or AF_INET6), waits for the reply, stores the one after.
 * Returns a postern exit code. */
int dynclient_next(const struct dynclient_opts *o, int family);

#endif
