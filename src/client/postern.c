/* postern — the client and admin command: a table of subcommands. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "commands.h"

#define POSTERN_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "keygen", cmd_keygen, "create a user's key file" },
	{ "knock", cmd_knock, "send a single-packet knock to open a port" },
	{ "syn-knock", cmd_syn_knock, "send a one-time token in one TCP SYN" },
	{ "token", cmd_token, "print one-time tokens (HOTP/TOTP) and how to send them" },
	{ "otp", cmd_otp, "RFC 2289 one-time password chains: init, next, list" },
	{ "user", cmd_user, "the server's users: list (with OTP chain warnings)" },
	{ "audit", cmd_audit, "check the audit log's hash chain and signatures" },
	{ "report", cmd_report, "access review: last knocks, stale users, oddities (text/HTML)" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: postern COMMAND [options]   (postern COMMAND --help for more)\n\n"
		"Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nExit codes: 0 ok, 1 failure, 2 usage, 3 key file, 4 network.\n"
		"See postern(1).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		if (argc > 2 && strcmp(name, "help") == 0) {
			char *help_argv[] = { argv[2], "--help", NULL };
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (!strcmp(commands[i].name, argv[2]))
					return commands[i].run(2, help_argv);
		}
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
		printf("postern %s\n", POSTERN_VERSION);
		return EXIT_OK;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "postern: libsodium failed to initialise\n");
		return EXIT_FAILURE_GENERIC;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "postern: unknown command '%s'\n", name);
	usage(stderr);
	return EXIT_USAGE;
}
