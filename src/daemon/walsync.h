/* walsync — the SQLite VFS of the state database: SQLite's own unix VFS,
 * except how the WAL is flushed on a filesystem where fdatasync writes
 * more than recovery needs (walsync.c says when, and why that is as
 * durable). */
#ifndef POSTERN_WALSYNC_H
#define POSTERN_WALSYNC_H

#include <stdbool.h>
#include <stdint.h>

/* The VFS's name for sqlite3_open_v2, registered (not as the default) on
 * the first call; NULL if SQLite has no unix VFS to build on. */
const char *walsync_vfs(void);

/* How this process's WAL flushes were done: whole (fdatasync of the WAL)
 * or as its data and then a cache flush. For tests and benchmarks. */
struct walsync_counts {
	uint64_t whole;
	uint64_t data_then_flush;
};
void walsync_counts(struct walsync_counts *out);

/* The bytes at the start of fd's file that are on disk as they read: no
 * hole, no unwritten (preallocated) or delayed-allocation extent before
 * them (FIEMAP). At most size; -1 if the filesystem cannot tell. */
int64_t walsync_written_prefix(int fd, int64_t size);

/* Whether fd's file is on an ext4 without a journal, the one filesystem
 * whose fdatasync the VFS replaces (walsync.c). */
bool walsync_fs_unjournalled_ext4(int fd);

/* The directory whose fdatasync flushes the disk's cache after a WAL's
 * pages are written (walsync.c, step 2): one at or above wal_path's, on
 * its filesystem, whose inode is in another block of the inode table than
 * the WAL's (wal_fd); the WAL's own directory if none is. An open
 * descriptor, or -1 if even that cannot be opened. */
int walsync_open_flush_handle(const char *wal_path, int wal_fd);
/* Steps 1 and 2 (walsync.c) for fd's file, the cache flushed through
 * flush_fd (walsync_open_flush_handle): as durable as fdatasync(fd) only
 * for writes inside the file's settled prefix, which the caller checks.
 * 0, or -1 with errno. */
int walsync_flush_data_then_cache(int fd, int flush_fd);

#endif
