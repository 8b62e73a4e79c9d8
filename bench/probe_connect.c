/* probe_connect — time from "now" until a TCP door opens.
 *
 *   probe_connect [-i MICROSECONDS] [-U UDPPORT -X HEX] ADDR PORT TIMEOUT_MS
 *                 [-- CMD ARGS...]
 *
 * With -U and -X, the clock starts as the probe itself sends the datagram
 * whose payload is HEX (a pre-sealed knock, bench/seal_knock) to
 * ADDR:UDPPORT from a fresh UDP socket, so process start is not included.
 *
 * Starts its clock, runs CMD (if given: fork/exec, e.g. `postern knock ...`)
 * and waits for it, then tries to connect to ADDR:PORT: each attempt is a
 * fresh non-blocking socket whose SYN gets -i microseconds (default 200) to
 * be answered before it is closed and the next attempt starts. A door that
 * postern keeps shut drops the SYN, so "closed" is simply no answer.
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
#define DEFAULT_INTERVAL_US 200
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
		"usage: probe_connect [-i MICROSECONDS] [-U UDPPORT -X HEX] ADDR PORT TIMEOUT_MS\n"
		"                     [-- CMD ARGS...]\n"
		"Sends HEX as one UDP datagram to ADDR:UDPPORT (with -U -X), runs CMD, then retries a TCP connect to ADDR:PORT every MICROSECONDS\n"
		"(default %d) until it succeeds or TIMEOUT_MS have passed since the start.\n"
		"Prints: cmd_us=N open_us=M attempts=K\n",
		DEFAULT_INTERVAL_US);
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

/* One attempt: 1 connected (*when = the moment it was seen), 0 no answer in
 * time (or refused), -1 error. */
static int try_connect(const struct addrinfo *ai, long interval_us, long long *when)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("probe_connect: socket");
		return -1;
	}
	long long start = now_us();
	int result = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		*when = now_us();
		result = 1;
	} else if (errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		struct timespec ts = { .tv_sec = 0, .tv_nsec = interval_us * 1000 };
		int rc = ppoll(&p, 1, &ts, NULL);
		if (rc > 0) {
			int err = 0;
			socklen_t len = sizeof err;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
				*when = now_us();
				result = 1;
			}
		} else if (rc < 0 && errno != EINTR) {
			perror("probe_connect: ppoll");
			result = -1;
		}
	} else if (errno != ECONNREFUSED && errno != ENETUNREACH && errno != EHOSTUNREACH) {
		perror("probe_connect: connect");
		result = -1;
	}
	close(fd);
	/* A refusal comes back at once: keep the attempt rate at one per interval. */
	long long left = interval_us - (now_us() - start);
	if (result == 0 && left > 0)
		usleep((useconds_t)left);
	return result;
}

int main(int argc, char **argv)
{
	long interval_us = DEFAULT_INTERVAL_US;
	const char *udp_port = NULL, *hex = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "+i:U:X:h")) != -1) {
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
	long long open_us = -1;
	while (now_us() < deadline) {
		attempts++;
		long long when = 0;
		int r = try_connect(ai, interval_us, &when);
		if (r < 0) {
			status = EXIT_USAGE;
			break;
		}
		if (r == 1) {
			open_us = when - start;
			status = EXIT_CONNECTED;
			break;
		}
	}
	freeaddrinfo(ai);
	printf("cmd_us=%lld open_us=%lld attempts=%ld\n", cmd_us, open_us, attempts);
	return status;
}
