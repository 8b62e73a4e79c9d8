/* bench_commit — what the durable commit of a knock's replay record costs
 * (state_commit: one SQLite transaction, WAL, synchronous=FULL).
 *
 * Opens a fresh state database in DIR (as a daemon's first start does:
 * any state.db, -wal and -shm left there are removed first), commits one
 * knock to warm up, then measures:
 *
 *   spaced   -n commits, -g milliseconds apart (default 30, 300 ms: idle
 *            knocks, each flush on a quiet disk)
 *   burst    -b commits back to back (default 200)
 *
 * Each commit is what grant.c does for an SPA knock: one state_commit with
 * a fresh replay key. Prints p50/p95/min/max in µs and the WAL's size
 * before and after; never fails on time. Compare two builds by running
 * their binaries alternately on the same DIR (docs/perf-notes/lat.md).
 *
 *   BUILD/bench/bench_commit [-n SPACED] [-g GAP_MS] [-b BURST] DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define MAX_COMMITS 100000

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *name, double *v, size_t n)
{
	if (n == 0)
		return;
	qsort(v, n, sizeof *v, cmp_double);
	size_t r95 = (size_t)(0.95 * (double)n + 0.999999);
	if (r95 < 1)
		r95 = 1;
	if (r95 > n)
		r95 = n;
	double med = (n % 2) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("%-7s n=%-5zu p50=%7.0f p95=%7.0f min=%7.0f max=%7.0f us\n", name, n,
		med, v[r95 - 1], v[0], v[n - 1]);
}

/* One knock's commit; exits on anything but STATE_FRESH. */
static double commit_one(struct state *s, uint32_t i)
{
	uint8_t nonce[KNOCK_NONCE_BYTES];
	memset(nonce, 0x42, sizeof nonce);
	memcpy(nonce, &i, sizeof i);
	struct state_commit c = { .user = "alice", .replay_key = nonce,
		.knock_time = (uint64_t)time(NULL) };
	struct errbuf err = { "" };
	double t0 = now_us();
	enum state_result r = state_commit(s, &c, &err);
	double t1 = now_us();
	if (r != STATE_FRESH) {
		fprintf(stderr, "bench_commit: commit %u: %d %s\n", i, (int)r, err.msg);
		exit(1);
	}
	return t1 - t0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_commit [-n SPACED] [-g GAP_MS] [-b BURST] DIR\n");
	exit(2);
}

static long number(const char *s, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	long spaced = 30, gap_ms = 300, burst = 200;
	int opt;
	while ((opt = getopt(argc, argv, "n:g:b:")) != -1) {
		switch (opt) {
		case 'n': spaced = number(optarg, MAX_COMMITS); break;
		case 'g': gap_ms = number(optarg, 10000); break;
		case 'b': burst = number(optarg, MAX_COMMITS); break;
		default: usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	char db[4096], wal[4200], shm[4200];
	snprintf(db, sizeof db, "%s/state.db", argv[optind]);
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	unlink(db);
	unlink(wal);
	unlink(shm);

	struct errbuf err = { "" };
	double t0 = now_us();
	struct state *s = state_open(db, &err);
	double t_open = now_us() - t0;
	if (!s) {
		fprintf(stderr, "bench_commit: %s\n", err.msg);
		return 1;
	}
	printf("open    %.0f us, WAL %ld bytes\n", t_open, file_size(wal));
	uint32_t i = 0;
	(void)commit_one(s, i++); /* warm-up: not counted */

	double *v = calloc((size_t)(spaced > burst ? spaced : burst) + 1, sizeof *v);
	if (!v)
		return 1;
	for (long k = 0; k < spaced; k++) {
		struct timespec gap = { gap_ms / 1000, (gap_ms % 1000) * 1000000L };
		nanosleep(&gap, NULL);
		v[k] = commit_one(s, i++);
	}
	report("spaced", v, (size_t)spaced);
	for (long k = 0; k < burst; k++)
		v[k] = commit_one(s, i++);
	report("burst", v, (size_t)burst);
	printf("WAL     %ld bytes after %u commits\n", file_size(wal), i);
	free(v);
	state_close(s);
	return 0;
}
