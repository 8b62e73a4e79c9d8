/* postern report — an access review of the server's users from its config
 * and state store (report.h says what is found, report_render.h how it is
 * shown): text on standard output, and with --html FILE one self-contained
 * HTML page. Read-only: the lease history is read through state_query.h;
 * OTP chains, if any user has one, through otpchain_load. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "commands.h"
#include "otpchain.h"
#include "report.h"
#include "report_render.h"
#include "state_query.h"

#define REPORT_DEFAULT_DAYS 30

struct report_opts {
	const char *config, *state, *html;
	unsigned days;
};

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: postern report [--config FILE] [--state FILE] [--days N]\n"
		"                      [--html FILE]\n"
		"\n"
		"An access review: per user the knocks of the last N days, the last\n"
		"knock (when, from which address); stale accounts (no knock in N days,\n"
		"or never); knocks at unusual hours (outside the user's hours rule, or\n"
		"else outside the hours of 90%% of the user's knocks, given %d or more);\n"
		"unusual sources (an address seen once, or new this week); one-time\n"
		"password chains running low; keys expiring (within expiry_warning)\n"
		"or expired; disabled users. Times are UTC.\n"
		"\n"
		"  -c, --config FILE   the daemon's config (default " ADMIN_DEFAULT_CONFIG ")\n"
		"  -S, --state FILE    the state store (default: the config's state)\n"
		"  -d, --days N        the period, in days (default %d, 1..%d)\n"
		"  -H, --html FILE     also write the review as one HTML page (inline CSS\n"
		"                      and SVG charts, no scripts) to FILE (mode 0600);\n"
		"                      - writes it to standard output instead of the text\n"
		"  -h, --help          this help\n"
		"Exit status: 0, or 1 if the config or the state store cannot be read.\n",
		REPORT_MIN_HISTORY, REPORT_DEFAULT_DAYS, REPORT_MAX_DAYS);
}

static int parse(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 'S' },
		{ "days", required_argument, NULL, 'd' },
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:S:d:H:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'S': o->state = optarg; break;
		case 'H': o->html = optarg; break;
		case 'd': {
			char *end;
			errno = 0;
			unsigned long d = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || d < 1
				|| d > REPORT_MAX_DAYS) {
				fprintf(stderr, "postern report: bad --days '%s' (1..%d)\n",
					optarg, REPORT_MAX_DAYS);
				return EXIT_USAGE;
			}
			o->days = (unsigned)d;
			break;
		}
		case 'h': report_usage(stdout); return EXIT_OK;
		default: report_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "postern report: unexpected argument '%s'\n", argv[optind]);
		report_usage(stderr);
		return EXIT_USAGE;
	}
	return -1; /* go on */
}

struct feed {
	struct report *r;
	bool oom;
};

static void on_knock(void *ctx, const char *user, const char *addr, uint64_t at)
{
	struct feed *fd = ctx;
	if (!fd->oom && report_add_knock(fd->r, user, addr, at) < 0)
		fd->oom = true;
}

/* The lease history into r. 0 or -1 (said on stderr). */
static int read_history(struct report *r, const char *state_path)
{
	struct errbuf err;
	struct state_query *q = NULL;
	if (state_query_open(state_path, &q, &err) < 0) {
		fprintf(stderr, "postern report: %s\n", err.msg);
		return -1;
	}
	if (!q)
		return 0; /* no store yet: nobody ever knocked */
	struct feed fd = { r, false };
	int rc = state_query_knocks(q, NULL, 0, on_knock, &fd, &err);
	state_query_close(q);
	if (rc < 0 || fd.oom) {
		fprintf(stderr, "postern report: %s\n", fd.oom ? "out of memory" : err.msg);
		return -1;
	}
	return 0;
}

/* Each user's RFC 2289 chains into r. 0 or -1 (said on stderr). */
static int read_chains(struct report *r, const struct config *c, const char *state)
{
	bool any = false;
	for (size_t i = 0; i < c->nusers; i++)
		any |= c->users[i].prof->otp->alg != OTP_ALG_NONE;
	if (!any)
		return 0;
	struct errbuf err;
	struct state *st = NULL;
	if (admin_state(c, state, false, &st, &err) < 0) {
		fprintf(stderr, "postern report: %s\n", err.msg);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; st && rc == 0 && i < c->nusers; i++) {
		const struct config_user *u = &c->users[i];
		const struct otp_conf *otp = u->prof->otp;
		for (size_t j = 0; otp->alg != OTP_ALG_NONE && j < otp->nopen; j++) {
			struct otp_chain ch;
			char door[PORTSPEC_STRLEN];
			bool found = false;
			if (otpchain_load(st, u->name, &otp->open[j], &ch, &found, &err) < 0) {
				fprintf(stderr, "postern report: %s\n", err.msg);
				rc = -1;
				break;
			}
			if (found && report_add_chain(r, u->name, portspec_format(
				    &u->prof->otp->open[j], door), ch.seq) < 0)
				rc = -1;
		}
	}
	state_close(st);
	return rc;
}

static int write_html(const struct report *r, const char *state_path, const char *path)
{
	if (strcmp(path, "-") == 0)
		return report_html(r, state_path, stdout);
	int fdesc = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f = fdesc < 0 ? NULL : fdopen(fdesc, "w");
	if (!f) {
		fprintf(stderr, "postern report: %s: %s\n", path, strerror(errno));
		if (fdesc >= 0)
			close(fdesc);
		return -1;
	}
	int rc = report_html(r, state_path, f);
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "postern report: %s: write error\n", path);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { .config = ADMIN_DEFAULT_CONFIG, .days = REPORT_DEFAULT_DAYS };
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	struct errbuf err;
	struct config *c = admin_config(o.config, &err);
	if (!c) {
		fprintf(stderr, "postern report: %s\n", err.msg);
		return EXIT_FAILURE_GENERIC;
	}
	const char *state_path = o.state ? o.state : c->state_path;
	struct report *r = report_new(c, (uint64_t)time(NULL), o.days);
	rc = EXIT_FAILURE_GENERIC;
	if (!r)
		fprintf(stderr, "postern report: out of memory\n");
	else if (read_history(r, state_path) == 0 && read_chains(r, c, o.state) == 0) {
		if (report_analyse(r) < 0)
			fprintf(stderr, "postern report: out of memory\n");
		else if ((o.html && strcmp(o.html, "-") == 0 ? 0
			     : report_text(r, state_path, stdout)) == 0
			&& (!o.html || write_html(r, state_path, o.html) == 0))
			rc = EXIT_OK;
	}
	report_free(r);
	config_free(c);
	return rc;
}
