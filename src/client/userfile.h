/* userfile — the users_dir drop-in of one user (NAME.conf, one [user NAME]
 * section: config_dropin.c), edited as text and written atomically: a
 * temporary file in the same directory, fsync, rename, fsync of the
 * directory. The daemon (and a concurrent reader) sees the old file or the
 * new one, never half of one. */
#ifndef POSTERN_USERFILE_H
#define POSTERN_USERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "errbuf.h"

#define USERFILE_MAX 16384

/* dir/NAME.conf into out. False if it does not fit. */
bool userfile_path(const char *dir, const char *user, char *out, size_t len);
/* Reads the whole file (at most USERFILE_MAX - 1 bytes). 0 or -1 with err. */
int userfile_read(const char *path, char buf[static USERFILE_MAX], struct errbuf *err);
/* Writes text to path atomically, mode 0644 (O_EXCL when !replace: never
 * overwrites). 0 or -1 with err. */
int userfile_write(const char *path, const char *text, bool replace,
	struct errbuf *err);
/* In text (NUL-terminated, capacity USERFILE_MAX): sets the line of key to
 * "key = value" (the first one; indented continuation lines after it go),
 * appends it if absent, or removes it when value is NULL. False if the
 * result would not fit. */
bool userfile_set(char text[static USERFILE_MAX], const char *key, const char *value);

#endif
