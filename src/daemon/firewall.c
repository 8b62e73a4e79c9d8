/* firewall — see firewall.h.
 *
 * Every change is one nft command buffer, which libnftables sends to the
 * kernel as one netlink batch: it applies whole or not at all. Grants, on the
 * path of every knock, are prebuilt batches instead (fwbatch.h: no ruleset
 * cache to fetch first). The table name comes from the config but is still
 * validated here, because it is pasted into command text. */
#include "firewall.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <nftables/libnftables.h>

#include "fwbatch.h"

struct firewall {
	struct nft_ctx *nft;
	struct fwbatch *grants;
	char table[CONFIG_TABLE_MAX];
};

/* The declarations of postern's objects, exactly as `nft -t list table`
 * prints them back. firewall_open compares them with what the kernel holds
 * and rebuilds the table if an object exists with another shape (a set's type
 * cannot be changed in place). */
#define SET_PROTECTED_TYPE "inet_proto . inet_service"
#define SET_LEASES4_TYPE "ipv4_addr . inet_proto . inet_service"
#define SET_LEASES6_TYPE "ipv6_addr . inet_proto . inet_service"
#define CHAIN_INPUT_HOOK "type filter hook input priority filter - 10;"
/* One-shot doors (firewall_grant_once): the chain deletes the element
 * from the packet path when it admits the first new connection, which
 * needs a dynamic set. nft prints these back with a size line. */
#define SET_ONESHOT_FLAGS "dynamic,timeout"

/* ---- plumbing ---------------------------------------------------------- */

/* Letter first, then letters, digits, '_': nothing nft could read as syntax. */
bool firewall_table_name_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n >= CONFIG_TABLE_MAX || !isalpha((unsigned char)t[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_')
			return false;
	return true;
}

static struct nft_ctx *ctx_new(struct errbuf *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft) {
		errbuf_set(err, "nftables: cannot create a libnftables context");
		return NULL;
	}
	/* Buffer both streams: nothing from nft reaches our stdout/stderr,
	 * errors go to the caller's errbuf. */
	if (nft_ctx_buffer_output(nft) != 0 || nft_ctx_buffer_error(nft) != 0) {
		errbuf_set(err, "nftables: cannot buffer libnftables output");
		nft_ctx_free(nft);
		return NULL;
	}
	return nft;
}

/* Copies nft's first error into err as one line: the "Error: ..." line and
 * the command it points at (nft repeats itself for later commands of a
 * failed batch, and underlines with carets: both are dropped). */
static void set_nft_error(struct errbuf *err, const char *what, const char *text)
{
	char flat[ERRBUF_LEN];
	size_t o = 0;
	const char *line = text ? text : "";
	int kept = 0;
	while (*line && kept < 2 && o + 1 < sizeof flat) {
		size_t len = strcspn(line, "\n");
		bool carets = len > 0 && strspn(line, " \t^~") >= len;
		if (len > 0 && !carets) {
			if (o > 0 && o + 3 < sizeof flat) {
				memcpy(flat + o, " | ", 3);
				o += 3;
			}
			size_t room = sizeof flat - 1 - o;
			size_t k = len < room ? len : room;
			memcpy(flat + o, line, k);
			o += k;
			kept++;
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	flat[o] = '\0';
	errbuf_set(err, "nftables: %s: %s", what, o ? flat : "failed (no message)");
}

/* Runs one command buffer (one transaction). On success *out (if given)
 * points at nft's output, valid until the next call on this context. */
static int nft_run(struct nft_ctx *nft, const char *cmd, const char *what,
	const char **out, struct errbuf *err)
{
	int rc = nft_run_cmd_from_buffer(nft, cmd);
	/* Fetching a buffer also rewinds it for the next command. */
	const char *o = nft_ctx_get_output_buffer(nft);
	const char *e = nft_ctx_get_error_buffer(nft);
	if (rc != 0) {
		set_nft_error(err, what, e);
		return -1;
	}
	if (out)
		*out = o;
	return 0;
}

/* A growing command buffer on top of open_memstream. */
struct cmdbuf {
	FILE *f;
	char *text;
	size_t len;
};

static int cmd_begin(struct cmdbuf *b, struct errbuf *err)
{
	b->text = NULL;
	b->len = 0;
	b->f = open_memstream(&b->text, &b->len);
	if (!b->f) {
		errbuf_set(err, "nftables: out of memory building a command");
		return -1;
	}
	return 0;
}

/* Closes the stream; returns 0 if every write made it into b->text. */
static int cmd_end(struct cmdbuf *b, struct errbuf *err)
{
	int bad = ferror(b->f);
	if (fclose(b->f) != 0 || bad) {
		errbuf_set(err, "nftables: out of memory building a command");
		return -1;
	}
	return 0;
}

/* ---- the table's current shape ------------------------------------------ */

/* The body of "\tKIND NAME {\n ... \t}" in a terse table listing, or NULL.
 * *len receives its length. */
static const char *find_block(const char *listing, const char *kind,
	const char *name, size_t *len)
{
	char head[96];
	snprintf(head, sizeof head, "\n\t%s %s {\n", kind, name);
	const char *p = strstr(listing, head);
	if (!p)
		return NULL;
	p += strlen(head);
	const char *end = strstr(p, "\n\t}");
	*len = end ? (size_t)(end - p) : strlen(p);
	return p;
}

/* True if a set is absent, or present with exactly this type and flags. */
static bool set_compatible(const char *listing, const char *name,
	const char *type, bool timeout)
{
	size_t len;
	const char *b = find_block(listing, "set", name, &len);
	if (!b)
		return true;
	char want[160];
	snprintf(want, sizeof want, "\t\ttype %s%s", type,
		timeout ? "\n\t\tflags timeout" : "");
	/* Terse listings omit elements, so the body is exactly the declaration. */
	return len == strlen(want) && memcmp(b, want, len) == 0;
}

/* As set_compatible for a one-shot set: its type line and its flags line
 * (nft adds a size line between them). */
static bool oneshot_compatible(const char *listing, const char *name, const char *type)
{
	size_t len;
	const char *b = find_block(listing, "set", name, &len);
	if (!b)
		return true;
	char body[256], want[160];
	snprintf(body, sizeof body, "%.*s", (int)len, b);
	snprintf(want, sizeof want, "\t\ttype %s\n", type);
	return strncmp(body, want, strlen(want)) == 0 &&
		strstr(body, "\t\tflags " SET_ONESHOT_FLAGS) != NULL;
}

static bool chain_compatible(const char *listing)
{
	size_t len;
	const char *b = find_block(listing, "chain", "input", &len);
	if (!b)
		return true;
	/* Only the hook line matters: `add chain` resets the policy to accept. */
	const char *want = "\t\t" CHAIN_INPUT_HOOK;
	return len >= strlen(want) && strncmp(b, want, strlen(want)) == 0;
}

/* True if `table inet NAME` exists. Asked with `list tables` rather than
 * by reading an error message, which strerror() may have translated. */
static int table_exists(struct nft_ctx *nft, const char *table, bool *exists,
	struct errbuf *err)
{
	const char *out;
	if (nft_run(nft, "list tables inet", "listing tables", &out, err) != 0)
		return -1;
	char want[64];
	snprintf(want, sizeof want, "table inet %s", table);
	*exists = false;
	while (*out && !*exists) {
		size_t len = strcspn(out, "\n");
		*exists = len == strlen(want) && strncmp(out, want, len) == 0;
		out += len;
		if (*out == '\n')
			out++;
	}
	return 0;
}

/* Sets *rebuild when the table exists but cannot be brought to postern's
 * shape with `add` commands. Returns -1 if the kernel cannot be asked. */
static int table_needs_rebuild(struct nft_ctx *nft, const char *table,
	bool *rebuild, struct errbuf *err)
{
	*rebuild = false;
	bool exists;
	if (table_exists(nft, table, &exists, err) != 0)
		return -1;
	if (!exists)
		return 0; /* the normal first start */
	char cmd[96];
	snprintf(cmd, sizeof cmd, "list table inet %s", table);
	/* Terse: declarations only, however many leases there are. */
	unsigned flags = nft_ctx_output_get_flags(nft);
	nft_ctx_output_set_flags(nft, flags | NFT_CTX_OUTPUT_TERSE);
	const char *out;
	int rc = nft_run(nft, cmd, "listing the table", &out, err);
	nft_ctx_output_set_flags(nft, flags);
	if (rc != 0)
		return -1;
	*rebuild = !oneshot_compatible(out, "oneshot4", SET_LEASES4_TYPE) ||
		!oneshot_compatible(out, "oneshot6", SET_LEASES6_TYPE) ||
		!set_compatible(out, "protected", SET_PROTECTED_TYPE, false) ||
		!set_compatible(out, "leases4", SET_LEASES4_TYPE, true) ||
		!set_compatible(out, "leases6", SET_LEASES6_TYPE, true) ||
		!chain_compatible(out);
	return 0;
}

/* ---- building the ruleset ----------------------------------------------- */

static void put_objects(FILE *f, const char *t, bool rebuild)
{
	if (rebuild)
		fprintf(f, "delete table inet %s\n", t);
	fprintf(f, "add table inet %s\n", t);
	fprintf(f, "add set inet %s protected { type " SET_PROTECTED_TYPE "; }\n", t);
	fprintf(f, "add set inet %s leases4 { type " SET_LEASES4_TYPE "; flags timeout; }\n", t);
	fprintf(f, "add set inet %s leases6 { type " SET_LEASES6_TYPE "; flags timeout; }\n", t);
	fprintf(f, "add set inet %s oneshot4 { type " SET_LEASES4_TYPE "; flags " SET_ONESHOT_FLAGS "; }\n", t);
	fprintf(f, "add set inet %s oneshot6 { type " SET_LEASES6_TYPE "; flags " SET_ONESHOT_FLAGS "; }\n", t);
	fprintf(f, "add chain inet %s input { " CHAIN_INPUT_HOOK " policy accept; }\n", t);
	/* Rules and protected doors are replaced; leases4/6 are never flushed. */
	fprintf(f, "flush chain inet %s input\n", t);
	fprintf(f, "flush set inet %s protected\n", t);
}

static int put_protected(FILE *f, const struct config *c, struct errbuf *err)
{
	if (c->nprotect == 0)
		return 0;
	fprintf(f, "add element inet %s protected { ", c->table);
	for (size_t i = 0; i < c->nprotect; i++) {
		const struct portspec *p = &c->protect[i];
		if (p->port == 0 || strcmp(proto_name(p->proto), "?") == 0) {
			errbuf_set(err, "firewall: protected port %zu has bad proto/port", i);
			return -1;
		}
		fprintf(f, "%s%s . %u", i ? ", " : "", proto_name(p->proto), p->port);
	}
	fprintf(f, " }\n");
	return 0;
}

/* Drop mode: postern decides protected doors itself. Established flows are
 * never cut by us; a leased source passes (return: other tables still get
 * their say); any other packet to a protected door is dropped. */
static void put_drop_rules(FILE *f, const char *t)
{
	fprintf(f, "add rule inet %s input ct state established,related return\n", t);
	/* A one-shot door admits one new connection: the element goes with it
	 * (the connection itself goes on as established). */
	fprintf(f, "add rule inet %s input ct state new ip saddr . meta l4proto . th dport "
		"@oneshot4 delete @oneshot4 { ip saddr . meta l4proto . th dport } return\n", t);
	fprintf(f, "add rule inet %s input ct state new ip6 saddr . meta l4proto . th dport "
		"@oneshot6 delete @oneshot6 { ip6 saddr . meta l4proto . th dport } return\n", t);
	fprintf(f, "add rule inet %s input ip saddr . meta l4proto . th dport @leases4 return\n", t);
	fprintf(f, "add rule inet %s input ip6 saddr . meta l4proto . th dport @leases6 return\n", t);
	fprintf(f, "add rule inet %s input meta l4proto . th dport @protected drop\n", t);
}

/* Mark mode: the operator's own ruleset decides; postern only ORs its mark
 * into leased packets (keeping other bits of the mark) for that ruleset to
 * accept. Our chain runs first (priority filter - 10). */
static void put_mark_rules(FILE *f, const char *t, uint32_t mark)
{
	fprintf(f, "add rule inet %s input ct state new ip saddr . meta l4proto . th dport "
		"@oneshot4 delete @oneshot4 { ip saddr . meta l4proto . th dport } "
		"meta mark set meta mark or 0x%08x\n", t, mark);
	fprintf(f, "add rule inet %s input ct state new ip6 saddr . meta l4proto . th dport "
		"@oneshot6 delete @oneshot6 { ip6 saddr . meta l4proto . th dport } "
		"meta mark set meta mark or 0x%08x\n", t, mark);
	fprintf(f, "add rule inet %s input ip saddr . meta l4proto . th dport @leases4 "
		"meta mark set meta mark or 0x%08x\n", t, mark);
	fprintf(f, "add rule inet %s input ip6 saddr . meta l4proto . th dport @leases6 "
		"meta mark set meta mark or 0x%08x\n", t, mark);
}

static char *build_open(const struct config *c, bool rebuild, struct errbuf *err)
{
	struct cmdbuf b;
	if (cmd_begin(&b, err) != 0)
		return NULL;
	put_objects(b.f, c->table, rebuild);
	int rc = put_protected(b.f, c, err);
	if (c->firewall == FIREWALL_MARK)
		put_mark_rules(b.f, c->table, c->mark);
	else
		put_drop_rules(b.f, c->table);
	if (cmd_end(&b, err) != 0 || rc != 0) {
		free(b.text);
		return NULL;
	}
	return b.text;
}

/* ---- the interface ------------------------------------------------------ */

struct firewall *firewall_open(const struct config *c, struct errbuf *err)
{
	if (!firewall_table_name_ok(c->table)) {
		errbuf_set(err, "firewall: table name \"%s\" must be a letter followed "
			"by letters, digits or '_' (at most %d)", c->table, CONFIG_TABLE_MAX - 1);
		return NULL;
	}
	if (c->firewall == FIREWALL_MARK && c->mark == 0) {
		errbuf_set(err, "firewall: mark mode needs a non-zero mark");
		return NULL;
	}
	struct firewall *fw = calloc(1, sizeof *fw);
	if (!fw) {
		errbuf_set(err, "firewall: out of memory");
		return NULL;
	}
	snprintf(fw->table, sizeof fw->table, "%s", c->table);
	fw->nft = ctx_new(err);
	bool rebuild;
	if (!fw->nft || !(fw->grants = fwbatch_open(err)) ||
	    table_needs_rebuild(fw->nft, fw->table, &rebuild, err) != 0)
		goto fail;
	char *cmd = build_open(c, rebuild, err);
	if (!cmd)
		goto fail;
	int rc = nft_run(fw->nft, cmd, rebuild ? "rebuilding the table" :
		"setting up the table", NULL, err);
	free(cmd);
	if (rc != 0)
		goto fail;
	return fw;
fail:
	firewall_close(fw);
	return NULL;
}

struct firewall *firewall_attach(const char *table, struct errbuf *err)
{
	if (!firewall_table_name_ok(table)) {
		errbuf_set(err, "firewall: bad table name \"%s\"", table);
		return NULL;
	}
	struct firewall *fw = calloc(1, sizeof *fw);
	if (!fw) {
		errbuf_set(err, "firewall: out of memory");
		return NULL;
	}
	snprintf(fw->table, sizeof fw->table, "%s", table);
	fw->nft = ctx_new(err);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "list set inet %s leases4", table);
	/* Terse: the answer is wanted, not the (possibly long) element list. */
	if (fw->nft)
		nft_ctx_output_set_flags(fw->nft, NFT_CTX_OUTPUT_TERSE);
	if (!fw->nft || nft_run(fw->nft, cmd, "attaching to the table", NULL, err) != 0 ||
	    !(fw->grants = fwbatch_open(err))) {
		firewall_close(fw);
		return NULL;
	}
	nft_ctx_output_set_flags(fw->nft, 0);
	return fw;
}

void firewall_close(struct firewall *fw)
{
	if (!fw)
		return;
	if (fw->nft)
		nft_ctx_free(fw->nft);
	fwbatch_close(fw->grants);
	free(fw);
}

static int grant_into(struct firewall *fw, const struct addr *addr,
	const struct portspec *ports, size_t n, uint32_t lease, bool once,
	struct errbuf *err)
{
	const char *set;
	if (addr->family == AF_INET)
		set = once ? "oneshot4" : "leases4";
	else if (addr->family == AF_INET6)
		set = once ? "oneshot6" : "leases6";
	else {
		errbuf_set(err, "firewall: grant for an address of no family");
		return -1;
	}
	if (n == 0 || lease == 0) {
		errbuf_set(err, "firewall: grant needs at least one port and a lease > 0");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (ports[i].port == 0 || strcmp(proto_name(ports[i].proto), "?") == 0) {
			char a[ADDR_STRLEN];
			errbuf_set(err, "firewall: grant for %s has bad proto %u or port %u",
				addr_format(addr, a), ports[i].proto, ports[i].port);
			return -1;
		}
	}
	/* add, delete, add with the new timeout: in one batch this replaces an
	 * existing lease's timeout atomically (a plain add would keep the old). */
	return fwbatch_grant(fw->grants, fw->table, set, addr, ports, n, lease, err);
}

int firewall_grant(struct firewall *fw, const struct addr *addr,
	const struct portspec *ports, size_t n, uint32_t lease, struct errbuf *err)
{
	return grant_into(fw, addr, ports, n, lease, false, err);
}

int firewall_grant_once(struct firewall *fw, const struct addr *addr,
	const struct portspec *ports, size_t n, uint32_t lease, struct errbuf *err)
{
	return grant_into(fw, addr, ports, n, lease, true, err);
}

const char *firewall_table(const struct firewall *fw)
{
	return fw->table;
}

int firewall_remove(const char *table, struct errbuf *err)
{
	if (!firewall_table_name_ok(table)) {
		errbuf_set(err, "firewall: bad table name \"%s\"", table);
		return -1;
	}
	struct nft_ctx *nft = ctx_new(err);
	if (!nft)
		return -1;
	/* `add` first makes the `delete` succeed when the table is absent. */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "add table inet %s\ndelete table inet %s\n",
		table, table);
	int rc = nft_run(nft, cmd, "removing the table", NULL, err);
	nft_ctx_free(nft);
	return rc;
}
