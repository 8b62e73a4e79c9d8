/* alert — see alert.h. */
#include "alert.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"
#include "msg.h"

/* A user's refusals: the times of the last alert_count of them (a ring). */
struct counter {
	uint64_t *times;
	uint32_t next, used;
	uint64_t quiet_until; /* no new alert for this user before */
};

static struct {
	const struct config *c;
	struct sandbox_user run_as;
	struct counter *users; /* one per config user */
	size_t nusers;
} S;

void alert_free(void)
{
	for (size_t i = 0; i < S.nusers; i++)
		free(S.users[i].times);
	free(S.users);
	memset(&S, 0, sizeof S);
}

void alert_configure(const struct config *c, const struct sandbox_user *run_as)
{
	alert_free();
	S.c = c;
	S.run_as = *run_as;
	if (!c->audit.alert_command[0] || c->nusers == 0)
		return;
	S.users = calloc(c->nusers, sizeof *S.users);
	S.nusers = S.users ? c->nusers : 0;
	if (!S.users)
		log_err("alerts: out of memory; refusal alerts are off");
}

/* Keeps printable ASCII only: the detail goes into an environment variable. */
static void clean_text(const char *in, char *out, size_t cap)
{
	size_t j = 0;
	for (size_t i = 0; in && in[i] && j + 1 < cap; i++)
		out[j++] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[j] = '\0';
}

/* In the forked child: become the run_as user with nothing, then exec. */
static void __attribute__((noreturn)) exec_alert(const char *cmd, char *const argv[],
	char *const envp[])
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the parent blocks signals */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(126);
	closefrom(3);
	if (setgroups(0, NULL) < 0 || setgid(S.run_as.gid) < 0 || setuid(S.run_as.uid) < 0 ||
	    setuid(0) == 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(126);
	alarm(ALERT_TIMEOUT_SECONDS);
	execve(cmd, argv, envp);
	_exit(127);
}

static void run_command(const char *kind, const char *user, uint64_t count,
	uint32_t window, const char *detail, const char *stamp)
{
	const char *cmd = S.c ? S.c->audit.alert_command : "";
	if (!cmd[0])
		return;
	char e_kind[64], e_user[96], e_count[48], e_window[48], e_detail[300], e_time[64];
	snprintf(e_kind, sizeof e_kind, "POSTERN_ALERT_KIND=%s", kind);
	snprintf(e_user, sizeof e_user, "POSTERN_ALERT_USER=%s", user);
	snprintf(e_count, sizeof e_count, "POSTERN_ALERT_COUNT=%llu", (unsigned long long)count);
	snprintf(e_window, sizeof e_window, "POSTERN_ALERT_WINDOW=%u", window);
	snprintf(e_detail, sizeof e_detail, "POSTERN_ALERT_DETAIL=%s", detail);
	snprintf(e_time, sizeof e_time, "POSTERN_ALERT_TIME=%s", stamp);
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", e_kind, e_user, e_count,
		e_window, e_detail, e_time, NULL };
	char *argv[] = { (char *)cmd, (char *)kind, (char *)user, NULL };
	pid_t pid = fork();
	if (pid < 0) {
		log_err("alert: cannot run %s: fork: %s", cmd, strerror(errno));
		return;
	}
	if (pid == 0)
		exec_alert(cmd, argv, envp);
	/* Reaped with the other children by the parent's SIGCHLD handling. */
	log_info("alert: started %s %s %s (pid %d)", cmd, kind, user, (int)pid);
}

static void fire(const char *kind, const char *user, uint64_t count, uint32_t window,
	const char *text)
{
	char stamp[AUDITREC_TIME_MAX], detail[256];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	auditrec_time((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000, stamp);
	clean_text(text, detail, sizeof detail);
	log_warn("alert kind=%s user=%s count=%llu window=%u detail=\"%s\"", kind, user,
		(unsigned long long)count, window, detail);
	const struct auditrec_kv kv[] = {
		{ "kind", kind, 0 }, { "user", user, 0 }, { "count", NULL, count },
		{ "window", NULL, window }, { "detail", detail, 0 },
	};
	(void)audit_event("alert", kv, 5, 0);
	run_command(kind, user, count, window, detail, stamp);
}

void alert_raise(const char *kind, const char *user, const char *detail)
{
	fire(kind, user ? user : "-", 0, 0, detail);
}

void alert_refusal(uint32_t u, uint64_t count, uint64_t now)
{
	if (u == MSG_NO_USER || u >= S.nusers || !S.c)
		return;
	struct counter *k = &S.users[u];
	uint32_t n = S.c->audit.alert_count, window = S.c->audit.alert_window;
	if (!k->times && !(k->times = calloc(n, sizeof *k->times)))
		return;
	for (uint64_t i = 0; i < count && i < n; i++) {
		k->times[k->next] = now;
		k->next = (k->next + 1) % n;
		if (k->used < n)
			k->used++;
	}
	/* The oldest of the last n refusals is k->times[k->next] once full. */
	if (k->used < n || now < k->quiet_until || now - k->times[k->next % n] >= window)
		return;
	char text[128];
	snprintf(text, sizeof text, "%u refused knocks within %u s", n, window);
	k->quiet_until = now + window;
	k->used = 0;
	fire("refusals", S.c->users[u].name, n, window, text);
}
