/* pwkdf — see pwkdf.h. */
#include "pwkdf.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

_Static_assert(PWKDF_SALT_BYTES == crypto_pwhash_argon2id_SALTBYTES,
	"the key file's salt is Argon2id's");
_Static_assert(PWKDF_OPSLIMIT_MIN >= crypto_pwhash_argon2id_OPSLIMIT_MIN,
	"lower bound within libsodium's");

bool pwkdf_cost_parse(const char *s, enum pwkdf_cost *out)
{
	static const char *const names[] = { "interactive", "moderate", "sensitive" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum pwkdf_cost)i;
			return true;
		}
	return false;
}

void pwkdf_params_new(struct pwkdf_params *p, enum pwkdf_cost cost)
{
	if (sodium_init() < 0)
		abort(); /* no randomness: never hand out a fixed salt */
	randombytes_buf(p->salt, sizeof p->salt);
	switch (cost) {
	case PWKDF_INTERACTIVE:
		p->opslimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
		p->memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
		break;
	case PWKDF_SENSITIVE:
		p->opslimit = crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE;
		p->memlimit = crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE;
		break;
	case PWKDF_MODERATE:
	default:
		p->opslimit = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
		p->memlimit = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
		break;
	}
}

bool pwkdf_params_valid(const struct pwkdf_params *p, const char **why)
{
	if (p->opslimit < PWKDF_OPSLIMIT_MIN || p->opslimit > PWKDF_OPSLIMIT_MAX) {
		*why = "opslimit out of bounds (2..16)";
		return false;
	}
	if (p->memlimit < PWKDF_MEMLIMIT_MIN || p->memlimit > PWKDF_MEMLIMIT_MAX) {
		*why = "memlimit out of bounds (33554432..4294967296 bytes, 32 MiB..4 GiB)";
		return false;
	}
	if (p->memlimit % 1024 != 0) {
		*why = "memlimit is not a whole number of KiB";
		return false;
	}
	if (p->memlimit > SIZE_MAX) {
		*why = "memlimit does not fit this machine's address space";
		return false;
	}
	return true;
}

int pwkdf_derive(const struct pwkdf_params *p, const char *pass, size_t len,
	uint8_t out[static KNOCK_MASTER_BYTES], struct errbuf *err)
{
	const char *why = NULL;
	if (!pwkdf_params_valid(p, &why)) {
		sodium_memzero(out, KNOCK_MASTER_BYTES);
		errbuf_set(err, "passphrase key: %s", why);
		return -1;
	}
	if (sodium_init() < 0 || crypto_pwhash(out, KNOCK_MASTER_BYTES, pass, len, p->salt,
		    p->opslimit, (size_t)p->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(out, KNOCK_MASTER_BYTES);
		errbuf_set(err, "passphrase key: Argon2id failed (out of memory? it "
			"needs %llu MiB)", (unsigned long long)(p->memlimit >> 20));
		return -1;
	}
	return 0;
}
