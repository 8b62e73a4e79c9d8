/* config_int — internals of the config module, shared by config.c (reading
 * lines and sections), config_keys.c (one setter per key), config_check.c
 * (whole-config checks, key files) and config_print.c. Not an API: nothing
 * outside these files includes it. */
#ifndef POSTERN_CONFIG_INT_H
#define POSTERN_CONFIG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* Defaults (documented in config.h, postern.conf(5) and etc/postern.conf). */
#define CFG_DEFAULT_KNOCK_PORT 62201
#define CFG_DEFAULT_STATE "/var/lib/postern/state.db"
#define CFG_DEFAULT_TABLE "postern"
#define CFG_DEFAULT_RUN_AS "postern"
#define CFG_DEFAULT_WINDOW 60
#define CFG_DEFAULT_LEASE 30
#define CFG_DEFAULT_MAX_LEASE 3600
#define CFG_DEFAULT_EXPIRY_WARNING (14 * 86400)

#define CFG_WINDOW_MAX 600
#define CFG_LEASE_MAX 65535 /* a knock's lease field is 16 bits */
#define CFG_RUN_AS_MAX 32 /* useradd's limit */
#define CFG_VALUE_MAX 1024 /* longer than any line inih hands us */

enum cfg_section { SEC_NONE, SEC_DAEMON, SEC_PROTECT, SEC_USER, SEC_TRIGGER };

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
	DK_ICMP,
	DK_SEQUENCE_WATCH,
	DK_SEQUENCE_SOURCES,
	DK_SYN_PORTS,
	DK_DNS,
	DK_DNS_ZONE,
	DK_DNS_ANSWER,
	DK_DNS_LISTEN,
	DK_USERS_DIR,
	DK_EXPIRY_WARNING,
	DK_AUDIT_LOG,
	DK_EVENT_STREAM,
	DK_ALERT_COMMAND,
	DK_ALERT_REFUSALS,
	DK_KEYS_FILE,
	DK_CAPTURE_BUFFER,
	DK_KERNEL_FILTER,
	DK_COUNT
};
#define CFG_SECTION_KEYS_MAX 48

/* An open-addressing hash index of users by some key (name, key file,
 * secret): entries are (hash, user index); the caller compares keys. Built
 * while parsing, freed with the parse (config_index.c). */
struct cfg_index {
	/* 8 bytes: at 100 000 users the table is 2 MiB of random accesses. */
	struct cfg_index_slot {
		uint32_t h; /* the hash's low half (which picks the slot) */
		uint32_t i; /* user index + 1; 0 = empty */
	} *slot;
	size_t cap, n;
};
/* Where a hash's probe sequence starts among cap slots, and the slot after
 * k: cap need not be a power of 2 (multiply-shift of the hash's low half),
 * so the table can be sized to its load, not to the next power of 2. */
static inline size_t cfg_index_home(uint64_t h, size_t cap)
{
	return (size_t)(((uint64_t)(uint32_t)h * cap) >> 32);
}
static inline size_t cfg_index_next(size_t k, size_t cap)
{
	return k + 1 == cap ? 0 : k + 1;
}
/* 64-bit FNV-1a of n bytes (not keyed: for duplicate checks at load time
 * only, never for anything a packet chooses). */
uint64_t cfg_hash(const void *data, size_t n);
/* The first user index i with hash h for which same(ctx, i) is true, or
 * SIZE_MAX. */
size_t cfg_index_find(const struct cfg_index *x, uint64_t h,
	bool (*same)(const void *ctx, size_t i), const void *ctx);
/* Adds (h, i). 0, or -1 when out of memory. */
int cfg_index_add(struct cfg_index *x, uint64_t h, size_t i);
/* Makes room for n entries in all, so that adding them never rehashes.
 * 0, or -1 when out of memory. */
int cfg_index_reserve(struct cfg_index *x, size_t n);
/* The hash of a user name in the names index (p->names, then c->name_slot):
 * folded to lower case, so that a DNS label whose case a resolver randomised
 * finds its user (config_names.c). */
uint64_t cfg_name_hash(const char *name);
/* Makes the names index the loaded config's users-by-name table: one table,
 * built once, while the users are read (config_names.c). */
void cfg_names_adopt(struct config *c, struct cfg_index *names);
void cfg_names_free(struct config *c);
void cfg_index_free(struct cfg_index *x);

/* Lines of a user's keys used only in messages at load time: kept beside
 * c->users (p->lines[i] is users[i]'s) and freed with the parse, not in
 * every struct config_user. 0 = not set. */
struct cfg_user_lines {
	unsigned open, max_lease;
	unsigned keys_file; /* the user's line in keys_file */
};

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
	const char *file; /* a users_dir drop-in being read or checked; NULL =
			     the main file (c->path) */
	size_t users_cap; /* c->users and lines have room for this many (x2) */
	struct cfg_user_lines *lines; /* per user, see above */
	struct cfg_user_lines tmpl_lines; /* [user *]'s */
	struct config_user *cur; /* the user whose section is read (or c->tmpl) */
	struct cfg_user_lines *cur_lines; /* its lines */
	struct cfg_index names; /* users by name, for duplicate [user] */
	const char *want_name; /* the name user_begin looks up */
	/* Where a setter writes when its user's block could not be allocated
	 * (the error is recorded and the load fails): see tok() etc. */
	union {
		struct token_conf token;
		struct otp_conf otp;
		struct dyn_conf dyn;
		struct seq_user seq;
	} scratch;
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

/* A decimal number in lo..hi: digits only (at most 9), no sign, no
 * leading zero (config_keys.c). */
bool cfg_number(const char *v, unsigned long lo, unsigned long hi, unsigned long *out);

/* The key table of a section (config_keys.c). */
const struct cfg_key *cfg_section_keys(enum cfg_section s, size_t *n);
/* Fills in the defaults of a fresh config. */
void cfg_set_defaults(struct config *c);
/* Sets *dst to a heap copy of v (freeing a previous copy). 0, or -1 after
 * cfg_error (out of memory). */
int cfg_set_str(struct cfg_parse *p, const char **dst, const char *v);
/* Reallocates *array to n elements of size bytes. 0, or -1 after cfg_error
 * (*array unchanged). */
int cfg_grow(struct cfg_parse *p, void **array, size_t n, size_t size);
/* Frees a string set by cfg_set_str and leaves "" in its place. */
void cfg_free_str(const char **s);


/* The current user's per-feature block, to be written: the first call for
 * a user replaces the shared default with a copy of their own. NULL after
 * cfg_error (out of memory). */
struct token_conf *cfg_token(struct cfg_parse *p);
struct otp_conf *cfg_otp(struct cfg_parse *p);
struct dyn_conf *cfg_dyn(struct cfg_parse *p);
struct seq_user *cfg_seq(struct cfg_parse *p);
struct sign_conf *cfg_sign(struct cfg_parse *p);
struct user_policy *cfg_pol(struct cfg_parse *p);
struct trigger_user *cfg_trig(struct cfg_parse *p);
/* u's own block, or NULL while u has the shared default (whose values are
 * what the checks would fill in: nothing to check, load or write). */
struct token_conf *cfg_token_own(struct config_user *u);
struct otp_conf *cfg_otp_own(struct config_user *u);
struct dyn_conf *cfg_dyn_own(struct config_user *u);
struct seq_user *cfg_seq_own(struct config_user *u);
struct sign_conf *cfg_sign_own(struct config_user *u);
struct user_policy *cfg_pol_own(struct config_user *u);
struct trigger_user *cfg_trig_own(struct config_user *u);

/* The user whose section is being read ([user *]: c->tmpl). */
struct config_user *cfg_current_user(struct cfg_parse *p);
/* The message lines of u (a user of c->users, or c->tmpl). */
struct cfg_user_lines *cfg_lines(struct cfg_parse *p, const struct config_user *u);
/* Makes room in c->users (and p->lines) for n users in all. 0, or -1 after
 * cfg_error. */
int cfg_users_reserve(struct cfg_parse *p, size_t n);
/* Once the users are read: the pages of the users array and of the keys'
 * mapping past the last user (sized and prefaulted for the most users the
 * keys file could hold) go back to the kernel (config.c, config_userkeys.c). */
void cfg_release_spare(struct cfg_parse *p);
void config_keys_release_spare(struct config *c);
/* The loader's config_user_set_secret: the secret only; the tag keys of
 * all users follow at once (cfg_keys_derive_tags, on two cores). 0, or -1
 * if out of memory. */
int cfg_user_store_secret(struct config *c, size_t i,
	const uint8_t secret[static KNOCK_MASTER_BYTES]);
void cfg_keys_derive_tags(struct config *c);
/* A copy of name (n bytes) in the config's name arena (config_arena.c),
 * or NULL when out of memory. */
const char *cfg_arena_str(struct config *c, const char *name, size_t n);
void cfg_arena_free(struct config *c);
/* A fresh profile (config_user_init's defaults) made u's, or NULL after
 * cfg_error. */
struct config_profile *cfg_profile_new(struct cfg_parse *p, struct config_user *u);
/* Wipes and frees f and what it owns. NULL is a no-op. */
void cfg_profile_free(struct config_profile *f);
/* Frees u's profile unless it is [user *]'s (freed once, with c->tmpl). */
void cfg_user_free(struct config_user *u);

/* [user *] (config_template.c): starts the section; checks that a key may
 * be in it (0, or -1 after cfg_error naming the line and why not); checks
 * it whole (with the users); the config print of it. */
int cfg_template_begin(struct cfg_parse *p);
int cfg_template_key(struct cfg_parse *p, const char *key);
int cfg_check_template(struct cfg_parse *p);
void cfg_print_template(const struct config *c, FILE *f,
	void (*print_user)(const struct config_user *u, FILE *f));
/* Appends a user of the template called name (n bytes, already validated
 * and not yet a user) to c->users, which has room for it: a copy of
 * c->tmpl sharing its blocks, keys not set yet. NULL when out of memory
 * (no cfg_error: the caller names the line). */
struct config_user *cfg_template_user(struct cfg_parse *p, const char *name, size_t n);

/* Whole-config checks after every line has been read (config_check.c). */
int cfg_check(struct cfg_parse *p);
/* Reads every user's key file (config_check.c). */
int cfg_load_keys(struct cfg_parse *p);
/* [daemon] keys_file (config_keysfile.c): the setter, and the reading of
 * the file into the users it names (before their key files are read). */
int cfg_set_keys_file(struct cfg_parse *p, const char *value);
int cfg_load_keys_file(struct cfg_parse *p);
/* The index of the user called name, or SIZE_MAX (while parsing: p->names). */
size_t cfg_user_index(struct cfg_parse *p, const char *name);

/* True if u knocks with port sequences (config_seq.c). */
bool cfg_has_sequences(const struct config_user *u);

/* [user] token* keys (config_token.c): setters, defaults, checks, reading
 * the token secret, printing. */
int cfg_set_token(struct cfg_parse *p, const char *value);
int cfg_set_token_key(struct cfg_parse *p, const char *value);
int cfg_set_token_open(struct cfg_parse *p, const char *value);
int cfg_set_token_hash(struct cfg_parse *p, const char *value);
int cfg_set_token_digits(struct cfg_parse *p, const char *value);
int cfg_set_token_step(struct cfg_parse *p, const char *value);
int cfg_set_token_lookahead(struct cfg_parse *p, const char *value);
int cfg_set_token_ports(struct cfg_parse *p, const char *value);
void cfg_token_defaults(struct config_user *u);
int cfg_check_token(struct cfg_parse *p, struct config_user *u);
int cfg_load_token(struct cfg_parse *p, struct config_user *u);
void cfg_print_token(const struct config_user *u, FILE *f);

/* [user] otp* keys (config_otp.c): setters, defaults and checks, printing. */
int cfg_set_otp(struct cfg_parse *p, const char *value);
int cfg_set_otp_open(struct cfg_parse *p, const char *value);
int cfg_set_otp_low_water(struct cfg_parse *p, const char *value);
int cfg_set_otp_lookahead(struct cfg_parse *p, const char *value);
int cfg_check_otp(struct cfg_parse *p, struct config_user *u);
void cfg_print_otp(const struct config_user *u, FILE *f);

/* Port sequences and SYN knocks (config_seq.c): [daemon] sequence_watch,
 * sequence_sources, syn_ports; [user] sequence, one_time_sequences,
 * sequence_open, sequence_timeout, sequence_tolerance. */
int cfg_set_seq_watch(struct cfg_parse *p, const char *value);
int cfg_set_seq_sources(struct cfg_parse *p, const char *value);
int cfg_set_syn_port(struct cfg_parse *p, const char *value);
int cfg_set_sequence(struct cfg_parse *p, const char *value);
int cfg_set_seq_file(struct cfg_parse *p, const char *value);
int cfg_set_seq_open(struct cfg_parse *p, const char *value);
int cfg_set_seq_timeout(struct cfg_parse *p, const char *value);
int cfg_set_seq_tolerance(struct cfg_parse *p, const char *value);
/* Defaults and whole-config checks (after every line is read). */
int cfg_check_seq(struct cfg_parse *p);
/* Reads each user's one_time_sequences file (with the key files). */
int cfg_load_seq(struct cfg_parse *p, struct config_user *u);
void cfg_print_seq_daemon(const struct config *c, FILE *f);
void cfg_print_seq_user(const struct config_user *u, FILE *f);
void cfg_free_seq(struct config *c);

/* [user] dynamic* keys (config_dyn.c): setters, defaults and checks,
 * printing. */
int cfg_set_dynamic(struct cfg_parse *p, const char *value);
int cfg_set_dyn_ports(struct cfg_parse *p, const char *value);
int cfg_set_dyn_length(struct cfg_parse *p, const char *value);
int cfg_set_dyn_open(struct cfg_parse *p, const char *value);
int cfg_set_dyn_forward(struct cfg_parse *p, const char *value);
int cfg_set_dyn_fwd_ports(struct cfg_parse *p, const char *value);
int cfg_check_dyn(struct cfg_parse *p, struct config_user *u);
void cfg_print_dyn(const struct config_user *u, FILE *f);

/* [daemon] dns, dns_zone, dns_answer, dns_listen (config_dns.c). */
int cfg_set_dns(struct cfg_parse *p, const char *value);
int cfg_set_dns_zone(struct cfg_parse *p, const char *value);
int cfg_set_dns_answer(struct cfg_parse *p, const char *value);
int cfg_set_dns_listen(struct cfg_parse *p, const char *value);
int cfg_check_dns(struct cfg_parse *p);
void cfg_print_dns(const struct config *c, FILE *f);

/* [trigger NAME] sections and [user] triggers, on_open, on_close, one_shot
 * (config_trigger.c). */
int cfg_trigger_begin(struct cfg_parse *p, const char *name);
const char *cfg_trigger_name(struct cfg_parse *p);
const struct cfg_key *cfg_trigger_keys(size_t *n);
int cfg_set_user_triggers(struct cfg_parse *p, const char *value);
int cfg_set_on_open(struct cfg_parse *p, const char *value);
int cfg_set_on_close(struct cfg_parse *p, const char *value);
int cfg_set_one_shot(struct cfg_parse *p, const char *value);
int cfg_check_triggers(struct cfg_parse *p);
void cfg_print_triggers(const struct config *c, FILE *f);
void cfg_print_trigger_user(const struct config_user *u, FILE *f);
void cfg_free_triggers(struct config *c);

/* Per-user rules and account keys (config_policy.c): [daemon] users_dir,
 * expiry_warning; [user] sources, allow_wide_targets, hours, timezone,
 * schemes, carriers, expires, old_key, old_key_until. */
int cfg_set_users_dir(struct cfg_parse *p, const char *value);
int cfg_set_expiry_warning(struct cfg_parse *p, const char *value);
int cfg_set_sources(struct cfg_parse *p, const char *value);
int cfg_set_allow_wide(struct cfg_parse *p, const char *value);
int cfg_set_require_target(struct cfg_parse *p, const char *value);
/* The first of u's knock kinds that is not an SPA knock (so can name no
 * target and carry no signature): "token", "otp", "sequence", "dynamic";
 * NULL if u has none. */
const char *cfg_user_plain_scheme(const struct config_user *u);
int cfg_set_hours(struct cfg_parse *p, const char *value);
int cfg_set_timezone(struct cfg_parse *p, const char *value);
int cfg_set_schemes(struct cfg_parse *p, const char *value);
int cfg_set_carriers(struct cfg_parse *p, const char *value);
int cfg_set_expires(struct cfg_parse *p, const char *value);
int cfg_set_old_key(struct cfg_parse *p, const char *value);
int cfg_set_old_key_until(struct cfg_parse *p, const char *value);
int cfg_check_policy(struct cfg_parse *p, struct config_user *u);
/* Reads u's old_key (with the key files). */
int cfg_load_old_key(struct cfg_parse *p, struct config_user *u);
void cfg_print_policy_daemon(const struct config *c, FILE *f);
void cfg_print_policy_user(const struct config_user *u, FILE *f);

/* [daemon] audit_log, event_stream, alert_command, alert_refusals; [user]
 * sign_key, require_signature (config_audit.c). */
int cfg_set_audit_log(struct cfg_parse *p, const char *value);
int cfg_set_event_stream(struct cfg_parse *p, const char *value);
int cfg_set_alert_command(struct cfg_parse *p, const char *value);
int cfg_set_alert_refusals(struct cfg_parse *p, const char *value);
int cfg_set_sign_key(struct cfg_parse *p, const char *value);
int cfg_set_require_signature(struct cfg_parse *p, const char *value);
int cfg_check_audit(struct cfg_parse *p);
int cfg_check_sign(struct cfg_parse *p, struct config_user *u);
/* Reads u's sign_key (with the key files). */
int cfg_load_sign(struct cfg_parse *p, struct config_user *u);
void cfg_print_audit(const struct config *c, FILE *f);
void cfg_print_sign(const struct config_user *u, FILE *f);

/* users_dir drop-ins (config_dropin.c): reads every NAME.conf after the main
 * file; each must hold exactly one [user NAME] section. */
int cfg_load_dropins(struct cfg_parse *p);
/* Feeds one open drop-in through the main file's reader (config.c). */
int cfg_read_stream(struct cfg_parse *p, FILE *f);

#endif
