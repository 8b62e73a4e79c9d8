/* testhook — test-only behaviour of posternd, switched on by environment
 * variables read once by the parent at start-up (never by anything a packet
 * can reach). Each active hook is logged as a warning. posternd(8) documents
 * them as test-only; the integration tests use them to show that:
 *
 *   POSTERN_TEST_SECCOMP_PROBE=1   the capture child calls openat() right
 *                                  after entering its sandbox: the seccomp
 *                                  filter must kill it (SIGSYS), the parent
 *                                  restarts it with back-off;
 *   POSTERN_TEST_CHILD_FORGE=knock the child sends a MSG_KNOCK with forged
 *                                  evidence for user 0: the parent must
 *                                  re-verify it and refuse (bad-mac);
 *   POSTERN_TEST_CHILD_FORGE=size  the child sends a record of the wrong
 *                                  size: the parent must kill it;
 *   POSTERN_TEST_CHILD_FORGE=mint:ADDR  the child seals a knock for user 0
 *                                  (open its first port for the source)
 *                                  and makes user 0's next token, with the
 *                                  keys it still holds, and sends both as
 *                                  coming from ADDR: the parent must refuse
 *                                  them, because the child holds no AEAD
 *                                  key or token secret (childkeys.h);
 *   POSTERN_TEST_SANDBOX=chroot    the child skips namespaces and uses the
 *                                  chroot fallback. */
#ifndef POSTERN_TESTHOOK_H
#define POSTERN_TESTHOOK_H

#include <stdbool.h>

#include "addr.h"
#include "config.h"

enum testhook_forge {
	TESTHOOK_FORGE_NONE = 0,
	TESTHOOK_FORGE_KNOCK,
	TESTHOOK_FORGE_SIZE,
	TESTHOOK_FORGE_MINT,
};

struct testhooks {
	bool seccomp_probe;
	enum testhook_forge forge;
	struct addr mint_src; /* TESTHOOK_FORGE_MINT */
	bool force_chroot;
};

/* Parent, once, before the first child: reads the variables, logs each
 * active hook. The child inherits the result by fork. */
void testhook_read_env(void);
const struct testhooks *testhook_get(void);

/* Child, right after sandbox_enter: runs the probe and forgeries, if on. */
void testhook_child_sandboxed(const struct config *c, int sock);

#endif
