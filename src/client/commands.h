/* commands — the postern subcommands, one file each, dispatched by postern.c.
 *
 * Each takes argc/argv starting at the subcommand's name and returns the
 * process exit status. Exit codes, documented in postern(1): */
#ifndef POSTERN_COMMANDS_H
#define POSTERN_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

enum {
	EXIT_OK = 0,
	EXIT_FAILURE_GENERIC = 1,
	EXIT_USAGE = 2, /* bad options or arguments */
	EXIT_KEY = 3, /* key file missing, unreadable, unsafe or malformed */
	EXIT_NETWORK = 4, /* name resolution or sending failed */
};

int cmd_keygen(int argc, char **argv);
int cmd_knock(int argc, char **argv);
int cmd_syn_knock(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_otp(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* $XDG_CONFIG_HOME/postern/USER.key or ~/.config/postern/USER.key. Returns
 * false if no home directory is known or the path is too long. */
bool default_key_path(const char *user, char *buf, size_t len);

#endif
