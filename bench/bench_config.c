/* bench_config — what loading a big config costs, in process.
 *
 *   bench_config [-r ROUNDS] CONF
 *
 * Loads CONF as posternd does (config_load with CONFIG_LOAD_KEYS: every
 * check, every key read) ROUNDS times (default 3) and prints, per round,
 * the wall time of config_load, then the process's VmRSS with the config
 * loaded and VmHWM (peak). Also prints sizeof(struct config_user) and of
 * struct config_profile (one per user with a section, one for [user *]). The
 * config is made by bench/config_scale.sh. Prints figures; never fails on
 * time. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"

/* The "Vm...:" line of /proc/self/status, in KiB; -1 if absent. */
static long status_kib(const char *key)
{
	char line[256];
	long kib = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			kib = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int rounds = 3;
	int opt;
	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r' || (rounds = atoi(optarg)) < 1) {
			fprintf(stderr, "usage: bench_config [-r ROUNDS] CONF\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: bench_config [-r ROUNDS] CONF\n");
		return 2;
	}
	const char *path = argv[optind];
	printf("sizeof(struct config_user) %zu bytes, sizeof(struct config_profile) %zu "
		"bytes\n", sizeof(struct config_user), sizeof(struct config_profile));
	printf("rss before load %ld KiB\n", status_kib("VmRSS"));
	for (int r = 0; r < rounds; r++) {
		struct config *c = NULL;
		struct errbuf err;
		double t0 = now_ms();
		if (config_load(path, CONFIG_LOAD_KEYS, &c, &err) != 0) {
			fprintf(stderr, "bench_config: %s\n", err.msg);
			return 1;
		}
		double t1 = now_ms();
		printf("round %d: %zu users, config_load %.1f ms, rss loaded %ld KiB, "
			"peak %ld KiB\n", r + 1, c->nusers, t1 - t0,
			status_kib("VmRSS"), status_kib("VmHWM"));
		config_free(c);
	}
	return 0;
}
