/* test_config — postern.conf: values, defaults, every kind of refusal with
 * its line, key files, and the normalised print (golden text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "keyfile.h"
#include "knock.h"
#include "testkeys.h"

/* A valid config to build on: 6 lines. */
#define BASE "[protect]\nports = tcp/22, tcp/443\n[user alice]\n" \
	"key = /etc/postern/users/alice.key\nopen = tcp/22\n"

static struct config *load_ok(const char *text)
{
	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	int rc = config_load_string(text, "cfg", 0, &c, &err);
	if (rc != 0)
		fail_msg("refused: %s", err.msg);
	assert_non_null(c);
	return c;
}

/* Asserts that text is refused with a message containing where and reason. */
static void refused(const char *text, const char *where, const char *reason)
{
	struct config *c = (struct config *)1;
	struct errbuf err = { { 0 } };
	assert_int_equal(config_load_string(text, "cfg", 0, &c, &err), -1);
	assert_null(c);
	if (!strstr(err.msg, where) || !strstr(err.msg, reason))
		fail_msg("for input:\n%s\nwanted \"%s\" ... \"%s\", got \"%s\"",
			text, where, reason, err.msg);
}

static void defaults(void **state)
{
	(void)state;
	struct config *c = load_ok(BASE);
	char buf[PORTSPEC_STRLEN];

	assert_true(c->all_ifaces);
	assert_int_equal(c->nifaces, 0);
	assert_int_equal(c->nknock_ports, 1);
	assert_string_equal(portspec_format(&c->knock_ports[0], buf), "udp/62201");
	assert_string_equal(c->state_path, "/var/lib/postern/state.db");
	assert_string_equal(c->table, "postern");
	assert_string_equal(c->run_as, "postern");
	assert_int_equal(c->window, 60);
	assert_int_equal(c->default_lease, 30);
	assert_int_equal(c->max_lease, 3600);
	assert_int_equal(c->firewall, FIREWALL_DROP);
	assert_int_equal(c->mark, 0);
	assert_int_equal(c->nprotect, 2);
	assert_int_equal(c->nusers, 1);

	const struct config_user *u = config_find_user(c, "alice");
	assert_non_null(u);
	assert_null(config_find_user(c, "bob"));
	assert_string_equal(u->prof->key_path, "/etc/postern/users/alice.key");
	assert_int_equal(u->prof->nopen, 1);
	assert_int_equal(u->prof->max_lease, 3600); /* inherits the daemon's */
	assert_int_equal(u->prof->ntargets, 0);
	assert_false(u->prof->disabled);
	assert_int_equal(u->prof->line, 3);
	config_free(c);
}

static const char full[] =
	"# every key\n"
	"[daemon]\n"
	"interfaces = eth0 , wg0\n"
	"knock_ports = udp/62201, UDP/4000\n"
	"state = /srv/postern/state.db\n"
	"table = pst_1\n"
	"run_as = _postern\n"
	"window = 2m\n"
	"default_lease = 45s\n"
	"max_lease = 2h\n"
	"firewall = MARK\n"
	"mark = 0x10000 ; inline comment\n"
	"icmp = Yes\n" /* in place of a blank line: later lines keep their numbers */
	"[user bob]\n"
	"key: /k/bob.key\n"
	"open = tcp/443\n"
	"max_lease = 5m\n"
	"targets = 10.1.0.0/16, source, 2001:db8::/48\n"
	"disabled = yes\n"
	"[protect]\n"
	"ports = tcp/22,\n"
	"   tcp/443, udp/53\n"
	"   tcp/8443\n";

static void every_key(void **state)
{
	(void)state;
	struct config *c = load_ok(full);
	struct portspec p = { IPPROTO_TCP, 8443 };
	char buf[ADDR_STRLEN + 4];

	assert_false(c->all_ifaces);
	assert_int_equal(c->nifaces, 2);
	assert_string_equal(c->ifaces[0], "eth0");
	assert_string_equal(c->ifaces[1], "wg0");
	assert_int_equal(c->nknock_ports, 2);
	assert_int_equal(c->knock_ports[1].port, 4000);
	assert_string_equal(c->state_path, "/srv/postern/state.db");
	assert_string_equal(c->table, "pst_1");
	assert_string_equal(c->run_as, "_postern");
	assert_int_equal(c->window, 120);
	assert_int_equal(c->default_lease, 45);
	assert_int_equal(c->max_lease, 7200);
	assert_int_equal(c->firewall, FIREWALL_MARK);
	assert_int_equal(c->mark, 0x10000);
	assert_true(c->icmp);
	assert_int_equal(c->nprotect, 4); /* continuation lines */
	assert_true(config_is_protected(c, &p));
	p.port = 80;
	assert_false(config_is_protected(c, &p));

	const struct config_user *u = &c->users[0];
	assert_string_equal(u->name, "bob");
	assert_string_equal(u->prof->key_path, "/k/bob.key");
	assert_int_equal(u->prof->max_lease, 300);
	assert_int_equal(u->prof->ntargets, 2);
	assert_string_equal(cidr_format(&u->prof->targets[0], buf), "10.1.0.0/16");
	assert_string_equal(cidr_format(&u->prof->targets[1], buf), "2001:db8::/48");
	assert_true(u->prof->disabled);
	assert_int_equal(u->prof->line, 14);
	assert_int_equal(u->prof->key_line, 15);
	config_free(c);
}

static void zero_users_allowed(void **state)
{
	(void)state;
	struct config *c = load_ok("[protect]\nports = tcp/22\n");
	assert_int_equal(c->nusers, 0);
	config_free(c);
	config_free(NULL);
}

/* Errors found at the line they are on. */
static void line_errors(void **state)
{
	(void)state;
	refused("[daemon]\nwindow = 60\n[deamon]\n", "cfg:3:", "unknown section [deamon]");
	refused("[daemon]\nwindwo = 60\n", "cfg:2:", "unknown key 'windwo' in [daemon]");
	refused(BASE "opne = tcp/22\n", "cfg:6:", "unknown key 'opne' in [user alice]");
	refused("window = 60\n", "cfg:1:", "outside any section");
	refused("[daemon]\nwindow = 60\nwindow = 61\n", "cfg:3:",
		"duplicate key 'window' (first at line 2)");
	refused("[daemon]\n[protect]\n[daemon]\n", "cfg:3:", "section [daemon] repeated");
	refused(BASE "[user alice]\n", "cfg:6:", "user alice is already defined at line 3");
	refused("[user -x]\n", "cfg:1:", "bad user name '-x'");
	refused("[user a b]\n", "cfg:1:", "bad user name 'a b'");
	refused("[user]\n", "cfg:1:", "[user] needs a name");
	refused("[protect\n", "cfg:1:", "without ']'");
	refused("[protect] x\n", "cfg:1:", "unexpected text after ']'");
	refused("[protect]\nports = tcp/22\n  [user a]\n", "cfg:3:", "must not be indented");
	refused("\n\n[daemon]\njust words\n", "cfg:4:", "syntax error");
	refused("[daemon]\nwindow =\n", "cfg:2:", "window: empty value");
	refused("[daemon]\nwindow = 601\n", "cfg:2:", "window: bad duration '601'");
	refused("[daemon]\nwindow = 0\n", "cfg:2:", "expected 1..600 seconds");
	refused("[daemon]\nmax_lease = 1d\n", "cfg:2:", "1..65535");
	refused("[daemon]\ndefault_lease = 5x\n", "cfg:2:", "bad duration '5x'");
	refused("[daemon]\nknock_ports = tcp/62201\n", "cfg:2:", "tcp/62201 is not udp");
	refused("[daemon]\nknock_ports = udp/0\n", "cfg:2:", "bad port 'udp/0'");
	refused("[daemon]\ntable = post-ern\n", "cfg:2:", "bad nftables table name");
	refused("[daemon]\ntable = abcdefghijabcdefghijabcdefghij12\n", "cfg:2:",
		"bad nftables table name");
	refused("[daemon]\nrun_as = -root\n", "cfg:2:", "run_as: bad user name");
	refused("[daemon]\nstate = state.db\n", "cfg:2:", "not an absolute path");
	refused("[daemon]\nfirewall = accept\n", "cfg:2:", "neither drop nor mark");
	refused("[daemon]\nmark = 0\n", "cfg:2:", "bad mark '0'");
	refused("[daemon]\nmark = 0x100000000\n", "cfg:2:", "bad mark");
	refused("[daemon]\nmark = 12ab\n", "cfg:2:", "bad mark");
	refused("[daemon]\ninterfaces = any, eth0\n", "cfg:2:", "'any' cannot be combined");
	refused("[daemon]\ninterfaces = eth0, any\n", "cfg:2:", "'any' cannot be combined");
	refused("[daemon]\ninterfaces = eth0, eth0\n", "cfg:2:", "eth0 listed twice");
	refused("[daemon]\ninterfaces = averyveryverylongname\n", "cfg:2:",
		"bad interface name");
	refused("[daemon]\ninterfaces = eth0,,wg0\n", "cfg:2:", "empty item in list");
	refused("[daemon]\ninterfaces = ,wg0\n", "cfg:2:", "empty item in list");
	refused("[daemon]\ninterfaces = ,\n", "cfg:2:", "empty item in list");
	refused("[protect]\nports = tcp/22, tcp/22\n", "cfg:2:", "tcp/22 listed twice");
	refused("[protect]\nports = tcp/22 # ssh\n", "cfg:2:", "bad port 'tcp/22 # ssh'");
	refused("[protect]\nports = tcp/22\n\tfoo = bar\n", "cfg:3:",
		"indented line continues the value of 'ports'");
	refused(BASE "max_lease = 5m\n  10m\n", "cfg:7:", "continues the value of 'max_lease'");
	refused(BASE "key = relative.key\n", "cfg:6:", "duplicate key 'key'");
	refused("[user a]\nkey = a.key\n", "cfg:2:", "key: 'a.key' is not an absolute path");
	refused(BASE "targets = 0.0.0.0/0\n", "cfg:6:", "any address");
	refused(BASE "targets = ::/0\n", "cfg:6:", "any address");
	refused(BASE "targets = 10.0.0.1/8\n", "cfg:6:", "bad prefix '10.0.0.1/8'");
	refused(BASE "targets = source, source\n", "cfg:6:", "source listed twice");
	refused(BASE "disabled = maybe\n", "cfg:6:", "neither yes nor no");
	refused("[daemon]\nstate = /a\x01b\n", "cfg:2:", "control character");
}

static void line_limits(void **state)
{
	(void)state;
	char text[512];
	memset(text, 'x', sizeof text);
	memcpy(text, "[daemon]\nstate = /", 18);
	text[sizeof text - 1] = '\0';
	refused(text, "cfg:2:", "line longer than");
}

/* The first error in the file is the one reported. */
static void first_error_wins(void **state)
{
	(void)state;
	refused("[daemon]\nnonsense\nwindow = 0\n", "cfg:2:", "syntax error");
	refused("[daemon]\nwindow = 0\nnonsense\n", "cfg:2:", "bad duration");
}

/* Rules over the whole config, reported at the key or section to change. */
static void whole_config_errors(void **state)
{
	(void)state;
	refused("[daemon]\nwindow = 60\n", "cfg: no [protect] section", "at least one");
	refused("[daemon]\n[protect]\n[user a]\n", "cfg:2:", "[protect] lists no ports");
	refused(BASE "open = tcp/80\n", "cfg:6:", "duplicate key 'open'");
	refused("[user alice]\nkey = /k\nopen = tcp/22, tcp/80\n"
		"[protect]\nports = tcp/22\n", "cfg:3:",
		"user alice: open tcp/80 is not a protected port");
	refused("[daemon]\nmax_lease = 10m\n[protect]\nports = tcp/22\n"
		"[user a]\nkey = /k\nmax_lease = 11m\n", "cfg:7:",
		"user a: max_lease (660 s) exceeds the daemon's max_lease (600 s)");
	refused("[daemon]\ndefault_lease = 2h\n" BASE, "cfg:2:",
		"default_lease (7200 s) exceeds max_lease (3600 s)");
	refused("[daemon]\nmax_lease = 10\n" BASE, "cfg:2:",
		"default_lease (30 s) exceeds max_lease (10 s)");
	refused(BASE "[user bob]\nopen = tcp/22\n", "cfg:6:", "user bob has no key");
	refused(BASE "[user bob]\nkey = /etc/postern/users/alice.key\n", "cfg:7:",
		"is also user alice's (line 4)");
	refused("[daemon]\n\nfirewall = mark\n" BASE, "cfg:3:",
		"firewall = mark needs a mark");
}

static void load_from_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_config_XXXXXX";
	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "\xEF\xBB\xBF[protect]\r\nports = tcp/22\r\n[bad]\n";
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)sizeof text - 1);
	close(fd);
	assert_int_equal(config_load(path, 0, &c, &err), -1);
	char want[64];
	snprintf(want, sizeof want, "%s:3: unknown section [bad]", path);
	assert_memory_equal(err.msg, want, strlen(want));
	assert_int_equal(truncate(path, sizeof text - 1 - 6), 0);
	assert_int_equal(config_load(path, 0, &c, &err), 0);
	assert_int_equal(c->nprotect, 1);
	config_free(c);
	unlink(path);
	assert_int_equal(config_load(path, 0, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cannot open"));
}

/* The shipped example loads (when the tests run from the source tree). */
static void example_config_loads(void **state)
{
	(void)state;
	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	if (access("etc/postern.conf", R_OK) != 0)
		skip();
	if (config_load("etc/postern.conf", 0, &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_non_null(config_find_user(c, "alice"));
	config_free(c);
}

/* ---- golden: the normalised print ---- */

static char *print_to_string(const struct config *c)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	config_print(c, f);
	fclose(f);
	return out;
}

static const char golden[] =
	"# postern configuration, normalised from cfg\n"
	"[daemon]\n"
	"interfaces = eth0, wg0\n"
	"knock_ports = udp/62201, udp/4000\n"
	"state = /srv/postern/state.db\n"
	"table = pst_1\n"
	"run_as = _postern\n"
	"window = 120\n"
	"default_lease = 45\n"
	"max_lease = 7200\n"
	"firewall = mark\n"
	"mark = 0x10000\n"
	"icmp = yes\n"
	"capture_buffer = auto\n"
	"kernel_filter = ports\n"
	"dns = off\n"
	"expiry_warning = 1209600\n"
	"\n"
	"[protect]\n"
	"ports = tcp/22, tcp/443, udp/53, tcp/8443\n"
	"\n"
	"[user bob]\n"
	"key = /k/bob.key\n"
	"open = tcp/443\n"
	"max_lease = 300\n"
	"targets = source, 10.1.0.0/16, 2001:db8::/48\n"
	"disabled = yes\n"
	"sources = any\n"
	"allow_wide_targets = no\n"
	"require_target = no\n"
	"hours = any\n"
	"timezone = local\n"
	"schemes = any\n"
	"carriers = any\n"
	"expires = never\n";

static void print_golden(void **state)
{
	(void)state;
	struct config *c = load_ok(full);
	char *text = print_to_string(c);
	assert_string_equal(text, golden);
	config_free(c);

	/* The print reads back to the same config. */
	c = load_ok(text);
	char *again = print_to_string(c);
	assert_string_equal(again, golden);
	free(again);
	free(text);
	config_free(c);
}

static void print_defaults_and_no_users(void **state)
{
	(void)state;
	struct config *c = load_ok("[protect]\nports = TCP/22\n");
	char *text = print_to_string(c);
	assert_string_equal(text,
		"# postern configuration, normalised from cfg\n"
		"[daemon]\n"
		"interfaces = any\n"
		"knock_ports = udp/62201\n"
		"state = /var/lib/postern/state.db\n"
		"table = postern\n"
		"run_as = postern\n"
		"window = 60\n"
		"default_lease = 30\n"
		"max_lease = 3600\n"
		"firewall = drop\n"
		"icmp = no\n"
		"capture_buffer = auto\n"
		"kernel_filter = ports\n"
		"dns = off\n"
		"expiry_warning = 1209600\n"
		"\n"
		"[protect]\n"
		"ports = tcp/22\n"
		"\n"
		"# no users: every knock will be refused\n");
	free(text);
	config_free(c);
}

/* text loaded, printed (config_print) and the print loaded again. */
static struct config *load_printed(const char *text)
{
	struct config *c = load_ok(text);
	char *printed = print_to_string(c);
	config_free(c);
	c = load_ok(printed);
	free(printed);
	return c;
}

/* [daemon] capture_buffer: bytes, k or m; bounded; a clear refusal. */
static void capture_buffer_sizes(void **state)
{
	(void)state;
	static const struct { const char *v; uint32_t bytes; } ok[] = {
		{ "8m", 8u << 20 }, { "2M", 2u << 20 }, { "2048k", 2u << 20 },
		{ "262144", 256u << 10 }, { "1024m", 1u << 30 },
		{ "auto", CONFIG_CAPTURE_BUFFER_AUTO }, { "AUTO", CONFIG_CAPTURE_BUFFER_AUTO },
	};
	char text[256];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(text, sizeof text, "[daemon]\ncapture_buffer = %s\n"
			"[protect]\nports = tcp/22\n", ok[i].v);
		struct config *c = load_ok(text);
		assert_int_equal(c->capture_buffer, ok[i].bytes);
		config_free(c);
		/* What config_print writes ("auto" or bytes) reads back. */
		c = load_printed(text);
		assert_int_equal(c->capture_buffer, ok[i].bytes);
		config_free(c);
	}
	static const char *const bad[] = { "m", "8g", "8 m", "-1", "8mb",
		"255k", "1025m", "99999999999", "0", "automatic" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[daemon]\ncapture_buffer = %s\n"
			"[protect]\nports = tcp/22\n", bad[i]);
		refused(text, "cfg:2", "capture_buffer: '");
	}
}

/* [daemon] kernel_filter: ports (the default) or tags; printed and read back. */
static void kernel_filter_modes(void **state)
{
	(void)state;
	struct config *c = load_ok("[daemon]\n[protect]\nports = tcp/22\n");
	assert_false(c->kernel_filter_tags);
	config_free(c);
	static const struct { const char *v; bool tags; } ok[] = {
		{ "ports", false }, { "tags", true }, { "TAGS", true },
	};
	char text[256];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(text, sizeof text, "[daemon]\nkernel_filter = %s\n"
			"[protect]\nports = tcp/22\n", ok[i].v);
		c = load_ok(text);
		assert_int_equal(c->kernel_filter_tags, ok[i].tags);
		config_free(c);
		c = load_printed(text);
		assert_int_equal(c->kernel_filter_tags, ok[i].tags);
		config_free(c);
	}
	refused("[daemon]\nkernel_filter = bpf\n[protect]\nports = tcp/22\n", "cfg:2",
		"kernel_filter: 'bpf' is neither ports nor tags");
}

/* ---- key files ---- */

struct keydir {
	char dir[64];
	char path[3][128];
	char config[1024];
	uint8_t secret[3][KNOCK_MASTER_BYTES];
};

static void write_key(const char *path, const char *user,
	const uint8_t secret[KNOCK_MASTER_BYTES], mode_t mode)
{
	char b64[sodium_base64_ENCODED_LEN(KNOCK_MASTER_BYTES,
		sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof b64, secret, KNOCK_MASTER_BYTES,
		sodium_base64_VARIANT_ORIGINAL);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "postern-key 1\nuser %s\nsecret %s\n", user, b64);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* A temp dir with alice.key and bob.key (0600) and a config naming them. */
static int keydir_setup(void **state)
{
	struct keydir *k = calloc(1, sizeof *k);
	const char *users[] = { "alice", "bob" };
	snprintf(k->dir, sizeof k->dir, "/tmp/test_config_keys_XXXXXX");
	if (!k || !mkdtemp(k->dir))
		return -1;
	for (int i = 0; i < 2; i++) {
		snprintf(k->path[i], sizeof k->path[i], "%s/%s.key", k->dir, users[i]);
		randombytes_buf(k->secret[i], KNOCK_MASTER_BYTES);
		write_key(k->path[i], users[i], k->secret[i], 0600);
	}
	snprintf(k->path[2], sizeof k->path[2], "%s/other.key", k->dir);
	snprintf(k->config, sizeof k->config,
		"[protect]\nports = tcp/22\n"
		"[user alice]\nkey = %s\nopen = tcp/22\n"
		"[user bob]\nkey = %s\n", k->path[0], k->path[1]);
	*state = k;
	return 0;
}

static int keydir_teardown(void **state)
{
	struct keydir *k = *state;
	for (int i = 0; i < 3; i++)
		unlink(k->path[i]);
	rmdir(k->dir);
	free(k);
	return 0;
}

/* Users by name: exact and case-folded (DNS labels), across thousands. */
static void find_users_by_name(void **state)
{
	(void)state;
	enum { N = 3000 };
	size_t cap = 64 + N * 48;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t len = (size_t)snprintf(text, cap, "[protect]\nports = tcp/22\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
			"[user User%d]\nkey = /k/%d\nopen = tcp/22\n", i, i);
	struct config *c;
	struct errbuf err;
	if (config_load_string(text, "test", 0, &c, &err) != 0)
		fail_msg("%s", err.msg);
	free(text);
	for (int i = 0; i < N; i += 7) {
		char name[32], lower[32];
		snprintf(name, sizeof name, "User%d", i);
		snprintf(lower, sizeof lower, "uSER%d", i);
		const struct config_user *u = config_find_user(c, name);
		assert_non_null(u);
		assert_string_equal(u->name, name);
		assert_ptr_equal(&c->users[i], u);
		assert_null(config_find_user(c, lower)); /* exact: case counts */
		assert_ptr_equal(config_find_user_nocase(c, lower), u);
	}
	assert_null(config_find_user(c, "User3000"));
	assert_null(config_find_user_nocase(c, "nobody"));
	assert_null(config_find_user(c, ""));
	/* SPA only: no knock names its user, so the capture child frees the
	 * index; lookups still answer (by walking the users). */
	assert_false(config_names_user_in_knocks(c));
	config_names_release(c);
	assert_null(c->name_slot);
	assert_ptr_equal(config_find_user(c, "User2999"), &c->users[2999]);
	assert_ptr_equal(config_find_user_nocase(c, "user5"), &c->users[5]);
	assert_null(config_find_user(c, "User3000"));
	config_free(c);
}

/* Which configs' knocks name their user (the child keeps the index). */
static void names_in_knocks(void **state)
{
	(void)state;
	static const char *const naming[] = {
		"token = hotp\ntoken_key = /k/a.token\ntoken_open = tcp/22\n",
		"sequence = udp/1000,udp/2000,udp/3000\n",
	};
	struct config *c;
	struct errbuf err;
	if (config_load_string("[protect]\nports = tcp/22\n[user a]\nkey = /k/a\nopen = tcp/22\n",
		"test", 0, &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_false(config_names_user_in_knocks(c));
	config_free(c);
	for (size_t i = 0; i < sizeof naming / sizeof naming[0]; i++) {
		char text[512];
		snprintf(text, sizeof text, "[protect]\nports = tcp/22\n[user a]\nkey = /k/a\n"
			"open = tcp/22\n%s", naming[i]);
		if (config_load_string(text, "test", 0, &c, &err) != 0)
			fail_msg("%s: %s", naming[i], err.msg);
		assert_true(config_names_user_in_knocks(c));
		config_free(c);
	}
}

static void keys_loaded(void **state)
{
	struct keydir *k = *state;
	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	struct user_keys want;

	if (config_load_string(k->config, "cfg", CONFIG_LOAD_KEYS, &c, &err) != 0)
		fail_msg("refused: %s", err.msg);
	for (int i = 0; i < 2; i++) {
		knock_derive_keys(k->secret[i], &want);
		assert_memory_equal(derived(c, &c->users[i]), &want, sizeof want);
		assert_memory_equal(config_user_tag_key(c, &c->users[i]), want.tag_key,
			sizeof want.tag_key);
	}
	sodium_memzero(&want, sizeof want);
	config_free(c);

	/* Without the flag the files are not even opened, and there are no keys. */
	unlink(k->path[1]);
	assert_int_equal(config_load_string(k->config, "cfg", 0, &c, &err), 0);
	struct user_keys none;
	assert_false(config_user_keys(c, &c->users[0], &none));
	assert_null(config_user_tag_key(c, &c->users[0]));
	config_free(c);
}

static void key_errors_refuse_whole_config(void **state)
{
	struct keydir *k = *state;
	struct config *c = (struct config *)1;
	struct errbuf err = { { 0 } };

	/* Readable by others: refused, at bob's key line (7). */
	assert_int_equal(chmod(k->path[1], 0644), 0);
	assert_int_equal(config_load_string(k->config, "cfg", CONFIG_LOAD_KEYS, &c, &err), -1);
	assert_null(c);
	assert_non_null(strstr(err.msg, "cfg:7: user bob: "));
	assert_non_null(strstr(err.msg, "mode 0644"));

	/* Missing. */
	unlink(k->path[1]);
	assert_int_equal(config_load_string(k->config, "cfg", CONFIG_LOAD_KEYS, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cfg:7: user bob: "));
	assert_non_null(strstr(err.msg, "cannot open"));

	/* Someone else's key. */
	write_key(k->path[1], "carol", k->secret[1], 0600);
	assert_int_equal(config_load_string(k->config, "cfg", CONFIG_LOAD_KEYS, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cfg:7: user bob: key file"));
	assert_non_null(strstr(err.msg, "belongs to user 'carol'"));

	/* Alice's secret copied for bob. */
	unlink(k->path[1]);
	write_key(k->path[1], "bob", k->secret[0], 0600);
	assert_int_equal(config_load_string(k->config, "cfg", CONFIG_LOAD_KEYS, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cfg:7: user bob has the same secret as user alice"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(every_key),
		cmocka_unit_test(zero_users_allowed),
		cmocka_unit_test(line_errors),
		cmocka_unit_test(line_limits),
		cmocka_unit_test(first_error_wins),
		cmocka_unit_test(whole_config_errors),
		cmocka_unit_test(load_from_file),
		cmocka_unit_test(example_config_loads),
		cmocka_unit_test(print_golden),
		cmocka_unit_test(capture_buffer_sizes),
		cmocka_unit_test(kernel_filter_modes),
		cmocka_unit_test(print_defaults_and_no_users),
		cmocka_unit_test(find_users_by_name),
		cmocka_unit_test(names_in_knocks),
		cmocka_unit_test_setup_teardown(keys_loaded, keydir_setup, keydir_teardown),
		cmocka_unit_test_setup_teardown(key_errors_refuse_whole_config,
			keydir_setup, keydir_teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
