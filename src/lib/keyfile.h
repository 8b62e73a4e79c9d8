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
 *   kdf argon2id                        optional, all four together: the
 *   salt <base64 of 16 bytes>           secret is derived from a passphrase
 *   opslimit N                          (pwkdf.h; keygen --passphrase). The
 *   memlimit N                          client's copy then has no "secret"
 *                                       line (postern knock asks for the
 *                                       passphrase); the server's copy has
 *                                       both, the secret being the derived one.
 *
 * Parameters outside pwkdf.h's bounds are refused. A file with neither
 * "secret" nor the kdf lines is refused; so is a kdf-only file, except by
 * keyfile_read_flags with KEYFILE_ALLOW_KDF_ONLY.
 *
 * The same file serves the client (~/.config/postern/NAME.key) and the server
 * (one file per user, referenced from the config). keyfile_read refuses a
 * file that is not a regular file, or that group or others can read or write. */
#ifndef POSTERN_KEYFILE_H
#define POSTERN_KEYFILE_H

#include <stdint.h>

#include "errbuf.h"
#include "knock.h"
#include "pwkdf.h"

#define KEYFILE_USER_MAX 64

struct keyfile {
	char user[KEYFILE_USER_MAX];
	uint8_t secret[KNOCK_MASTER_BYTES];
	bool has_sign; /* sign-secret present: knocks are signed */
	uint8_t sign_seed[KNOCK_MASTER_BYTES];
	bool has_kdf; /* kdf, salt, opslimit, memlimit present */
	struct pwkdf_params kdf;
	/* No "secret" line: secret is unset until derived from the passphrase
	 * (keyfile_derive). keyfile_write omits the secret when set. */
	bool kdf_only;
};

#define KEYFILE_ALLOW_KDF_ONLY 1u /* accept a file without "secret" (kdf_only) */

/* Reads and checks a key file. 0 on success, -1 with a reason in err
 * (naming the path). The secret is wiped from every temporary buffer. */
int keyfile_read(const char *path, struct keyfile *out, struct errbuf *err) WUR;
/* As keyfile_read; flags KEYFILE_ALLOW_KDF_ONLY or 0. */
int keyfile_read_flags(const char *path, unsigned flags, struct keyfile *out,
	struct errbuf *err) WUR;
/* Fills kf->secret from the passphrase with kf->kdf (kf->has_kdf must be
 * set) and clears kdf_only. 0, or -1 with err (secret zeroed). */
int keyfile_derive(struct keyfile *kf, const char *pass, size_t len,
	struct errbuf *err) WUR;
/* Creates path with mode 0600 (O_EXCL: never overwrites). 0 or -1. */
int keyfile_write(const char *path, const struct keyfile *kf, struct errbuf *err) WUR;
/* Opens path read-only without following a final symlink, and checks what
 * keyfile_read checks: a regular file of at most max_bytes, owned by the
 * reading uid, that group and others cannot access. The fd, or -1 with a
 * reason naming path. (config's keys_file uses it too.) */
int keyfile_open_private(const char *path, long long max_bytes, struct errbuf *err) WUR;
/* Fills kf with a fresh random secret for user. */
void keyfile_generate(struct keyfile *kf, const char *user);
void keyfile_wipe(struct keyfile *kf);
/* True if name is a valid user name: [A-Za-z0-9._-], 1..63 chars, not
 * starting with '.' or '-'. */
bool keyfile_user_valid(const char *name);

#endif
