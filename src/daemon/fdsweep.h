/* fdsweep — what the capture child inherited from the parent by fork and
 * must not keep: the state store's file descriptors and its shared memory
 * map (SQLite's -shm), the nftables and rtnetlink sockets, the signalfd.
 *
 * Run in the child after it has opened its own captures and sockets and
 * before it enters the sandbox (it reads /proc/self). Keeps stdin, stdout,
 * stderr and every socket of family AF_UNIX (the socketpair, syslog),
 * AF_PACKET (captures), AF_INET and AF_INET6 (a carrier's own socket);
 * closes every other socket (netlink), regular file, directory and block
 * device, and unmaps every shared mapping of a regular file. Pipes, eventfds
 * and character devices stay (libpcap keeps an eventfd per handle). */
#ifndef POSTERN_FDSWEEP_H
#define POSTERN_FDSWEEP_H

#include <stddef.h>

#include "errbuf.h"

#define FDSWEEP_MAX_KEEP 64

struct fdsweep_kept {
	/* Sockets the child may send on: AF_UNIX, AF_INET, AF_INET6 (never a
	 * capture socket: the child must not inject frames). */
	int send_fds[FDSWEEP_MAX_KEEP];
	size_t nsend;
	size_t closed; /* descriptors closed */
	size_t unmapped; /* shared file mappings removed */
};

/* 0, or -1 with err (then the caller must exit). */
int fdsweep_child(struct fdsweep_kept *out, struct errbuf *err)
	__attribute__((warn_unused_result));

#endif
