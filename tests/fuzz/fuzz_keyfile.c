/* fuzz_keyfile — libFuzzer target for the key file parser (keyfile.c).
 *
 * Each input is written to a private temporary file (mode 0600) and read
 * with keyfile_read_flags(KEYFILE_ALLOW_KDF_ONLY). What reads must be a
 * valid key (a passphrase-derived one: valid KDF parameters), and must
 * survive keyfile_write + keyfile_read unchanged, KDF lines included. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char in_path[96], out_path[96];

static void cleanup(void)
{
	unlink(in_path);
	unlink(out_path);
	rmdir(dir);
}

static void init(void)
{
	if (dir[0])
		return;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%.40s/fuzz-keyfile-XXXXXX", tmp ? tmp : "/tmp");
	if (sodium_init() < 0 || !mkdtemp(dir))
		abort();
	snprintf(in_path, sizeof in_path, "%s/in.key", dir);
	snprintf(out_path, sizeof out_path, "%s/out.key", dir);
	atexit(cleanup);
}

static void put(const uint8_t *data, size_t size)
{
	int fd = open(in_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0)
		abort();
	while (size > 0) {
		ssize_t w = write(fd, data, size);
		if (w <= 0)
			abort();
		data += w;
		size -= (size_t)w;
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyfile kf, back;
	struct errbuf err = { "" };

	init();
	put(data, size);
	if (keyfile_read_flags(in_path, KEYFILE_ALLOW_KDF_ONLY, &kf, &err) != 0) {
		if (err.msg[0] == '\0')
			abort(); /* a refusal must say why */
		return 0;
	}
	const char *why;
	if (!keyfile_user_valid(kf.user) || (kf.kdf_only && !kf.has_kdf)
		|| (kf.has_kdf && !pwkdf_params_valid(&kf.kdf, &why)))
		abort();
	unlink(out_path);
	if (keyfile_write(out_path, &kf, &err) != 0
		|| keyfile_read_flags(out_path, KEYFILE_ALLOW_KDF_ONLY, &back, &err) != 0
		|| strcmp(kf.user, back.user) != 0
		|| memcmp(kf.secret, back.secret, sizeof kf.secret) != 0
		|| kf.has_kdf != back.has_kdf || kf.kdf_only != back.kdf_only
		|| (kf.has_kdf && memcmp(&kf.kdf, &back.kdf, sizeof kf.kdf) != 0))
		abort();
	keyfile_wipe(&kf);
	keyfile_wipe(&back);
	return 0;
}
