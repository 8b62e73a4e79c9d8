/* sysfilter — the capture child's system-call allow-list (libseccomp).
 *
 * Loaded last, after the child has dropped its user, its capabilities and
 * its filesystem (sandbox.c). Default action: kill the whole process
 * (SECCOMP_RET_KILL_PROCESS, SIGSYS); the parent logs "killed by signal 31
 * (Bad system call)" and restarts the child with back-off.
 *
 * Allowed, and only what the packet loop was seen to need (strace -f of a
 * running child; docs/process-model.md lists them with their users):
 *   poll, ppoll                              the loop
 *   read, recvfrom, recvmsg                  any descriptor it holds
 *   write, writev                            stdout and stderr only
 *   sendto, sendmsg                          only the descriptors in
 *                                            seccomp_fds (socketpair, syslog,
 *                                            a carrier's socket): never a
 *                                            capture socket
 *   getsockname, getsockopt (SOL_SOCKET/SO_ERROR, SOL_PACKET), ioctl (SIOCGIFFLAGS,
 *   SIOCGIFINDEX)                            libpcap: the error after POLLERR
 *                                            (interface gone), statistics,
 *                                            its "interface went down" check
 *   clock_gettime, gettimeofday, time, getrandom, getpid (syslog's LOG_PID)
 *   mmap, mprotect (never PROT_EXEC), munmap, mremap, brk, madvise  malloc
 *   close, exit, exit_group, rt_sigreturn
 * socket() fails with EACCES instead of killing: glibc's syslog() tries to
 * reconnect once the log socket breaks (journald restarted), and the child
 * should lose a log line, not its life.
 *
 * Sanitizer builds (ASan/UBSan: detected at compile time, or
 * -DPOSTERN_SECCOMP_SANITIZER) also allow what the sanitizer runtimes need
 * to run and to report (signals, sched_yield, futex, ...). openat, socket
 * creation, execve, fork and everything else stay forbidden there too. */
#ifndef POSTERN_SYSFILTER_H
#define POSTERN_SYSFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "errbuf.h"

#define SECCOMP_MAX_SEND_FDS 64

struct seccomp_fds {
	int send[SECCOMP_MAX_SEND_FDS];
	size_t nsend;
};

/* Call before the filesystem goes away: lets sanitizer runtimes cache what
 * they would read later. A no-op in production builds. */
void seccomp_before_sandbox(void);

/* Loads the filter into the calling process (NO_NEW_PRIVS must be set).
 * 0 or -1 with err: the caller must exit. */
int seccomp_child_load(const struct seccomp_fds *fds, struct errbuf *err)
	__attribute__((warn_unused_result));

/* True in builds that relax the filter for sanitizer runtimes. */
bool seccomp_sanitizer_build(void);

#endif
