/* postern audit — the audit log (docs/audit.md). A table of
 * sub-subcommands; today: verify.
 *
 * `postern audit verify FILE [--keys DIR | --config FILE]` checks the hash
 * chain and every signature and reports OK with counts, or the first broken
 * record (its line number and what is wrong), exit status 1. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "auditverify.h"
#include "commands.h"
#include "signkey.h"

struct keysrc {
	const char *dir; /* --keys: DIR/USER.pub */
	struct config *config; /* --config: each user's sign_key */
};

static void audit_usage(FILE *f)
{
	fprintf(f,
		"usage: postern audit verify FILE [--keys DIR | --config FILE]\n"
		"\n"
		"  verify  checks that every line of the audit log FILE is a record\n"
		"          chained to the line before it (SHA-256), that seq counts up,\n"
		"          and that every signed accept carries a valid Ed25519\n"
		"          signature of the user; prints OK with counts, or the first\n"
		"          broken record: its line number and what is wrong\n"
		"\n"
		"  -k, --keys DIR      users' public keys as DIR/USER.pub\n"
		"  -c, --config FILE   the daemon's config: each user's sign_key\n"
		"                      (without either, a signature is checked against\n"
		"                      the key the record names: that shows the record\n"
		"                      is intact, not who signed it)\n"
		"  -h, --help          this help\n"
		"Exit status: 0 intact, 1 broken or unreadable, 2 usage, 3 a key file.\n");
}

static int lookup(void *ctx, const char *user, uint8_t pk[static KNOCKSIG_PUBLIC_BYTES])
{
	struct keysrc *k = ctx;
	char path[PATH_MAX];
	struct signkey sk;
	struct errbuf err;
	if (!keyfile_user_valid(user))
		return 0;
	if (k->dir) {
		snprintf(path, sizeof path, "%s/%s.pub", k->dir, user);
	} else {
		const struct config_user *u = config_find_user(k->config, user);
		if (!u || !u->prof->sign->key_path[0])
			return 0;
		snprintf(path, sizeof path, "%s", u->prof->sign->key_path);
	}
	if (signkey_read(path, &sk, &err) < 0) {
		fprintf(stderr, "postern audit: %s\n", err.msg);
		return 0;
	}
	if (strcmp(sk.user, user) != 0) {
		fprintf(stderr, "postern audit: %s is user '%s''s key, not '%s''s\n", path,
			sk.user, user);
		return 0;
	}
	memcpy(pk, sk.pk, KNOCKSIG_PUBLIC_BYTES);
	return 1;
}

static int verify_file(const char *path, struct keysrc *keys)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		perror(path);
		return EXIT_FAILURE_GENERIC;
	}
	struct auditverify av;
	auditverify_init(&av, keys->dir || keys->config ? lookup : NULL, keys);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		bool complete = line[n - 1] == '\n';
		if (auditverify_line(&av, line, (size_t)n - complete, complete) < 0)
			break;
	}
	free(line);
	bool read_error = ferror(f);
	fclose(f);
	if (av.broken) {
		printf("%s: BROKEN at line %llu: %s\n", path,
			(unsigned long long)av.broken_line, av.why);
		if (av.note[0])
			printf("%s: note: %s\n", path, av.note);
		return EXIT_FAILURE_GENERIC;
	}
	if (read_error) {
		printf("%s: read error after line %llu\n", path, (unsigned long long)av.lines);
		return EXIT_FAILURE_GENERIC;
	}
	printf("%s: OK: %llu records (seq %llu..%llu), %llu accepts, %llu refusals, "
		"%llu signatures verified%s", path, (unsigned long long)av.records,
		(unsigned long long)av.first_seq, (unsigned long long)av.last_seq,
		(unsigned long long)av.accepts, (unsigned long long)av.refusals,
		(unsigned long long)(av.signed_ok + av.signed_self),
		av.signed_self ? " (against the keys the records name: no --keys/--config)" : "");
	printf(", %llu segment break(s)\n%s: last record hash %s\n",
		(unsigned long long)av.segments, path, av.prev);
	if (av.note[0])
		printf("%s: note: %s\n", path, av.note);
	return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keys", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct keysrc keys = { NULL, NULL };
	const char *config = NULL;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		audit_usage(stdout);
		return EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		fprintf(stderr, "postern audit: %s\n", argc < 2 ? "which subcommand?"
			: "unknown subcommand (try verify)");
		audit_usage(stderr);
		return EXIT_USAGE;
	}
	int ch;
	optind = 1;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "k:c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k': keys.dir = optarg; break;
		case 'c': config = optarg; break;
		case 'h': audit_usage(stdout); return EXIT_OK;
		default: audit_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || (keys.dir && config)) {
		fprintf(stderr, "postern audit verify: %s\n", keys.dir && config ?
			"give --keys or --config, not both" : "name one audit log FILE");
		audit_usage(stderr);
		return EXIT_USAGE;
	}
	if (config) {
		struct errbuf err;
		keys.config = admin_config(config, &err);
		if (!keys.config) {
			fprintf(stderr, "postern audit: %s\n", err.msg);
			return EXIT_KEY;
		}
	}
	int rc = verify_file(argv[optind], &keys);
	config_free(keys.config);
	return rc;
}
