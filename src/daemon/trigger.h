/* trigger — the parent's runner of triggers and open/close hooks: a small
 * table of running jobs, each a process (trigexec.c) in a session of its
 * own whose stdout and stderr come back through one pipe.
 *
 * parent.c polls the pipes (runner_pollfds / runner_on_poll), hands every
 * pid its SIGCHLD reaping finds that is not the capture child to
 * runner_reaped, and calls runner_tick once a second for the time limits:
 * at `timeout` the job's process group gets SIGTERM, RUNNER_KILL_GRACE
 * seconds later SIGKILL. A trigger at its max_running is refused, not
 * queued (the caller logs the refusal). Output is logged line by line
 * (RUNNER_LINE_MAX bytes a line, RUNNER_LINES_MAX lines a run); the exit
 * status or signal is logged when the job ends, and whatever is left of its
 * process group is killed then. Log lines:
 *   trigger-start trigger=NAME event=E user=U pid=N run_as=R argv="..."
 *   trigger-output trigger=NAME pid=N: TEXT
 *   trigger-timeout trigger=NAME pid=N after=Ts signal=TERM|KILL
 *   trigger-exit trigger=NAME event=E user=U pid=N status=S|signal=S duration=Ds
 */
#ifndef POSTERN_TRIGGER_H
#define POSTERN_TRIGGER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trigexec.h"
#include "trigger_conf.h"

#define RUNNER_JOBS_MAX 16 /* all triggers and hooks together */
#define RUNNER_KILL_GRACE 2
#define RUNNER_LINE_MAX 200
#define RUNNER_LINES_MAX 50

struct runner;

struct runner_job {
	const struct trigger_conf *t;
	const char *event; /* "trigger", "open" or "close" */
	const char *user;
	const char *arg; /* NULL or "": none; appended as one argv element */
	const struct trigenv *env;
};

enum runner_result { RUNNER_STARTED, RUNNER_BUSY, RUNNER_FAILED };

struct runner *runner_new(void);
/* Sends SIGTERM to every running job's process group, then frees. NULL ok. */
void runner_free(struct runner *r);

/* Starts j at time now. RUNNER_BUSY: the trigger is at max_running (or the
 * table is full); RUNNER_FAILED: it could not be started. why says which. */
enum runner_result runner_start(struct runner *r, const struct runner_job *j,
	uint64_t now, char *why, size_t len);
/* Jobs of trigger name running now. */
size_t runner_running(const struct runner *r, const char *name);

/* Fills up to max pollfds for the output pipes; returns how many. */
size_t runner_pollfds(const struct runner *r, struct pollfd *pfds, size_t max);
/* Reads the pipes poll found readable. */
void runner_on_poll(struct runner *r, const struct pollfd *pfds, size_t n);
/* A reaped pid: true (and logged) if it was one of the jobs. */
bool runner_reaped(struct runner *r, pid_t pid, int status, uint64_t now);
/* Enforces the time limits. */
void runner_tick(struct runner *r, uint64_t now);

#endif
