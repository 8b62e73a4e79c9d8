/* test_trigger — the pieces of triggers that need no root: splitting a
 * command line into argv, the argument checks (metacharacters, anchored
 * patterns, whole matches), the clean environment, the nft element list
 * of the reconciliation, and the [trigger] config keys with their
 * refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmdline.h"
#include "config.h"
#include "fwlease.h"
#include "trigarg.h"
#include "trigexec.h"

static void split(const char *s, size_t argc, const char *const *want)
{
	struct cmdline c;
	const char *why = NULL;
	assert_true(cmdline_split(s, &c, &why));
	assert_int_equal(c.argc, argc);
	for (size_t i = 0; i < argc; i++)
		assert_string_equal(c.argv[i], want[i]);
	assert_null(c.argv[argc]);
}

static void refused(const char *s, const char *reason)
{
	struct cmdline c;
	const char *why = NULL;
	assert_false(cmdline_split(s, &c, &why));
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void cmdline_rules(void **state)
{
	(void)state;
	split("/usr/bin/systemctl restart nginx", 3,
		(const char *const[]){ "/usr/bin/systemctl", "restart", "nginx" });
	split("  /bin/x\t a  b ", 3, (const char *const[]){ "/bin/x", "a", "b" });
	split("/bin/x 'two words' \"and \\\"three\\\" \\\\ \\n\"", 3,
		(const char *const[]){ "/bin/x", "two words", "and \"three\" \\ \\n" });
	split("/bin/x a\\ b '' \"\" c'd'\"e\"", 5,
		(const char *const[]){ "/bin/x", "a b", "", "", "cde" });
	/* Nothing a shell would read is special here. */
	split("/bin/x ; | & $HOME `id` > /tmp/f *", 9, (const char *const[]){
		"/bin/x", ";", "|", "&", "$HOME", "`id`", ">", "/tmp/f", "*" });
	split("/bin/x 'it''s'", 2, (const char *const[]){ "/bin/x", "its" });
	refused("", "empty command");
	refused("   ", "empty command");
	refused("systemctl restart", "the program must be an absolute path");
	refused("'/bin/x", "unterminated '");
	refused("/bin/x \"a", "unterminated \"");
	refused("/bin/x a\\", "trailing backslash");
	char many[200] = "/bin/x";
	for (int i = 0; i < 32; i++)
		strcat(many, " a");
	refused(many, "more than 32 words");
	char longcmd[1200] = "/bin/";
	memset(longcmd + 5, 'x', 1100);
	longcmd[1105] = '\0';
	refused(longcmd, "command line longer than 1024 bytes");
}

static void cmdline_append_one(void **state)
{
	(void)state;
	struct cmdline c;
	const char *why;
	assert_true(cmdline_split("/bin/echo a", &c, &why));
	assert_true(cmdline_append(&c, "x y;z"));
	assert_int_equal(c.argc, 3);
	assert_string_equal(c.argv[2], "x y;z"); /* one element, whatever it holds */
	assert_null(c.argv[3]);
	assert_false(cmdline_append(&c, "abcdefghijklmnopq")); /* 17 bytes */
}

static void arguments(void **state)
{
	(void)state;
	assert_null(trigarg_forbidden("web-01"));
	assert_null(trigarg_forbidden("a.b_c:d/e@f+g=h,i"));
	const char *bad[] = { "a;b", "a|b", "a&b", "$x", "`id`", "a<b", "a>b", "(a)",
		"{a}", "[a]", "a*", "a?", "~root", "!1", "#x", "'a'", "\"a\"", "a\\b",
		"a b", "-rf", "a\tb" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_non_null(trigarg_forbidden(bad[i]));
	assert_int_equal(*trigarg_forbidden("ab;c"), ';');
	assert_null(trigarg_forbidden("a-b")); /* '-' only at the start */

	char why[256];
	assert_true(trigarg_pattern_ok("^[a-z0-9-]{1,16}$", why, sizeof why));
	assert_false(trigarg_pattern_ok("[a-z]+", why, sizeof why));
	assert_false(trigarg_pattern_ok("^[a-z]+", why, sizeof why));
	assert_false(trigarg_pattern_ok("^[a-z]+\\$", why, sizeof why));
	assert_false(trigarg_pattern_ok("^[a-z$", why, sizeof why));
	assert_non_null(strstr(why, "^[a-z$"));
	/* Stacked repetitions make glibc's regcomp explode (found by fuzz_trigarg). */
	assert_false(trigarg_pattern_ok("^2++++++++++++++++$", why, sizeof why));
	assert_non_null(strstr(why, "a repetition may not follow another"));
	assert_false(trigarg_pattern_ok("^a{2}{3}$", why, sizeof why));
	assert_false(trigarg_pattern_ok("^a{65}$", why, sizeof why));
	assert_false(trigarg_pattern_ok("^(a)\\1$", why, sizeof why));
	assert_true(trigarg_pattern_ok("^[+*]{1,16}$", why, sizeof why));
	assert_true(trigarg_pattern_ok("^a\\++$", why, sizeof why));

	assert_int_equal(trigarg_match("^[a-z0-9-]{1,16}$", "web-01"), 1);
	assert_int_equal(trigarg_match("^[a-z0-9-]{1,16}$", "Web"), 0);
	/* An alternation hides its anchors: the whole must still match. */
	assert_int_equal(trigarg_match("^a|b$", "xb"), 0);
	assert_int_equal(trigarg_match("^a|b$", "ax"), 0);
	assert_int_equal(trigarg_match("^a|b$", "a"), 1);
	assert_int_equal(trigarg_match("^(", "a"), -1);

	char out[64];
	trigarg_escape("a;b\"c", out, sizeof out);
	assert_string_equal(out, "a\\x3bb\\x22c");
	trigarg_escape("abcdef", out, 4);
	assert_string_equal(out, "abc");
}

static void environment(void **state)
{
	(void)state;
	struct trigenv e;
	trigenv_init(&e);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.envp[0], "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	assert_string_equal(e.envp[1], "LANG=C");
	assert_true(trigenv_add(&e, "POSTERN_USER", "alice"));
	assert_true(trigenv_add(&e, "POSTERN_PORTS", "tcp/22 tcp/443"));
	assert_false(trigenv_add(&e, "POSTERN_USER", "bob")); /* once each */
	assert_false(trigenv_add(&e, "LD_PRELOAD", "/x.so")); /* only POSTERN_* */
	assert_false(trigenv_add(&e, "POSTERN_", "x"));
	assert_false(trigenv_add(&e, "POSTERN_a", "x"));
	assert_false(trigenv_add(&e, "POSTERN_X=Y", "x"));
	assert_false(trigenv_add(&e, "POSTERN_SRC", "a\nb")); /* no control chars */
	assert_int_equal(e.n, 4);
	assert_null(e.envp[4]);
	assert_string_equal(trigenv_get(&e, "POSTERN_PORTS"), "tcp/22 tcp/443");
	assert_null(trigenv_get(&e, "POSTERN_SRC"));
	char big[TRIGENV_BYTES];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_false(trigenv_add(&e, "POSTERN_BIG", big));
}

struct seen {
	struct fwlease_elem e[8];
	size_t n;
};

static void collect(void *ctx, const struct fwlease_elem *e)
{
	struct seen *s = ctx;
	if (s->n < 8)
		s->e[s->n++] = *e;
}

static void nft_listing(void **state)
{
	(void)state;
	const char *text =
		"table inet postern {\n\tset leases4 {\n"
		"\t\ttype ipv4_addr . inet_proto . inet_service\n\t\tflags timeout\n"
		"\t\telements = { 10.0.0.2 . tcp . 22 timeout 30s expires 29s932ms,\n"
		"\t\t\t     10.0.0.3 . udp . 443 timeout 1h expires 59m59s }\n\t}\n}\n";
	struct seen s = { 0 };
	assert_int_equal(fwlease_parse(text, strlen(text), false, collect, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.e[0].addr.family, AF_INET);
	assert_int_equal(s.e[0].port.proto, IPPROTO_TCP);
	assert_int_equal(s.e[0].port.port, 22);
	assert_int_equal(s.e[1].port.proto, IPPROTO_UDP);
	assert_int_equal(s.e[1].port.port, 443);
	const char *v6 = "elements = { fd77::2 . tcp . 22 timeout 30s expires 29s }";
	s.n = 0;
	assert_int_equal(fwlease_parse(v6, strlen(v6), true, collect, &s), 1);
	assert_int_equal(s.e[0].addr.family, AF_INET6);
	assert_true(s.e[0].once);
	const char *empty = "table inet postern {\n\tset leases4 {\n\t}\n}\n";
	assert_int_equal(fwlease_parse(empty, strlen(empty), false, collect, &s), 0);
	const char *bad = "elements = { nonsense }";
	assert_int_equal(fwlease_parse(bad, strlen(bad), false, collect, &s), -1);
}

static const char base[] =
	"[daemon]\nstate = /tmp/x.db\n[protect]\nports = tcp/22\n"
	"[user alice]\nkey = /etc/postern/users/alice.key\nopen = tcp/22\n";

static int load(const char *extra, struct config **c, struct errbuf *err)
{
	char text[4096];
	snprintf(text, sizeof text, "%s%s", base, extra);
	return config_load_string(text, "t.conf", 0, c, err);
}

static void config_ok(void **state)
{
	(void)state;
	struct config *c;
	struct errbuf err;
	int rc = load("triggers = restart\non_open = note\non_close = note\none_shot = yes\n"
		"[trigger restart]\nid = 3\ncommand = /usr/bin/systemctl restart nginx\n"
		"args_pattern = ^[a-z0-9-]{1,16}$\nrun_as = www-data\ntimeout = 1m\n"
		"max_running = 2\n[trigger note]\ncommand = /usr/local/bin/note\n", &c, &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c->ntriggers, 2);
	assert_int_equal(c->triggers[0].id, 3);
	assert_int_equal(c->triggers[0].timeout, 60);
	assert_int_equal(c->triggers[0].max_running, 2);
	assert_string_equal(c->triggers[0].run_as, "www-data");
	assert_string_equal(c->triggers[1].run_as, "nobody"); /* the default */
	assert_int_equal(c->triggers[1].timeout, 10);
	assert_int_equal(c->triggers[1].max_running, 1);
	assert_int_equal(c->users[0].prof->trig->n, 1);
	assert_int_equal(c->users[0].prof->trig->idx[0], 0);
	assert_int_equal(c->users[0].prof->trig->open_idx, 1);
	assert_int_equal(c->users[0].prof->trig->close_idx, 1);
	assert_true(c->users[0].prof->trig->one_shot);
	assert_ptr_equal(config_find_trigger_id(c, 3), &c->triggers[0]);
	assert_null(config_find_trigger_id(c, 4));
	assert_null(config_find_trigger_id(c, 0)); /* the id-less hook */
	char *printed;
	size_t len;
	FILE *f = open_memstream(&printed, &len);
	config_print(c, f);
	fclose(f);
	assert_non_null(strstr(printed, "triggers = restart\non_open = note\n"
		"on_close = note\none_shot = yes\n"));
	assert_non_null(strstr(printed, "[trigger restart]\nid = 3\ncommand = "
		"/usr/bin/systemctl restart nginx\nargs_pattern = ^[a-z0-9-]{1,16}$\n"
		"run_as = www-data\ntimeout = 60\nmax_running = 2\n"));
	/* The normalised config reads back to the same. */
	struct config *back;
	if (config_load_string(printed, "printed", 0, &back, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(back->ntriggers, 2);
	config_free(back);
	free(printed);
	config_free(c);
}

static void config_refused(const char *extra, const char *msg)
{
	struct config *c = NULL;
	struct errbuf err;
	assert_int_equal(load(extra, &c, &err), -1);
	assert_null(c);
	if (!strstr(err.msg, msg))
		fail_msg("expected '%s' in '%s'", msg, err.msg);
}

static void config_refusals(void **state)
{
	(void)state;
	config_refused("[trigger t]\nid = 1\n", "t.conf:8: trigger t has no command");
	config_refused("[trigger t]\ncommand = bin/x\n", "t.conf:9: command: the program "
		"must be an absolute path");
	config_refused("[trigger t]\ncommand = /bin/x 'a\n", "command: unterminated '");
	config_refused("[trigger t]\nid = 0\n", "id: bad trigger id '0'");
	config_refused("[trigger t]\nid = 256\n", "id: bad trigger id '256'");
	config_refused("[trigger t]\ncommand = /bin/x\nargs_pattern = [a-z]+\n",
		"args_pattern: pattern '[a-z]+' is not anchored");
	config_refused("[trigger t]\ncommand = /bin/x\nargs_pattern = ^[a-$\n",
		"args_pattern: pattern '^[a-$'");
	config_refused("[trigger t]\ncommand = /bin/x\ntimeout = 2h\n", "timeout: bad duration");
	config_refused("[trigger t]\ncommand = /bin/x\nmax_running = 0\n", "max_running");
	config_refused("[trigger t]\ncommand = /bin/x\n[trigger t]\n",
		"trigger t is already defined at line 8");
	config_refused("[trigger a]\nid = 5\ncommand = /bin/x\n[trigger b]\nid = 5\n"
		"command = /bin/y\n", "trigger b: id 5 is also trigger a's");
	config_refused("triggers = nosuch\n", "triggers: nosuch names no [trigger nosuch]");
	config_refused("on_close = nosuch\n", "on_close = nosuch names no [trigger nosuch]");
	config_refused("triggers = h\n[trigger h]\ncommand = /bin/x\n",
		"trigger h has no id, so no knock can fire it");
	config_refused("triggers = a, a\n", "triggers: a listed twice");
	config_refused("one_shot = maybe\n", "one_shot: 'maybe' is neither yes nor no");
	config_refused("[trigger]\n", "[trigger] needs a name");
	config_refused("[trigger t]\nopen = tcp/22\n", "unknown key 'open' in [trigger t]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmdline_rules),
		cmocka_unit_test(cmdline_append_one),
		cmocka_unit_test(arguments),
		cmocka_unit_test(environment),
		cmocka_unit_test(nft_listing),
		cmocka_unit_test(config_ok),
		cmocka_unit_test(config_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
