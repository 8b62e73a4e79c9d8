/* keyfile — a user's secret key material on disk.
 *
 * Format (text, one "name value" pair per line, '#' comments):
 *
 *   # postern key v1 — secret: keep mode 0600
 *   postern-key 1
 *   user alice
 *   secret <base64 of 32 bytes>
 *   sign-secret <base64 of 32 bytes>    optional: the Ed25519 seed of the
 *                                       user's signing key (client copy only;
 *                                       knocksig.h, docs/protocol.md §11)
 *
 * The same file serves the client (~/.config/postern/NAME.key) and the server
 * (one file per user, referenced from the config). keyfile_read refuses a
 * file that is not a regular file, or that group or others can read or write. */
#ifndef POSTERN_KEYFILE_H
#define POSTERN_KEYFILE_H

#include <stdint.h>

#include "errbuf.h"
#include "knock.h"

#define KEYFILE_USER_MAX 64

struct keyfile {
	char user[KEYFILE_USER_MAX];
	uint8_t secret[KNOCK_MASTER_BYTES];
	bool has_sign; /* sign-secret present: knocks are signed */
	uint8_t sign_seed[KNOCK_MASTER_BYTES];
};

/* Reads and checks a key file. 0 on success, -1 with a reason in err
 * (naming the path). The secret is wiped from every temporary buffer. */
int keyfile_read(const char *path, struct keyfile *out, struct errbuf *err) WUR;
/* Creates path with mode 0600 (O_EXCL: never overwrites). 0 or -1. */
int keyfile_write(const char *path, const struct keyfile *kf, struct errbuf *err) WUR;
/* Fills kf with a fresh random secret for user. */
void keyfile_generate(struct keyfile *kf, const char *user);
void keyfile_wipe(struct keyfile *kf);
/* True if name is a valid user name: [A-Za-z0-9._-], 1..63 chars, not
 * starting with '.' or '-'. */
bool keyfile_user_valid(const char *name);

#endif
