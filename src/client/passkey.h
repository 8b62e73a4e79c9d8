/* passkey — passphrase-derived keys on the client side (pwkdf.h, the key
 * file's kdf lines in keyfile.h): making one (postern keygen --passphrase)
 * and opening one (postern knock). The passphrase comes from the terminal
 * without echo, or from a file for scripts and tests (passphrase.h), never
 * from argv; it and every derived byte are wiped on every path. */
#ifndef POSTERN_PASSKEY_H
#define POSTERN_PASSKEY_H

#include <stdbool.h>

#include "errbuf.h"
#include "keyfile.h"
#include "pwkdf.h"

/* For keygen: reads the passphrase (asked twice on the terminal), refuses a
 * weak one (pwstrength.h, naming why), makes fresh parameters at cost with
 * a random salt, derives kf->secret and sets kf->has_kdf. Says on stderr
 * how long the derivation took. 0, or -1 with err. */
int passkey_create(struct keyfile *kf, const char *pass_file, enum pwkdf_cost cost,
	struct errbuf *err);

/* For knock: reads the key file at path; if it is passphrase-derived (no
 * secret), asks for the passphrase (pass_file: NULL = the terminal) and
 * derives the secret, saying how long it took unless quiet. 0 or -1 with
 * err; on failure kf is wiped. */
int passkey_open(const char *path, const char *pass_file, bool quiet,
	struct keyfile *kf, struct errbuf *err);

#endif
