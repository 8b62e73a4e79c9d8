/* sandbox — see sandbox.h. */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "emptyroot.h"
#include "fdsweep.h"
#include "log.h"
#include "sysfilter.h"
#include "testhook.h"

int sandbox_lookup_user(const char *name, struct sandbox_user *out, struct errbuf *err)
{
	errno = 0;
	struct passwd *pw = getpwnam(name);
	if (!pw) {
		errbuf_set(err, "run_as user '%s' does not exist%s", name,
			errno ? "" : " (create it: useradd --system postern)");
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		errbuf_set(err, "run_as user '%s' has uid or gid 0; the capture "
			"child must run unprivileged", name);
		return -1;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	return 0;
}

static int ensure_dir(const char *path, mode_t mode, struct errbuf *err)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		errbuf_set(err, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022)) {
		errbuf_set(err, "%s must be a directory owned by root and not "
			"writable by group or others", path);
		return -1;
	}
	return 0;
}

int sandbox_prepare_dir(struct errbuf *err)
{
	if (ensure_dir("/run/postern", 0755, err) < 0 ||
	    ensure_dir(SANDBOX_EMPTY_DIR, 0555, err) < 0)
		return -1;
	/* The child reaches the empty dir after it dropped to run_as (to
	 * mount over it in its own namespaces): the umask must not hide it. */
	chmod("/run/postern", 0755);
	chmod(SANDBOX_EMPTY_DIR, 0555);
	DIR *d = opendir(SANDBOX_EMPTY_DIR);
	if (!d) {
		errbuf_set(err, "cannot open %s: %s", SANDBOX_EMPTY_DIR, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int entries = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			entries++;
	closedir(d);
	if (entries) {
		errbuf_set(err, "%s must be empty", SANDBOX_EMPTY_DIR);
		return -1;
	}
	return 0;
}

void sandbox_no_core_dumps(void)
{
	struct rlimit zero = { 0, 0 };
	setrlimit(RLIMIT_CORE, &zero);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Switches to u, keeping in the permitted set only what the rest of
 * sandbox_enter needs (the chroot fallback and dropping the bounding set). */
static int drop_user(const struct sandbox_user *u, struct errbuf *err)
{
	const uint64_t need = CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETGID) |
		CAPS_BIT(CAP_SYS_CHROOT) | CAPS_BIT(CAP_SETPCAP);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || caps_limit(need, err) < 0) {
		if (!err->msg[0])
			errbuf_set(err, "PR_SET_KEEPCAPS: %s", strerror(errno));
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0) {
		errbuf_set(err, "dropping to uid %u gid %u: %s", (unsigned)u->uid,
			(unsigned)u->gid, strerror(errno));
		return -1;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	/* Confirm before any user namespace changes how ids read back. */
	uid_t r, e, s;
	gid_t rg, eg, sg;
	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    r != u->uid || e != u->uid || s != u->uid ||
	    rg != u->gid || eg != u->gid || sg != u->gid || getgroups(0, NULL) != 0) {
		errbuf_set(err, "uid/gid/groups did not change to %u/%u",
			(unsigned)u->uid, (unsigned)u->gid);
		return -1;
	}
	return 0;
}

int sandbox_enter(const struct sandbox_user *u, struct errbuf *err)
{
	struct fdsweep_kept kept;
	struct errbuf why_not = { "" };
	err->msg[0] = '\0';
	/* 1. Let go of what fork brought along (state db, netlink sockets). */
	if (fdsweep_child(&kept, err) < 0)
		return -1;
	seccomp_before_sandbox();
	/* syslog() stamps lines in local time: read the zone file while there
	 * is one (later, openat is forbidden). */
	tzset();
	/* 2. Not root any more. */
	if (drop_user(u, err) < 0)
		return -1;
	/* 3. No filesystem. */
	int mode = emptyroot_enter(SANDBOX_EMPTY_DIR, testhook_get()->force_chroot,
		&why_not, err);
	if (mode < 0)
		return -1;
	/* 4. No capabilities, in whichever user namespace we are now. */
	if (caps_drop_all(err) < 0)
		return -1;
	/* Confirm: if root can be regained, the drop did not happen. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
		errbuf_set(err, "privileges were not dropped");
		return -1;
	}
	/* 5. No way to gain anything by execve, no core dumps. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		errbuf_set(err, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	sandbox_no_core_dumps();
	/* 6. Only the system calls the packet loop needs. */
	struct seccomp_fds sf = { .nsend = kept.nsend };
	memcpy(sf.send, kept.send_fds, kept.nsend * sizeof kept.send_fds[0]);
	if (seccomp_child_load(&sf, err) < 0)
		return -1;
	log_info("capture child sandboxed: uid %u gid %u, no capabilities, %s%s%s%s, "
		"no_new_privs, seccomp allow-list%s; dropped %zu inherited "
		"descriptor(s) and %zu shared file mapping(s)", (unsigned)u->uid,
		(unsigned)u->gid, emptyroot_mode_name(mode),
		why_not.msg[0] ? " (" : "", why_not.msg, why_not.msg[0] ? ")" : "",
		seccomp_sanitizer_build() ? " (relaxed for sanitizers)" : "",
		kept.closed, kept.unmapped);
	return 0;
}
