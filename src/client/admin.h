/* admin — what the server-side admin commands (postern otp, postern user)
 * share: reading the daemon's config and opening its state store. */
#ifndef POSTERN_ADMIN_H
#define POSTERN_ADMIN_H

#include <stdbool.h>

#include "config.h"
#include "errbuf.h"
#include "state.h"

#define ADMIN_DEFAULT_CONFIG "/etc/postern/postern.conf"

/* Reads config_path (key files are not read; keys_file is, when a [user *]
 * template makes users of its names, so that every user is listed). NULL
 * with err on failure. */
struct config *admin_config(const char *config_path, struct errbuf *err);
/* Opens the state store at state_path (or the config's state path when
 * state_path is NULL). If the file does not exist: with create, it is
 * created; without, *st is NULL and 0 is returned. -1 with err. */
int admin_state(const struct config *c, const char *state_path, bool create,
	struct state **st, struct errbuf *err);

#endif
