/* trigger — see trigger.h. */
#include "trigger.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdline.h"
#include "log.h"

struct job {
	bool used;
	pid_t pid;
	int fd; /* read end of the output pipe, -1 once at its end */
	char name[TRIGGER_NAME_MAX];
	char event[8];
	char user[64];
	uint64_t started, timeout;
	uint64_t term_at; /* when SIGTERM was sent (0: not yet) */
	bool killed; /* SIGKILL sent */
	char line[RUNNER_LINE_MAX + 1];
	size_t len;
	bool overlong; /* the current line was cut */
	unsigned lines;
};

struct runner {
	struct job jobs[RUNNER_JOBS_MAX];
};

struct runner *runner_new(void)
{
	struct runner *r = calloc(1, sizeof *r);
	if (r)
		for (size_t i = 0; i < RUNNER_JOBS_MAX; i++)
			r->jobs[i].fd = -1;
	return r;
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < RUNNER_JOBS_MAX; i++) {
		struct job *j = &r->jobs[i];
		if (!j->used)
			continue;
		log_notice("trigger-stop trigger=%s pid=%d: the daemon is stopping",
			j->name, (int)j->pid);
		kill(-j->pid, SIGTERM);
		if (j->fd >= 0)
			close(j->fd);
	}
	free(r);
}

size_t runner_running(const struct runner *r, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < RUNNER_JOBS_MAX; i++)
		if (r->jobs[i].used && strcmp(r->jobs[i].name, name) == 0)
			n++;
	return n;
}

static struct job *free_slot(struct runner *r)
{
	for (size_t i = 0; i < RUNNER_JOBS_MAX; i++)
		if (!r->jobs[i].used)
			return &r->jobs[i];
	return NULL;
}

/* argv for the log: words joined by spaces, quoted as a whole. */
static void format_argv(const struct cmdline *cl, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < cl->argc && o + 1 < len; i++) {
		int w = snprintf(buf + o, len - o, "%s%s", i ? " " : "", cl->argv[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	for (char *p = buf; *p; p++)
		if (*p == '"')
			*p = '\'';
}

enum runner_result runner_start(struct runner *r, const struct runner_job *j,
	uint64_t now, char *why, size_t len)
{
	const struct trigger_conf *t = j->t;
	struct cmdline cl;
	const char *bad;
	struct trigexec_cred cred;
	struct errbuf err;
	if (!r) {
		snprintf(why, len, "no trigger runner");
		return RUNNER_FAILED;
	}
	if (runner_running(r, t->name) >= t->max_running) {
		snprintf(why, len, "max_running=%u reached", t->max_running);
		return RUNNER_BUSY;
	}
	struct job *slot = free_slot(r);
	if (!slot) {
		snprintf(why, len, "%d jobs already running", RUNNER_JOBS_MAX);
		return RUNNER_BUSY;
	}
	if (!cmdline_split(t->command, &cl, &bad)) {
		snprintf(why, len, "command: %s", bad);
		return RUNNER_FAILED;
	}
	if (j->arg && j->arg[0] && !cmdline_append(&cl, j->arg)) {
		snprintf(why, len, "the argument does not fit");
		return RUNNER_FAILED;
	}
	if (trigexec_lookup(t->run_as, &cred, &err) < 0) {
		snprintf(why, len, "%s", err.msg);
		return RUNNER_FAILED;
	}
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return RUNNER_FAILED;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return RUNNER_FAILED;
	}
	if (pid == 0) {
		close(pfd[0]);
		trigexec_child(&cl, j->env, &cred, pfd[1]);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	memset(slot, 0, sizeof *slot);
	slot->used = true;
	slot->pid = pid;
	slot->fd = pfd[0];
	slot->started = now;
	slot->timeout = t->timeout;
	snprintf(slot->name, sizeof slot->name, "%s", t->name);
	snprintf(slot->event, sizeof slot->event, "%s", j->event);
	snprintf(slot->user, sizeof slot->user, "%s", j->user);
	char argv[512];
	format_argv(&cl, argv, sizeof argv);
	log_notice("trigger-start trigger=%s event=%s user=%s pid=%d run_as=%s argv=\"%s\"",
		t->name, j->event, j->user, (int)pid, t->run_as, argv);
	return RUNNER_STARTED;
}

size_t runner_pollfds(const struct runner *r, struct pollfd *pfds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < RUNNER_JOBS_MAX && n < max; i++)
		if (r->jobs[i].used && r->jobs[i].fd >= 0)
			pfds[n++] = (struct pollfd){ .fd = r->jobs[i].fd, .events = POLLIN };
	return n;
}

static void flush_line(struct job *j)
{
	if (j->len == 0 && !j->overlong)
		return;
	j->line[j->len] = '\0';
	if (j->lines < RUNNER_LINES_MAX)
		log_info("trigger-output trigger=%s pid=%d: %s%s", j->name, (int)j->pid,
			j->line, j->overlong ? " [cut]" : "");
	else if (j->lines == RUNNER_LINES_MAX)
		log_info("trigger-output trigger=%s pid=%d: [more output not logged]",
			j->name, (int)j->pid);
	j->lines++;
	j->len = 0;
	j->overlong = false;
}

/* Reads what is there; closes the pipe at its end. */
static void drain(struct job *j)
{
	char buf[512];
	while (j->fd >= 0) {
		ssize_t n = read(j->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				close(j->fd);
				j->fd = -1;
			}
			return;
		}
		for (ssize_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)buf[i];
			if (ch == '\n') {
				flush_line(j);
				continue;
			}
			if (j->len == RUNNER_LINE_MAX) {
				j->overlong = true;
				continue;
			}
			/* No control bytes reach the log. */
			j->line[j->len++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
		}
	}
}

void runner_on_poll(struct runner *r, const struct pollfd *pfds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!pfds[k].revents)
			continue;
		for (size_t i = 0; i < RUNNER_JOBS_MAX; i++)
			if (r->jobs[i].used && r->jobs[i].fd == pfds[k].fd)
				drain(&r->jobs[i]);
	}
}

bool runner_reaped(struct runner *r, pid_t pid, int status, uint64_t now)
{
	struct job *j = NULL;
	for (size_t i = 0; r && i < RUNNER_JOBS_MAX && !j; i++)
		if (r->jobs[i].used && r->jobs[i].pid == pid)
			j = &r->jobs[i];
	if (!j)
		return false;
	drain(j);
	flush_line(j);
	char how[96];
	if (WIFEXITED(status))
		snprintf(how, sizeof how, "status=%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(how, sizeof how, "signal=%s", sigabbrev_np(WTERMSIG(status)) ?
			sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(how, sizeof how, "wait-status=0x%x", (unsigned)status);
	log_notice("trigger-exit trigger=%s event=%s user=%s pid=%d %s duration=%llus%s",
		j->name, j->event, j->user, (int)pid, how,
		(unsigned long long)(now - j->started), j->term_at ? " note=timeout" : "");
	/* Nothing the job left behind outlives it. */
	kill(-pid, SIGKILL);
	if (j->fd >= 0)
		close(j->fd);
	memset(j, 0, sizeof *j);
	j->fd = -1;
	return true;
}

void runner_tick(struct runner *r, uint64_t now)
{
	for (size_t i = 0; r && i < RUNNER_JOBS_MAX; i++) {
		struct job *j = &r->jobs[i];
		if (!j->used)
			continue;
		if (!j->term_at && now >= j->started + j->timeout) {
			j->term_at = now;
			log_warn("trigger-timeout trigger=%s pid=%d after=%llus signal=TERM",
				j->name, (int)j->pid, (unsigned long long)j->timeout);
			kill(-j->pid, SIGTERM);
		} else if (j->term_at && !j->killed && now >= j->term_at + RUNNER_KILL_GRACE) {
			j->killed = true;
			log_warn("trigger-timeout trigger=%s pid=%d after=%llus signal=KILL",
				j->name, (int)j->pid,
				(unsigned long long)(now - j->started));
			kill(-j->pid, SIGKILL);
		}
	}
}
