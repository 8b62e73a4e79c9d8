/* trigexec — what one trigger (or open/close hook) process is given and
 * does between fork and execve. No shell anywhere: the argv is the
 * configured one (cmdline.h) plus at most one checked argument.
 *
 * The child: resets the signal mask and dispositions the parent changed,
 * starts a session of its own (so the runner can stop the whole group),
 * takes stdin from /dev/null and gives stdout and stderr to the runner's
 * pipe, closes every other descriptor, changes to /, switches to the
 * configured user (supplementary groups, gid, uid; confirmed, and for a
 * non-root user confirmed that root cannot be regained), sets
 * no_new_privs, and execs with exactly the environment built here. */
#ifndef POSTERN_TRIGEXEC_H
#define POSTERN_TRIGEXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cmdline.h"
#include "errbuf.h"

#define TRIGENV_MAX 16
#define TRIGENV_BYTES 2048
#define TRIGENV_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* A clean environment: PATH and LANG=C first, then what trigenv_add adds. */
struct trigenv {
	char buf[TRIGENV_BYTES];
	size_t used;
	char *envp[TRIGENV_MAX + 1]; /* envp[n] == NULL */
	size_t n;
};

/* Starts e with PATH=TRIGENV_PATH and LANG=C. */
void trigenv_init(struct trigenv *e);
/* Adds NAME=value. NAME must be POSTERN_[A-Z_]+; value must hold no
 * control character. False if refused or full. */
bool trigenv_add(struct trigenv *e, const char *name, const char *value)
	__attribute__((warn_unused_result));
/* The value of NAME in e, or NULL (for tests and logs). */
const char *trigenv_get(const struct trigenv *e, const char *name);

struct trigexec_cred {
	char name[64];
	uid_t uid;
	gid_t gid;
};

/* Looks up run_as (root allowed: the config says it only when meant). */
int trigexec_lookup(const char *run_as, struct trigexec_cred *out, struct errbuf *err)
	__attribute__((warn_unused_result));

/* In the forked child: sets the process up as described above and execs
 * cl->argv with env. Never returns: on any failure it writes one line to
 * out_fd and exits 126 (set-up) or 127 (exec). */
void trigexec_child(const struct cmdline *cl, const struct trigenv *env,
	const struct trigexec_cred *cred, int out_fd) __attribute__((noreturn));

#endif
