/* posternd — the postern daemon: option parsing and start-up order.
 *
 * Start-up: read and check the whole config (keys included) → open the state
 * store and the firewall table → start the capture child → serve. Anything
 * wrong before serving is reported and the daemon exits; it never runs on a
 * half-read config. */
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "firewall.h"
#include "log.h"
#include "parent.h"
#include "sandbox.h"
#include "state.h"
#include "tagtable.h"
#include "testhook.h"

#define POSTERN_VERSION "0.1.0"
#define DEFAULT_CONFIG "/etc/postern/postern.conf"

/* Exit codes, documented in posternd(8). */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1, /* could not start or serve: state, firewall, capture */
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3, /* the config (or a key file it names) was refused */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: posternd [-c FILE] [options]\n"
		"\n"
		"The postern daemon: opens a protected port for one authenticated client\n"
		"for a short time in answer to a single-packet knock.\n"
		"\n"
		"  -c, --config FILE     config file (default " DEFAULT_CONFIG ")\n"
		"  -t, --check-config    check the config and key files, then exit\n"
		"  -v, --verbose         debug logging; with --check-config, print the\n"
		"                        normalised config\n"
		"  -f, --foreground      stay in the foreground, log to stderr too (default)\n"
		"  -d, --daemon          detach and log to syslog only\n"
		"      --remove-firewall delete postern's nftables table and exit\n"
		"  -h, --help            this help\n"
		"  -V, --version         print the version\n"
		"\n"
		"Exit codes: 0 ok, 1 runtime failure, 2 usage, 3 config refused.\n"
		"See posternd(8) and postern.conf(5).\n");
}

struct options {
	const char *config;
	bool check;
	bool verbose;
	bool daemonize;
	bool remove_firewall;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "remove-firewall", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	o->config = DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "c:tvfdhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 't': o->check = true; break;
		case 'v': o->verbose = true; break;
		case 'f': o->daemonize = false; break;
		case 'd': o->daemonize = true; break;
		case 'R': o->remove_firewall = true; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'V': printf("posternd %s\n", POSTERN_VERSION); exit(EXIT_OK);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "posternd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

static int check_config(const struct options *o, const struct config *c)
{
	struct sandbox_user u;
	struct errbuf err;
	if (sandbox_lookup_user(c->run_as, &u, &err) < 0) {
		fprintf(stderr, "%s: %s\n", o->config, err.msg);
		return EXIT_CONFIG;
	}
	if (o->verbose)
		config_print(c, stdout);
	char tmpl[64] = "";
	if (c->tmpl) /* keys_file's users without a section of their own */
		snprintf(tmpl, sizeof tmpl, ", %zu from [user *]", c->ntemplate_users);
	printf("%s: OK (%zu user%s%s, %zu protected port%s)\n", o->config, c->nusers,
		c->nusers == 1 ? "" : "s", tmpl, c->nprotect, c->nprotect == 1 ? "" : "s");
	return EXIT_OK;
}

static int serve(const struct options *o, struct config **cp)
{
	const struct config *c = *cp; /* a SIGHUP reload may replace *cp */
	struct errbuf err;
	struct sandbox_user u;
	if (geteuid() != 0) {
		log_err("posternd must start as root: it opens the capture and the "
			"firewall, then drops privileges itself");
		return EXIT_RUNTIME;
	}
	if (sandbox_lookup_user(c->run_as, &u, &err) < 0) {
		log_err("%s: %s", o->config, err.msg);
		return EXIT_CONFIG;
	}
	if (sandbox_prepare_dir(&err) < 0) {
		log_err("sandbox: %s", err.msg);
		return EXIT_RUNTIME;
	}
	/* The capture child's first tag table (at 100 000 users ~50 ms of
	 * SipHash and sorting), built from now on by threads of its own while
	 * the state store and the firewall are opened; the parent waits for it
	 * just before it forks the child, which inherits it (tagtable.h). */
	struct tagtable *tags = tagtable_new();
	if (tags && tagtable_prebuild_start(tags, c, (uint64_t)time(NULL)) != 0)
		log_info("tag table: built at the capture child's fork instead");
	struct state *st = state_open(c->state_path, &err);
	if (!st) {
		log_err("state store %s: %s", c->state_path, err.msg);
		tagtable_free(tags);
		state_close(st);
		return EXIT_RUNTIME;
	}
	struct firewall *fw = firewall_open(c, &err);
	if (!fw) {
		log_err("firewall: %s", err.msg);
		tagtable_free(tags);
		state_close(st);
		return EXIT_RUNTIME;
	}
	if (tags && o->daemonize) /* daemon() forks: the thread would not follow */
		tagtable_prebuild_wait(tags);
	if (o->daemonize && daemon(0, 0) < 0) {
		log_err("daemon: cannot detach");
		tagtable_free(tags);
		firewall_close(fw);
		state_close(st);
		return EXIT_RUNTIME;
	}
	int rc = parent_run(cp, st, &fw, &u, tags);
	firewall_close(fw);
	state_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct errbuf err;
	struct config *c = NULL;
	if (parse_options(argc, argv, &o) < 0)
		return EXIT_USAGE;
	umask(077);
	sandbox_no_core_dumps();
	/* A file-size limit must give the state store a write error (and so a
	 * refused knock), not kill the daemon. */
	signal(SIGXFSZ, SIG_IGN);
	tzset(); /* once, before any child is forked into its sandbox */
#ifdef __GLIBC__
	/* One malloc arena. The only threads are the tag table's short-lived
	 * builders (tagtable.c); an arena of their own would stay resident
	 * after them, where what they free in the main one is given back by
	 * the trim after the child's fork (parent.c). (A fixed mmap threshold
	 * saved nothing more and cost ~15 ms of start-up at 100 000 users.) */
	(void)mallopt(M_ARENA_MAX, 1);
#endif
	if (sodium_init() < 0) {
		fprintf(stderr, "posternd: libsodium failed to initialise\n");
		return EXIT_RUNTIME;
	}
	log_open("posternd", !o.daemonize && !o.check, o.verbose);
	if (!o.check)
		testhook_read_env(); /* test-only switches: posternd(8) */
	if (o.remove_firewall) {
		if (config_load(o.config, 0, &c, &err) < 0) {
			fprintf(stderr, "posternd: %s\n", err.msg);
			return EXIT_CONFIG;
		}
		int rc = firewall_remove(c->table, &err);
		if (rc < 0)
			fprintf(stderr, "posternd: %s\n", err.msg);
		config_free(c);
		return rc < 0 ? EXIT_RUNTIME : EXIT_OK;
	}
	if (config_load(o.config, CONFIG_LOAD_KEYS, &c, &err) < 0) {
		fprintf(stderr, "posternd: %s\n", err.msg);
		if (!o.check)
			log_err("refusing to start: %s", err.msg);
		return EXIT_CONFIG;
	}
	int rc = o.check ? check_config(&o, c) : serve(&o, &c);
	config_free(c);
	return rc;
}
