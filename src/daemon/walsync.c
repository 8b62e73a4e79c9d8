/* walsync — see walsync.h.
 *
 * Why. Every knock's replay record is flushed before its door opens: one
 * fdatasync of the WAL. On ext4 without a journal that fdatasync waits for
 * three things in turn: the WAL's pages, then the block of the inode table
 * that holds the WAL's inode (its mtime changed; ext4 writes that block on
 * every fsync when it has no journal), then the device's cache flush.
 * Recovery never reads the mtime. Where the WAL's size and blocks are
 * already on disk, the pages and the flush are all a commit needs.
 *
 * What. For the WAL only, xSync then does
 *   1. sync_file_range(WAIT_BEFORE | WRITE | WAIT_AFTER): the WAL's dirty
 *      pages written to the device and waited for (no metadata, no flush);
 *   2. fdatasync of another, clean inode of the same filesystem (its
 *      "flush handle", a directory): ext4 without a journal ends every
 *      fsync with a cache flush of the device (unless mounted nobarrier,
 *      when fdatasync of the WAL would not flush either). The flush is
 *      issued after step 1's writes completed, so it covers them.
 * Otherwise it is SQLite's own xSync (fdatasync of the WAL).
 *
 * When. Only all of these: the filesystem is ext4 and has no journal
 * (sysfs says so; with a journal, fdatasync does not write the mtime and
 * there is nothing to gain); no write since the last flush reached past
 * the WAL's "settled prefix"; the file is still at least that long. The
 * settled prefix is measured after each whole fdatasync of the WAL: the
 * size before that fdatasync, cut at the first hole, preallocated
 * (unwritten) or not-yet-allocated extent that FIEMAP reports. Writes
 * inside it overwrite blocks whose allocation and size an fdatasync has
 * already made durable: only their data changes. state_reserve_wal makes
 * the prefix the WAL's whole reserve at start. Every other writer of the
 * file is this code too (the admin tools open the store with state_open):
 * a process flushes whole until it has measured the file itself, and
 * only posternd sets the size limit that makes SQLite cut a WAL (its own
 * xTruncate ends its prefix); a WAL found shorter than the prefix is
 * flushed whole.
 *
 * Anything that fails on the fast path (sync_file_range, the flush, a
 * shrunk or unlinked file) falls back to the whole fdatasync, whose error
 * SQLite then reports: a knock whose record cannot be flushed is refused,
 * as before. */
#include "walsync.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sqlite3.h>

#define WALSYNC_VFS_NAME "postern-walsync"
/* How far up the directory tree to look for a flush handle. */
#define FLUSH_HANDLE_MAX_DEPTH 16
/* The smallest ext4 inode: the most inodes one block of the table holds. */
#define EXT4_MIN_INODE_BYTES 128
#define FIEMAP_BATCH 32

static sqlite3_vfs *unix_vfs;
static sqlite3_vfs walsync;
static pthread_once_t registered = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t count_whole, count_data_then_flush;

struct walsync_file {
	sqlite3_file base;       /* pMethods: wal_methods */
	sqlite3_file *real;      /* the unix VFS's file, in our bytes after this */
	int fd;                  /* the WAL opened again, for sync_file_range */
	int flush_fd;            /* a clean directory of the same filesystem */
	bool eligible;           /* unjournalled ext4, and both descriptors open */
	bool past_prefix;        /* a write since the last flush ended past it */
	sqlite3_int64 prefix;    /* the settled prefix (top of file) */
};

#define REAL_OFFSET ((sizeof(struct walsync_file) + 7) & ~(size_t)7)

void walsync_counts(struct walsync_counts *out)
{
	out->whole = atomic_load(&count_whole);
	out->data_then_flush = atomic_load(&count_data_then_flush);
}

/* ---- what the filesystem says ------------------------------------------ */

int64_t walsync_written_prefix(int fd, int64_t size)
{
	/* Anything but plain written blocks ends the prefix. */
	const uint32_t unsettled = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
		FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_DATA_INLINE |
		FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_NOT_ALIGNED |
		FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_SHARED;
	/* A struct fiemap and room for its extents, 8-byte aligned. */
	uint64_t buf[(sizeof(struct fiemap) +
		FIEMAP_BATCH * sizeof(struct fiemap_extent)) / sizeof(uint64_t)];
	struct fiemap *map = (struct fiemap *)buf;
	int64_t at = 0;
	while (at < size) {
		memset(buf, 0, sizeof buf);
		map->fm_start = (uint64_t)at;
		map->fm_length = (uint64_t)(size - at);
		map->fm_extent_count = FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, map) != 0)
			return -1;
		if (map->fm_mapped_extents == 0)
			break; /* a hole to the end */
		for (uint32_t i = 0; i < map->fm_mapped_extents; i++) {
			const struct fiemap_extent *e = &map->fm_extents[i];
			int64_t end = (int64_t)(e->fe_logical + e->fe_length);
			if ((int64_t)e->fe_logical > at || end <= at || (e->fe_flags & unsettled))
				return at;
			at = end;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				return at < size ? at : size;
		}
	}
	return at < size ? at : size;
}

/* The device's kernel name, as sysfs calls it (vda, nvme0n1p2, loop3). */
static bool device_name(dev_t dev, char *name, size_t size)
{
	char link[64], target[PATH_MAX];
	snprintf(link, sizeof link, "/sys/dev/block/%u:%u", major(dev), minor(dev));
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	return snprintf(name, size, "%s", slash ? slash + 1 : target) < (int)size;
}

bool walsync_fs_unjournalled_ext4(int fd)
{
	struct statfs sf;
	struct stat st;
	char name[NAME_MAX + 1], path[PATH_MAX], task[32] = "";
	if (fstatfs(fd, &sf) != 0 || sf.f_type != EXT4_SUPER_MAGIC ||
	    fstat(fd, &st) != 0 || !device_name(st.st_dev, name, sizeof name))
		return false;
	/* ext4 shows its journal thread here, or "<none>" without a journal. */
	snprintf(path, sizeof path, "/sys/fs/ext4/%s/journal_task", name);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool read = fgets(task, sizeof task, f) != NULL;
	fclose(f);
	return read && strcmp(task, "<none>\n") == 0;
}

/* Whether two inodes of one ext4 may share a block of the inode table
 * (then flushing one writes the other's changes too). */
static bool may_share_inode_block(ino_t a, ino_t b, long block_bytes)
{
	long per_block = block_bytes / EXT4_MIN_INODE_BYTES;
	return per_block <= 0 || (a - 1) / (ino_t)per_block == (b - 1) / (ino_t)per_block;
}

int walsync_open_flush_handle(const char *wal_path, int wal_fd)
{
	struct stat wal, dir;
	struct statfs sf;
	if (fstat(wal_fd, &wal) != 0 || fstatfs(wal_fd, &sf) != 0)
		return -1;
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s", wal_path) >= (int)sizeof path)
		return -1;
	char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(path, sizeof path, ".");
	else
		slash[slash == path ? 1 : 0] = '\0';
	int first = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (first < 0)
		return -1;
	int fd = first;
	for (int depth = 0; depth < FLUSH_HANDLE_MAX_DEPTH; depth++) {
		if (fstat(fd, &dir) != 0 || dir.st_dev != wal.st_dev)
			break;
		if (!may_share_inode_block(dir.st_ino, wal.st_ino, (long)sf.f_bsize)) {
			if (fd != first)
				close(first);
			return fd;
		}
		int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat above;
		if (up < 0 || fstat(up, &above) != 0 || above.st_ino == dir.st_ino) {
			if (up >= 0)
				close(up);
			break; /* the root */
		}
		if (fd != first)
			close(fd);
		fd = up;
	}
	if (fd != first)
		close(fd);
	return first;
}

/* ---- the WAL's methods --------------------------------------------------- */

static struct walsync_file *wal_of(sqlite3_file *f)
{
	return (struct walsync_file *)f;
}

static int wal_close(sqlite3_file *f)
{
	struct walsync_file *w = wal_of(f);
	int rc = w->real->pMethods ? w->real->pMethods->xClose(w->real) : SQLITE_OK;
	/* Closing these drops no lock of SQLite's: it locks the -shm and the
	 * database, never the WAL or a directory. */
	if (w->fd >= 0)
		close(w->fd);
	if (w->flush_fd >= 0)
		close(w->flush_fd);
	w->fd = w->flush_fd = -1;
	return rc;
}

static int wal_read(sqlite3_file *f, void *buf, int amount, sqlite3_int64 offset)
{
	return wal_of(f)->real->pMethods->xRead(wal_of(f)->real, buf, amount, offset);
}

static int wal_write(sqlite3_file *f, const void *buf, int amount, sqlite3_int64 offset)
{
	struct walsync_file *w = wal_of(f);
	if (offset + amount > w->prefix)
		w->past_prefix = true;
	return w->real->pMethods->xWrite(w->real, buf, amount, offset);
}

static int wal_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct walsync_file *w = wal_of(f);
	/* A new size is metadata: the next flush is a whole one. */
	if (size < w->prefix)
		w->prefix = size;
	w->past_prefix = true;
	return w->real->pMethods->xTruncate(w->real, size);
}

int walsync_flush_data_then_cache(int fd, int flush_fd)
{
	if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
			SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0)
		return -1;
	return fdatasync(flush_fd) == 0 ? 0 : -1;
}

/* Steps 1 and 2 of the file comment, where they apply; 0, or -1 to flush
 * the whole way. */
static int flush_data_then_cache(struct walsync_file *w)
{
	struct stat st;
	if (fstat(w->fd, &st) != 0 || st.st_nlink == 0 || st.st_size < w->prefix)
		return -1;
	return walsync_flush_data_then_cache(w->fd, w->flush_fd);
}

static int wal_sync(sqlite3_file *f, int flags)
{
	struct walsync_file *w = wal_of(f);
	if (w->eligible && !w->past_prefix && flush_data_then_cache(w) == 0) {
		atomic_fetch_add(&count_data_then_flush, 1);
		return SQLITE_OK;
	}
	struct stat before;
	bool sized = w->eligible && fstat(w->fd, &before) == 0;
	int rc = w->real->pMethods->xSync(w->real, flags);
	if (rc != SQLITE_OK)
		return rc;
	atomic_fetch_add(&count_whole, 1);
	if (sized) {
		/* Everything below the size it had before this fdatasync is now
		 * allocated on disk, whoever wrote it. */
		int64_t settled = walsync_written_prefix(w->fd, before.st_size);
		w->prefix = settled > 0 ? settled : 0;
		w->past_prefix = false;
	}
	return rc;
}

static int wal_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return wal_of(f)->real->pMethods->xFileSize(wal_of(f)->real, size);
}

static int wal_lock(sqlite3_file *f, int level)
{
	return wal_of(f)->real->pMethods->xLock(wal_of(f)->real, level);
}

static int wal_unlock(sqlite3_file *f, int level)
{
	return wal_of(f)->real->pMethods->xUnlock(wal_of(f)->real, level);
}

static int wal_check_reserved_lock(sqlite3_file *f, int *out)
{
	return wal_of(f)->real->pMethods->xCheckReservedLock(wal_of(f)->real, out);
}

static int wal_file_control(sqlite3_file *f, int op, void *arg)
{
	return wal_of(f)->real->pMethods->xFileControl(wal_of(f)->real, op, arg);
}

static int wal_sector_size(sqlite3_file *f)
{
	return wal_of(f)->real->pMethods->xSectorSize(wal_of(f)->real);
}

static int wal_device_characteristics(sqlite3_file *f)
{
	return wal_of(f)->real->pMethods->xDeviceCharacteristics(wal_of(f)->real);
}

/* SQLite never maps a WAL or uses it as shared memory; these are passed
 * on all the same, so the file answers exactly as the unix VFS's would. */
static int wal_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
	return wal_of(f)->real->pMethods->xShmMap(wal_of(f)->real, page, size, extend, out);
}

static int wal_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return wal_of(f)->real->pMethods->xShmLock(wal_of(f)->real, offset, n, flags);
}

static void wal_shm_barrier(sqlite3_file *f)
{
	wal_of(f)->real->pMethods->xShmBarrier(wal_of(f)->real);
}

static int wal_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return wal_of(f)->real->pMethods->xShmUnmap(wal_of(f)->real, delete_flag);
}

static int wal_fetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **out)
{
	return wal_of(f)->real->pMethods->xFetch(wal_of(f)->real, offset, amount, out);
}

static int wal_unfetch(sqlite3_file *f, sqlite3_int64 offset, void *page)
{
	return wal_of(f)->real->pMethods->xUnfetch(wal_of(f)->real, offset, page);
}

static const sqlite3_io_methods wal_methods = {
	.iVersion = 3,
	.xClose = wal_close,
	.xRead = wal_read,
	.xWrite = wal_write,
	.xTruncate = wal_truncate,
	.xSync = wal_sync,
	.xFileSize = wal_file_size,
	.xLock = wal_lock,
	.xUnlock = wal_unlock,
	.xCheckReservedLock = wal_check_reserved_lock,
	.xFileControl = wal_file_control,
	.xSectorSize = wal_sector_size,
	.xDeviceCharacteristics = wal_device_characteristics,
	.xShmMap = wal_shm_map,
	.xShmLock = wal_shm_lock,
	.xShmBarrier = wal_shm_barrier,
	.xShmUnmap = wal_shm_unmap,
	.xFetch = wal_fetch,
	.xUnfetch = wal_unfetch,
};

/* ---- the VFS -------------------------------------------------------------- */

static int walsync_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file,
	int flags, int *out_flags)
{
	(void)vfs;
	/* Every other file is the unix VFS's own, in the same bytes. */
	if (!(flags & SQLITE_OPEN_WAL) || !name)
		return unix_vfs->xOpen(unix_vfs, name, file, flags, out_flags);
	struct walsync_file *w = wal_of(file);
	memset(w, 0, sizeof *w);
	w->real = (sqlite3_file *)((char *)file + REAL_OFFSET);
	w->fd = w->flush_fd = -1;
	w->past_prefix = true;
	int rc = unix_vfs->xOpen(unix_vfs, name, w->real, flags, out_flags);
	/* SQLite closes whatever has methods, even after a failed open. */
	w->base.pMethods = w->real->pMethods ? &wal_methods : NULL;
	if (rc != SQLITE_OK)
		return rc;
	w->fd = open(name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (w->fd >= 0 && walsync_fs_unjournalled_ext4(w->fd))
		w->flush_fd = walsync_open_flush_handle(name, w->fd);
	w->eligible = w->fd >= 0 && w->flush_fd >= 0;
	return SQLITE_OK;
}

static void register_vfs(void)
{
	unix_vfs = sqlite3_vfs_find("unix");
	if (!unix_vfs)
		return;
	/* The unix VFS's methods, its pAppData included (its xOpen reads it,
	 * through the pointer we pass it, which is its own). */
	walsync = *unix_vfs;
	walsync.zName = WALSYNC_VFS_NAME;
	walsync.szOsFile = (int)REAL_OFFSET + unix_vfs->szOsFile;
	walsync.xOpen = walsync_open;
	walsync.pNext = NULL;
	if (sqlite3_vfs_register(&walsync, 0) != SQLITE_OK)
		unix_vfs = NULL;
}

const char *walsync_vfs(void)
{
	pthread_once(&registered, register_vfs);
	return unix_vfs ? WALSYNC_VFS_NAME : NULL;
}
