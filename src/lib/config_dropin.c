/* config_dropin — users_dir: one file per user, read after the main file.
 *
 * Every NAME.conf in the directory (NAME a valid user name; other files,
 * and names starting with '.', such as the temporary files `postern user`
 * renames into place, are ignored) is read in name order through the main
 * file's reader, so its errors are "DROPIN:LINE: reason" and a bad drop-in
 * refuses the whole config. A drop-in holds exactly one [user NAME] section,
 * NAME matching its file name. Like the main file it must be a regular file
 * that only its owner (the reader) can write: whoever can write a drop-in
 * can add a user. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "keyfile.h"

#define DROPIN_SUFFIX ".conf"
#define DROPIN_MAX_FILES 4096

/* The user name of a drop-in file name, or false. */
static bool dropin_user(const char *fname, char user[static KEYFILE_USER_MAX])
{
	size_t n = strlen(fname), s = strlen(DROPIN_SUFFIX);
	if (n <= s || n - s >= KEYFILE_USER_MAX || strcmp(fname + n - s, DROPIN_SUFFIX))
		return false;
	memcpy(user, fname, n - s);
	user[n - s] = '\0';
	return keyfile_user_valid(user);
}

static int select_dropin(const struct dirent *d)
{
	char user[KEYFILE_USER_MAX];
	return dropin_user(d->d_name, user);
}

/* Opens path as a drop-in: a regular file the reader owns, not writable by
 * group or others. NULL after cfg_error. */
static FILE *open_dropin(struct cfg_parse *p, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cfg_error(p, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cfg_error(p, 0, "not a regular file");
	} else if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		cfg_error(p, 0, "must be owned by uid %u and writable by it alone "
			"(fix: chown %u %s; chmod go-w %s)", (unsigned)geteuid(),
			(unsigned)geteuid(), path, path);
	} else {
		FILE *f = fdopen(fd, "re");
		if (f)
			return f;
		cfg_error(p, 0, "out of memory");
	}
	close(fd);
	return NULL;
}

static int read_dropin(struct cfg_parse *p, const char *path, const char *user)
{
	struct config *c = p->c;
	size_t before = c->nusers;
	p->file = path;
	p->line = 0;
	p->sec = SEC_NONE;
	p->prev_key = -1;
	p->seen = p->other_keys;
	memset(p->other_keys, 0, sizeof p->other_keys);
	FILE *f = open_dropin(p, path);
	if (!f)
		return -1;
	int rc = cfg_read_stream(p, f);
	fclose(f);
	if (rc != 0)
		return -1;
	if (c->nusers != before + 1) {
		cfg_error(p, c->nusers > before + 1 ? c->users[before + 1].prof->line : 0,
			"a drop-in holds exactly one [user %s] section", user);
		return -1;
	}
	struct config_user *u = &c->users[before];
	if (strcmp(u->name, user) != 0) {
		cfg_error(p, u->prof->line, "[user %s] in %s" DROPIN_SUFFIX ": the section "
			"must name the file's user", u->name, user);
		return -1;
	}
	return cfg_set_str(p, &u->prof->file, path);
}

int cfg_load_dropins(struct cfg_parse *p)
{
	const char *dir = p->c->users_dir;
	struct dirent **list = NULL;
	int n = scandir(dir, &list, select_dropin, alphasort);
	if (n < 0) {
		cfg_error(p, p->daemon_keys[DK_USERS_DIR], "users_dir: cannot read "
			"%s: %s", dir, strerror(errno));
		return -1;
	}
	int rc = 0;
	if (n > DROPIN_MAX_FILES) {
		cfg_error(p, p->daemon_keys[DK_USERS_DIR], "users_dir: more than %d "
			"drop-ins in %s", DROPIN_MAX_FILES, dir);
		rc = -1;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], user[KEYFILE_USER_MAX];
		if (rc == 0 && dropin_user(list[i]->d_name, user)) {
			int w = snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
			if (w < 0 || (size_t)w >= sizeof path) {
				cfg_error(p, p->daemon_keys[DK_USERS_DIR], "users_dir: "
					"path too long");
				rc = -1;
			} else if (read_dropin(p, path, user) != 0) {
				rc = -1;
			}
			p->file = NULL; /* path is about to go */
		}
		free(list[i]);
	}
	free(list);
	p->file = NULL;
	p->sec = SEC_NONE;
	return rc;
}
