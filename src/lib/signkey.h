/* signkey — the public half of a user's signing key, as the server keeps it
 * (`sign_key = /etc/postern/users/alice.pub` in postern.conf):
 *
 *   # postern signing key v1 - public: the server checks signed knocks with it
 *   postern-sign-public 1
 *   user alice
 *   public <base64 of the 32-byte Ed25519 public key>
 *
 * Not a secret, but whoever can replace it can sign as the user: signkey_read
 * refuses a file that is not regular, that group or others may write, or
 * that is owned by anyone but the reader or root. */
#ifndef POSTERN_SIGNKEY_H
#define POSTERN_SIGNKEY_H

#include <stdint.h>

#include "errbuf.h"
#include "keyfile.h"
#include "knocksig.h"

struct signkey {
	char user[KEYFILE_USER_MAX];
	uint8_t pk[KNOCKSIG_PUBLIC_BYTES];
};

/* Reads and checks a public key file; 0, or -1 with err naming the path. */
int signkey_read(const char *path, struct signkey *out, struct errbuf *err) WUR;
/* Creates path (mode 0644, O_EXCL: never overwrites); 0 or -1. */
int signkey_write(const char *path, const struct signkey *k, struct errbuf *err) WUR;
/* The key in base64 (what the file holds), into out (at least 45 bytes). */
void signkey_b64(const uint8_t pk[static KNOCKSIG_PUBLIC_BYTES], char out[static 45]);

#endif
