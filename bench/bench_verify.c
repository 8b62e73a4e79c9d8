/* bench_verify — what one core of the capture child (and of the parent, for
 * the AEAD it alone runs) can do, in process.
 *
 * For N users (default 1, 1000, 100000; or the numbers given as arguments)
 * builds a config in memory (random master secrets, keys from
 * knock_derive_keys, window = 60 s), a tag table over it, and measures:
 *
 *   prefilter-miss   random 100-byte candidates through tagtable_lookup
 *                    (all miss): the hot path under a garbage flood
 *   verify-ok        valid knocks: tagtable_lookup + verify_knock
 *                    (AEAD open, parse, freshness: the parent's part)
 *   verify-bad-mac   a valid tag with one ciphertext bit flipped: a mutated
 *                    captured knock, refused by the parent's AEAD
 *   frame-decode     frame_decode alone on a prebuilt Ethernet+IPv4+UDP frame
 *   frame-garbage    the capture child's per-packet path for a garbage
 *                    datagram: frame_decode (Ethernet+IPv4+UDP) +
 *                    carriers_extract + schemes_check (SPA: tag lookup)
 *   frame-valid      the same for a valid knock (SPA: the tag lookup; the
 *                    child holds no AEAD key, the parent verifies)
 *   tagtable_update  a full recompute (what the child does every 30 s when
 *                    the window moves), with the table's size
 *
 * Every figure comes with its ratio to two baselines measured in the same
 * run on the same core, in rounds interleaved with the figure's own: a
 * 100-byte memcpy and one crypto_shorthash (SipHash-2-4) of a 100-byte
 * buffer. Prints figures; never fails on time.
 *
 * Each figure is the best of -r rounds (default 3) of at least -t seconds
 * (default 0.5) each.
 *
 *   BUILD/bench/bench_verify [-t SECONDS] [-r ROUNDS] [N...]
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "carrier.h"
#include "config.h"
#include "frame.h"
#include "knock.h"
#include "scheme.h"
#include "state.h"
#include "tagtable.h"
#include "verify.h"

#define POOL 4096 /* candidates cycled through; power of two */
#define BATCH 256 /* operations between two clock reads */
#define WINDOW_SECONDS 60
#define KNOCK_PORT 62201
#define ETH_HEADER_BYTES 14
#define IPV4_HEADER_BYTES 20
#define UDP_HEADER_BYTES 8
#define FRAME_BYTES (ETH_HEADER_BYTES + IPV4_HEADER_BYTES + UDP_HEADER_BYTES + KNOCK_WIRE_BYTES)
#define MAX_CANDIDATES 4

static double min_seconds = 0.5;
static int rounds = 3;
static volatile uint64_t sink; /* keeps results alive */

struct ctx {
	const struct config *c;
	struct tagtable *tags;
	struct scheme_set *schemes; /* the child's view: frame-* rows */
	uint64_t now;
	uint8_t (*wire)[KNOCK_WIRE_BYTES]; /* POOL candidates */
	uint8_t (*frames)[FRAME_BYTES]; /* POOL frames */
	enum verdict expect;
	size_t bad; /* results that were not what the scenario expects */
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs op in batches for at least `seconds`; returns operations per second. */
static double run_for(void (*op)(struct ctx *, size_t), struct ctx *x, double seconds)
{
	size_t done = 0;
	double start = now_seconds(), elapsed;
	do {
		for (size_t i = 0; i < BATCH; i++)
			op(x, (done + i) & (POOL - 1));
		done += BATCH;
		elapsed = now_seconds() - start;
	} while (elapsed < seconds);
	return (double)done / elapsed;
}

/* ---- the operations ------------------------------------------------------ */

static void op_memcpy(struct ctx *x, size_t i)
{
	uint8_t buf[KNOCK_WIRE_BYTES];
	memcpy(buf, x->wire[i], sizeof buf);
	__asm__ volatile("" : : "r"(buf) : "memory"); /* the copy must happen */
	sink += buf[i % sizeof buf];
}

static void op_shorthash(struct ctx *x, size_t i)
{
	static const uint8_t key[crypto_shorthash_KEYBYTES] = { 1 };
	uint8_t out[crypto_shorthash_BYTES];
	crypto_shorthash(out, x->wire[i], KNOCK_WIRE_BYTES, key);
	sink += out[0];
}

static void op_prefilter(struct ctx *x, size_t i)
{
	uint32_t users[MAX_CANDIDATES];
	size_t n = tagtable_lookup(x->tags, x->c, knock_wire_tag(x->wire[i]), users,
		MAX_CANDIDATES);
	x->bad += n != 0;
	sink += n;
}

static void op_verify(struct ctx *x, size_t i)
{
	uint32_t users[MAX_CANDIDATES];
	size_t n = tagtable_lookup(x->tags, x->c, knock_wire_tag(x->wire[i]), users,
		MAX_CANDIDATES);
	if (n == 0) {
		x->bad++;
		return;
	}
	struct knock k;
	int64_t skew;
	enum verdict v = verify_knock(x->c, &x->c->users[users[0]], x->wire[i], x->now,
		x->c->window, &k, &skew);
	x->bad += v != x->expect;
	sink += (uint64_t)v + k.lease;
}

static void op_decode(struct ctx *x, size_t i)
{
	struct frame f;
	x->bad += frame_decode(DLT_EN10MB, x->frames[i], FRAME_BYTES, &f) != FRAME_OK;
	sink += f.dport;
}

/* The capture child's per-packet work (child.c on_packet/on_candidate) up
 * to the decision, without the refusal report or the message to the parent. */
static void op_frame(struct ctx *x, size_t i)
{
	struct frame f;
	struct candidate cands[CARRIER_MAX_CANDIDATES];
	if (frame_decode(DLT_EN10MB, x->frames[i], FRAME_BYTES, &f) != FRAME_OK) {
		x->bad++;
		return;
	}
	size_t n = carriers_extract(x->c, &f, cands, CARRIER_MAX_CANDIDATES);
	if (n != 1) {
		x->bad++;
		return;
	}
	struct scheme_forward fw;
	enum scheme_id scheme;
	enum verdict v = schemes_check(x->schemes, x->c, &cands[0], x->now, &fw, &scheme);
	x->bad += v != x->expect;
	sink += (uint64_t)v + fw.user;
}

/* One figure and its two baselines, measured in interleaved rounds
 * (baselines, figure, baselines, figure, ...) so that the ratios compare
 * runs made under the same conditions. Each keeps its best round: the
 * machine may be shared, and other work only ever makes a round slower. */
struct figure {
	double ops, memcpy_ops, siphash_ops;
};

static struct ctx baseline_ctx;

static struct figure measure(void (*op)(struct ctx *, size_t), struct ctx *x)
{
	struct figure f = { 0 };
	for (size_t i = 0; i < POOL; i++) /* warm up: first touch, caches */
		op(x, i);
	for (int r = 0; r < rounds; r++) {
		double m = run_for(op_memcpy, &baseline_ctx, min_seconds / 2);
		double s = run_for(op_shorthash, &baseline_ctx, min_seconds / 2);
		double o = run_for(op, x, min_seconds);
		f.memcpy_ops = m > f.memcpy_ops ? m : f.memcpy_ops;
		f.siphash_ops = s > f.siphash_ops ? s : f.siphash_ops;
		f.ops = o > f.ops ? o : f.ops;
	}
	return f;
}

/* ---- set-up -------------------------------------------------------------- */

static void free_config(struct config *c);

static struct config *make_config(size_t nusers)
{
	struct config *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->users = calloc(nusers, sizeof *c->users);
	if (!c->users) {
		free(c);
		return NULL;
	}
	c->nusers = nusers;
	/* One profile for all, as [user *]'s users have. */
	static struct config_profile shared;
	for (size_t i = 0; i < nusers; i++)
		config_user_init(&c->users[i], &shared);
	shared.open = &c->protect[0]; /* free_config frees no ports */
	shared.nopen = 1;
	shared.max_lease = 3600;
	c->window = WINDOW_SECONDS;
	c->default_lease = 30;
	c->max_lease = 3600;
	c->knock_ports[0] = (struct portspec){ .proto = IPPROTO_UDP, .port = KNOCK_PORT };
	c->nknock_ports = 1;
	c->protect[0] = (struct portspec){ .proto = IPPROTO_TCP, .port = 22 };
	c->nprotect = 1;
	for (size_t u = 0; u < nusers; u++) {
		struct config_user *cu = &c->users[u];
		uint8_t master[KNOCK_MASTER_BYTES];
		randombytes_buf(master, sizeof master);
		int rc = config_user_set_secret(c, u, master);
		sodium_memzero(master, sizeof master);
		if (rc != 0) {
			free_config(c);
			return NULL;
		}
		char name[CONFIG_NAME_MAX];
		snprintf(name, sizeof name, "u%zu", u);
		cu->name = strdup(name); /* free_config frees it */
		if (!cu->name) {
			free_config(c);
			return NULL;
		}
	}
	return c;
}

static void free_config(struct config *c)
{
	if (!c)
		return;
	config_keys_free(c);
	for (size_t u = 0; u < c->nusers; u++)
		free((char *)c->users[u].name);
	free(c->users);
	free(c);
}

/* A valid knock from a random user, sealed at time now. */
static void seal_valid(const struct config *c, uint64_t now, uint8_t out[static KNOCK_WIRE_BYTES])
{
	struct knock k = { .action = KNOCK_ACTION_OPEN, .timestamp = now, .lease = 30,
		.target_is_source = true, .nports = 1 };
	k.ports[0] = c->protect[0];
	size_t u = randombytes_uniform((uint32_t)c->nusers);
	struct user_keys keys;
	bool sealed = config_user_keys(c, &c->users[u], &keys) && knock_seal(&keys, &k, out) == 0;
	knock_wipe_keys(&keys);
	if (!sealed) {
		fprintf(stderr, "bench_verify: knock_seal refused a valid knock\n");
		exit(1);
	}
}

/* Ethernet + IPv4 (10.77.0.2 -> 10.77.0.1) + UDP to KNOCK_PORT around wire. */
static void build_frame(const uint8_t wire[static KNOCK_WIRE_BYTES], uint8_t out[static FRAME_BYTES])
{
	static const uint8_t eth[ETH_HEADER_BYTES] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00 };
	uint8_t *ip = out + ETH_HEADER_BYTES;
	uint8_t *udp = ip + IPV4_HEADER_BYTES;
	unsigned ip_len = IPV4_HEADER_BYTES + UDP_HEADER_BYTES + KNOCK_WIRE_BYTES;
	unsigned udp_len = UDP_HEADER_BYTES + KNOCK_WIRE_BYTES;
	memcpy(out, eth, sizeof eth);
	memset(ip, 0, IPV4_HEADER_BYTES);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	ip[12] = 10, ip[13] = 77, ip[14] = 0, ip[15] = 2;
	ip[16] = 10, ip[17] = 77, ip[18] = 0, ip[19] = 1;
	udp[0] = 0xc0, udp[1] = 0x01; /* source port 49153 */
	udp[2] = (uint8_t)(KNOCK_PORT >> 8), udp[3] = (uint8_t)KNOCK_PORT;
	udp[4] = (uint8_t)(udp_len >> 8), udp[5] = (uint8_t)udp_len;
	udp[6] = udp[7] = 0; /* no checksum: allowed for IPv4 */
	memcpy(udp + UDP_HEADER_BYTES, wire, KNOCK_WIRE_BYTES);
}

/* ---- output -------------------------------------------------------------- */

/* ratio = how many baseline operations one of these costs */
static void row(const char *name, const char *what, struct figure f)
{
	printf("  %-16s %-34s %12.0f %10.1f %10.1f %9.2f\n", name, what, f.ops,
		1e9 / f.ops, f.memcpy_ops / f.ops, f.siphash_ops / f.ops);
}

static void header(void)
{
	printf("  %-16s %-34s %12s %10s %10s %9s\n", "measurement", "what",
		"ops/s", "ns/op", "x memcpy", "x sip");
}

static int check(const char *name, const struct ctx *x)
{
	if (x->bad == 0)
		return 0;
	/* A wrong verdict means the figure measures the wrong thing. */
	fprintf(stderr, "bench_verify: %s: %zu unexpected results\n", name, x->bad);
	return -1;
}

static void pin_one_core(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return;
	for (int cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--) {
		if (CPU_ISSET(cpu, &set)) {
			/* the last allowed CPU: usually the one the shell is not on */
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof set, &set) == 0)
				printf("pinned to cpu %d\n", cpu);
			return;
		}
	}
}

static int bench_users(size_t nusers, uint64_t now)
{
	int rc = 0;
	printf("\nN = %zu users (window +/-%d s, %d-s slots)\n", nusers,
		WINDOW_SECONDS, KNOCK_SLOT_SECONDS);
	double t0 = now_seconds();
	struct config *c = make_config(nusers);
	struct tagtable *tags = tagtable_new();
	struct scheme_set schemes;
	bool schemes_loaded = false;
	struct ctx x = { .c = c, .tags = tags, .schemes = &schemes, .now = now };
	x.wire = malloc(POOL * sizeof *x.wire);
	x.frames = malloc(POOL * sizeof *x.frames);
	if (!c || !tags || !x.wire || !x.frames) {
		fprintf(stderr, "bench_verify: out of memory for %zu users\n", nusers);
		rc = -1;
		goto out;
	}
	double t_keys = now_seconds() - t0;
	/* The schemes as the child holds them (no state store: the bench has
	 * none, and the SPA scheme keeps no durable positions). */
	struct errbuf err;
	/* Some schemes read their positions at load: give them an empty store. */
	char dbpath[] = "/tmp/bench_verify.XXXXXX";
	int dbfd = mkstemp(dbpath);
	struct state *st = dbfd >= 0 ? state_open(dbpath, &err) : NULL;
	if (dbfd >= 0) {
		close(dbfd);
		unlink(dbpath);
	}
	int loaded = st ? schemes_load(&schemes, c, st, &err) : -1;
	state_close(st);
	if (loaded < 0) {
		fprintf(stderr, "bench_verify: schemes_load: %s\n", err.msg);
		rc = -1;
		goto out;
	}
	schemes_loaded = true;
	schemes_parent_tick(&schemes, c, now);
	schemes_tick(&schemes, c, now);

	/* tagtable_update: a full recompute, repeated for >= min_seconds. */
	size_t updates = 0;
	double elapsed, fastest = 1e9;
	t0 = now_seconds();
	do {
		double u0 = now_seconds();
		tagtable_invalidate(tags);
		if (tagtable_update(tags, c, now) < 0) {
			fprintf(stderr, "bench_verify: tagtable_update: out of memory\n");
			rc = -1;
			goto out;
		}
		double one = now_seconds() - u0;
		if (one < fastest)
			fastest = one;
		updates++;
		elapsed = now_seconds() - t0;
	} while (elapsed < min_seconds || updates < 3);
	double update_ms = elapsed * 1e3 / (double)updates;
	/* tagtable_update when the window moves by one slot (every 30 s): what
	 * the child really does; the table slides forward and back to now. */
	double slide_fastest = 1e9, slide_total = 0;
	size_t slides = 0;
	for (uint64_t k = 1; k <= 6; k++) {
		double u0 = now_seconds();
		if (tagtable_update(tags, c, now + k * KNOCK_SLOT_SECONDS) < 0) {
			rc = -1;
			goto out;
		}
		double one = now_seconds() - u0;
		slide_total += one;
		slides++;
		if (one < slide_fastest)
			slide_fastest = one;
	}
	tagtable_invalidate(tags);
	if (tagtable_update(tags, c, now) < 0) {
		rc = -1;
		goto out;
	}
	printf("  tagtable_update: one-slot move %.3f ms best, %.3f ms mean (%zu runs)\n",
		slide_fastest * 1e3, slide_total * 1e3 / (double)slides, slides);
	size_t entries = tagtable_entries(tags);
	size_t bytes = tagtable_bytes(tags);
	printf("  set-up: derive keys for %zu users %.1f ms; config %.1f MiB "
		"(%zu bytes per struct config_user)\n", nusers, t_keys * 1e3,
		(double)(nusers * sizeof *c->users) / (1024.0 * 1024.0), sizeof *c->users);
	printf("  tagtable_update: full recompute %.3f ms best, %.3f ms mean (%zu runs); "
		"%zu entries, %zu bytes (%.1f MiB, %.1f bytes/entry)\n",
		fastest * 1e3, update_ms, updates, entries, bytes,
		(double)bytes / (1024.0 * 1024.0),
		entries ? (double)bytes / (double)entries : 0.0);
	header();

	/* Garbage: random candidates; none may hit. */
	randombytes_buf(x.wire, POOL * sizeof *x.wire);
	x.bad = 0;
	row("prefilter-miss", "tagtable_lookup, random 100 B", measure(op_prefilter, &x));
	rc |= check("prefilter-miss", &x);

	for (size_t i = 0; i < POOL; i++)
		build_frame(x.wire[i], x.frames[i]);
	x.bad = 0;
	row("frame-decode", "frame_decode only (Eth+IPv4+UDP)", measure(op_decode, &x));
	rc |= check("frame-decode", &x);
	x.expect = VERDICT_UNKNOWN_TAG;
	x.bad = 0;
	row("frame-garbage", "decode+extract+schemes_check, rnd", measure(op_frame, &x));
	rc |= check("frame-garbage", &x);

	/* Valid knocks from random users. */
	for (size_t i = 0; i < POOL; i++)
		seal_valid(c, now, x.wire[i]);
	x.expect = VERDICT_ACCEPT;
	x.bad = 0;
	row("verify-ok", "lookup + verify_knock, valid", measure(op_verify, &x));
	rc |= check("verify-ok", &x);

	for (size_t i = 0; i < POOL; i++)
		build_frame(x.wire[i], x.frames[i]);
	x.bad = 0;
	row("frame-valid", "decode+extract+schemes_check, ok", measure(op_frame, &x));
	rc |= check("frame-valid", &x);

	/* The same knocks with one ciphertext bit flipped: tag still valid. */
	for (size_t i = 0; i < POOL; i++)
		x.wire[i][KNOCK_TAG_BYTES + KNOCK_NONCE_BYTES + i % KNOCK_PLAIN_BYTES] ^= 0x01;
	x.expect = VERDICT_BAD_MAC;
	x.bad = 0;
	row("verify-bad-mac", "lookup + verify_knock, 1 bit flipped", measure(op_verify, &x));
	rc |= check("verify-bad-mac", &x);

out:
	if (schemes_loaded)
		schemes_unload(&schemes);
	free(x.wire);
	free(x.frames);
	tagtable_free(tags);
	free_config(c);
	return rc;
}

int main(int argc, char **argv)
{
	size_t counts[16];
	size_t ncounts = 0;
	int opt;
	while ((opt = getopt(argc, argv, "t:r:h")) != -1) {
		switch (opt) {
		case 't':
			min_seconds = strtod(optarg, NULL);
			if (!(min_seconds > 0.0 && min_seconds <= 60.0)) {
				fprintf(stderr, "bench_verify: -t wants 0 < SECONDS <= 60\n");
				return 2;
			}
			break;
		case 'r':
			rounds = atoi(optarg);
			if (rounds < 1 || rounds > 100) {
				fprintf(stderr, "bench_verify: -r wants 1..100\n");
				return 2;
			}
			break;
		case 'h':
		default:
			fprintf(opt == 'h' ? stdout : stderr,
				"usage: bench_verify [-t SECONDS] [-r ROUNDS] [N...]\n"
				"  -t SECONDS  minimum run time of each round (default 0.5)\n"
				"  -r ROUNDS   rounds per figure; the best is printed (default 3)\n"
				"  N           numbers of users (default 1 1000 100000)\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	for (int i = optind; i < argc && ncounts < sizeof counts / sizeof counts[0]; i++) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(argv[i], &end, 10);
		if (errno || *end || n < 1 || n > 10000000) {
			fprintf(stderr, "bench_verify: bad number of users '%s' (1..10000000)\n", argv[i]);
			return 2;
		}
		counts[ncounts++] = (size_t)n;
	}
	if (ncounts == 0) {
		counts[0] = 1, counts[1] = 1000, counts[2] = 100000;
		ncounts = 3;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_verify: sodium_init failed\n");
		return 1;
	}

	double load[1] = { -1.0 };
	FILE *la = fopen("/proc/loadavg", "r");
	if (la) {
		if (fscanf(la, "%lf", &load[0]) != 1)
			load[0] = -1.0;
		fclose(la);
	}
	printf("bench_verify: one thread; each figure is the best of %d rounds of >= %.2f s; "
		"load average %.2f on %ld CPUs at start\n", rounds, min_seconds, load[0],
		sysconf(_SC_NPROCESSORS_ONLN));
	pin_one_core();
	uint64_t now = (uint64_t)time(NULL);

	baseline_ctx.wire = malloc(POOL * sizeof *baseline_ctx.wire);
	if (!baseline_ctx.wire)
		return 1;
	randombytes_buf(baseline_ctx.wire, POOL * sizeof *baseline_ctx.wire);
	printf("\nbaselines, measured again in the rounds of every figure below; "
		"'x memcpy' and 'x sip' are that figure's ns/op divided by theirs\n");
	header();
	struct figure m = measure(op_memcpy, &baseline_ctx);
	m.ops = m.memcpy_ops = m.ops > m.memcpy_ops ? m.ops : m.memcpy_ops;
	row("memcpy", "memcpy 100 B", m);
	struct figure sh = measure(op_shorthash, &baseline_ctx);
	sh.ops = sh.siphash_ops = sh.ops > sh.siphash_ops ? sh.ops : sh.siphash_ops;
	row("siphash", "crypto_shorthash of 100 B", sh);

	int rc = 0;
	for (size_t i = 0; i < ncounts; i++)
		rc |= bench_users(counts[i], now);
	free(baseline_ctx.wire);
	return rc ? 1 : 0;
}
