/* test_policy — policy_decide: deny by default, every refusal names its
 * rule. Requests are built as structs (what a scheme fills after verifying a
 * knock): policy never sees wire bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "config.h"
#include "knock.h"
#include "policy.h"
#include "request.h"

static const char config_text[] =
	"[daemon]\n"
	"default_lease = 45s\nmax_lease = 1h\n"
	"[protect]\n"
	"ports = tcp/22, tcp/443, udp/53, tcp/8080\n"
	"[user alice]\n"
	"key = /k/alice.key\n"
	"open = tcp/22, tcp/443, udp/53\n"
	"max_lease = 5m\n"
	"targets = 10.1.0.0/16, 2001:db8:1::/48\n"
	"allow_wide_targets = yes\n" /* test_policy_rules.c tests the rule */
	"[user bob]\n"
	"key = /k/bob.key\n"
	"open = tcp/22\n"
	"disabled = yes\n"
	"[user carol]\n"
	"key = /k/carol.key\n"
	"open = tcp/22, tcp/8080\n";

static struct config *cfg;
static const struct config_user *alice, *bob, *carol;
static struct addr src4;

static int setup(void **state)
{
	(void)state;
	struct errbuf err;
	if (config_load_string(config_text, "test", 0, &cfg, &err) != 0) {
		fprintf(stderr, "config refused: %s\n", err.msg);
		return -1;
	}
	alice = config_find_user(cfg, "alice");
	bob = config_find_user(cfg, "bob");
	carol = config_find_user(cfg, "carol");
	if (!alice || !bob || !carol || !addr_parse("203.0.113.9", &src4))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static struct request open_ports(const char *const *ports, size_t n, uint32_t lease)
{
	struct request r = {
		.action = KNOCK_ACTION_OPEN, .timestamp = 1700000000, .lease = lease,
		.target_is_source = true, .nports = (uint8_t)n, .src = src4,
	};
	for (size_t i = 0; i < n; i++)
		assert_true(portspec_parse(ports[i], &r.ports[i]));
	return r;
}

static struct request open22(void)
{
	static const char *const p[] = { "tcp/22" };
	return open_ports(p, 1, 30);
}

static struct request to_target(const char *target)
{
	struct request r = open22();
	r.target_is_source = false;
	assert_true(addr_parse(target, &r.target));
	return r;
}

static enum verdict decide(const struct config_user *u, const struct request *r,
	struct grant *g, char why[static POLICY_WHY_LEN])
{
	memset(why, 'x', POLICY_WHY_LEN); /* must be overwritten */
	return policy_decide(cfg, u, r, g, why);
}

/* Refused, with a reason that contains each given word. */
static void refused(const struct config_user *u, const struct request *k,
	const char *word1, const char *word2)
{
	struct grant g;
	char why[POLICY_WHY_LEN];
	assert_int_equal(decide(u, k, &g, why), VERDICT_POLICY);
	assert_non_null(memchr(why, '\0', POLICY_WHY_LEN));
	if (!strstr(why, word1) || (word2 && !strstr(why, word2)))
		fail_msg("wanted \"%s\" and \"%s\" in \"%s\"", word1, word2 ? word2 : "",
			why);
}

static void allowed_port_accepted(void **state)
{
	(void)state;
	struct request k = open22();
	struct grant g;
	char why[POLICY_WHY_LEN];
	assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
	assert_string_equal(why, "");
	assert_true(addr_equal(&g.addr, &src4)); /* target = source */
	assert_int_equal(g.nports, 1);
	assert_int_equal(g.ports[0].proto, IPPROTO_TCP);
	assert_int_equal(g.ports[0].port, 22);
	assert_int_equal(g.lease, 30);
	assert_false(g.lease_clamped);

	static const char *const many[] = { "tcp/22", "udp/53", "tcp/443" };
	k = open_ports(many, 3, 60);
	assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
	assert_int_equal(g.nports, 3);
	assert_int_equal(g.ports[1].proto, IPPROTO_UDP);
	assert_int_equal(g.ports[1].port, 53);
	assert_int_equal(g.ports[2].port, 443);
}

static void target_source_uses_packet_source(void **state)
{
	(void)state;
	struct request k = open22();
	struct grant g;
	char why[POLICY_WHY_LEN];
	struct addr src6;
	assert_true(addr_parse("2001:db8:ffff::77", &src6));
	k.src = src6;
	assert_int_equal(decide(carol, &k, &g, why), VERDICT_ACCEPT);
	assert_true(addr_equal(&g.addr, &src6));
	/* Even a user without target CIDRs may open for its own source. */
	assert_int_equal(carol->prof->ntargets, 0);
}

static void port_not_in_users_open(void **state)
{
	(void)state;
	static const char *const p80[] = { "tcp/80" };
	static const char *const mixed[] = { "tcp/22", "tcp/8080" };
	static const char *const udp22[] = { "udp/22" };
	struct request k = open_ports(p80, 1, 30);
	refused(alice, &k, "tcp/80", "not allowed");
	/* Protected, but not this user's. */
	k = open_ports(mixed, 2, 30);
	refused(alice, &k, "tcp/8080", "not allowed");
	/* The protocol is part of the port. */
	k = open_ports(udp22, 1, 30);
	refused(alice, &k, "udp/22", NULL);
	/* carol may open tcp/8080. */
	struct grant g;
	char why[POLICY_WHY_LEN];
	k = open_ports(mixed, 2, 30);
	assert_int_equal(decide(carol, &k, &g, why), VERDICT_ACCEPT);
}

/* The config refuses a user's open port that is not protected; a config
 * changed under the daemon (or a future code path) must still be refused. */
static void port_not_protected(void **state)
{
	(void)state;
	struct portspec saved[CONFIG_MAX_PORTS];
	size_t n = cfg->nprotect;
	memcpy(saved, cfg->protect, sizeof saved);
	/* Drop tcp/443 from [protect]. */
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (!(cfg->protect[i].proto == IPPROTO_TCP && cfg->protect[i].port == 443))
			cfg->protect[j++] = saved[i];
	cfg->nprotect = j;
	static const char *const p443[] = { "tcp/443" };
	struct request k = open_ports(p443, 1, 30);
	refused(alice, &k, "tcp/443", "protected");
	/* Other ports still go. */
	struct grant g;
	char why[POLICY_WHY_LEN];
	k = open22();
	assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
	memcpy(cfg->protect, saved, sizeof saved);
	cfg->nprotect = n;
}

static void explicit_target(void **state)
{
	(void)state;
	struct grant g;
	char why[POLICY_WHY_LEN];
	static const char *const inside[] = { "10.1.0.1", "10.1.255.254",
		"2001:db8:1::1", "2001:db8:1:ffff::5" };
	for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++) {
		struct request k = to_target(inside[i]);
		assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
		assert_true(addr_equal(&g.addr, &k.target));
	}
	static const char *const outside[] = { "10.2.0.1", "10.0.255.255",
		"203.0.113.9" /* even its own source, named explicitly */,
		"2001:db8:2::1", "2001:db8::1", "::ffff:10.1.0.1" };
	for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
		struct request k = to_target(outside[i]);
		char want[ADDR_STRLEN];
		addr_format(&k.target, want);
		refused(alice, &k, want, "target");
	}
	/* carol has no target CIDRs: only her source. */
	struct request k = to_target("10.1.0.1");
	refused(carol, &k, "10.1.0.1", "target");
}

static void lease_clamped(void **state)
{
	(void)state;
	struct grant g;
	char why[POLICY_WHY_LEN];
	static const char *const p22[] = { "tcp/22" };
	struct request k = open_ports(p22, 1, 300); /* alice's max exactly */
	assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
	assert_int_equal(g.lease, 300);
	assert_false(g.lease_clamped);
	k = open_ports(p22, 1, 301);
	assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
	assert_int_equal(g.lease, 300);
	assert_true(g.lease_clamped);
	k = open_ports(p22, 1, UINT32_MAX);
	assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
	assert_int_equal(g.lease, 300);
	assert_true(g.lease_clamped);
	/* carol inherits the daemon's 1h. */
	k = open_ports(p22, 1, 3600);
	assert_int_equal(decide(carol, &k, &g, why), VERDICT_ACCEPT);
	assert_int_equal(g.lease, 3600);
	assert_false(g.lease_clamped);
	k = open_ports(p22, 1, 3601);
	assert_int_equal(decide(carol, &k, &g, why), VERDICT_ACCEPT);
	assert_int_equal(g.lease, 3600);
	assert_true(g.lease_clamped);
}

static void disabled_user_refused(void **state)
{
	(void)state;
	struct request k = open22();
	refused(bob, &k, "bob", "disabled");
}

static void trigger_refused(void **state)
{
	(void)state;
	struct request k = {
		.action = KNOCK_ACTION_TRIGGER, .timestamp = 1700000000, .lease = 30,
		.target_is_source = true, .trigger_id = 1,
	};
	memcpy(k.arg, "reload", 7);
	refused(alice, &k, "trigger", NULL);
}

/* Through a DNS resolver the packet source is the resolver: "open for my
 * source" would open for everyone behind it. */
static void via_resolver_must_name_target(void **state)
{
	(void)state;
	struct request k = open22();
	k.via_resolver = true;
	refused(alice, &k, "resolver", "target");
	k = to_target("10.1.2.3");
	k.via_resolver = true;
	struct grant g;
	char why[POLICY_WHY_LEN];
	assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
	assert_true(addr_equal(&g.addr, &k.target));
	/* Naming a target does not widen the user's targets. */
	k = to_target("10.9.9.9");
	k.via_resolver = true;
	refused(alice, &k, "10.9.9.9", "target");
}

/* A request without a lease gets the daemon's default_lease (clamped too). */
static void lease_zero_is_default(void **state)
{
	(void)state;
	static const char *const p22[] = { "tcp/22" };
	struct request k = open_ports(p22, 1, 0);
	struct grant g;
	char why[POLICY_WHY_LEN];
	assert_int_equal(decide(carol, &k, &g, why), VERDICT_ACCEPT);
	assert_int_equal(g.lease, 45);
	assert_false(g.lease_clamped);
	uint32_t saved = cfg->default_lease;
	cfg->default_lease = 3000; /* above alice's 5m */
	assert_int_equal(decide(alice, &k, &g, why), VERDICT_ACCEPT);
	assert_int_equal(g.lease, 300);
	cfg->default_lease = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allowed_port_accepted),
		cmocka_unit_test(target_source_uses_packet_source),
		cmocka_unit_test(port_not_in_users_open),
		cmocka_unit_test(port_not_protected),
		cmocka_unit_test(explicit_target),
		cmocka_unit_test(lease_clamped),
		cmocka_unit_test(disabled_user_refused),
		cmocka_unit_test(trigger_refused),
		cmocka_unit_test(via_resolver_must_name_target),
		cmocka_unit_test(lease_zero_is_default),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
