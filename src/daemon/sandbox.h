/* sandbox — what the capture child does to itself after opening the capture
 * (and any socket a carrier needs) and before reading the first packet: no
 * filesystem, no root, no capabilities, no way back, few system calls.
 *
 * Order matters (STYLE.md: acquire, drop, confirm, sandbox):
 *  1. close what fork brought along from the parent (fdsweep.c);
 *  2. drop supplementary groups, gid and uid to run_as, and confirm;
 *  3. an empty filesystem: new user/mount/IPC/UTS/net namespaces and
 *     pivot_root into an empty read-only tmpfs, or, where user namespaces
 *     are refused, chroot into SANDBOX_EMPTY_DIR (emptyroot.c);
 *  4. drop every capability: bounding, ambient, effective, permitted,
 *     inheritable, with the securebits locked (caps.c), and confirm that
 *     root cannot be regained;
 *  5. no_new_privs, no core dumps;
 *  6. the seccomp allow-list (sysfilter.c). */
#ifndef POSTERN_SANDBOX_H
#define POSTERN_SANDBOX_H

#include <sys/types.h>

#include "errbuf.h"

#define SANDBOX_EMPTY_DIR "/run/postern/empty"

struct sandbox_user {
	uid_t uid;
	gid_t gid;
};

/* Resolves the unprivileged user by name (before any chroot). Refuses root. */
int sandbox_lookup_user(const char *name, struct sandbox_user *out,
	struct errbuf *err) __attribute__((warn_unused_result));
/* Creates SANDBOX_EMPTY_DIR (root-owned, mode 0555, empty) if missing and
 * checks it is empty and not writable by others. */
int sandbox_prepare_dir(struct errbuf *err) __attribute__((warn_unused_result));
/* Enters the sandbox. On failure the caller must exit: half-sandboxed is
 * not a state to continue in. */
int sandbox_enter(const struct sandbox_user *u, struct errbuf *err)
	__attribute__((warn_unused_result));
/* Turns off core dumps for this process (secrets live in memory). */
void sandbox_no_core_dumps(void);

#endif
