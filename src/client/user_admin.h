/* user_admin — the account lifecycle of `postern user` (cmd_user.c's table):
 * add, show, disable, enable, rotate, remove. Users they manage live in the
 * config's users_dir, one drop-in each (config_dropin.c, userfile.h); each
 * command edits files only, and says to reload the daemon (SIGHUP). Each
 * takes argc/argv from the sub-subcommand's name. */
#ifndef POSTERN_USER_ADMIN_H
#define POSTERN_USER_ADMIN_H

int user_add(int argc, char **argv);
int user_show(int argc, char **argv);
int user_disable(int argc, char **argv);
int user_enable(int argc, char **argv);
int user_rotate(int argc, char **argv);
int user_remove(int argc, char **argv);

#endif
