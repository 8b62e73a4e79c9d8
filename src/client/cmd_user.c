/* postern user — the users of a server, as its config and state store know
 * them. A table of sub-subcommands so the account lifecycle can add its own
 * (add, disable, rotate, ...): list here; add, show, disable, enable, rotate
 * and remove in user_admin.c.
 *
 * `postern user list` prints each user with, for each RFC 2289 chain, the
 * responses left and a LOW warning at or below the user's otp_low_water. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "commands.h"
#include "otp.h"
#include "otpchain.h"
#include "state_query.h"
#include "timerule.h"
#include "user_admin.h"

struct user_opts {
	const char *config, *state;
};

static void user_usage(FILE *f)
{
	fprintf(f,
		"usage: postern user list [--config FILE] [--state FILE]\n"
		"\n"
		"  list   every user of the config: status and, per one-time password\n"
		"         chain, the responses left (LOW at or below otp_low_water)\n"
		"\n"
		"  -c, --config FILE   the daemon's config (default " ADMIN_DEFAULT_CONFIG ")\n"
		"  -S, --state FILE    the state store (default: the config's state)\n"
		"  -h, --help          this help\n"
		"Exit status: 0, or 1 if a chain is low or used up (for monitoring).\n"
		"\n"
		"Account lifecycle (postern user add|show|disable|enable|rotate|remove\n"
		"--help for their options): add NAME --open P/N, show NAME,\n"
		"disable NAME, enable NAME, rotate NAME --overlap 7d, remove NAME.\n");
}

/* Prints one user's line(s); returns true if a chain is low. */
static bool list_user(const struct config_user *u, struct state *st,
	struct state_query *q)
{
	bool low = false;
	/* status, key expiry and last knock, as one column */
	char status[96], expires[TIMERULE_DATE_LEN] = "never", last[24] = "never", addr[64];
	uint64_t at;
	bool seen = false;
	struct errbuf qerr;
	if (u->prof->pol->expires)
		timerule_format_date(u->prof->pol->expires, expires);
	if (q && state_query_last(q, u->name, &at, addr, sizeof addr, &seen, &qerr) == 0 &&
	    seen) {
		time_t t = (time_t)at;
		strftime(last, sizeof last, "%Y-%m-%d %H:%MZ", gmtime(&t));
	}
	snprintf(status, sizeof status, "%-9s %-10s %-17s", u->prof->disabled ? "disabled" :
		"active", expires, last);
	if (u->prof->otp->alg == OTP_ALG_NONE) {
		printf("%-16s %-9s %s\n", u->name, status, "-");
		return false;
	}
	for (size_t i = 0; i < u->prof->otp->nopen; i++) {
		struct otp_chain ch;
		struct errbuf err;
		bool found = false;
		char door[PORTSPEC_STRLEN], chain[64], left[48];
		portspec_format(&u->prof->otp->open[i], door);
		if (st && otpchain_load(st, u->name, &u->prof->otp->open[i], &ch, &found,
			&err) < 0) {
			printf("%-16s %-9s otp %-8s state error: %s\n", u->name, status, door,
				err.msg);
			continue;
		}
		if (!found) {
			printf("%-16s %-9s otp %-8s %-24s %s\n", u->name, status, door,
				"no chain", "(postern otp init)");
			continue;
		}
		snprintf(chain, sizeof chain, "otp-%s %u %s", otp_alg_name(ch.alg),
			ch.seq ? ch.seq - 1 : 0, ch.seed);
		if (ch.seq == 0) {
			snprintf(left, sizeof left, "0 left  EXHAUSTED");
			low = true;
		} else if (ch.seq <= u->prof->otp->low_water) {
			snprintf(left, sizeof left, "%u left  LOW (low water %u)", ch.seq,
				u->prof->otp->low_water);
			low = true;
		} else
			snprintf(left, sizeof left, "%u left", ch.seq);
		printf("%-16s %-9s otp %-8s %-24s %s\n", u->name, status, door, chain, left);
	}
	return low;
}

static int run_list(const struct user_opts *o)
{
	struct errbuf err;
	struct state *st = NULL;
	struct config *c = admin_config(o->config, &err);
	if (!c) {
		fprintf(stderr, "postern user: %s\n", err.msg);
		return EXIT_FAILURE_GENERIC;
	}
	if (admin_state(c, o->state, false, &st, &err) < 0) {
		fprintf(stderr, "postern user: %s\n", err.msg);
		config_free(c);
		return EXIT_FAILURE_GENERIC;
	}
	bool low = false;
	struct state_query *q = NULL;
	if (state_query_open(o->state ? o->state : c->state_path, &q, &err) < 0)
		fprintf(stderr, "postern user: %s (last knocks not shown)\n", err.msg);
	printf("%-16s %-9s %-10s %-17s %s\n", "USER", "STATUS", "EXPIRES", "LAST KNOCK",
		"ONE-TIME PASSWORDS");
	for (size_t i = 0; i < c->nusers; i++)
		low |= list_user(&c->users[i], st, q);
	state_query_close(q);
	state_close(st);
	config_free(c);
	return low ? EXIT_FAILURE_GENERIC : EXIT_OK;
}

static const struct {
	const char *name;
	int (*run)(const struct user_opts *o);
} subs[] = {
	{ "list", run_list },
};

int cmd_user(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct user_opts o = { .config = ADMIN_DEFAULT_CONFIG };
	int ch;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		user_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	/* The account lifecycle (user_admin.h) parses its own options. */
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} lifecycle[] = {
		{ "add", user_add }, { "show", user_show }, { "disable", user_disable },
		{ "enable", user_enable }, { "rotate", user_rotate }, { "remove", user_remove },
	};
	for (size_t i = 0; i < sizeof lifecycle / sizeof lifecycle[0]; i++)
		if (strcmp(argv[1], lifecycle[i].name) == 0)
			return lifecycle[i].run(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		optind = 1;
		while ((ch = getopt_long(argc - 1, argv + 1, "c:S:h", longopts, NULL)) != -1) {
			switch (ch) {
			case 'c': o.config = optarg; break;
			case 'S': o.state = optarg; break;
			case 'h': user_usage(stdout); return EXIT_OK;
			default: user_usage(stderr); return EXIT_USAGE;
			}
		}
		if (optind != argc - 1) {
			user_usage(stderr);
			return EXIT_USAGE;
		}
		return subs[i].run(&o);
	}
	fprintf(stderr, "postern user: unknown subcommand '%s'\n", argv[1]);
	user_usage(stderr);
	return EXIT_USAGE;
}
