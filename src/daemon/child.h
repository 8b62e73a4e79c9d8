/* child — the capture/verify process: the only code that touches packets.
 *
 * Runs unprivileged in the sandbox. For each captured packet: decode the
 * frame, let the carriers extract candidates, let the schemes check them
 * (for SPA: tag look-up, AEAD, freshness), drop in-memory duplicates, and
 * send the evidence to the parent. It can do nothing else: the parent holds the
 * firewall, the state store and the right to say yes. */
#ifndef POSTERN_CHILD_H
#define POSTERN_CHILD_H

#include "config.h"
#include "sandbox.h"
#include "scheme.h"

/* Exit status when a capture failed (an interface went down): the parent
 * restarts the child once the interface is back, without back-off. */
#define CHILD_EXIT_CAPTURE 3

/* Never returns. sock is the child's end of the socketpair; schemes is the
 * parent's memory image, inherited by fork (the child's copy is its own). */
void child_main(const struct config *c, struct scheme_set *schemes, int sock,
	const struct sandbox_user *u) __attribute__((noreturn));

#endif
