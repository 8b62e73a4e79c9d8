/* pwkdf — a user's 32-byte master secret derived from a passphrase with
 * Argon2id (libsodium crypto_pwhash, ALG_ARGON2ID13, parallelism 1).
 *
 * The parameters travel in the key file (keyfile.h): "kdf argon2id", the
 * random 16-byte salt, opslimit (passes) and memlimit (bytes). A file from
 * elsewhere must not make the client spin for an hour or allocate 100 GiB,
 * nor weaken the derivation to nothing, so parameters outside
 * PWKDF_OPSLIMIT_MIN..MAX and PWKDF_MEMLIMIT_MIN..MAX (or memlimit not a
 * whole number of KiB) are refused.
 *
 * Costs (keygen --kdf-cost; the default is moderate):
 *   interactive  opslimit 2, memlimit  64 MiB   ~0.1-0.3 s
 *   moderate     opslimit 3, memlimit 256 MiB   ~0.5-1 s
 *   sensitive    opslimit 4, memlimit   1 GiB   ~2-5 s
 * (libsodium's OPSLIMIT_/MEMLIMIT_ constants of the same names). */
#ifndef POSTERN_PWKDF_H
#define POSTERN_PWKDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "knock.h"

#define PWKDF_NAME "argon2id"
#define PWKDF_SALT_BYTES 16 /* crypto_pwhash_argon2id_SALTBYTES */
#define PWKDF_OPSLIMIT_MIN 2ULL
#define PWKDF_OPSLIMIT_MAX 16ULL
#define PWKDF_MEMLIMIT_MIN (32ULL << 20) /* 32 MiB */
#define PWKDF_MEMLIMIT_MAX (4ULL << 30) /* 4 GiB */

enum pwkdf_cost {
	PWKDF_INTERACTIVE,
	PWKDF_MODERATE,
	PWKDF_SENSITIVE,
};

struct pwkdf_params {
	uint8_t salt[PWKDF_SALT_BYTES];
	uint64_t opslimit;
	uint64_t memlimit; /* bytes */
};

/* Parses "interactive", "moderate" or "sensitive". */
bool pwkdf_cost_parse(const char *s, enum pwkdf_cost *out);
/* Fresh parameters at cost, with a random salt. */
void pwkdf_params_new(struct pwkdf_params *p, enum pwkdf_cost cost);
/* True if opslimit and memlimit are within the bounds above; else false
 * with a short reason in *why. */
bool pwkdf_params_valid(const struct pwkdf_params *p, const char **why);
/* Derives out from the passphrase (len bytes, not necessarily NUL-
 * terminated). 0, or -1 with err (bad parameters, out of memory). On
 * failure out is zeroed. */
int pwkdf_derive(const struct pwkdf_params *p, const char *pass, size_t len,
	uint8_t out[static KNOCK_MASTER_BYTES], struct errbuf *err) WUR;

#endif
