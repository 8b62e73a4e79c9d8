/* config — postern.conf: parse, validate, load key files, print normalised.
 *
 * INI syntax (parsed by inih). A config is accepted whole or refused whole:
 * the first error is reported as "FILE:LINE: reason" and nothing is returned.
 * etc/postern.conf is the commented example; man/postern.conf.5 the reference.
 *
 *   [daemon]
 *   interfaces   = any | IFNAME[, IFNAME...]   (default any)
 *   knock_ports  = udp/62201[, udp/N...]        UDP ports whose datagrams are
 *                                               inspected (default udp/62201)
 *   state        = /var/lib/postern/state.db
 *   table        = postern                       nftables table (inet family)
 *   run_as       = postern                       user of the capture child
 *   window       = 60s                           freshness, +/- (1..600 s)
 *   default_lease= 30s     max_lease = 1h
 *   firewall     = drop | mark                   see DESIGN §6
 *   mark         = 0x10000                       for firewall = mark
 *   icmp         = no                            yes: look for knocks in ICMP/
 *                                                ICMPv6 echo requests
 *   capture_buffer = auto                        each capture ring: auto (room
 *                                                for 13 797 packets: capture.c)
 *                                                or a size (256k..1024m)
 *   kernel_filter = ports | tags                 tags: the capture's kernel
 *                                                filter also checks knocks'
 *                                                tags (UDP knocks only;
 *                                                unknown tags go unlogged)
 *   dns          = off | sniff | authoritative   knocks in DNS query names:
 *                                                see dns_conf.h for dns_*
 *
 *   [protect]
 *   ports        = tcp/22, tcp/443               doors postern guards
 *
 *   keys_file    = /etc/postern/users.keys       optional: one "NAME BASE64SECRET"
 *                                                line per user (mode 0600,
 *                                                owner root); a user listed
 *                                                there has no key line
 *
 *   [user *]                                     optional: the settings of every
 *                                                keys_file user with no [user
 *                                                NAME] of their own (no key, token,
 *                                                otp, sequence, dynamic, old_key,
 *                                                sign_key: config_template.c)
 *
 *   [user NAME]
 *   key          = /etc/postern/users/NAME.key   (mode 0600, owner root;
 *                                                not with keys_file)
 *   open         = tcp/22[, ...]                 ports this user may open
 *                                                (each must be protected)
 *   max_lease    = 5m                            (<= daemon max_lease)
 *   targets      = source | CIDR[, CIDR...]      addresses a knock may name
 *                                                besides its own source
 *                                                (default: source only)
 *   disabled     = no
 *   token        = hotp | totp                   one-time tokens: see
 *                                                config_token.c for token_*
 *   otp          = md5 | sha1                    RFC 2289 chains: see
 *                                                config_otp.c for otp_*
 *   sequence, one_time_sequences, sequence_*     port sequences: see
 *                                                config_seq.c (and [daemon]
 *                                                sequence_watch, syn_ports)
 *   sources, allow_wide_targets, hours, timezone, schemes, carriers, expires,
 *   old_key, old_key_until                       per-user rules: see
 *                                                userpolicy.h; [daemon]
 *                                                users_dir, expiry_warning:
 *                                                config_policy.c
 *   dynamic      = no                            yes: reply to an accepted
 *                                                knock with the next knock:
 *                                                dyn_conf.h for dynamic_*
 *   triggers     = NAME[, NAME...]               triggers a knock may fire
 *   on_open, on_close = NAME                     hooks: a [trigger NAME] run
 *                                                when a door opens / closes
 *   one_shot     = no                            yes: a grant admits one new
 *                                                connection (trigger_conf.h)
 *
 *   [trigger NAME]                               an event a knock may fire
 *   id = 1..255  command = /abs/prog args  args_pattern = ^...$
 *   run_as = nobody  timeout = 10s  max_running = 1   (config_trigger.c)
 */
#ifndef POSTERN_CONFIG_H
#define POSTERN_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "errbuf.h"
#include "knock.h"
#include "seqspec.h"
#include "tokenkey.h"
#include "otp_conf.h"
#include "dns_conf.h"
#include "audit_conf.h"
#include "trigger_conf.h"
#include "dyn_conf.h"
#include "userpolicy.h"

#define CONFIG_MAX_IFACES 16
#define CONFIG_MAX_PORTS 64
#define CONFIG_MAX_CIDRS 16
#define CONFIG_NAME_MAX 64
#define CONFIG_TABLE_MAX 32

enum firewall_mode {
	FIREWALL_DROP, /* postern's chain drops protected ports unless leased */
	FIREWALL_MARK, /* postern's chain marks leased packets; operator accepts the mark */
};

/* What a user's knocks are allowed and how they are checked: everything of
 * a user but the name. A user with a [user NAME] section has one of their
 * own (heap, config_free frees and wipes it); every keys_file user without
 * a section shares the one profile of [user *] (from_template: c->tmpl's,
 * read-only, freed once), so that such a user costs 16 bytes here. */
struct config_profile {
	const char *key_path; /* "" until set; heap (config_free frees) */
	/* The user's keys are not here but in struct config_keys (below): the
	 * capture child drops them without writing to this array. */
	struct portspec *open; /* nopen of them (at most CONFIG_MAX_PORTS), heap */
	struct cidr *targets; /* allowed explicit targets: ntargets (at most
				 CONFIG_MAX_CIDRS), heap */
	uint32_t nopen, ntargets;
	uint32_t max_lease; /* seconds */
	unsigned line; /* line of the [user NAME] header ([user *]'s if from_template) */
	unsigned key_line; /* line of key = (0 = not set: the secret is in keys_file) */
	bool disabled;
	/* [user *]'s profile, shared by all its users (and c->tmpl): never
	 * written once keys_file is read, never freed through a user. */
	bool from_template;
	/* The per-feature blocks point to a shared read-only default (set by
	 * config_user_init) until the user sets one of their keys; then to a
	 * copy of their own, freed (and wiped) by config_free. */
	const struct token_conf *token; /* token* keys: HOTP/TOTP (config_token.c) */
	const struct otp_conf *otp; /* otp* keys: RFC 2289 chains (config_otp.c) */
	const struct seq_user *seq; /* sequence* keys: port sequences (config_seq.c) */
	const struct dyn_conf *dyn; /* dynamic* keys: dynamic knocks (config_dyn.c) */
	const struct trigger_user *trig; /* triggers, on_open, on_close, one_shot
					   (config_trigger.c) */
	const struct user_policy *pol; /* sources, hours, expires, old_key, ...
					 (config_policy.c) */
	const struct sign_conf *sign; /* sign_key, require_signature (config_audit.c) */
	const char *file; /* the users_dir drop-in it came from; "" = the main file */
};

/* One user: 16 bytes, so that 100 000 users of [user *] take 1.6 MB. */
struct config_user {
	/* In the config's name arena (config_arena.c), or a string the caller
	 * owns for users built by hand. At most CONFIG_NAME_MAX - 1 bytes. */
	const char *name;
	/* The user's own, or [user *]'s (prof->from_template): see above. */
	struct config_profile *prof;
};

/* Which features some user has, found once by config_load (or
 * config_summarise), so that the capture child never walks every user to
 * ask: at 100 000 users each walk is ~38 MB of memory touched. */
struct config_uses {
	bool otp; /* RFC 2289 chains: UDP text worth capturing */
	bool tokens; /* HOTP/TOTP codes */
	bool sequences; /* port sequences, token ports or dynamic knocks */
	bool dynamic; /* dynamic = yes */
	bool old_keys; /* old_key = (a key in rotation) */
};

/* Users' keys, outside struct config_user so that the capture child can
 * give them up without touching (copying-on-write) the users array
 * (config_userkeys.c). Slot i is users[i]'s. Two page-aligned mappings:
 * the users' secrets (the parent derives AEAD keys from them where it
 * checks a knock; the child unmaps them, childkeys.h) and the tag keys
 * derived at load (the child's tag table; the parent unmaps them once a
 * child has them and derives them again before it forks the next). */
struct config_keys {
	uint8_t (*secret)[KNOCK_MASTER_BYTES]; /* cap of them; NULL in the child */
	uint8_t (*tag)[KNOCK_TAG_KEY_BYTES]; /* cap of them; NULL while dropped */
	size_t cap;
	size_t secret_bytes, tag_bytes; /* of the mappings */
};

struct cfg_index_slot; /* config_int.h */

struct config {
	char path[PATH_MAX];
	bool all_ifaces;
	char ifaces[CONFIG_MAX_IFACES][IF_NAMESIZE];
	size_t nifaces;
	struct portspec knock_ports[CONFIG_MAX_PORTS];
	size_t nknock_ports;
	char state_path[PATH_MAX];
	char table[CONFIG_TABLE_MAX];
	char run_as[CONFIG_NAME_MAX];
	uint32_t window; /* seconds, +/- */
	uint32_t default_lease;
	uint32_t max_lease;
	enum firewall_mode firewall;
	uint32_t mark;
	bool icmp; /* carrier_icmp.c: knocks in echo requests */
	uint32_t capture_buffer; /* bytes of each capture ring, or
				    CONFIG_CAPTURE_BUFFER_AUTO (capture.c) */
	bool kernel_filter_tags; /* kernel_filter = tags: capfilter.c */
	struct seq_daemon seq; /* sequence_watch, syn_ports, ... (config_seq.c) */
	struct dns_conf dns; /* dns, dns_zone, dns_answer, dns_listen (config_dns.c) */
	struct audit_conf audit; /* audit_log, event_stream, alert_* (config_audit.c) */
	char users_dir[PATH_MAX]; /* drop-ins NAME.conf, one [user NAME] each; "" = none */
	char keys_file[PATH_MAX]; /* "NAME BASE64SECRET" lines; "" = none (config_keysfile.c) */
	uint32_t expiry_warning; /* seconds before a key expires to warn (0 = never) */
	struct portspec protect[CONFIG_MAX_PORTS];
	size_t nprotect;
	struct trigger_conf *triggers; /* [trigger NAME] sections (config_trigger.c) */
	size_t ntriggers;
	struct config_user *users;
	size_t nusers;
	/* [user *] (config_template.c): the settings of every keys_file user
	 * without a section of their own, or NULL. Those users are
	 * users[nusers - ntemplate_users ..] once keys_file is read. */
	struct config_user *tmpl;
	size_t ntemplate_users;
	bool keys_file_read; /* keys_file was read: ntemplate_users is known */
	struct config_arena *arena; /* user names (config_arena.c) */
	struct config_uses uses; /* from users[]: config_summarise */
	struct config_keys keys; /* users' keys (config_userkeys.c) */
	/* Users by name (config_names.c): the loader's duplicate-name index,
	 * kept; NULL in a config built by hand (lookups then walk users[]). */
	struct cfg_index_slot *name_slot;
	size_t name_cap; /* slots (cfg_index_home) */
};

/* [daemon] capture_buffer: "auto" (the default: sized in packets by the
 * capture, whose frames depend on the config) and the bounds (bytes). */
#define CONFIG_CAPTURE_BUFFER_AUTO 0u
#define CONFIG_CAPTURE_BUFFER_MIN (256u << 10)
#define CONFIG_CAPTURE_BUFFER_MAX (1u << 30)

/* Flags for config_load. */
#define CONFIG_LOAD_KEYS 1u /* read each user's key file (the daemon does) */
/* Read keys_file when a [user *] template makes users of its names (as
 * CONFIG_LOAD_KEYS does, without the users' own key files): what
 * `postern user` needs to list every user. */
#define CONFIG_LOAD_TEMPLATE_USERS 2u

/* Parses and validates path. On success returns 0 and a config the caller
 * frees with config_free. On failure returns -1 and err holds
 * "PATH:LINE: reason" (LINE omitted when the problem is the file itself). */
int config_load(const char *path, unsigned flags, struct config **out,
	struct errbuf *err) __attribute__((warn_unused_result));
/* As config_load, from a string (for tests and the fuzzer); name is used in
 * messages. Key files are read only with CONFIG_LOAD_KEYS. */
int config_load_string(const char *text, const char *name, unsigned flags,
	struct config **out, struct errbuf *err) __attribute__((warn_unused_result));
/* Wipes keys and frees. NULL is a no-op. */
void config_free(struct config *c);
/* Prints the normalised config (all defaults spelled out, no secrets). */
void config_print(const struct config *c, FILE *f);
/* Empties *prof (every field zero, every path "", the shared default
 * blocks) and makes it u's, with name "" (for users built by hand, as tests
 * and benches do; the parser does it for each [user]). */
void config_user_init(struct config_user *u, struct config_profile *prof);
/* The user called name, or NULL; O(1) in a loaded config. */
const struct config_user *config_find_user(const struct config *c, const char *name);
/* The same, ignoring case (DNS labels: resolvers may randomise the case). */
const struct config_user *config_find_user_nocase(const struct config *c,
	const char *name);
/* True if some knock of c's users names its user (a token code, an OTP
 * word, a DNS label, a sequence, a dynamic knock): only then does a packet
 * path look a user up by name. An SPA knock's tag finds its user. */
bool config_names_user_in_knocks(const struct config *c);
/* Frees the users-by-name index (the capture child, when no knock names its
 * user: 1.2 MB at 100 000 users). Lookups then walk users[]: slower, still
 * right. */
void config_names_release(struct config *c);
/* False when no knock names its user, no key is in rotation and at most a
 * few users have a section of their own (the rest are [user *] users): the
 * capture child then needs of a user nothing but the tag key (an SPA
 * knock's tag finds the user, by index). */
bool config_child_needs_users(const struct config *c);
/* The capture child, when !config_child_needs_users: frees the users array
 * and their names (1.6 + 0.8 MB at 100 000 users). Users are then known
 * by index only: c->users is NULL, c->nusers stays, and their tag keys
 * are config_tag_key_at's. */
void config_release_users(struct config *c);
/* Fills c->uses from c->users (config_load does; call it after building or
 * changing users by hand). */
void config_summarise(struct config *c);
/* True if p is in c->protect. */
bool config_is_protected(const struct config *c, const struct portspec *p);
/* True if some user knocks with port sequences (static, one-time list, or
 * token_ports), so port hits are worth capturing: c->uses.sequences. */
bool config_uses_sequences(const struct config *c);
/* True if some user has dynamic = yes: c->uses.dynamic. */
bool config_uses_dynamic(const struct config *c);
/* ---- users' keys (config_userkeys.c) ---- */

/* Makes room for the keys of users[0..n-1] (zero until set), keeping those
 * already set. 0, or -1 if out of memory. */
int config_keys_reserve(struct config *c, size_t n)
	__attribute__((warn_unused_result));
/* The one setter: keeps users[i]'s 32-byte secret and derives its tag key
 * (and, if the user has dynamic = yes, the dynamic-reply key), making room
 * first if needed. The caller wipes secret. 0, or -1 if out of memory. */
int config_user_set_secret(struct config *c, size_t i,
	const uint8_t secret[static KNOCK_MASTER_BYTES])
	__attribute__((warn_unused_result));
/* Derives u's tag and AEAD keys (u in c->users) into *out, which the
 * caller wipes (knock_wipe_keys); false, *out zeroed, where there is no
 * secret: a config loaded without CONFIG_LOAD_KEYS, or the capture
 * child's after config_keys_drop_secret. */
bool config_user_keys(const struct config *c, const struct config_user *u,
	struct user_keys *out) __attribute__((warn_unused_result));
/* True if a and b have secrets and they are the same. */
bool config_user_same_secret(const struct config *c, const struct config_user *a,
	const struct config_user *b);
/* u's tag key, or NULL if there is none here (the child keeps these). */
const uint8_t *config_user_tag_key(const struct config *c,
	const struct config_user *u);
/* The same for users[i] (i < c->nusers), also once the users array is
 * gone (config_release_users). */
const uint8_t *config_tag_key_at(const struct config *c, size_t i);
/* The capture child, after fork: unmaps the secrets (without writing to
 * them: the parent's pages are not copied). */
void config_keys_drop_secret(struct config *c);
/* The parent, once a child holds the tag keys: unmaps its own view. */
void config_keys_drop_tags(struct config *c);
/* The parent, before it forks a child: the tag keys derived again if they
 * were dropped. 0, or -1 if out of memory. */
int config_keys_restore_tags(struct config *c) __attribute__((warn_unused_result));
/* Wipes and frees both (config_free does). */
void config_keys_free(struct config *c);

/* The trigger a knock's id names, or NULL (config_trigger.c). */
const struct trigger_conf *config_find_trigger_id(const struct config *c, unsigned id);

#endif
