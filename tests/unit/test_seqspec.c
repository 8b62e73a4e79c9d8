/* test_seqspec — knockd's sequence syntax, one-time sequence files, watch
 * ranges, and the sequence keys of postern.conf with their refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "seqspec.h"

static void steps(void **state)
{
	(void)state;
	struct portspec p;
	assert_true(seqspec_parse_step("7000", &p));
	assert_int_equal(p.proto, IPPROTO_TCP); /* knockd's default */
	assert_int_equal(p.port, 7000);
	assert_true(seqspec_parse_step("8000:udp", &p));
	assert_int_equal(p.proto, IPPROTO_UDP);
	assert_true(seqspec_parse_step("9000:TCP", &p));
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_true(seqspec_parse_step("udp/53", &p));
	assert_int_equal(p.port, 53);
	const char *bad[] = { "", "0", "65536", "07000", "7000:", "7000:icmp",
		":tcp", "-1", "7000:tcp:udp", "tcp/0", "x" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(seqspec_parse_step(bad[i], &p));
}

static void sequences(void **state)
{
	(void)state;
	struct seqspec s;
	char why[128], buf[SEQSPEC_STRLEN];
	const char *line = "7000:tcp, 8000:udp,9000 ";
	assert_true(seqspec_parse(line, strlen(line), &s, why));
	assert_int_equal(s.n, 3);
	assert_string_equal(seqspec_format(&s, buf), "7000:tcp,8000:udp,9000:tcp");
	assert_false(seqspec_parse("7000,8000", 9, &s, why)); /* too short */
	assert_non_null(strstr(why, "at least 3"));
	assert_false(seqspec_parse("7000,,8000,9000", 15, &s, why));
	assert_false(seqspec_parse("7000,8000,9000,", 15, &s, why));
	assert_false(seqspec_parse("", 0, &s, why));
	char many[256] = "1";
	for (int i = 2; i <= SEQ_MAX_STEPS + 1; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), ",%d", i);
	assert_false(seqspec_parse(many, strlen(many), &s, why));
	assert_non_null(strstr(why, "more than"));
}

static void ranges(void **state)
{
	(void)state;
	struct portrange r;
	char buf[20];
	assert_true(portrange_parse("tcp/1-65535", &r));
	assert_string_equal(portrange_format(&r, buf), "tcp/1-65535");
	assert_true(portrange_contains(&r, &(struct portspec){ IPPROTO_TCP, 1 }));
	assert_false(portrange_contains(&r, &(struct portspec){ IPPROTO_UDP, 1 }));
	assert_true(portrange_parse("udp/53", &r));
	assert_string_equal(portrange_format(&r, buf), "udp/53");
	assert_false(portrange_parse("tcp/9-8", &r));
	assert_false(portrange_parse("tcp/0-8", &r));
	assert_false(portrange_parse("sctp/1-2", &r));
	assert_false(portrange_parse("1-2", &r));
}

static void one_time_file(void **state)
{
	(void)state;
	struct seqlist l;
	struct errbuf err;
	const char *text = "# knockd one-time sequences\n"
		" 2000,3000,4000\n"
		"#5000,6000,7000\n" /* used: knockd wrote '#' over the first char */
		"\n"
		"\t6000:udp, 7000:tcp, 8000\r\n"
		"9000,9001,9002"; /* no final newline */
	assert_int_equal(seqlist_parse((const uint8_t *)text, strlen(text), "f", &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.seq[0].step[0].port, 2000);
	assert_int_equal(l.seq[1].step[0].proto, IPPROTO_UDP);
	assert_int_equal(l.seq[2].step[2].port, 9002);
	seqlist_free(&l);
	seqlist_free(&l); /* twice is fine */

	const char *bad = "1000,2000,3000\n1000,2000\n";
	assert_int_equal(seqlist_parse((const uint8_t *)bad, strlen(bad), "f", &l, &err), -1);
	assert_non_null(strstr(err.msg, "f:2:"));
	assert_int_equal(seqlist_parse((const uint8_t *)"# only\n", 7, "f", &l, &err), -1);
	assert_non_null(strstr(err.msg, "no sequences"));
	const uint8_t nul[] = "1000,2\0000,3000\n";
	assert_int_equal(seqlist_parse(nul, sizeof nul - 1, "f", &l, &err), -1);
	assert_null(l.seq);
}

static void file_permissions(void **state)
{
	(void)state;
	char path[] = "/tmp/test_seqspec.XXXXXX";
	struct seqlist l;
	struct errbuf err;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "1,2,3\n4,5,6\n", 12), 12);
	close(fd);
	assert_int_equal(seqlist_read(path, &l, &err), 0);
	assert_int_equal(l.n, 2);
	seqlist_free(&l);
	chmod(path, 0644);
	assert_int_equal(seqlist_read(path, &l, &err), -1);
	assert_non_null(strstr(err.msg, "chmod 600"));
	unlink(path);
	assert_int_equal(seqlist_read(path, &l, &err), -1);
}

#define BASE "[protect]\nports = tcp/22, tcp/443\n[user alice]\n" \
	"key = /etc/postern/users/alice.key\nopen = tcp/22, tcp/443\n"

static void config_keys(void **state)
{
	(void)state;
	struct config *c = NULL;
	struct errbuf err;
	const char *text = BASE "sequence = 7000:tcp, 8000:udp, 9000\n"
		"sequence_open = tcp/22\nsequence_timeout = 3s\nsequence_tolerance = 1\n";
	assert_int_equal(config_load_string(text, "cfg", 0, &c, &err), 0);
	const struct config_user *u = &c->users[0];
	assert_int_equal(u->prof->seq->sequence.n, 3);
	assert_int_equal(u->prof->seq->sequence.step[1].proto, IPPROTO_UDP);
	assert_int_equal(u->prof->seq->timeout, 3);
	assert_int_equal(u->prof->seq->tolerance, 1);
	assert_int_equal(u->prof->seq->nopen, 1);
	assert_true(config_uses_sequences(c));
	assert_int_equal(c->seq.nwatch, 2); /* default: everything */
	assert_int_equal(c->seq.sources, SEQ_DEFAULT_SOURCES);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	config_print(c, f);
	fclose(f);
	assert_non_null(strstr(out, "sequence_watch = tcp/1-65535, udp/1-65535\n"));
	assert_non_null(strstr(out, "sequence = 7000:tcp,8000:udp,9000:tcp\n"));
	assert_non_null(strstr(out, "sequence_open = tcp/22\n"));
	/* the normalised print reads back to the same */
	struct config *again = NULL;
	assert_int_equal(config_load_string(out, "again", 0, &again, &err), 0);
	assert_true(seqspec_equal(&again->users[0].prof->seq->sequence,
		&u->prof->seq->sequence));
	config_free(again);
	free(out);
	config_free(c);

	/* default sequence_open: the user's open list */
	text = BASE "sequence = 1,2,3\n[daemon]\nsequence_watch = tcp/1-100\nsyn_ports = tcp/4444\n";
	assert_int_equal(config_load_string(text, "cfg", 0, &c, &err), 0);
	assert_int_equal(c->users[0].prof->seq->nopen, 2);
	assert_int_equal(c->seq.nwatch, 1);
	assert_int_equal(c->seq.nsyn_ports, 1);
	config_free(c);
	/* no sequences: nothing is captured for them */
	assert_int_equal(config_load_string(BASE, "cfg", 0, &c, &err), 0);
	assert_false(config_uses_sequences(c));
	config_free(c);
}

static void refused(const char *text, const char *reason)
{
	struct config *c = NULL;
	struct errbuf err = { { 0 } };
	assert_int_equal(config_load_string(text, "cfg", 0, &c, &err), -1);
	if (!strstr(err.msg, reason))
		fail_msg("'%s' does not say '%s'", err.msg, reason);
	assert_null(c);
}

static void config_refusals(void **state)
{
	(void)state;
	refused(BASE "sequence = 7000, 8000\n", "at least 3");
	refused(BASE "sequence = 7000, 8000:icmp, 9000\n", "cfg:6: sequence: bad step '8000:icmp'");
	refused(BASE "sequence = 1,2,3\nsequence_tolerance = 2\n", "any order");
	refused(BASE "sequence = 1,2,3\nsequence_tolerance = 4\n", "0..3");
	refused(BASE "sequence = 1,2,3\nsequence_timeout = 61s\n", "1..60");
	refused(BASE "sequence = 1,2,3\nsequence_open = tcp/80\n", "not in the user's open");
	refused(BASE "sequence_open = tcp/22\n", "without sequence");
	refused(BASE "one_time_sequences = relative.seqs\n", "absolute");
	refused(BASE "sequence = 1,2,3:udp\n[daemon]\nsequence_watch = tcp/1-65535\n",
		"outside [daemon] sequence_watch");
	refused("[daemon]\nsequence_watch = tcp/5-1\n" BASE, "bad range");
	refused("[daemon]\nsyn_ports = udp/4444\n" BASE, "expected tcp/N");
	refused("[daemon]\nsequence_sources = 3\n" BASE, "sequence_sources");
	refused(BASE "sequence = 1,2,3\n[user bob]\nkey = /k/bob\nopen = tcp/22\n"
		"sequence = 1,2,3\n", "the same sequence as user alice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steps),
		cmocka_unit_test(sequences),
		cmocka_unit_test(ranges),
		cmocka_unit_test(one_time_file),
		cmocka_unit_test(file_permissions),
		cmocka_unit_test(config_keys),
		cmocka_unit_test(config_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
