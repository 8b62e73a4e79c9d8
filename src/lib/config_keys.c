/* config_keys — one setter per config key, and the key tables.
 *
 * Each setter validates its value at the line it is on and says what is
 * wrong and what would be right; whole-config rules (a user's ports must be
 * protected, ...) are in config_check.c. List setters get one item at a
 * time and refuse repeats, so config_print's lists are exactly the input's. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

#define LIST_PORTS "expected tcp/N or udp/N with N in 1..65535"

void cfg_set_defaults(struct config *c)
{
	snprintf(c->state_path, sizeof c->state_path, "%s", CFG_DEFAULT_STATE);
	snprintf(c->table, sizeof c->table, "%s", CFG_DEFAULT_TABLE);
	snprintf(c->run_as, sizeof c->run_as, "%s", CFG_DEFAULT_RUN_AS);
	c->window = CFG_DEFAULT_WINDOW;
	c->default_lease = CFG_DEFAULT_LEASE;
	c->max_lease = CFG_DEFAULT_MAX_LEASE;
	c->firewall = FIREWALL_DROP;
	c->capture_buffer = CONFIG_CAPTURE_BUFFER_AUTO;
	c->expiry_warning = CFG_DEFAULT_EXPIRY_WARNING;
	/* interfaces and knock_ports: see finish_defaults in config.c */
}

/* ---- shared checks ---- */

bool cfg_number(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	size_t n = strspn(v, "0123456789");
	if (n == 0 || n > 9 || v[n] != '\0' || (n > 1 && v[0] == '0'))
		return false;
	*out = strtoul(v, NULL, 10);
	return *out >= lo && *out <= hi;
}

/* Adds a port to a list of at most CONFIG_MAX_PORTS, refusing repeats. */
static int add_port(struct cfg_parse *p, const char *key, const char *item,
	struct portspec *list, size_t *n)
{
	struct portspec ps;
	char buf[PORTSPEC_STRLEN];

	if (!portspec_parse(item, &ps)) {
		cfg_error(p, p->line, "%s: bad port '%s' (" LIST_PORTS ")", key, item);
		return -1;
	}
	for (size_t i = 0; i < *n; i++) {
		if (portspec_equal(&list[i], &ps)) {
			cfg_error(p, p->line, "%s: %s listed twice", key,
				portspec_format(&ps, buf));
			return -1;
		}
	}
	if (*n == CONFIG_MAX_PORTS) {
		cfg_error(p, p->line, "%s: more than %d ports", key, CONFIG_MAX_PORTS);
		return -1;
	}
	list[(*n)++] = ps;
	return 0;
}

/* An absolute path that fits in PATH_MAX, without tabs. */
static int set_path(struct cfg_parse *p, const char *key, const char *v,
	char out[static PATH_MAX])
{
	if (v[0] != '/') {
		cfg_error(p, p->line, "%s: '%s' is not an absolute path", key, v);
		return -1;
	}
	if (strlen(v) >= PATH_MAX || strchr(v, '\t')) {
		cfg_error(p, p->line, "%s: path too long or contains a tab", key);
		return -1;
	}
	snprintf(out, PATH_MAX, "%s", v);
	return 0;
}

static int set_lease(struct cfg_parse *p, const char *key, const char *v,
	uint32_t max, uint32_t *out)
{
	if (!duration_parse(v, max, out)) {
		cfg_error(p, p->line, "%s: bad duration '%s' (expected 1..%u seconds, "
			"as N, Ns, Nm, Nh or Nd)", key, v, max);
		return -1;
	}
	return 0;
}

/* True if every character of s is in the class [A-Za-z0-9] or in extra. */
static bool chars_ok(const char *s, const char *extra)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9');
		if (!alnum && !strchr(extra, ch))
			return false;
	}
	return true;
}

/* ---- [daemon] ---- */

static int set_interface(struct cfg_parse *p, const char *v)
{
	struct config *c = p->c;
	bool any = strcmp(v, "any") == 0;

	if (any && c->all_ifaces) {
		cfg_error(p, p->line, "interfaces: any listed twice");
		return -1;
	}
	if (c->all_ifaces || (any && c->nifaces)) {
		cfg_error(p, p->line, "interfaces: 'any' cannot be combined with "
			"interface names");
		return -1;
	}
	if (any) {
		c->all_ifaces = true;
		return 0;
	}
	/* The kernel's rules for interface names (dev_valid_name). */
	if (strlen(v) >= IF_NAMESIZE || strcmp(v, ".") == 0 ||
		strcmp(v, "..") == 0 || strpbrk(v, "/: \t")) {
		cfg_error(p, p->line, "interfaces: bad interface name '%s'", v);
		return -1;
	}
	for (size_t i = 0; i < c->nifaces; i++) {
		if (strcmp(c->ifaces[i], v) == 0) {
			cfg_error(p, p->line, "interfaces: %s listed twice", v);
			return -1;
		}
	}
	if (c->nifaces == CONFIG_MAX_IFACES) {
		cfg_error(p, p->line, "interfaces: more than %d interfaces",
			CONFIG_MAX_IFACES);
		return -1;
	}
	snprintf(c->ifaces[c->nifaces++], IF_NAMESIZE, "%s", v);
	return 0;
}

static int set_knock_port(struct cfg_parse *p, const char *v)
{
	struct config *c = p->c;
	if (add_port(p, "knock_ports", v, c->knock_ports, &c->nknock_ports) != 0)
		return -1;
	if (c->knock_ports[c->nknock_ports - 1].proto != IPPROTO_UDP) {
		cfg_error(p, p->line, "knock_ports: %s is not udp (a knock is a "
			"UDP datagram)", v);
		return -1;
	}
	return 0;
}

static int set_state(struct cfg_parse *p, const char *v)
{
	return set_path(p, "state", v, p->c->state_path);
}

static int set_table(struct cfg_parse *p, const char *v)
{
	if (strlen(v) >= CONFIG_TABLE_MAX || !chars_ok(v, "_")) {
		cfg_error(p, p->line, "table: bad nftables table name '%s' "
			"(1..%d of A-Z a-z 0-9 _)", v, CONFIG_TABLE_MAX - 1);
		return -1;
	}
	snprintf(p->c->table, sizeof p->c->table, "%s", v);
	return 0;
}

static int set_run_as(struct cfg_parse *p, const char *v)
{
	if (strlen(v) > CFG_RUN_AS_MAX || v[0] == '-' || !chars_ok(v, "._-")) {
		cfg_error(p, p->line, "run_as: bad user name '%s' (1..%d of "
			"A-Z a-z 0-9 . _ -, not starting with -)", v, CFG_RUN_AS_MAX);
		return -1;
	}
	snprintf(p->c->run_as, sizeof p->c->run_as, "%s", v);
	return 0;
}

static int set_window(struct cfg_parse *p, const char *v)
{
	return set_lease(p, "window", v, CFG_WINDOW_MAX, &p->c->window);
}

static int set_default_lease(struct cfg_parse *p, const char *v)
{
	return set_lease(p, "default_lease", v, CFG_LEASE_MAX, &p->c->default_lease);
}

static int set_max_lease(struct cfg_parse *p, const char *v)
{
	return set_lease(p, "max_lease", v, CFG_LEASE_MAX, &p->c->max_lease);
}

static int set_firewall(struct cfg_parse *p, const char *v)
{
	if (strcasecmp(v, "drop") == 0)
		p->c->firewall = FIREWALL_DROP;
	else if (strcasecmp(v, "mark") == 0)
		p->c->firewall = FIREWALL_MARK;
	else {
		cfg_error(p, p->line, "firewall: '%s' is neither drop nor mark", v);
		return -1;
	}
	return 0;
}

/* Decimal or 0x-hex, 1..0xffffffff. */
static int set_mark(struct cfg_parse *p, const char *v)
{
	bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
	const char *d = hex ? v + 2 : v;
	size_t n = strlen(d);
	uint64_t m = 0;
	bool ok = n > 0 && n <= (hex ? 8u : 10u) && (hex || n == 1 || d[0] != '0') &&
		strspn(d, hex ? "0123456789abcdefABCDEF" : "0123456789") == n;
	for (size_t i = 0; ok && i < n; i++) {
		unsigned digit = d[i] <= '9' ? (unsigned)(d[i] - '0') :
			(unsigned)((d[i] | 0x20) - 'a' + 10);
		m = m * (hex ? 16 : 10) + digit;
	}
	if (!ok || m == 0 || m > UINT32_MAX) {
		cfg_error(p, p->line, "mark: bad mark '%s' (expected a non-zero "
			"32-bit number, like 0x10000)", v);
		return -1;
	}
	p->c->mark = (uint32_t)m;
	return 0;
}

/* The same words as disabled: yes, true, on, 1 / no, false, off, 0. */
static int set_icmp(struct cfg_parse *p, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			p->c->icmp = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	cfg_error(p, p->line, "icmp: '%s' is neither yes nor no", v);
	return -1;
}

/* Bytes, or KiB / MiB with a k or m suffix: 8m, 2048k, 8388608; or auto
 * (what config_print writes for the default). */
static int set_capture_buffer(struct cfg_parse *p, const char *v)
{
	if (strcasecmp(v, "auto") == 0) {
		p->c->capture_buffer = CONFIG_CAPTURE_BUFFER_AUTO;
		return 0;
	}
	size_t n = strspn(v, "0123456789");
	unsigned shift = 0;
	if (v[n] == 'k' || v[n] == 'K')
		shift = 10;
	else if (v[n] == 'm' || v[n] == 'M')
		shift = 20;
	bool ok = n > 0 && n <= 10 && v[n + (shift != 0)] == '\0';
	uint64_t bytes = 0;
	for (size_t i = 0; ok && i < n; i++)
		bytes = bytes * 10 + (uint64_t)(v[i] - '0');
	bytes <<= shift;
	if (!ok || bytes < CONFIG_CAPTURE_BUFFER_MIN || bytes > CONFIG_CAPTURE_BUFFER_MAX) {
		cfg_error(p, p->line, "capture_buffer: '%s' is neither auto nor a size "
			"from %uk to %um (bytes, or with a k or m suffix, like 8m)", v,
			CONFIG_CAPTURE_BUFFER_MIN >> 10, CONFIG_CAPTURE_BUFFER_MAX >> 20);
		return -1;
	}
	p->c->capture_buffer = (uint32_t)bytes;
	return 0;
}

/* ports (the default): the capture's kernel filter takes every datagram of
 * a knock's size on a knock port, and the child logs each refusal; tags:
 * it also drops those whose tag no user has now (capfilter.h). */
static int set_kernel_filter(struct cfg_parse *p, const char *v)
{
	if (strcasecmp(v, "ports") == 0 || strcasecmp(v, "tags") == 0) {
		p->c->kernel_filter_tags = strcasecmp(v, "tags") == 0;
		return 0;
	}
	cfg_error(p, p->line, "kernel_filter: '%s' is neither ports nor tags", v);
	return -1;
}

/* ---- [protect] ---- */

static int set_protect(struct cfg_parse *p, const char *v)
{
	return add_port(p, "ports", v, p->c->protect, &p->c->nprotect);
}

/* ---- [user NAME] ---- */

static int set_key(struct cfg_parse *p, const char *v)
{
	struct config_user *u = cfg_current_user(p);
	char path[PATH_MAX];
	u->prof->key_line = p->line;
	if (set_path(p, "key", v, path) != 0)
		return -1;
	return cfg_set_str(p, &u->prof->key_path, path);
}

static int set_open(struct cfg_parse *p, const char *v)
{
	struct config_user *u = cfg_current_user(p);
	if (!p->cur_lines->open)
		p->cur_lines->open = p->line;
	/* Room for one more, grown x2: most users open one or two doors. */
	if (u->prof->nopen < CONFIG_MAX_PORTS && (u->prof->nopen & (u->prof->nopen - 1)) == 0 &&
	    cfg_grow(p, (void **)&u->prof->open, u->prof->nopen ? 2 * u->prof->nopen : 1,
		    sizeof *u->prof->open) != 0)
		return -1;
	size_t n = u->prof->nopen;
	int rc = add_port(p, "open", v, u->prof->open, &n);
	u->prof->nopen = (uint32_t)n;
	return rc;
}

static int set_user_max_lease(struct cfg_parse *p, const char *v)
{
	struct config_user *u = cfg_current_user(p);
	p->cur_lines->max_lease = p->line;
	return set_lease(p, "max_lease", v, CFG_LEASE_MAX, &u->prof->max_lease);
}

static int set_target(struct cfg_parse *p, const char *v)
{
	struct config_user *u = cfg_current_user(p);
	struct cidr c;

	if (strcmp(v, "source") == 0) {
		if (p->target_source) {
			cfg_error(p, p->line, "targets: source listed twice");
			return -1;
		}
		p->target_source = true;
		return 0;
	}
	if (!cidr_parse(v, &c)) {
		cfg_error(p, p->line, "targets: bad prefix '%s' (expected source, an "
			"address, or a prefix like 192.0.2.0/24 with zero host bits)", v);
		return -1;
	}
	/* A knock through NAT must never open a door for the whole Internet. */
	if (c.prefix == 0) {
		cfg_error(p, p->line, "targets: %s would let this user open doors "
			"for any address", v);
		return -1;
	}
	for (size_t i = 0; i < u->prof->ntargets; i++) {
		if (u->prof->targets[i].prefix == c.prefix &&
			addr_equal(&u->prof->targets[i].base, &c.base)) {
			cfg_error(p, p->line, "targets: %s listed twice", v);
			return -1;
		}
	}
	if (u->prof->ntargets == CONFIG_MAX_CIDRS) {
		cfg_error(p, p->line, "targets: more than %d prefixes", CONFIG_MAX_CIDRS);
		return -1;
	}
	if ((u->prof->ntargets & (u->prof->ntargets - 1)) == 0 && cfg_grow(p,
		(void **)&u->prof->targets, u->prof->ntargets ? 2 * u->prof->ntargets : 1,
		sizeof *u->prof->targets) != 0)
		return -1;
	u->prof->targets[u->prof->ntargets++] = c;
	return 0;
}

static int set_disabled(struct cfg_parse *p, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			cfg_current_user(p)->prof->disabled = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	cfg_error(p, p->line, "disabled: '%s' is neither yes nor no", v);
	return -1;
}

/* ---- tables ---- */

static const struct cfg_key daemon_keys[DK_COUNT] = {
	[DK_INTERFACES] = { "interfaces", set_interface, true },
	[DK_KNOCK_PORTS] = { "knock_ports", set_knock_port, true },
	[DK_STATE] = { "state", set_state, false },
	[DK_TABLE] = { "table", set_table, false },
	[DK_RUN_AS] = { "run_as", set_run_as, false },
	[DK_WINDOW] = { "window", set_window, false },
	[DK_DEFAULT_LEASE] = { "default_lease", set_default_lease, false },
	[DK_MAX_LEASE] = { "max_lease", set_max_lease, false },
	[DK_FIREWALL] = { "firewall", set_firewall, false },
	[DK_MARK] = { "mark", set_mark, false },
	[DK_ICMP] = { "icmp", set_icmp, false },
	[DK_SEQUENCE_WATCH] = { "sequence_watch", cfg_set_seq_watch, true },
	[DK_SEQUENCE_SOURCES] = { "sequence_sources", cfg_set_seq_sources, false },
	[DK_SYN_PORTS] = { "syn_ports", cfg_set_syn_port, true },
	[DK_DNS] = { "dns", cfg_set_dns, false },
	[DK_DNS_ZONE] = { "dns_zone", cfg_set_dns_zone, false },
	[DK_DNS_ANSWER] = { "dns_answer", cfg_set_dns_answer, true },
	[DK_DNS_LISTEN] = { "dns_listen", cfg_set_dns_listen, true },
	[DK_USERS_DIR] = { "users_dir", cfg_set_users_dir, false },
	[DK_EXPIRY_WARNING] = { "expiry_warning", cfg_set_expiry_warning, false },
	[DK_AUDIT_LOG] = { "audit_log", cfg_set_audit_log, false },
	[DK_EVENT_STREAM] = { "event_stream", cfg_set_event_stream, false },
	[DK_ALERT_COMMAND] = { "alert_command", cfg_set_alert_command, false },
	[DK_ALERT_REFUSALS] = { "alert_refusals", cfg_set_alert_refusals, false },
	[DK_KEYS_FILE] = { "keys_file", cfg_set_keys_file, false },
	[DK_CAPTURE_BUFFER] = { "capture_buffer", set_capture_buffer, false },
	[DK_KERNEL_FILTER] = { "kernel_filter", set_kernel_filter, false },
};

static const struct cfg_key protect_keys[] = {
	{ "ports", set_protect, true },
};

static const struct cfg_key user_keys[] = {
	{ "key", set_key, false },
	{ "open", set_open, true },
	{ "max_lease", set_user_max_lease, false },
	{ "targets", set_target, true },
	{ "disabled", set_disabled, false },
	{ "token", cfg_set_token, false },
	{ "token_key", cfg_set_token_key, false },
	{ "token_open", cfg_set_token_open, false },
	{ "token_hash", cfg_set_token_hash, false },
	{ "token_digits", cfg_set_token_digits, false },
	{ "token_step", cfg_set_token_step, false },
	{ "token_lookahead", cfg_set_token_lookahead, false },
	{ "token_ports", cfg_set_token_ports, false },
	{ "otp", cfg_set_otp, false },
	{ "otp_open", cfg_set_otp_open, true },
	{ "otp_low_water", cfg_set_otp_low_water, false },
	{ "otp_lookahead", cfg_set_otp_lookahead, false },
	{ "sequence", cfg_set_sequence, true },
	{ "one_time_sequences", cfg_set_seq_file, false },
	{ "sequence_open", cfg_set_seq_open, true },
	{ "sequence_timeout", cfg_set_seq_timeout, false },
	{ "sequence_tolerance", cfg_set_seq_tolerance, false },
	{ "dynamic", cfg_set_dynamic, false },
	{ "dynamic_ports", cfg_set_dyn_ports, false },
	{ "dynamic_length", cfg_set_dyn_length, false },
	{ "dynamic_open", cfg_set_dyn_open, true },
	{ "dynamic_forward", cfg_set_dyn_forward, false },
	{ "dynamic_forward_ports", cfg_set_dyn_fwd_ports, false },
	{ "triggers", cfg_set_user_triggers, true },
	{ "on_open", cfg_set_on_open, false },
	{ "on_close", cfg_set_on_close, false },
	{ "one_shot", cfg_set_one_shot, false },
	{ "sources", cfg_set_sources, true },
	{ "allow_wide_targets", cfg_set_allow_wide, false },
	{ "require_target", cfg_set_require_target, false },
	{ "hours", cfg_set_hours, true },
	{ "timezone", cfg_set_timezone, false },
	{ "schemes", cfg_set_schemes, true },
	{ "carriers", cfg_set_carriers, true },
	{ "expires", cfg_set_expires, false },
	{ "old_key", cfg_set_old_key, false },
	{ "old_key_until", cfg_set_old_key_until, false },
	{ "sign_key", cfg_set_sign_key, false },
	{ "require_signature", cfg_set_require_signature, false },
};

#define COUNT(a) (sizeof(a) / sizeof *(a))
_Static_assert(COUNT(daemon_keys) <= CFG_SECTION_KEYS_MAX, "daemon keys");
_Static_assert(COUNT(user_keys) <= CFG_SECTION_KEYS_MAX, "user keys");

const struct cfg_key *cfg_section_keys(enum cfg_section s, size_t *n)
{
	switch (s) {
	case SEC_DAEMON:
		*n = COUNT(daemon_keys);
		return daemon_keys;
	case SEC_PROTECT:
		*n = COUNT(protect_keys);
		return protect_keys;
	case SEC_USER:
		*n = COUNT(user_keys);
		return user_keys;
	case SEC_TRIGGER:
		return cfg_trigger_keys(n);
	default:
		*n = 0;
		return NULL;
	}
}
