/* parent — the privileged half of posternd.
 *
 * Starts the capture child, reads its fixed-size messages, and for each
 * forwarded knock re-verifies it with its own copy of the keys, decides
 * policy, records the replay durably, and only then opens the door. Restarts
 * the child when it dies (with back-off) or when a lost interface returns.
 * Keeps only the capabilities in CAPS_PARENT_KEEP (caps.h). */
#ifndef POSTERN_PARENT_H
#define POSTERN_PARENT_H

#include "config.h"
#include "firewall.h"
#include "sandbox.h"
#include "state.h"
#include "tagtable.h"

/* Runs until SIGTERM/SIGINT; returns the process exit status. On SIGHUP
 * it reloads the config file (reload.h): on success *c and *fw are replaced
 * (the old ones freed), so the caller frees and closes whatever they hold
 * when this returns. tags: the capture child's first tag table, being built
 * since start-up (tagtable_prebuild_start), or NULL; parent_run owns it. */
int parent_run(struct config **c, struct state *st, struct firewall **fw,
	const struct sandbox_user *u, struct tagtable *tags);

#endif
