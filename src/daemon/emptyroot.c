/* emptyroot — see emptyroot.h. */
#include <stdbool.h>

#include "emptyroot.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

#define EMPTYROOT_NS_FLAGS \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET)
/* One page, two inodes: nothing can be stored there even if it were writable. */
#define EMPTYROOT_TMPFS_OPTS "size=4k,nr_inodes=2,mode=0555"

/* In fresh namespaces: the empty tmpfs becomes / and the old root is gone.
 * Failing after unshare leaves the process half-way: the caller exits. */
static int pivot_into_tmpfs(const char *dir, struct errbuf *err)
{
	/* Nothing we mount may propagate back to the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		errbuf_set(err, "making / private: %s", strerror(errno));
		return -1;
	}
	if (mount("postern-empty", dir, "tmpfs",
		MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, EMPTYROOT_TMPFS_OPTS) < 0) {
		errbuf_set(err, "mounting an empty tmpfs on %s: %s", dir, strerror(errno));
		return -1;
	}
	/* pivot_root(".", "."): the old root ends up stacked on the new one,
	 * where it is detached; no directory for it is needed. */
	if (chdir(dir) < 0 || syscall(SYS_pivot_root, ".", ".") < 0) {
		errbuf_set(err, "pivot_root into %s: %s", dir, strerror(errno));
		return -1;
	}
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		errbuf_set(err, "detaching the old root: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int enter_chroot(const char *dir, struct errbuf *err)
{
	/* The permitted set still holds CAP_SYS_CHROOT (kept across the uid
	 * change by the caller): make it effective for this one call. */
	struct caps_state cs;
	if (caps_read(&cs, err) < 0 || caps_set(cs.permitted, cs.permitted, 0, err) < 0)
		return -1;
	if (chroot(dir) < 0 || chdir("/") < 0) {
		errbuf_set(err, "chroot %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int emptyroot_enter(const char *dir, bool force_chroot, struct errbuf *why_not,
	struct errbuf *err)
{
	if (force_chroot) {
		errbuf_set(why_not, "chroot forced (test setting)");
	} else if (unshare(EMPTYROOT_NS_FLAGS) < 0) {
		errbuf_set(why_not, "cannot create namespaces: %s", strerror(errno));
	} else {
		if (pivot_into_tmpfs(dir, err) < 0)
			return -1;
		return EMPTYROOT_NAMESPACES;
	}
	if (enter_chroot(dir, err) < 0)
		return -1;
	return EMPTYROOT_CHROOT;
}

const char *emptyroot_mode_name(int mode)
{
	switch (mode) {
	case EMPTYROOT_NAMESPACES:
		return "namespaces (user, mount, ipc, uts, net; pivot_root into an "
		       "empty read-only tmpfs)";
	case EMPTYROOT_CHROOT:
		return "chroot (empty read-only directory)";
	default:
		return "none";
	}
}
