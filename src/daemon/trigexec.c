/* trigexec — see trigexec.h. */
#include "trigexec.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXIT_SETUP 126
#define EXIT_EXEC 127

/* ---- environment ---- */

static bool push(struct trigenv *e, const char *name, const char *value)
{
	size_t need = strlen(name) + 1 + strlen(value) + 1;
	if (e->n == TRIGENV_MAX || e->used + need > sizeof e->buf)
		return false;
	char *at = &e->buf[e->used];
	snprintf(at, need, "%s=%s", name, value);
	e->used += need;
	e->envp[e->n++] = at;
	e->envp[e->n] = NULL;
	return true;
}

void trigenv_init(struct trigenv *e)
{
	memset(e, 0, sizeof *e);
	(void)push(e, "PATH", TRIGENV_PATH);
	(void)push(e, "LANG", "C");
}

bool trigenv_add(struct trigenv *e, const char *name, const char *value)
{
	size_t n = strlen(name);
	if (n <= 8 || strncmp(name, "POSTERN_", 8) != 0 ||
		strspn(name + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != n - 8)
		return false;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	if (trigenv_get(e, name))
		return false;
	return push(e, name, value);
}

const char *trigenv_get(const struct trigenv *e, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->envp[i], name, n) == 0 && e->envp[i][n] == '=')
			return e->envp[i] + n + 1;
	return NULL;
}

/* ---- credentials ---- */

int trigexec_lookup(const char *run_as, struct trigexec_cred *out, struct errbuf *err)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int rc = getpwnam_r(run_as, &pw, buf, sizeof buf, &res);
	if (rc != 0 || !res) {
		errbuf_set(err, "run_as user '%s' does not exist%s%s", run_as,
			rc ? ": " : "", rc ? strerror(rc) : "");
		return -1;
	}
	snprintf(out->name, sizeof out->name, "%s", run_as);
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	return 0;
}

/* ---- the child ---- */

static void __attribute__((noreturn, format(printf, 3, 4)))
child_fail(int fd, int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n > 0) {
		size_t len = (size_t)n < sizeof msg - 1 ? (size_t)n : sizeof msg - 2;
		msg[len] = '\n';
		ssize_t w = write(fd, msg, len + 1);
		(void)w;
	}
	_exit(code);
}

static void close_others(void)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = 3; fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}

static void drop_to(const struct trigexec_cred *c, int fd)
{
	if (c->uid == 0) {
		gid_t g = 0;
		if (setgroups(1, &g) < 0)
			child_fail(fd, EXIT_SETUP, "postern: setgroups: %s", strerror(errno));
		return;
	}
	if (initgroups(c->name, c->gid) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
		setresuid(c->uid, c->uid, c->uid) < 0)
		child_fail(fd, EXIT_SETUP, "postern: cannot switch to user %s: %s",
			c->name, strerror(errno));
	if (getuid() != c->uid || geteuid() != c->uid || getgid() != c->gid ||
		getegid() != c->gid || setuid(0) == 0)
		child_fail(fd, EXIT_SETUP, "postern: the switch to user %s did not hold",
			c->name);
}

void trigexec_child(const struct cmdline *cl, const struct trigenv *env,
	const struct trigexec_cred *cred, int out_fd)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	if (setsid() < 0)
		child_fail(out_fd, EXIT_SETUP, "postern: setsid: %s", strerror(errno));
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		child_fail(out_fd, EXIT_SETUP, "postern: cannot set up stdin/stdout/stderr: %s",
			strerror(errno));
	close_others();
	if (chdir("/") < 0)
		child_fail(2, EXIT_SETUP, "postern: chdir /: %s", strerror(errno));
	drop_to(cred, 2);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(2, EXIT_SETUP, "postern: no_new_privs: %s", strerror(errno));
	execve(cl->argv[0], cl->argv, env->envp);
	child_fail(2, EXIT_EXEC, "postern: cannot execute %s: %s", cl->argv[0],
		strerror(errno));
}
