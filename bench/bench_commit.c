/* bench_commit — what the durable commit of a knock's replay record costs
 * (state_commit: one SQLite transaction, WAL, synchronous=FULL), with the
 * WAL as state_open leaves it ("append": every commit grows the file) and
 * as posternd has it ("reserve": state_reserve_wal, commits rewrite blocks
 * the file already has).
 *
 * -r rounds, each of both kinds in turn (append, reserve, append, ...):
 * a fresh state database in DIR (state.db, -wal, -shm removed first, as on
 * a first start), opened, one warm-up commit, then
 *
 *   spaced   -n commits, -g milliseconds apart (default 30, 300 ms: idle
 *            knocks, each flush on a quiet disk)
 *   burst    -b commits back to back (default 200)
 *
 * Each commit is what grant.c does for an SPA knock: one state_commit with
 * a fresh replay key. Prints p50/p95/min/max in µs per round and over all
 * rounds of a kind, the open's time, the WAL's size and how its flushes
 * were done (walsync.c: whole, or as data then a cache flush); never fails
 * on time.
 *
 *   BUILD/bench/bench_commit [-r ROUNDS] [-n SPACED] [-g GAP_MS] [-b BURST] DIR
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "walsync.h"

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
	fprintf(stderr, "usage: bench_commit [-r ROUNDS] [-n SPACED] [-g GAP_MS] "
		"[-b BURST] DIR\n");
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

struct kind {
	const char *name;
	bool reserve;
	double *spaced, *burst; /* all rounds' figures */
	size_t nspaced, nburst;
};

/* One round of one kind on a fresh database. */
static void round_of(struct kind *k, const char *dir, long spaced, long gap_ms,
	long burst, int r)
{
	char db[4096], wal[4200], shm[4200];
	snprintf(db, sizeof db, "%s/state.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	unlink(db);
	unlink(wal);
	unlink(shm);

	struct errbuf err = { "" };
	struct walsync_counts before, after;
	walsync_counts(&before);
	double t0 = now_us();
	struct state *s = state_open(db, &err);
	if (s && k->reserve && state_reserve_wal(s, &err) != 0) {
		state_close(s);
		s = NULL;
	}
	double t_open = now_us() - t0;
	if (!s) {
		fprintf(stderr, "bench_commit: %s\n", err.msg);
		exit(1);
	}
	uint32_t i = 0;
	(void)commit_one(s, i++); /* warm-up: not counted */
	double *sp = k->spaced + k->nspaced, *bu = k->burst + k->nburst;
	for (long n = 0; n < spaced; n++) {
		struct timespec gap = { gap_ms / 1000, (gap_ms % 1000) * 1000000L };
		nanosleep(&gap, NULL);
		sp[n] = commit_one(s, i++);
	}
	for (long n = 0; n < burst; n++)
		bu[n] = commit_one(s, i++);
	char load[16] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%15s", load) != 1)
			snprintf(load, sizeof load, "?");
		fclose(f);
	}
	walsync_counts(&after);
	printf("round %d %-7s open %6.0f us, WAL %8ld bytes after %u commits, load %s; "
		"WAL flushes %llu whole, %llu data then cache\n",
		r, k->name, t_open, file_size(wal), i, load,
		(unsigned long long)(after.whole - before.whole),
		(unsigned long long)(after.data_then_flush - before.data_then_flush));
	report("  spaced", sp, (size_t)spaced);
	report("  burst", bu, (size_t)burst);
	k->nspaced += (size_t)spaced;
	k->nburst += (size_t)burst;
	state_close(s);
}

int main(int argc, char **argv)
{
	long rounds = 3, spaced = 30, gap_ms = 300, burst = 200;
	int opt;
	while ((opt = getopt(argc, argv, "r:n:g:b:")) != -1) {
		switch (opt) {
		case 'r': rounds = number(optarg, 100); break;
		case 'n': spaced = number(optarg, MAX_COMMITS); break;
		case 'g': gap_ms = number(optarg, 10000); break;
		case 'b': burst = number(optarg, MAX_COMMITS); break;
		default: usage();
		}
	}
	if (optind + 1 != argc || rounds < 1)
		usage();
	struct kind kinds[2] = { { .name = "append" }, { .name = "reserve", .reserve = true } };
	for (size_t k = 0; k < 2; k++) {
		kinds[k].spaced = calloc((size_t)(rounds * spaced) + 1, sizeof(double));
		kinds[k].burst = calloc((size_t)(rounds * burst) + 1, sizeof(double));
		if (!kinds[k].spaced || !kinds[k].burst)
			return 1;
	}
	printf("bench_commit: %ld rounds, each: %ld commits %ld ms apart, then %ld back to back\n",
		rounds, spaced, gap_ms, burst);
	for (int r = 1; r <= rounds; r++)
		for (size_t k = 0; k < 2; k++)
			round_of(&kinds[k], argv[optind], spaced, gap_ms, burst, r);
	printf("all rounds:\n");
	for (size_t k = 0; k < 2; k++) {
		printf("%s\n", kinds[k].name);
		report("  spaced", kinds[k].spaced, kinds[k].nspaced);
		report("  burst", kinds[k].burst, kinds[k].nburst);
		free(kinds[k].spaced);
		free(kinds[k].burst);
	}
	/* walsync.c: how the WAL's flushes were done, both kinds together. */
	struct walsync_counts n;
	walsync_counts(&n);
	printf("WAL flushes: %llu whole (fdatasync), %llu as data then a cache flush\n",
		(unsigned long long)n.whole, (unsigned long long)n.data_then_flush);
	return 0;
}
