/* test_firewall_ns — the nftables backend against a real kernel.
 *
 * Every test that touches nftables is skipped unless POSTERN_NETNS_TEST=1:
 * tests/integration/test_firewall.sh sets it inside a network namespace of
 * its own, so the host's ruleset is never touched.
 *
 * With arguments the binary is the script's driver instead (same guard):
 *   test_firewall_ns open TABLE drop|mark PROTO/PORT...
 *   test_firewall_ns grant TABLE ADDR LEASE PROTO/PORT...   (attaches)
 *   test_firewall_ns remove TABLE */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <nftables/libnftables.h>

#include "firewall.h"

#define T_TABLE "postern_t"
#define T_MARK 0x10000u

static bool netns_enabled(void)
{
	const char *e = getenv("POSTERN_NETNS_TEST");
	return e && strcmp(e, "1") == 0;
}

#define NEED_NETNS() do { if (!netns_enabled()) skip(); } while (0)

/* ---- helpers ------------------------------------------------------------ */

/* Runs an nft command; returns its output (caller frees) or NULL on error. */
static char *nft(const char *cmd)
{
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	assert_non_null(n);
	nft_ctx_buffer_output(n);
	nft_ctx_buffer_error(n);
	int rc = nft_run_cmd_from_buffer(n, cmd);
	char *out = rc == 0 ? strdup(nft_ctx_get_output_buffer(n)) : NULL;
	nft_ctx_free(n);
	return out;
}

static char *list_table(const char *table)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "list table inet %s", table);
	return nft(cmd);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The text of one set's block in a listing (static buffer). */
static const char *set_block(const char *listing, const char *set)
{
	static char block[8192];
	char head[64];
	snprintf(head, sizeof head, "set %s {", set);
	const char *p = strstr(listing, head);
	assert_non_null(p);
	const char *end = strstr(p, "\n\t}");
	assert_non_null(end);
	snprintf(block, sizeof block, "%.*s", (int)(end - p), p);
	return block;
}

static struct config *make_config(enum firewall_mode mode, const char *ports)
{
	struct config *c = calloc(1, sizeof *c);
	assert_non_null(c);
	snprintf(c->table, sizeof c->table, "%s", T_TABLE);
	c->firewall = mode;
	c->mark = T_MARK;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", ports);
	for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
		assert_true(c->nprotect < CONFIG_MAX_PORTS);
		assert_true(portspec_parse(tok, &c->protect[c->nprotect++]));
	}
	return c;
}

static void open_ok(enum firewall_mode mode, const char *ports)
{
	struct config *c = make_config(mode, ports);
	struct errbuf err = { "" };
	struct firewall *fw = firewall_open(c, &err);
	if (!fw)
		fail_msg("firewall_open: %s", err.msg);
	firewall_close(fw);
	free(c);
}

static void grant_ok(const char *addr, const char *port, uint32_t lease)
{
	struct config *c = make_config(FIREWALL_DROP, "tcp/2222");
	struct errbuf err = { "" };
	struct firewall *fw = firewall_open(c, &err);
	if (!fw)
		fail_msg("firewall_open: %s", err.msg);
	struct addr a;
	struct portspec p;
	assert_true(addr_parse(addr, &a));
	assert_true(portspec_parse(port, &p));
	if (firewall_grant(fw, &a, &p, 1, lease, &err) != 0)
		fail_msg("firewall_grant: %s", err.msg);
	firewall_close(fw);
	free(c);
}

static int setup(void **ctx)
{
	(void)ctx;
	if (netns_enabled()) {
		firewall_remove(T_TABLE, NULL);
		free(nft("add table inet other\ndelete table inet other\n"));
	}
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_bad_table_names_refused(void **ctx)
{
	(void)ctx;
	static const char *bad[] = { "", "9lives", "a-b", "a b", "x;flush ruleset",
		"t\nflush ruleset", "_x", "t\"" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct config *c = make_config(FIREWALL_DROP, "tcp/22");
		snprintf(c->table, sizeof c->table, "%s", bad[i]);
		struct errbuf err = { "" };
		assert_null(firewall_open(c, &err));
		assert_non_null(strstr(err.msg, "table name"));
		assert_int_equal(firewall_remove(c->table, &err), -1);
		free(c);
	}
}

static void test_open_creates_table(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	open_ok(FIREWALL_DROP, "tcp/2222 udp/53");
	char *l = list_table(T_TABLE);
	assert_non_null(l);
	assert_non_null(strstr(set_block(l, "protected"), "type inet_proto . inet_service"));
	assert_non_null(strstr(set_block(l, "protected"), "tcp . 2222"));
	assert_non_null(strstr(set_block(l, "protected"), "udp . 53"));
	assert_non_null(strstr(set_block(l, "leases4"),
		"type ipv4_addr . inet_proto . inet_service\n\t\tflags timeout"));
	assert_non_null(strstr(set_block(l, "leases6"),
		"type ipv6_addr . inet_proto . inet_service\n\t\tflags timeout"));
	assert_non_null(strstr(l, "type filter hook input priority filter - 10; policy accept;"));
	assert_non_null(strstr(l, "ct state established,related return"));
	assert_non_null(strstr(l, "ip saddr . meta l4proto . th dport @leases4 return"));
	assert_non_null(strstr(l, "ip6 saddr . meta l4proto . th dport @leases6 return"));
	assert_non_null(strstr(l, "meta l4proto . th dport @protected drop"));
	free(l);
}

static void test_open_twice_is_idempotent(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	open_ok(FIREWALL_DROP, "tcp/2222");
	char *first = list_table(T_TABLE);
	open_ok(FIREWALL_DROP, "tcp/2222");
	char *second = list_table(T_TABLE);
	assert_non_null(first);
	assert_non_null(second);
	assert_string_equal(first, second);
	assert_int_equal(count(second, "@protected drop"), 1);
	assert_int_equal(count(second, "tcp . 2222"), 1);
	free(first);
	free(second);
}

static void test_protected_set_replaced(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	open_ok(FIREWALL_DROP, "tcp/22");
	open_ok(FIREWALL_DROP, "udp/53");
	char *l = list_table(T_TABLE);
	assert_non_null(strstr(set_block(l, "protected"), "udp . 53"));
	assert_null(strstr(set_block(l, "protected"), "tcp . 22"));
	free(l);
}

static void test_mark_mode(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	open_ok(FIREWALL_DROP, "tcp/2222");
	open_ok(FIREWALL_MARK, "tcp/2222");
	char *l = list_table(T_TABLE);
	/* leases4/6, and the first connection of a one-shot door (oneshot4/6) */
	assert_int_equal(count(l, "meta mark set meta mark | 0x00010000"), 4);
	assert_null(strstr(l, "drop"));
	free(l);
}

static void test_grant_v4_expires(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	grant_ok("10.9.0.2", "tcp/2222", 2);
	char *l = list_table(T_TABLE);
	assert_non_null(strstr(set_block(l, "leases4"), "10.9.0.2 . tcp . 2222 timeout 2s"));
	free(l);
	sleep(3);
	l = list_table(T_TABLE);
	assert_null(strstr(l, "10.9.0.2"));
	free(l);
}

static void test_grant_replaces_timeout(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	grant_ok("10.9.0.2", "tcp/2222", 1000);
	grant_ok("10.9.0.2", "tcp/2222", 5);
	char *l = list_table(T_TABLE);
	const char *b = set_block(l, "leases4");
	assert_int_equal(count(b, "10.9.0.2 . tcp . 2222"), 1);
	assert_non_null(strstr(b, "timeout 5s"));
	free(l);
}

static void test_grant_v6(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	grant_ok("2001:db8::2", "udp/53", 60);
	char *l = list_table(T_TABLE);
	assert_non_null(strstr(set_block(l, "leases6"), "2001:db8::2 . udp . 53 timeout 1m"));
	assert_null(strstr(set_block(l, "leases4"), "2001:db8::2"));
	free(l);
}

static void test_grant_several_ports(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	struct config *c = make_config(FIREWALL_DROP, "tcp/22 tcp/443");
	struct errbuf err = { "" };
	struct firewall *fw = firewall_open(c, &err);
	assert_non_null(fw);
	struct addr a;
	assert_true(addr_parse("10.9.0.3", &a));
	struct portspec p[2] = { { 6, 22 }, { 6, 443 } };
	assert_int_equal(firewall_grant(fw, &a, p, 2, 60, &err), 0);
	/* Bad input is refused before nft is asked, and nothing is added. */
	struct portspec bad[2] = { { 6, 8080 }, { 6, 0 } };
	assert_int_equal(firewall_grant(fw, &a, bad, 2, 60, &err), -1);
	struct addr none = { 0 };
	assert_int_equal(firewall_grant(fw, &none, p, 1, 60, &err), -1);
	assert_int_equal(firewall_grant(fw, &a, p, 1, 0, &err), -1);
	firewall_close(fw);
	free(c);
	char *l = list_table(T_TABLE);
	assert_non_null(strstr(l, "10.9.0.3 . tcp . 22 "));
	assert_non_null(strstr(l, "10.9.0.3 . tcp . 443 "));
	assert_null(strstr(l, "8080"));
	free(l);
}

/* The kernel's refusal (the table is gone) comes back as an error naming the
 * element, and leaves the handle usable: once the table is back, it grants. */
static void test_grant_refused_then_again(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	struct config *c = make_config(FIREWALL_DROP, "tcp/22");
	struct errbuf err = { "" };
	struct firewall *fw = firewall_open(c, &err);
	assert_non_null(fw);
	free(nft("delete table inet " T_TABLE "\n"));
	struct addr a;
	assert_true(addr_parse("10.9.0.5", &a));
	struct portspec p[2] = { { 6, 22 }, { 17, 53 } };
	assert_int_equal(firewall_grant_once(fw, &a, p, 2, 60, &err), -1);
	assert_non_null(strstr(err.msg, "oneshot4 { 10.9.0.5 . tcp . 22 }"));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	open_ok(FIREWALL_DROP, "tcp/22"); /* puts the table back */
	if (firewall_grant_once(fw, &a, p, 2, 60, &err) != 0)
		fail_msg("firewall_grant_once: %s", err.msg);
	firewall_close(fw);
	free(c);
	char *l = list_table(T_TABLE);
	assert_non_null(strstr(set_block(l, "oneshot4"), "10.9.0.5 . tcp . 22 "));
	assert_non_null(strstr(set_block(l, "oneshot4"), "10.9.0.5 . udp . 53 "));
	free(l);
}

static void test_reopen_keeps_leases(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	grant_ok("10.9.0.4", "tcp/2222", 600);
	grant_ok("2001:db8::4", "tcp/2222", 600);
	open_ok(FIREWALL_DROP, "tcp/2222");
	open_ok(FIREWALL_MARK, "tcp/22");
	char *l = list_table(T_TABLE);
	assert_non_null(strstr(set_block(l, "leases4"), "10.9.0.4 . tcp . 2222"));
	assert_non_null(strstr(set_block(l, "leases6"), "2001:db8::4 . tcp . 2222"));
	free(l);
}

/* A table left with a set of another type (an older layout) is rebuilt. */
static void test_incompatible_table_rebuilt(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	free(nft("add table inet " T_TABLE "\n"
		"add set inet " T_TABLE " leases4 { type ipv4_addr . inet_service; flags timeout; }\n"
		"add chain inet " T_TABLE " input { type filter hook input priority 0; }\n"));
	open_ok(FIREWALL_DROP, "tcp/2222");
	char *l = list_table(T_TABLE);
	assert_non_null(strstr(set_block(l, "leases4"),
		"type ipv4_addr . inet_proto . inet_service"));
	assert_non_null(strstr(l, "priority filter - 10;"));
	free(l);
}

static void test_other_tables_untouched(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	char *made = nft("add table inet other\n"
		"add set inet other s { type ipv4_addr; flags timeout; }\n"
		"add element inet other s { 192.0.2.1 }\n"
		"add chain inet other input { type filter hook input priority 0; policy accept; }\n"
		"add rule inet other input tcp dport 2222 counter accept\n");
	assert_non_null(made);
	free(made);
	char *before = list_table("other");
	open_ok(FIREWALL_DROP, "tcp/2222");
	grant_ok("10.9.0.5", "tcp/2222", 60);
	assert_int_equal(firewall_remove(T_TABLE, NULL), 0);
	char *after = list_table("other");
	assert_non_null(before);
	assert_non_null(after);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(nft("delete table inet other"));
}

static void test_remove(void **ctx)
{
	(void)ctx;
	NEED_NETNS();
	open_ok(FIREWALL_DROP, "tcp/2222");
	struct errbuf err = { "" };
	assert_int_equal(firewall_remove(T_TABLE, &err), 0);
	assert_null(list_table(T_TABLE));
	/* Absent is fine: removing twice is not an error. */
	assert_int_equal(firewall_remove(T_TABLE, &err), 0);
}

/* ---- driver mode for test_firewall.sh ----------------------------------- */

static int drive_open(int argc, char **argv, struct errbuf *err)
{
	if (argc < 4)
		return -1;
	struct config c = { 0 };
	snprintf(c.table, sizeof c.table, "%s", argv[1]);
	c.firewall = strcmp(argv[2], "mark") == 0 ? FIREWALL_MARK : FIREWALL_DROP;
	c.mark = T_MARK;
	for (int i = 3; i < argc && c.nprotect < CONFIG_MAX_PORTS; i++)
		if (!portspec_parse(argv[i], &c.protect[c.nprotect++]))
			return -1;
	struct firewall *fw = firewall_open(&c, err);
	firewall_close(fw);
	return fw ? 0 : -1;
}

static int drive_grant(int argc, char **argv, struct errbuf *err)
{
	struct portspec p[CONFIG_MAX_PORTS];
	size_t n = 0;
	struct addr a;
	if (argc < 5 || !addr_parse(argv[2], &a))
		return -1;
	for (int i = 4; i < argc && n < CONFIG_MAX_PORTS; i++)
		if (!portspec_parse(argv[i], &p[n++]))
			return -1;
	/* Attach: keep the rules and mode the script's `open` chose. */
	struct firewall *fw = firewall_attach(argv[1], err);
	if (!fw)
		return -1;
	int rc = firewall_grant(fw, &a, p, n, (uint32_t)strtoul(argv[3], NULL, 10), err);
	firewall_close(fw);
	return rc;
}

static int drive(int argc, char **argv)
{
	if (!netns_enabled()) {
		fprintf(stderr, "refusing to touch nftables without POSTERN_NETNS_TEST=1\n");
		return 2;
	}
	struct errbuf err = { "bad arguments" };
	int rc = -1;
	if (strcmp(argv[0], "open") == 0)
		rc = drive_open(argc, argv, &err);
	else if (strcmp(argv[0], "grant") == 0)
		rc = drive_grant(argc, argv, &err);
	else if (strcmp(argv[0], "remove") == 0 && argc == 2)
		rc = firewall_remove(argv[1], &err);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", argv[0], err.msg);
	return rc == 0 ? 0 : 1;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, setup)

int main(int argc, char **argv)
{
	if (argc > 1)
		return drive(argc - 1, argv + 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_table_names_refused),
		T(test_open_creates_table),
		T(test_open_twice_is_idempotent),
		T(test_protected_set_replaced),
		T(test_mark_mode),
		T(test_grant_v4_expires),
		T(test_grant_replaces_timeout),
		T(test_grant_v6),
		T(test_grant_several_ports),
		T(test_grant_refused_then_again),
		T(test_reopen_keeps_leases),
		T(test_incompatible_table_rebuilt),
		T(test_other_tables_untouched),
		T(test_remove),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
