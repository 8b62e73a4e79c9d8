/* keyfile_kdf — the passphrase KDF lines of a key file (keyfile.h):
 *
 *   kdf argon2id
 *   salt <base64 of 16 bytes>
 *   opslimit N          decimal, within pwkdf.h's bounds
 *   memlimit N          decimal bytes, within pwkdf.h's bounds
 *
 * Internal to keyfile.c; keyfile_derive (keyfile.h) lives here too. */
#ifndef POSTERN_KEYFILE_KDF_H
#define POSTERN_KEYFILE_KDF_H

#include <stdbool.h>
#include <stddef.h>

#include "errbuf.h"
#include "pwkdf.h"

/* True if name is one of kdf, salt, opslimit, memlimit. */
bool keyfile_kdf_is_key(const char *name);
/* Parses one such line into p, setting (and refusing a duplicate of) its
 * seen flag. where = "path:line". 0 or -1 with err. */
int keyfile_kdf_pair(const char *name, const char *value, bool *seen_kdf,
	bool *seen_salt, bool *seen_ops, bool *seen_mem, struct pwkdf_params *p,
	const char *where, struct errbuf *err);
/* After the whole file: all four lines must be there, the parameters within
 * bounds. 0 or -1 with err naming path. */
int keyfile_kdf_check(bool kdf, bool salt, bool ops, bool mem,
	const struct pwkdf_params *p, const char *path, struct errbuf *err);
/* Writes the four lines into buf; their length, or -1 if cap is too small. */
int keyfile_kdf_format(const struct pwkdf_params *p, char *buf, size_t cap);

#endif
