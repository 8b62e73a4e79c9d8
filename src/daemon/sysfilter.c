/* sysfilter — see sysfilter.h (not seccomp.h: that name is libseccomp's). */
#include "sysfilter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <seccomp.h>

/* Sanitizer runtimes need more than the packet loop: detect them. */
#ifndef POSTERN_SECCOMP_SANITIZER
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define POSTERN_SECCOMP_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define POSTERN_SECCOMP_SANITIZER 1
#endif
#endif
#endif

#ifdef POSTERN_SECCOMP_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

/* Allowed with any arguments. */
static const int plain[] = {
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(read), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(getrandom), SCMP_SYS(getpid),
	SCMP_SYS(getsockname), /* libpcap: is the interface gone or only down? */
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(brk), SCMP_SYS(madvise),
	SCMP_SYS(close), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
	/* How the kernel resumes a poll() that SIGSTOP/SIGCONT interrupted (job
	 * control, a debugger or strace attaching): without it such a stop
	 * killed the child (test_child_stop_cont.sh). */
	SCMP_SYS(restart_syscall),
};

#ifdef POSTERN_SECCOMP_SANITIZER
/* What ASan/UBSan were seen to use at run time and when reporting (then
 * they abort: signals to self). Never in a production build. */
static const int sanitizer_extra[] = {
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(sigaltstack),
	SCMP_SYS(gettid), SCMP_SYS(tgkill), SCMP_SYS(sched_yield), SCMP_SYS(futex),
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(prctl),
	SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(write), SCMP_SYS(mprotect), SCMP_SYS(mmap),
};
#endif

bool seccomp_sanitizer_build(void)
{
#ifdef POSTERN_SECCOMP_SANITIZER
	return true;
#else
	return false;
#endif
}

static int add(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n,
	const struct scmp_arg_cmp *cmp, struct errbuf *err)
{
	int rc = seccomp_rule_add_array(ctx, action, nr, n, cmp);
	if (rc < 0) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		errbuf_set(err, "seccomp rule for %s: %s", name ? name : "?", strerror(-rc));
		free(name);
		return -1;
	}
	return 0;
}

/* An argument comparison with every field set (SCMP_An leaves datum_b out). */
static struct scmp_arg_cmp cmp(unsigned arg, enum scmp_compare op, scmp_datum_t a,
	scmp_datum_t b)
{
	return (struct scmp_arg_cmp){ .arg = arg, .op = op, .datum_a = a, .datum_b = b };
}

static int add_rules(scmp_filter_ctx ctx, const struct seccomp_fds *fds, struct errbuf *err)
{
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (add(ctx, SCMP_ACT_ALLOW, plain[i], 0, NULL, err) < 0)
			return -1;
	/* Memory, but nothing executable: no new code in this process. */
	struct scmp_arg_cmp noexec = cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	if (add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, &noexec, err) < 0 ||
	    add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, &noexec, err) < 0)
		return -1;
	/* Log lines: stdout and stderr. */
	for (int fd = 1; fd <= 2; fd++) {
		struct scmp_arg_cmp on = cmp(0, SCMP_CMP_EQ, (scmp_datum_t)fd, 0);
		if (add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, &on, err) < 0 ||
		    add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(writev), 1, &on, err) < 0)
			return -1;
	}
	/* Messages: the socketpair, syslog, a carrier's own socket. */
	for (size_t i = 0; i < fds->nsend; i++) {
		struct scmp_arg_cmp on = cmp(0, SCMP_CMP_EQ, (scmp_datum_t)fds->send[i], 0);
		if (add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1, &on, err) < 0 ||
		    add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1, &on, err) < 0)
			return -1;
	}
	/* libpcap: statistics, and its check whether the interface went away. */
	struct scmp_arg_cmp solpacket = cmp(1, SCMP_CMP_EQ, SOL_PACKET, 0);
	struct scmp_arg_cmp ifflags = cmp(1, SCMP_CMP_EQ, SIOCGIFFLAGS, 0);
	struct scmp_arg_cmp ifindex = cmp(1, SCMP_CMP_EQ, SIOCGIFINDEX, 0);
	/* After POLLERR libpcap reads the socket's error (ENETDOWN: the
	 * interface went away) and reports it; the child then exits. */
	struct scmp_arg_cmp soerror[2] = { cmp(1, SCMP_CMP_EQ, SOL_SOCKET, 0),
		cmp(2, SCMP_CMP_EQ, SO_ERROR, 0) };
	if (add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 2, soerror, err) < 0)
		return -1;
	/* capfilter: the capture's kernel filter, replaced as the tags change
	 * (it can only narrow what this process sees). */
	struct scmp_arg_cmp attach[2] = { cmp(1, SCMP_CMP_EQ, SOL_SOCKET, 0),
		cmp(2, SCMP_CMP_EQ, SO_ATTACH_FILTER, 0) };
	if (add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2, attach, err) < 0)
		return -1;
	if (add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 1, &solpacket, err) < 0 ||
	    add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, &ifflags, err) < 0 ||
	    add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, &ifindex, err) < 0)
		return -1;
	/* glibc's syslog() reconnects after a broken log socket: let it fail. */
	if (add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 0, NULL, err) < 0)
		return -1;
#ifdef POSTERN_SECCOMP_SANITIZER
	for (size_t i = 0; i < sizeof sanitizer_extra / sizeof sanitizer_extra[0]; i++)
		if (add(ctx, SCMP_ACT_ALLOW, sanitizer_extra[i], 0, NULL, err) < 0)
			return -1;
#endif
	return 0;
}

void seccomp_before_sandbox(void)
{
#ifdef POSTERN_SECCOMP_SANITIZER
	/* Lets the runtimes cache what they would otherwise open later
	 * (/proc/self/maps for reports). */
	__sanitizer_sandbox_on_notify(NULL);
#endif
}

int seccomp_child_load(const struct seccomp_fds *fds, struct errbuf *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		errbuf_set(err, "seccomp_init failed");
		return -1;
	}
	int rc = add_rules(ctx, fds, err);
	if (rc == 0) {
		rc = seccomp_load(ctx);
		if (rc < 0)
			errbuf_set(err, "seccomp_load: %s", strerror(-rc));
	}
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}
