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
#include <unistd.h>

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

int sandbox_enter(const struct sandbox_user *u, struct errbuf *err)
{
	if (chroot(SANDBOX_EMPTY_DIR) < 0 || chdir("/") < 0) {
		errbuf_set(err, "chroot %s: %s", SANDBOX_EMPTY_DIR, strerror(errno));
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0) {
		errbuf_set(err, "dropping to uid %u gid %u: %s", (unsigned)u->uid,
			(unsigned)u->gid, strerror(errno));
		return -1;
	}
	/* Confirm: if root can be regained, the drop did not happen. */
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != u->uid ||
	    geteuid() != u->uid || getgid() != u->gid) {
		errbuf_set(err, "privileges were not dropped");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		errbuf_set(err, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	sandbox_no_core_dumps();
	return 0;
}
