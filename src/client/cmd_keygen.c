/* postern keygen — create a user's secret key file.
 *
 * The key is symmetric: the client and the server hold the same 32-byte
 * secret, each in a mode-0600 file. keygen writes the client's copy (and,
 * with --server-out, the server's) and prints the config lines to add. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "commands.h"
#include "keyfile.h"
#include "passkey.h"
#include "signkey.h"

static void keygen_usage(FILE *f)
{
	fprintf(f,
		"usage: postern keygen --user NAME [--out FILE] [--server-out FILE]\n"
		"                      [--sign [--sign-out FILE]]\n"
		"                      [--passphrase [--passphrase-file FILE]\n"
		"                       [--kdf-cost interactive|moderate|sensitive]]\n"
		"\n"
		"Creates a new secret key for NAME in a file of mode 0600. The server\n"
		"needs the same key: copy it over a secure channel (or use --server-out\n"
		"on the server itself) and add the printed [user] section to postern.conf.\n"
		"\n"
		"  -u, --user NAME        the user name ([A-Za-z0-9._-], up to 63 chars)\n"
		"  -o, --out FILE         where to write (default ~/.config/postern/NAME.key)\n"
		"  -s, --server-out FILE  also write the server's copy to FILE\n"
		"  -g, --sign             also create an Ed25519 signing key: its secret\n"
		"                         goes into the client's key file only (knocks are\n"
		"                         then signed), its public half to --sign-out\n"
		"  -p, --sign-out FILE    where the public half goes (default: the --out\n"
		"                         path with .key replaced by .pub)\n"
		"  -P, --passphrase       derive the key from a passphrase (Argon2id): the\n"
		"                         client's file keeps only the salt and costs, no\n"
		"                         secret, and postern knock asks for the passphrase;\n"
		"                         needs --server-out (the server's copy holds the\n"
		"                         derived secret). At least 12 characters, and not\n"
		"                         weak: no user name, common word or pattern\n"
		"  -F, --passphrase-file FILE  read it from FILE (- = stdin) instead of the\n"
		"                         terminal (for scripts and tests)\n"
		"  -C, --kdf-cost COST    interactive (64 MiB), moderate (256 MiB, the\n"
		"                         default) or sensitive (1 GiB): each knock pays it\n"
		"  -h, --help             this help\n"
		"Existing files are never overwritten.\n");
}

/* Creates the directory of path (one level, mode 0700) if it is missing. */
static void make_parent_dir(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno == ENOENT) {
		/* ~/.config may be missing too */
		char *up = strrchr(dir, '/');
		if (up && up != dir) {
			*up = '\0';
			mkdir(dir, 0700);
			*up = '/';
			mkdir(dir, 0700);
		}
	}
}

static int write_copy(const char *path, const struct keyfile *kf)
{
	struct errbuf err;
	make_parent_dir(path);
	if (keyfile_write(path, kf, &err) < 0) {
		fprintf(stderr, "postern keygen: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Adds a fresh signing key to kf; fills pub and where it goes. */
static void make_sign_key(struct keyfile *kf, struct signkey *pub, const char *out,
	const char *sign_out, char pub_path[static PATH_MAX])
{
	uint8_t sk[KNOCKSIG_SECRET_BYTES];
	randombytes_buf(kf->sign_seed, sizeof kf->sign_seed);
	kf->has_sign = true;
	knocksig_keypair(kf->sign_seed, pub->pk, sk);
	sodium_memzero(sk, sizeof sk);
	snprintf(pub->user, sizeof pub->user, "%s", kf->user);
	if (sign_out) {
		snprintf(pub_path, PATH_MAX, "%s", sign_out);
		return;
	}
	size_t n = strlen(out);
	if (n > 4 && strcmp(out + n - 4, ".key") == 0)
		snprintf(pub_path, PATH_MAX, "%.*s.pub", (int)(n - 4), out);
	else
		snprintf(pub_path, PATH_MAX, "%s.pub", out);
}

static int write_pub(const char *path, const struct signkey *pub)
{
	struct errbuf err;
	if (signkey_write(path, pub, &err) < 0) {
		fprintf(stderr, "postern keygen: %s\n", err.msg);
		return -1;
	}
	return 0;
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "out", required_argument, NULL, 'o' },
		{ "server-out", required_argument, NULL, 's' },
		{ "sign", no_argument, NULL, 'g' },
		{ "sign-out", required_argument, NULL, 'p' },
		{ "passphrase", no_argument, NULL, 'P' },
		{ "passphrase-file", required_argument, NULL, 'F' },
		{ "kdf-cost", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL, *out = NULL, *server_out = NULL, *sign_out = NULL;
	bool sign = false;
	bool passphrase = false; /* passkey.h */
	const char *pass_file = NULL;
	enum pwkdf_cost cost = PWKDF_MODERATE;
	char default_out[PATH_MAX];
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "u:o:s:gp:PF:C:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': user = optarg; break;
		case 'o': out = optarg; break;
		case 's': server_out = optarg; break;
		case 'g': sign = true; break;
		case 'p': sign_out = optarg; break;
		case 'P': passphrase = true; break;
		case 'F': pass_file = optarg; passphrase = true; break;
		case 'C':
			if (!pwkdf_cost_parse(optarg, &cost)) {
				fprintf(stderr, "postern keygen: bad --kdf-cost '%s' (interactive, "
					"moderate or sensitive)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': keygen_usage(stdout); return EXIT_OK;
		default: keygen_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || !user) {
		fprintf(stderr, "postern keygen: %s\n",
			user ? "unexpected argument" : "--user NAME is required");
		keygen_usage(stderr);
		return EXIT_USAGE;
	}
	if (!keyfile_user_valid(user)) {
		fprintf(stderr, "postern keygen: invalid user name '%s' (use letters, "
			"digits, '.', '_' and '-', up to 63 characters)\n", user);
		return EXIT_USAGE;
	}
	if (passphrase && !server_out) {
		fprintf(stderr, "postern keygen: with --passphrase the client's file holds "
			"no secret: give --server-out FILE for the server's copy\n");
		return EXIT_USAGE;
	}
	if (!out) {
		if (!default_key_path(user, default_out, sizeof default_out)) {
			fprintf(stderr, "postern keygen: no home directory; use --out FILE\n");
			return EXIT_USAGE;
		}
		out = default_out;
	}

	struct keyfile kf;
	struct signkey pub;
	memset(&pub, 0, sizeof pub);
	char pub_path[PATH_MAX];
	keyfile_generate(&kf, user);
	if (passphrase) {
		struct errbuf perr;
		if (passkey_create(&kf, pass_file, cost, &perr) < 0) {
			fprintf(stderr, "postern keygen: %s\n", perr.msg);
			keyfile_wipe(&kf);
			return EXIT_FAILURE_GENERIC;
		}
	}
	if (sign)
		make_sign_key(&kf, &pub, out, sign_out, pub_path);
	kf.kdf_only = passphrase; /* the client's copy: salt and costs, no secret */
	int rc = write_copy(out, &kf);
	kf.kdf_only = false;
	if (rc == 0 && server_out) {
		/* The server holds only the public half of the signing key. */
		kf.has_sign = false;
		sodium_memzero(kf.sign_seed, sizeof kf.sign_seed);
		rc = write_copy(server_out, &kf);
	}
	keyfile_wipe(&kf);
	if (rc == 0 && sign)
		rc = write_pub(pub_path, &pub);
	if (rc < 0)
		return EXIT_KEY;

	printf("Wrote a new secret key for %s to %s (mode 0600).\n", user, out);
	if (passphrase)
		printf("It is derived from the passphrase: that file keeps only the salt\n"
			"and costs, and postern knock asks for the passphrase each time.\n");
	if (server_out)
		printf("Wrote the server's copy to %s (mode 0600).\n", server_out);
	else
		printf("The server needs the same key: copy it over a secure channel to\n"
			"/etc/postern/users/%s.key (mode 0600, owner root).\n", user);
	printf("\nAdd to the server's postern.conf:\n\n[user %s]\n", user);
	if (server_out)
		printf("key = %s\n", server_out);
	else
		printf("key = /etc/postern/users/%s.key\n", user);
	if (sign)
		printf("sign_key = /etc/postern/users/%s.pub\n", user);
	printf("open = tcp/22\n");
	if (sign) {
		char b64[45];
		signkey_b64(pub.pk, b64);
		printf("\nWrote the public signing key to %s (public %s).\n"
			"Copy it to the server (e.g. /etc/postern/users/%s.pub, owner root,\n"
			"mode 0644); knocks from %s are signed from now on.\n",
			pub_path, b64, user, out);
	}
	return EXIT_OK;
}
