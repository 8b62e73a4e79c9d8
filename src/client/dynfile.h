/* dynfile — the client's copy of its next dynamic knock (dynreply.h): a
 * small text file, mode 0600, replaced atomically (temporary file in the
 * same directory, fsync, rename), so a crash leaves the old or the new
 * copy, never half of one. Default place: beside the key file,
 * ~/.config/postern/NAME.next.
 *
 *   # postern next knock (one-time): postern knock --next ...
 *   server 10.77.0.1
 *   generation 3
 *   knock 0311a4...            the 16-byte blob, hex (what counts)
 *   sequence 41234:tcp,45678:udp,49999:udp   (for people and `knock`)
 *   forward tcp 54321 22 30    (if the last reply carried one) */
#ifndef POSTERN_DYNFILE_H
#define POSTERN_DYNFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dynreply.h"
#include "errbuf.h"

#define DYNFILE_SERVER_MAX 256

struct dynfile {
	char server[DYNFILE_SERVER_MAX];
	uint64_t generation;
	uint8_t blob[DYNKNOCK_BLOB_BYTES];
	struct dynknock knock; /* decoded from blob */
};

/* The default path: the key path with ".key" replaced by ".next" (or
 * ".next" appended). false if it does not fit. */
bool dynfile_default_path(const char *key_path, char *buf, size_t len);
/* Writes r's next knock (and forward, as a comment line) for server. */
int dynfile_store(const char *path, const char *server, const struct dynreply *r,
	struct errbuf *err) __attribute__((warn_unused_result));
/* Reads a file dynfile_store wrote; refuses anything else. 0 or -1. */
int dynfile_load(const char *path, struct dynfile *out, struct errbuf *err)
	__attribute__((warn_unused_result));

#endif
