/* probe_connect — time from "now" until a TCP door opens.
 *
 *   probe_connect [-i MICROSECONDS] [-w MICROSECONDS] [-U UDPPORT -X HEX]
 *                 ADDR PORT TIMEOUT_MS [-- CMD ARGS...]
 *
 * With -U and -X, the clock starts as the probe itself sends the datagram
 * whose payload is HEX (a pre-sealed knock, bench/seal_knock) to
 * ADDR:UDPPORT from a fresh UDP socket, so process start is not included.
 *
 * Starts its clock, runs CMD (if given: fork/exec, e.g. `postern knock ...`)
 * and waits for it, then tries to connect to ADDR:PORT: every -i
 * microseconds (default 25) a fresh non-blocking socket sends a SYN, and
 * each waits up to -w microseconds (default 1000) for its answer while the
 * next ones start. A door that postern keeps shut drops the SYN, so
 * "closed" is simply no answer; the door is seen at most one interval plus
 * one round trip after it opens. (Until 27 Nov 2026 each attempt waited its
 * whole interval before the next began, so the interval had to exceed a
 * round trip: 200 us, which added ~100 us on average to every figure.)
 *
 * Prints one line:
 *   cmd_us=N open_us=M attempts=K
 * cmd_us is the time CMD took (0 without CMD), open_us the time from the
 * start until the connection was established (including one round trip).
 *
 * Exit status: 0 connected; 1 not connected within TIMEOUT_MS (prints
 * open_us=-1); 2 usage or system error; 3 CMD failed (the probe stops). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_CONNECTED 0
#define EXIT_TIMEOUT 1
#define EXIT_USAGE 2
#define EXIT_CMD 3
#define DEFAULT_INTERVAL_US 25
#define DEFAULT_WAIT_US 1000
#define MAX_INFLIGHT 512
#define MAX_TIMEOUT_MS 600000

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: probe_connect [-i MICROSECONDS] [-w MICROSECONDS] [-U UDPPORT -X HEX]\n"
		"                     ADDR PORT TIMEOUT_MS [-- CMD ARGS...]\n"
		"Sends HEX as one UDP datagram to ADDR:UDPPORT (with -U -X), runs CMD, then starts a TCP connect to\n"
		"ADDR:PORT every -i MICROSECONDS (default %d), each waiting up to -w MICROSECONDS (default %d)\n"
		"for its answer, until one succeeds or TIMEOUT_MS have passed since the start.\n"
		"Prints: cmd_us=N open_us=M attempts=K\n",
		DEFAULT_INTERVAL_US, DEFAULT_WAIT_US);
}

/* Runs argv and waits; returns its exit status, or -1 if it did not exit 0. */
static int run_command(char **argv)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("probe_connect: fork");
		return -1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "probe_connect: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("probe_connect: waitpid");
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "probe_connect: %s failed (status 0x%x)\n", argv[0], status);
		return -1;
	}
	return 0;
}

/* Attempts in flight: each is a non-blocking socket whose SYN is waiting
 * for an answer. A new one starts every interval, so the door is seen at
 * most one interval after it opens, however long a round trip takes. */
struct inflight {
	int fd[MAX_INFLIGHT];
	long long started[MAX_INFLIGHT];
	size_t n;
};

static void drop_attempt(struct inflight *f, size_t i)
{
	close(f->fd[i]);
	f->n--;
	f->fd[i] = f->fd[f->n];
	f->started[i] = f->started[f->n];
}

/* Starts one attempt: 1 connected at once, 0 started (or refused at once),
 * -1 error. */
static int start_attempt(struct inflight *f, const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("probe_connect: socket");
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		close(fd);
		return 1;
	}
	if (errno == EINPROGRESS) {
		f->fd[f->n] = fd;
		f->started[f->n] = now_us();
		f->n++;
		return 0;
	}
	int e = errno;
	close(fd);
	if (e == ECONNREFUSED || e == ENETUNREACH || e == EHOSTUNREACH)
		return 0;
	errno = e;
	perror("probe_connect: connect");
	return -1;
}

/* Waits until the next attempt is due (or one connects): 1 connected, 0
 * not yet, -1 error. Attempts older than wait_us are given up. */
static int wait_attempts(struct inflight *f, long long until, long wait_us)
{
	for (size_t i = 0; i < f->n;)
		if (now_us() - f->started[i] > wait_us)
			drop_attempt(f, i);
		else
			i++;
	struct pollfd p[MAX_INFLIGHT];
	for (size_t i = 0; i < f->n; i++)
		p[i] = (struct pollfd){ .fd = f->fd[i], .events = POLLOUT };
	long long left = until - now_us();
	if (left < 0)
		left = 0;
	struct timespec ts = { .tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000 };
	int rc = ppoll(p, f->n, &ts, NULL);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		perror("probe_connect: ppoll");
		return -1;
	}
	for (size_t i = f->n; rc > 0 && i-- > 0;) {
		if (!p[i].revents)
			continue;
		int err = 0;
		socklen_t len = sizeof err;
		if (getsockopt(f->fd[i], SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
			return 1;
		drop_attempt(f, i); /* refused: the door is open but no one listens */
	}
	return 0;
}

static void drop_all(struct inflight *f)
{
	while (f->n)
		drop_attempt(f, f->n - 1);
}

int main(int argc, char **argv)
{
	long interval_us = DEFAULT_INTERVAL_US, wait_us = DEFAULT_WAIT_US;
	const char *udp_port = NULL, *hex = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "+i:w:U:X:h")) != -1) {
		switch (opt) {
		case 'U':
			udp_port = optarg;
			break;
		case 'X':
			hex = optarg;
			break;
		case 'i':
			interval_us = strtol(optarg, NULL, 10);
			if (interval_us < 10 || interval_us > 1000000) {
				fprintf(stderr, "probe_connect: -i wants 10..1000000\n");
				return EXIT_USAGE;
			}
			break;
		case 'w':
			wait_us = strtol(optarg, NULL, 10);
			if (wait_us < 10 || wait_us > 1000000) {
				fprintf(stderr, "probe_connect: -w wants 10..1000000\n");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_CONNECTED;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *addr = argv[optind], *port = argv[optind + 1];
	char *end;
	long timeout_ms = strtol(argv[optind + 2], &end, 10);
	if (*end || timeout_ms < 1 || timeout_ms > MAX_TIMEOUT_MS) {
		fprintf(stderr, "probe_connect: TIMEOUT_MS must be 1..%d\n", MAX_TIMEOUT_MS);
		return EXIT_USAGE;
	}
	char **cmd = NULL;
	if (argc - optind > 3) {
		if (strcmp(argv[optind + 3], "--") != 0 || argc - optind < 5) {
			usage(stderr);
			return EXIT_USAGE;
		}
		cmd = &argv[optind + 4];
	}

	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int gai = getaddrinfo(addr, port, &hints, &ai);
	if (gai != 0) {
		fprintf(stderr, "probe_connect: %s port %s: %s\n", addr, port, gai_strerror(gai));
		return EXIT_USAGE;
	}

	static unsigned char payload[2048];
	size_t plen = 0;
	int ufd = -1;
	struct addrinfo *uai = NULL;
	if (udp_port && hex) {
		for (; hex[0] && hex[1] && plen < sizeof payload; hex += 2) {
			unsigned v;
			if (sscanf(hex, "%2x", &v) != 1)
				break;
			payload[plen++] = (unsigned char)v;
		}
		struct addrinfo uh = { .ai_socktype = SOCK_DGRAM,
			.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
		if (plen == 0 || getaddrinfo(addr, udp_port, &uh, &uai) != 0 ||
		    (ufd = socket(uai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
			fprintf(stderr, "probe_connect: bad -X payload or -U port\n");
			freeaddrinfo(ai);
			return EXIT_USAGE;
		}
	}
	long long start = now_us(), cmd_us = 0;
	if (ufd >= 0) {
		ssize_t w = sendto(ufd, payload, plen, 0, uai->ai_addr, uai->ai_addrlen);
		close(ufd);
		freeaddrinfo(uai);
		if (w != (ssize_t)plen) {
			perror("probe_connect: sendto");
			freeaddrinfo(ai);
			return EXIT_CMD;
		}
	}
	if (cmd) {
		if (run_command(cmd) < 0) {
			freeaddrinfo(ai);
			return EXIT_CMD;
		}
		cmd_us = now_us() - start;
	}
	long long deadline = start + timeout_ms * 1000;
	long attempts = 0;
	int status = EXIT_TIMEOUT;
	long long open_us = -1, next = now_us();
	static struct inflight flight;
	while (now_us() < deadline) {
		int r = 0;
		if (now_us() >= next && flight.n < MAX_INFLIGHT) {
			attempts++;
			r = start_attempt(&flight, ai);
			next += interval_us;
			if (next < now_us())
				next = now_us() + interval_us;
		}
		if (r == 0)
			r = wait_attempts(&flight, next < deadline ? next : deadline, wait_us);
		if (r < 0) {
			status = EXIT_USAGE;
			break;
		}
		if (r == 1) {
			open_us = now_us() - start;
			status = EXIT_CONNECTED;
			break;
		}
	}
	drop_all(&flight);
	freeaddrinfo(ai);
	printf("cmd_us=%lld open_us=%lld attempts=%ld\n", cmd_us, open_us, attempts);
	return status;
}
