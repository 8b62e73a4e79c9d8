/* passkey — see passkey.h. */
#include "passkey.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "passphrase.h"
#include "pwstrength.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Derives kf->secret from pass and tells how long it took. */
static int derive(struct keyfile *kf, const char *pass, bool quiet, struct errbuf *err)
{
	double t0 = now_s();
	int rc = keyfile_derive(kf, pass, strlen(pass), err);
	if (rc == 0 && !quiet)
		fprintf(stderr, "postern: derived %s's key from the passphrase in %.2f s "
			"(Argon2id, %llu MiB, opslimit %llu)\n", kf->user, now_s() - t0,
			(unsigned long long)(kf->kdf.memlimit >> 20),
			(unsigned long long)kf->kdf.opslimit);
	return rc;
}

int passkey_create(struct keyfile *kf, const char *pass_file, enum pwkdf_cost cost,
	struct errbuf *err)
{
	char pass[PASSPHRASE_BUF];
	char prompt[128], why[PWSTRENGTH_WHY_MAX];
	double bits = 0;
	int rc = -1;
	snprintf(prompt, sizeof prompt, "New passphrase for %s's key: ", kf->user);
	if (passphrase_read(pass_file, prompt, true, pass, err) < 0)
		return -1;
	if (!pwstrength_ok(pass, kf->user, &bits, why)) {
		errbuf_set(err, "passphrase refused: %s", why);
		goto out;
	}
	pwkdf_params_new(&kf->kdf, cost);
	kf->has_kdf = true;
	rc = derive(kf, pass, false, err);
	if (rc < 0)
		kf->has_kdf = false;
out:
	sodium_memzero(pass, sizeof pass);
	sodium_memzero(why, sizeof why);
	return rc;
}

int passkey_open(const char *path, const char *pass_file, bool quiet,
	struct keyfile *kf, struct errbuf *err)
{
	char pass[PASSPHRASE_BUF];
	char prompt[160];
	if (keyfile_read_flags(path, KEYFILE_ALLOW_KDF_ONLY, kf, err) < 0)
		return -1;
	if (!kf->kdf_only)
		return 0;
	snprintf(prompt, sizeof prompt, "Passphrase for %s's key: ", kf->user);
	int rc = passphrase_read(pass_file, prompt, false, pass, err);
	if (rc == 0)
		rc = derive(kf, pass, quiet, err);
	sodium_memzero(pass, sizeof pass);
	if (rc < 0)
		keyfile_wipe(kf);
	return rc;
}
