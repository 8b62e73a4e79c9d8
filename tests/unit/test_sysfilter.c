/* test_sysfilter — the capture child's seccomp allow-list on its own: a
 * forked process loads it and then tries one thing each. Forbidden calls
 * (openat, execve, sendto on a descriptor not given to the filter, an
 * executable mapping) must kill it with SIGSYS; allowed ones must work;
 * socket() must fail with EACCES (glibc's syslog reconnect). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sysfilter.h"

enum probe { P_NOTHING, P_OPENAT, P_EXECVE, P_SENDTO_OTHER, P_SENDTO_ALLOWED,
	P_MMAP_EXEC, P_MMAP_DATA, P_SOCKET, P_WRITE_STDERR, P_WRITE_OTHER };

/* Runs probe in a child under the filter; returns its wait status. The
 * child exits 0 when the probe behaved as an allowed call should. */
static int run(enum probe probe)
{
	int sv[2], other[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, other), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct seccomp_fds fds = { .send = { sv[0] }, .nsend = 1 };
		struct errbuf err;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_child_load(&fds, &err) < 0)
			_exit(100);
		char b = 'x';
		void *m;
		switch (probe) {
		case P_NOTHING:
			_exit(0);
		case P_OPENAT:
			_exit(open("/dev/null", O_RDONLY) >= 0 ? 0 : 1);
		case P_EXECVE: {
			char *argv[] = { "true", NULL };
			execve("/bin/true", argv, argv + 1);
			_exit(1);
		}
		case P_SENDTO_OTHER:
			_exit(send(other[0], &b, 1, 0) == 1 ? 0 : 1);
		case P_SENDTO_ALLOWED:
			_exit(send(sv[0], &b, 1, 0) == 1 ? 0 : 1);
		case P_MMAP_EXEC:
			m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			_exit(m != MAP_FAILED ? 0 : 1);
		case P_MMAP_DATA:
			m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			_exit(m != MAP_FAILED ? 0 : 1);
		case P_SOCKET:
			_exit(socket(AF_UNIX, SOCK_DGRAM, 0) < 0 && errno == EACCES ? 0 : 1);
		case P_WRITE_STDERR:
			_exit(write(2, "", 0) == 0 ? 0 : 1);
		case P_WRITE_OTHER:
			_exit(write(other[0], &b, 1) == 1 ? 0 : 1);
		}
		_exit(1);
	}
	close(sv[0]);
	close(sv[1]);
	close(other[0]);
	close(other[1]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_killed(int status)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void assert_allowed(int status)
{
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_loads(void **s) { (void)s; assert_allowed(run(P_NOTHING)); }
static void test_openat_kills(void **s) { (void)s; assert_killed(run(P_OPENAT)); }
static void test_execve_kills(void **s) { (void)s; assert_killed(run(P_EXECVE)); }
static void test_send_other_kills(void **s) { (void)s; assert_killed(run(P_SENDTO_OTHER)); }
static void test_send_allowed(void **s) { (void)s; assert_allowed(run(P_SENDTO_ALLOWED)); }
static void test_data_mmap(void **s) { (void)s; assert_allowed(run(P_MMAP_DATA)); }
static void test_socket_eacces(void **s) { (void)s; assert_allowed(run(P_SOCKET)); }
static void test_write_stderr(void **s) { (void)s; assert_allowed(run(P_WRITE_STDERR)); }

/* Relaxed in sanitizer builds (documented in sysfilter.h): only there may
 * these two pass. */
static void test_exec_mmap_kills(void **s)
{
	(void)s;
	if (seccomp_sanitizer_build())
		skip();
	assert_killed(run(P_MMAP_EXEC));
}

static void test_write_other_kills(void **s)
{
	(void)s;
	if (seccomp_sanitizer_build())
		skip();
	assert_killed(run(P_WRITE_OTHER));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_openat_kills),
		cmocka_unit_test(test_execve_kills),
		cmocka_unit_test(test_send_other_kills),
		cmocka_unit_test(test_send_allowed),
		cmocka_unit_test(test_data_mmap),
		cmocka_unit_test(test_socket_eacces),
		cmocka_unit_test(test_write_stderr),
		cmocka_unit_test(test_exec_mmap_kills),
		cmocka_unit_test(test_write_other_kills),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
