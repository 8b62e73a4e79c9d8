/* dynclient — see dynclient.h. */
#include "dynclient.h"
#include "passkey.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "commands.h"
#include "dynfile.h"
#include "errbuf.h"
#include "keyfile.h"

/* Time between two packets of a sequence, so they arrive in order. */
#define STEP_GAP_MS 30

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int reply_key(const struct dynclient_opts *o, uint8_t key[static DYN_REPLY_KEY_BYTES])
{
	struct keyfile kf;
	struct errbuf err;
	if (o->reply_key) {
		memcpy(key, o->reply_key, DYN_REPLY_KEY_BYTES);
		return 0;
	}
	/* A passphrase-derived key file holds no secret: derive it again. */
	if (passkey_open(o->key_path, o->pass_file, true, &kf, &err) < 0) {
		fprintf(stderr, "postern knock: %s\n", err.msg);
		return -1;
	}
	int rc = strcmp(kf.user, o->user) == 0 ? 0 : -1;
	if (rc < 0)
		fprintf(stderr, "postern knock: %s is the key of user '%s', not '%s'\n",
			o->key_path, kf.user, o->user);
	else
		dynreply_derive_key(kf.secret, key);
	keyfile_wipe(&kf);
	return rc;
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			&((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		&((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* Waits on fd for a reply from server bound to id. 0 with *r, or -1. */
static int wait_reply(int fd, const struct sockaddr *server,
	const uint8_t key[static DYN_REPLY_KEY_BYTES],
	const uint8_t id[static DYNREPLY_ID_BYTES], unsigned wait_ms, struct dynreply *r)
{
	uint64_t deadline = mono_ms() + wait_ms;
	for (;;) {
		uint64_t now = mono_ms();
		if (now >= deadline)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		uint8_t buf[DYNREPLY_WIRE_BYTES + 1];
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0 || !same_host(&from, server))
			continue; /* ICMP errors, strangers: not a reply */
		if (dynreply_open(key, id, buf, (size_t)n, r) == 0 &&
		    (r->flags & DYNREPLY_FLAG_NEXT))
			return 0;
	}
}

/* Stores and reports a reply. */
static int take_reply(const struct dynclient_opts *o, const struct dynreply *r)
{
	struct errbuf err;
	char seq[DYNKNOCK_STRLEN];
	if (dynfile_store(o->next_path, o->server, r, &err) < 0) {
		fprintf(stderr, "postern knock: %s\n", err.msg);
		return EXIT_FAILURE_GENERIC;
	}
	if (!o->quiet)
		printf("next knock stored in %s (generation %llu): %s\n", o->next_path,
			(unsigned long long)r->generation, dynknock_format(&r->next, seq));
	if (r->flags & DYNREPLY_FLAG_FORWARD)
		/* Printed even with --quiet: it is what to connect to. */
		printf("forward port %u (%s, to port %u, %u s): e.g. ssh -p %u %s\n",
			(unsigned)r->fwd_port, r->service.proto == IPPROTO_TCP ? "tcp" : "udp",
			(unsigned)r->service.port, (unsigned)r->lease, (unsigned)r->fwd_port,
			o->server);
	return EXIT_OK;
}

static int no_reply(const struct dynclient_opts *o)
{
	fprintf(stderr, "postern knock: no reply from %s within %u ms; the next "
		"knock is not updated (a normal knock with --dynamic gets a new one)\n",
		o->server, o->wait_ms);
	return EXIT_NETWORK;
}

int dynclient_knock(const struct dynclient_opts *o, const struct addrinfo *to,
	const uint8_t *wire, size_t len)
{
	uint8_t key[DYN_REPLY_KEY_BYTES];
	struct dynreply r;
	if (len < KNOCK_WIRE_BYTES)
		return EXIT_USAGE;
	if (reply_key(o, key) < 0)
		return EXIT_KEY;
	int fd = socket(to->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, wire, len, 0, to->ai_addr, to->ai_addrlen)
		!= (ssize_t)len) {
		fprintf(stderr, "postern knock: sending to %s: %s\n", o->server, strerror(errno));
		if (fd >= 0)
			close(fd);
		sodium_memzero(key, sizeof key);
		return EXIT_NETWORK;
	}
	/* The knock's nonce is what the reply is bound to (dynreply.h). */
	int rc = wait_reply(fd, to->ai_addr, key, wire + KNOCK_TAG_BYTES, o->wait_ms, &r);
	close(fd);
	sodium_memzero(key, sizeof key);
	rc = rc == 0 ? take_reply(o, &r) : no_reply(o);
	sodium_memzero(&r, sizeof r);
	return rc;
}

/* One SYN from local port lport (if it is free for TCP) to step's port. */
static void send_syn(const struct addrinfo *to, uint16_t lport, uint16_t port)
{
	struct sockaddr_storage dst, src;
	memcpy(&dst, to->ai_addr, to->ai_addrlen);
	memset(&src, 0, sizeof src);
	src.ss_family = (sa_family_t)to->ai_family;
	if (to->ai_family == AF_INET) {
		((struct sockaddr_in *)&dst)->sin_port = htons(port);
		((struct sockaddr_in *)&src)->sin_port = htons(lport);
	} else {
		((struct sockaddr_in6 *)&dst)->sin6_port = htons(port);
		((struct sockaddr_in6 *)&src)->sin6_port = htons(lport);
	}
	int fd = socket(to->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	(void)bind(fd, (struct sockaddr *)&src, to->ai_addrlen);
	(void)connect(fd, (struct sockaddr *)&dst, to->ai_addrlen); /* EINPROGRESS */
	sleep_ms(STEP_GAP_MS);
	close(fd);
}

int dynclient_next(const struct dynclient_opts *o, int family)
{
	struct dynfile df;
	struct errbuf err;
	uint8_t key[DYN_REPLY_KEY_BYTES], id[DYNREPLY_ID_BYTES];
	char seq[DYNKNOCK_STRLEN];
	if (dynfile_load(o->next_path, &df, &err) < 0) {
		fprintf(stderr, "postern knock: %s\n", err.msg);
		return EXIT_USAGE;
	}
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM }, *ai;
	int gai = getaddrinfo(df.server, "0", &hints, &ai);
	if (gai != 0) {
		fprintf(stderr, "postern knock: cannot resolve %s: %s\n", df.server,
			gai_strerror(gai));
		return EXIT_NETWORK;
	}
	if (reply_key(o, key) < 0) {
		freeaddrinfo(ai);
		return EXIT_KEY;
	}
	/* Every packet leaves from local port lport: the reply to the last
	 * one (UDP) comes back to this socket. */
	struct sockaddr_storage local;
	socklen_t ll = sizeof local;
	memset(&local, 0, sizeof local);
	local.ss_family = (sa_family_t)ai->ai_family;
	int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, ai->ai_addrlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &ll) < 0) {
		fprintf(stderr, "postern knock: UDP socket: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		sodium_memzero(key, sizeof key);
		return EXIT_NETWORK;
	}
	uint16_t lport = ntohs(ai->ai_family == AF_INET ?
		((struct sockaddr_in *)&local)->sin_port :
		((struct sockaddr_in6 *)&local)->sin6_port);
	int rc = EXIT_OK;
	for (size_t i = 0; i < df.knock.n && rc == EXIT_OK; i++) {
		const struct portspec *s = &df.knock.step[i];
		if (s->proto == IPPROTO_TCP) {
			send_syn(ai, lport, s->port);
			continue;
		}
		struct sockaddr_storage dst;
		memcpy(&dst, ai->ai_addr, ai->ai_addrlen);
		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)&dst)->sin_port = htons(s->port);
		else
			((struct sockaddr_in6 *)&dst)->sin6_port = htons(s->port);
		if (sendto(fd, "", 0, 0, (struct sockaddr *)&dst, ai->ai_addrlen) < 0) {
			fprintf(stderr, "postern knock: sending to %s: %s\n", df.server,
				strerror(errno));
			rc = EXIT_NETWORK;
		}
		sleep_ms(STEP_GAP_MS);
	}
	if (rc == EXIT_OK && !o->quiet)
		printf("next knock sent to %s: %s\n", df.server, dynknock_format(&df.knock, seq));
	if (rc == EXIT_OK) {
		struct dynreply r;
		struct dynclient_opts named = *o;
		named.server = df.server;
		dynreply_knock_id(df.generation, df.blob, id);
		rc = wait_reply(fd, ai->ai_addr, key, id, o->wait_ms, &r) == 0 ?
			take_reply(&named, &r) : no_reply(&named);
		sodium_memzero(&r, sizeof r);
	}
	close(fd);
	freeaddrinfo(ai);
	sodium_memzero(key, sizeof key);
	return rc;
}
