/* config_int — internals of the config module, shared by config.c (reading
 * lines and sections), config_keys.c (one setter per key), config_check.c
 * (whole-config checks, key files) and config_print.c. Not an API: nothing
 * outside these files includes it. */
#ifndef POSTERN_CONFIG_INT_H
#define POSTERN_CONFIG_INT_H

#include <stdbool.h>

#include "config.h"

/* Defaults (documented in config.h, postern.conf(5) and etc/postern.conf). */
#define CFG_DEFAULT_KNOCK_PORT 62201
#define CFG_DEFAULT_STATE "/var/lib/postern/state.db"
#define CFG_DEFAULT_TABLE "postern"
#define CFG_DEFAULT_RUN_AS "postern"
#define CFG_DEFAULT_WINDOW 60
#define CFG_DEFAULT_LEASE 30
#define CFG_DEFAULT_MAX_LEASE 3600

#define CFG_WINDOW_MAX 600
#define CFG_LEASE_MAX 65535 /* a knock's lease field is 16 bits */
#define CFG_RUN_AS_MAX 32 /* useradd's limit */
#define CFG_VALUE_MAX 1024 /* longer than any line inih hands us */

enum cfg_section { SEC_NONE, SEC_DAEMON, SEC_PROTECT, SEC_USER };

/* [daemon] keys, in key-table order: their lines are kept for the
 * whole-config checks. */
enum {
	DK_INTERFACES,
	DK_KNOCK_PORTS,
	DK_STATE,
	DK_TABLE,
	DK_RUN_AS,
	DK_WINDOW,
	DK_DEFAULT_LEASE,
	DK_MAX_LEASE,
	DK_FIREWALL,
	DK_MARK,
	DK_COUNT
};
#define CFG_SECTION_KEYS_MAX 16

/* The state of one parse. */
struct cfg_parse {
	struct config *c;
	struct errbuf *err;
	bool failed; /* an error is recorded: stop reading */
	unsigned err_line; /* its line (0: about the file itself) */
	unsigned line; /* line being parsed (inih hands us one at a time) */
	bool indented; /* it starts with white space */
	enum cfg_section sec;
	unsigned daemon_line, protect_line; /* section headers, 0 if absent */
	unsigned daemon_keys[CFG_SECTION_KEYS_MAX]; /* line of each [daemon] key */
	unsigned other_keys[CFG_SECTION_KEYS_MAX]; /* same, current other section */
	unsigned *seen; /* daemon_keys or other_keys */
	int prev_key; /* key of the last key line in this section, or -1 */
	bool target_source; /* current user's targets named "source" */
};

/* A key's setter: validates value (one item, for list keys) and stores it.
 * Returns 0, or -1 after cfg_error. */
typedef int (*cfg_setter)(struct cfg_parse *p, const char *value);

struct cfg_key {
	const char *name;
	cfg_setter set;
	bool list; /* comma-separated; may continue on indented lines */
};

/* Records the first error as "NAME:LINE: message" ("NAME: message" for line
 * 0); later errors are ignored. */
void cfg_error(struct cfg_parse *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The key table of a section (config_keys.c). */
const struct cfg_key *cfg_section_keys(enum cfg_section s, size_t *n);
/* Fills in the defaults of a fresh config. */
void cfg_set_defaults(struct config *c);
/* The user whose section is being read. */
struct config_user *cfg_current_user(struct cfg_parse *p);

/* Whole-config checks after every line has been read (config_check.c). */
int cfg_check(struct cfg_parse *p);
/* Reads every user's key file (config_check.c). */
int cfg_load_keys(struct cfg_parse *p);

#endif
