/* child — the capture/verify process: the only code that touches packets.
 *
 * Runs unprivileged in the sandbox. For each captured packet: decode the
 * frame, let a carrier extract candidate knock bytes, look the tag up, run
 * the AEAD and freshness checks, drop in-memory duplicates, and send the raw
 * knock to the parent. It can do nothing else: the parent holds the
 * firewall, the state store and the right to say yes. */
#ifndef POSTERN_CHILD_H
#define POSTERN_CHILD_H

#include "config.h"
#include "sandbox.h"

/* Exit status when a capture failed (an interface went down): the parent
 * restarts the child once the interface is back, without back-off. */
#define CHILD_EXIT_CAPTURE 3

/* Never returns. sock is the child's end of the socketpair. */
void child_main(const struct config *c, int sock, const struct sandbox_user *u)
	__attribute__((noreturn));

#endif
