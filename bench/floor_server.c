/* floor_server — the least any knock server has to do before a door opens,
 * as a baseline for the idle knock-to-open latency (bench/flood.sh runs it
 * in posternd's place, with the same probe, pinning and table).
 *
 *   floor_server UDPPORT DOORPORT FILE
 *
 * Receives UDP datagrams on UDPPORT (a plain socket: no capture, no
 * checks), and for each one does the two steps the design puts before a
 * door: it makes a record durable, and opens the door with one netlink
 * batch. The record is 8 240 bytes (two SQLite WAL frames, as a knock's
 * commit writes) over the start of FILE, which was written and flushed
 * whole at start, so no write changes the file's size or blocks. It is
 * flushed the cheapest way that is as durable on FILE's filesystem, the
 * way posternd's state store flushes its WAL (src/daemon/walsync.c): the
 * data then the disk's cache on ext4 without a journal, fdatasync
 * elsewhere. The door is { source . tcp . DOORPORT } in posternd's set
 * (table inet postern, leases4 or leases6), added with a 30-s timeout by
 * the same prebuilt batch posternd sends (fwbatch).
 *
 * No key, no AEAD, no policy, no second process, no SQLite: what is left
 * is the machine's part of the latency (a wake-up, the disk's round trips,
 * the netlink commit). Prints "floor_server: ready" once set up; runs until
 * killed; a failed step is reported on stderr and the next datagram is
 * served. Never run it where postern's table matters: it opens doors for
 * any sender. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "fwbatch.h"
#include "walsync.h"

#define FILE_BYTES (64 * 1024)
#define WAL_FRAME_BYTES (24 + 4096)
#define RECORD_BYTES (2 * WAL_FRAME_BYTES)
#define LEASE_SECONDS 30
#define TABLE "postern"

struct record_file {
	int fd;
	int flush_fd; /* -1: flush with fdatasync of the file itself */
	unsigned next;
};

static int port_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return (*end || v < 1 || v > 65535) ? -1 : (int)v;
}

/* Writes FILE_BYTES and flushes them whole, so that later records only
 * overwrite blocks that are allocated and on disk. */
static int record_file_open(struct record_file *r, const char *path)
{
	static unsigned char zeros[FILE_BYTES];
	r->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (r->fd < 0 || pwrite(r->fd, zeros, sizeof zeros, 0) != (ssize_t)sizeof zeros ||
	    fdatasync(r->fd) != 0) {
		fprintf(stderr, "floor_server: %s: %s\n", path, strerror(errno));
		return -1;
	}
	r->flush_fd = -1;
	if (walsync_fs_unjournalled_ext4(r->fd) &&
	    (r->flush_fd = walsync_open_flush_handle(path, r->fd)) < 0) {
		fprintf(stderr, "floor_server: no directory to flush for %s\n", path);
		return -1;
	}
	r->next = 0;
	return 0;
}

static int record_write(struct record_file *r)
{
	unsigned char rec[RECORD_BYTES];
	memset(rec, (int)(r->next & 0xff), sizeof rec);
	/* Frames follow each other as in a WAL, and wrap inside the file. */
	off_t at = 32 + (off_t)(r->next++ % 6) * WAL_FRAME_BYTES;
	if (pwrite(r->fd, rec, sizeof rec, at) != (ssize_t)sizeof rec)
		return -1;
	if (r->flush_fd < 0)
		return fdatasync(r->fd);
	return walsync_flush_data_then_cache(r->fd, r->flush_fd);
}

static bool source_addr(const struct sockaddr_storage *ss, struct addr *a)
{
	memset(a, 0, sizeof *a);
	if (ss->ss_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->bytes, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return true;
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	if (ss->ss_family != AF_INET6)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		a->family = AF_INET;
		memcpy(a->bytes, &s6->sin6_addr.s6_addr[12], 4);
	} else {
		a->family = AF_INET6;
		memcpy(a->bytes, &s6->sin6_addr, 16);
	}
	return true;
}

static int udp_socket(int port)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int off = 0;
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
		.sin6_addr = IN6ADDR_ANY_INIT };
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "floor_server: udp/%d: %s\n", port, strerror(errno));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int udp_port = argc == 4 ? port_arg(argv[1]) : -1;
	int door = argc == 4 ? port_arg(argv[2]) : -1;
	if (udp_port < 0 || door < 0) {
		fprintf(stderr, "usage: floor_server UDPPORT DOORPORT FILE\n");
		return 2;
	}
	struct record_file rec;
	struct errbuf err = { "" };
	int sock = udp_socket(udp_port);
	if (sock < 0 || record_file_open(&rec, argv[3]) != 0)
		return 1;
	struct fwbatch *fw = fwbatch_open(&err);
	if (!fw) {
		fprintf(stderr, "floor_server: %s\n", err.msg);
		return 1;
	}
	printf("floor_server: ready (%s)\n", rec.flush_fd < 0 ? "fdatasync" :
		"data, then the cache through a directory");
	fflush(stdout);
	const struct portspec port = { IPPROTO_TCP, (uint16_t)door };
	for (;;) {
		unsigned char buf[2048];
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		if (recvfrom(sock, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "floor_server: recvfrom: %s\n", strerror(errno));
			return 1;
		}
		struct addr a;
		if (!source_addr(&from, &a))
			continue;
		if (record_write(&rec) != 0) {
			fprintf(stderr, "floor_server: record: %s\n", strerror(errno));
			continue;
		}
		if (fwbatch_grant(fw, TABLE, a.family == AF_INET ? "leases4" : "leases6", &a,
				&port, 1, LEASE_SECONDS, &err) != 0)
			fprintf(stderr, "floor_server: grant: %s\n", err.msg);
	}
}
