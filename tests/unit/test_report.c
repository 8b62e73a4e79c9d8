/* test_report — the access review's findings (src/client/report.c,
 * report_pattern.c) and its two renderings (report_text.c, report_html.c)
 * on a made-up history, at a fixed "now": Thu 2026-11-26 12:00 UTC. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "report.h"
#include "report_render.h"

#define NOW 1795694400ULL /* Thu 2026-11-26 12:00:00 UTC */
#define DAY 86400ULL
#define HOUR 3600ULL

static const char conf[] =
	"[daemon]\nstate = /nonexistent/state.db\n"
	"[protect]\nports = tcp/22\n"
	"[user alice]\nkey = /k/alice.key\nopen = tcp/22\n"
	"hours = Mon-Fri 08:00-18:00\ntimezone = UTC\nexpires = 2026-12-03\n"
	"[user bob]\nkey = /k/bob.key\nopen = tcp/22\ntimezone = UTC\n"
	"[user carol]\nkey = /k/carol.key\nopen = tcp/22\ndisabled = yes\n"
	"[user dave]\nkey = /k/dave.key\nopen = tcp/22\nexpires = 2026-11-01\n";

struct fixture {
	struct config *c;
	struct report *r;
};

static int setup(void **state)
{
	static struct fixture fx;
	struct errbuf err;
	if (config_load_string(conf, "test.conf", 0, &fx.c, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	fx.r = report_new(fx.c, NOW, 30);
	if (!fx.r)
		return -1;
	struct report *r = fx.r;
	/* dave: long ago only: stale */
	report_add_knock(r, "dave", "10.0.0.4", NOW - 45 * DAY);
	/* bob: 20 knocks at 09:21..09:40 over 40 days from 10.0.0.3 (9 in the period) */
	for (uint64_t d = 40; d > 20; d--)
		report_add_knock(r, "bob", "10.0.0.3", NOW - d * DAY - 3 * HOUR + d * 60);
	/* alice: within her hours, then Saturday 03:00 from a new address */
	report_add_knock(r, "alice", "10.0.0.2", NOW - 10 * DAY);
	report_add_knock(r, "alice", "10.0.0.2", NOW - 9 * DAY);
	report_add_knock(r, "alice", "10.0.0.<9>", NOW - 5 * DAY - 9 * HOUR); /* Sat 03:00 */
	/* bob at 03:00 UTC, 2 days ago: outside the hours of 90% of his knocks */
	report_add_knock(r, "bob", "10.0.0.3", NOW - 2 * DAY - 9 * HOUR);
	report_add_knock(r, "alice", "10.0.0.2", NOW - 1 * HOUR);
	report_add_knock(r, "mallory", "10.6.6.6", NOW - 1 * HOUR); /* not in the config */
	assert_int_equal(report_add_chain(r, "bob", "tcp/22", 3), 0);
	assert_int_equal(report_add_chain(r, "alice", "tcp/22", 500), 0);
	assert_int_equal(report_add_chain(r, "dave", "tcp/22", 0), 0);
	assert_int_equal(report_analyse(r), 0);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	report_free(fx->r);
	config_free(fx->c);
	return 0;
}

/* The text of the findings of kind for user, one per line. */
static const char *findings(const struct report *r, enum report_kind kind, const char *user)
{
	static char buf[4096];
	buf[0] = '\0';
	for (size_t i = 0; i < r->nf; i++)
		if (r->f[i].kind == kind && strcmp(r->users[r->f[i].user].cu->name, user) == 0) {
			strncat(buf, r->f[i].text, sizeof buf - strlen(buf) - 2);
			strcat(buf, "\n");
		}
	return buf;
}

static void test_figures(void **state)
{
	const struct report *r = ((struct fixture *)*state)->r;
	assert_int_equal(r->nusers, 4);
	assert_int_equal(r->unknown, 1);
	const struct report_user *alice = &r->users[0], *carol = &r->users[2];
	assert_true(alice->seen);
	assert_int_equal(alice->in_period, 4);
	assert_int_equal(alice->last_at, NOW - HOUR);
	assert_string_equal(alice->last_addr, "10.0.0.2");
	assert_false(carol->seen);
	assert_int_equal(r->users[1].total, 21);
	assert_int_equal(r->users[1].in_period, 10);
	size_t sum = 0;
	for (unsigned d = 0; d < r->days; d++)
		sum += r->per_day[d];
	assert_int_equal(sum, 14);
	assert_int_equal(r->per_day[29], 1); /* today */
}

static void test_stale(void **state)
{
	const struct report *r = ((struct fixture *)*state)->r;
	assert_string_equal(findings(r, REPORT_STALE, "carol"), "never knocked\n");
	assert_non_null(strstr(findings(r, REPORT_STALE, "dave"), "no knock for 45 days"));
	assert_string_equal(findings(r, REPORT_STALE, "alice"), "");
	assert_string_equal(findings(r, REPORT_STALE, "bob"), "");
}

static void test_hours(void **state)
{
	const struct report *r = ((struct fixture *)*state)->r;
	const char *a = findings(r, REPORT_HOURS, "alice");
	assert_non_null(strstr(a, "2026-11-21 03:00Z (Sat 03:00 UTC): outside hours "
		"Mon-Fri 08:00-18:00"));
	assert_null(strchr(strchr(a, '\n') + 1, '\n')); /* only that one */
	const char *b = findings(r, REPORT_HOURS, "bob");
	assert_non_null(strstr(b, "2026-11-24 03:00Z (Tue 03:00 UTC): outside "
		"09:00-10:00, the hours of 90% of 21 knocks"));
	assert_null(strchr(strchr(b, '\n') + 1, '\n')); /* only that one */
}

static void test_sources(void **state)
{
	const struct report *r = ((struct fixture *)*state)->r;
	const char *a = findings(r, REPORT_SOURCE, "alice");
	assert_non_null(strstr(a, "10.0.0.<9>: seen once, 2026-11-21 03:00Z"));
	/* 10.0.0.2: three times, first 10 days ago: usual */
	assert_null(strstr(a, "10.0.0.2"));
	assert_string_equal(findings(r, REPORT_SOURCE, "bob"), "");
}

static void test_chains_expiry_disabled(void **state)
{
	const struct report *r = ((struct fixture *)*state)->r;
	assert_string_equal(findings(r, REPORT_OTP, "bob"), "tcp/22: 3 left (low water 10)\n");
	assert_string_equal(findings(r, REPORT_OTP, "alice"), "");
	assert_non_null(strstr(findings(r, REPORT_OTP, "dave"), "used up"));
	assert_string_equal(findings(r, REPORT_EXPIRY, "alice"),
		"key expires on 2026-12-03 (6 days left)\n");
	assert_string_equal(findings(r, REPORT_EXPIRY, "dave"), "key expired on 2026-11-01\n");
	assert_string_equal(findings(r, REPORT_DISABLED, "carol"), "disabled = yes\n");
	assert_int_equal(report_count(r, REPORT_DISABLED), 1);
}

static char *render(const struct report *r, bool html)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);
	assert_int_equal(html ? report_html(r, "/var/lib/<x>&.db", f)
		: report_text(r, "/var/lib/<x>&.db", f), 0);
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void test_text(void **state)
{
	const struct report *r = ((struct fixture *)*state)->r;
	char *t = render(r, false);
	assert_non_null(strstr(t, "STALE ACCOUNTS (no knock in the last 30 days)\n"
		"  carol  never knocked\n"));
	assert_non_null(strstr(t, "  alice  active         4  2026-11-26 11:00Z  10.0.0.2\n"));
	assert_non_null(strstr(t, "  bob    active        10  2026-11-24 03:00Z  10.0.0.3\n"));
	assert_non_null(strstr(t, "ONE-TIME PASSWORD CHAINS RUNNING LOW\n  bob    tcp/22: 3 left"));
	assert_non_null(strstr(t, "knocks by users no longer in the config: 1"));
	free(t);
}

static void test_html(void **state)
{
	const struct report *r = ((struct fixture *)*state)->r;
	char *h = render(r, true);
	assert_true(strncmp(h, "<!DOCTYPE html>\n", 16) == 0);
	/* user-controlled text is escaped, never raw */
	assert_null(strstr(h, "<9>"));
	assert_non_null(strstr(h, "10.0.0.&lt;9&gt;: seen once"));
	assert_null(strstr(h, "<x>"));
	assert_non_null(strstr(h, "/var/lib/&lt;x&gt;&amp;.db"));
	/* one bar per user in the per-user chart, one per day in the other */
	const char *users = strstr(h, "<svg id=\"per-user\"");
	const char *days = strstr(h, "<svg id=\"per-day\"");
	assert_non_null(users);
	assert_non_null(days);
	char *end = strstr(users, "</svg>");
	*end = '\0';
	assert_int_equal(count(users, "<rect class=\"bar"), 4);
	*end = '<';
	assert_int_equal(count(days, "<rect class=\"day\""), 30);
	/* self-contained */
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "http"));
	assert_null(strstr(h, "src="));
	assert_null(strstr(h, "href"));
	assert_null(strstr(h, "url("));
	assert_int_equal(count(h, "<table>"), count(h, "</table>"));
	free(h);
}

static void test_bounds(void **state)
{
	struct fixture *fx = *state;
	assert_null(report_new(fx->c, NOW, 0));
	assert_null(report_new(fx->c, NOW, REPORT_MAX_DAYS + 1));
	struct report *r = report_new(fx->c, 100, 30); /* now before the period */
	assert_non_null(r);
	assert_int_equal(r->since, 0);
	assert_int_equal(report_analyse(r), 0);
	report_free(r);
	report_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_chains_expiry_disabled),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
