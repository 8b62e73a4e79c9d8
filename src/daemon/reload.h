/* reload — SIGHUP: a new configuration, all or nothing.
 *
 * reload_prepare() does everything that can fail off to the side, while the
 * running configuration keeps serving: parse and check the whole file (key
 * files included), resolve run_as, build the schemes' memory images from the
 * state store, and apply the new protected set and chain rules to the
 * nftables table (one atomic transaction that keeps every lease). Only if
 * all of that worked does the caller swap the result in (and restart the
 * capture child, which inherits the new configuration by fork). On failure
 * nothing has changed and err says why, as FILE:LINE: reason for the file.
 *
 * A reload cannot move the state store or rename the nftables table (both
 * are held open): such a file is refused; restart posternd to apply it.
 * It cannot add capabilities the parent dropped at start either. */
#ifndef POSTERN_RELOAD_H
#define POSTERN_RELOAD_H

#include "config.h"
#include "errbuf.h"
#include "firewall.h"
#include "sandbox.h"
#include "scheme.h"
#include "state.h"

struct reload {
	struct config *config;
	struct sandbox_user user;
	struct firewall *fw;
	struct scheme_set schemes;
};

/* 0 with *out filled (the caller owns it), or -1 with err and nothing
 * changed (the firewall transaction is the last step and atomic). */
int reload_prepare(const char *path, const struct config *cur, struct state *st,
	struct reload *out, struct errbuf *err) __attribute__((warn_unused_result));

#endif
