/* keyfile_kdf — see keyfile_kdf.h. */
#include "keyfile_kdf.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "keyfile.h"

#define KDF_U64_DIGITS 20 /* 18446744073709551615 */
#define SALT_B64_MAX 64

bool keyfile_kdf_is_key(const char *name)
{
	return strcmp(name, "kdf") == 0 || strcmp(name, "salt") == 0
		|| strcmp(name, "opslimit") == 0 || strcmp(name, "memlimit") == 0;
}

/* Decimal digits only, no sign, no leading zero, no overflow. */
static bool parse_u64(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t v = 0;
	if (n == 0 || n > KDF_U64_DIGITS || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int parse_salt(const char *value, uint8_t salt[static PWKDF_SALT_BYTES],
	const char *where, struct errbuf *err)
{
	uint8_t bin[SALT_B64_MAX];
	size_t binlen = 0;
	const char *end = NULL;
	if (sodium_base642bin(bin, sizeof bin, value, strlen(value), NULL, &binlen,
		    &end, sodium_base64_VARIANT_ORIGINAL) != 0 || *end != '\0') {
		errbuf_set(err, "%s: salt is not valid base64", where);
		return -1;
	}
	if (binlen != PWKDF_SALT_BYTES) {
		errbuf_set(err, "%s: salt is %zu bytes; it must be exactly %d", where,
			binlen, PWKDF_SALT_BYTES);
		return -1;
	}
	memcpy(salt, bin, PWKDF_SALT_BYTES);
	return 0;
}

int keyfile_kdf_pair(const char *name, const char *value, bool *seen_kdf,
	bool *seen_salt, bool *seen_ops, bool *seen_mem, struct pwkdf_params *p,
	const char *where, struct errbuf *err)
{
	bool *flag = strcmp(name, "kdf") == 0 ? seen_kdf : strcmp(name, "salt") == 0
		? seen_salt : strcmp(name, "opslimit") == 0 ? seen_ops : seen_mem;
	if (*flag) {
		errbuf_set(err, "%s: duplicate \"%s\"", where, name);
		return -1;
	}
	*flag = true;
	if (flag == seen_kdf) {
		if (strcmp(value, PWKDF_NAME) != 0) {
			errbuf_set(err, "%s: unsupported kdf \"%.32s\" (this postern knows "
				"%s)", where, value, PWKDF_NAME);
			return -1;
		}
		return 0;
	}
	if (flag == seen_salt)
		return parse_salt(value, p->salt, where, err);
	uint64_t *dst = flag == seen_ops ? &p->opslimit : &p->memlimit;
	if (!parse_u64(value, dst)) {
		errbuf_set(err, "%s: %s \"%.32s\" is not a decimal number", where, name,
			value);
		return -1;
	}
	return 0;
}

int keyfile_kdf_check(bool kdf, bool salt, bool ops, bool mem,
	const struct pwkdf_params *p, const char *path, struct errbuf *err)
{
	const char *why = NULL;
	if (!kdf || !salt || !ops || !mem) {
		errbuf_set(err, "%s: missing \"%s\" line (kdf, salt, opslimit and "
			"memlimit go together)", path, !kdf ? "kdf " PWKDF_NAME : !salt ?
			"salt" : !ops ? "opslimit" : "memlimit");
		return -1;
	}
	if (!pwkdf_params_valid(p, &why)) {
		errbuf_set(err, "%s: passphrase parameters refused: %s", path, why);
		return -1;
	}
	return 0;
}

int keyfile_kdf_format(const struct pwkdf_params *p, char *buf, size_t cap)
{
	char b64[sodium_base64_ENCODED_LEN(PWKDF_SALT_BYTES,
		sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof b64, p->salt, sizeof p->salt,
		sodium_base64_VARIANT_ORIGINAL);
	int n = snprintf(buf, cap, "kdf %s\nsalt %s\nopslimit %llu\nmemlimit %llu\n",
		PWKDF_NAME, b64, (unsigned long long)p->opslimit,
		(unsigned long long)p->memlimit);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int keyfile_derive(struct keyfile *kf, const char *pass, size_t len, struct errbuf *err)
{
	if (!kf->has_kdf) {
		errbuf_set(err, "key of %s: no passphrase parameters to derive it with",
			kf->user);
		return -1;
	}
	if (pwkdf_derive(&kf->kdf, pass, len, kf->secret, err) != 0)
		return -1;
	kf->kdf_only = false;
	return 0;
}
