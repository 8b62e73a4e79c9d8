/* fdsweep — see fdsweep.h. */
#include "fdsweep.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Socket families the child keeps; anything else it inherited is closed. */
static bool keep_family(int family, bool *may_send)
{
	switch (family) {
	case AF_UNIX:
	case AF_INET:
	case AF_INET6:
		*may_send = true;
		return true;
	case AF_PACKET:
		*may_send = false;
		return true;
	default:
		return false;
	}
}

static int sweep_fds(struct fdsweep_kept *out, struct errbuf *err)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		errbuf_set(err, "cannot list /proc/self/fd: %s", strerror(errno));
		return -1;
	}
	int self = dirfd(d);
	int fds[1024];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < sizeof fds / sizeof fds[0]) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd <= 2 || fd == self)
			continue;
		fds[n++] = (int)fd;
	}
	bool overflow = e != NULL;
	closedir(d);
	if (overflow) {
		errbuf_set(err, "more than %zu inherited descriptors", sizeof fds / sizeof fds[0]);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		int family = -1;
		socklen_t len = sizeof family;
		bool may_send = false;
		if (fstat(fds[i], &st) < 0)
			continue;
		/* Pipes, eventfds (libpcap's break-loop fd) and the like stay. */
		if (!S_ISSOCK(st.st_mode) && !S_ISREG(st.st_mode) &&
		    !S_ISDIR(st.st_mode) && !S_ISBLK(st.st_mode))
			continue;
		if (S_ISSOCK(st.st_mode) &&
		    getsockopt(fds[i], SOL_SOCKET, SO_DOMAIN, &family, &len) == 0 &&
		    keep_family(family, &may_send)) {
			if (may_send) {
				if (out->nsend == FDSWEEP_MAX_KEEP) {
					errbuf_set(err, "more than %d sockets to keep", FDSWEEP_MAX_KEEP);
					return -1;
				}
				out->send_fds[out->nsend++] = fds[i];
			}
			continue;
		}
		close(fds[i]);
		out->closed++;
	}
	return 0;
}

/* Unmaps MAP_SHARED mappings of regular files (SQLite's wal-index): the
 * child must not be able to write into the parent's database memory. */
static int sweep_maps(struct fdsweep_kept *out, struct errbuf *err)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f) {
		errbuf_set(err, "cannot read /proc/self/maps: %s", strerror(errno));
		return -1;
	}
	struct { uintptr_t start, end; } victims[32];
	size_t n = 0;
	char line[4096 + 128];
	while (fgets(line, sizeof line, f)) {
		unsigned long start, end;
		char perms[8];
		int path_at = 0;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms,
			&path_at) < 3 || strlen(perms) < 4 || perms[3] != 's')
			continue;
		char *path = line + path_at;
		path[strcspn(path, "\n")] = '\0';
		struct stat st;
		if (path[0] != '/' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == sizeof victims / sizeof victims[0]) {
			fclose(f);
			errbuf_set(err, "too many shared file mappings");
			return -1;
		}
		victims[n].start = start;
		victims[n].end = end;
		n++;
	}
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		if (munmap((void *)victims[i].start, victims[i].end - victims[i].start) < 0) {
			errbuf_set(err, "munmap of a shared file mapping: %s", strerror(errno));
			return -1;
		}
		out->unmapped++;
	}
	return 0;
}

int fdsweep_child(struct fdsweep_kept *out, struct errbuf *err)
{
	memset(out, 0, sizeof *out);
	if (sweep_maps(out, err) < 0)
		return -1;
	return sweep_fds(out, err);
}
