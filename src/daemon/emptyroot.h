/* emptyroot — the capture child's view of the filesystem: nothing.
 *
 * Preferred: new user, mount, IPC, UTS and network namespaces (an
 * unprivileged process may create them: no CAP_SYS_ADMIN needed in the
 * parent), a read-only, size-limited, empty tmpfs mounted on dir and made
 * the root with pivot_root, the old root detached. The child then has no
 * path to any file, no System V IPC, and a network namespace of its own with
 * no interfaces (its captures and sockets were opened before, in the host's
 * namespace, and keep working).
 * Fallback, when the kernel or a container refuses user namespaces
 * (sysctls, seccomp of a container manager, RestrictNamespaces=): chroot
 * into dir (empty, root-owned, read-only), which needs CAP_SYS_CHROOT in the
 * permitted set. Either way the caller still drops every capability after. */
#ifndef POSTERN_EMPTYROOT_H
#define POSTERN_EMPTYROOT_H

#include <stdbool.h>

#include "errbuf.h"

enum emptyroot_mode {
	EMPTYROOT_NAMESPACES = 1, /* pivot_root into an empty read-only tmpfs */
	EMPTYROOT_CHROOT, /* chroot into the empty directory */
};

/* Enters the empty root at dir (an absolute path the calling uid can reach).
 * Tries namespaces unless force_chroot; on their failure (reason kept in
 * *why_not if non-NULL) falls back to chroot. Returns the mode, or -1 with
 * err if neither worked: the caller must exit. */
int emptyroot_enter(const char *dir, bool force_chroot, struct errbuf *why_not,
	struct errbuf *err) __attribute__((warn_unused_result));

const char *emptyroot_mode_name(int mode);

#endif
