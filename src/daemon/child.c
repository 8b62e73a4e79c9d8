/* child — see child.h. */
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "capfilter.h"
#include "capture.h"
#include "childkeys.h"
#include "carrier.h"
#include "dnsserver.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "scheme.h"
#include "testhook.h"
#include "verify.h"

/* Recently forwarded evidence: exact repeats (replays, a resolver's retries)
 * are refused here without troubling the parent, which still checks its
 * durable store for everything it gets. */
#define RECENT_SLOTS 4096
/* Refusal reports per second before they are summarised (flood guard). */
#define REFUSAL_BURST 20

struct recent_knock {
	uint64_t digest; /* 0 = empty */
};

struct child {
	const struct config *config;
	struct scheme_set *schemes;
	int sock;
	struct capture *capture;
	struct capfilter *filter; /* the capture's kernel filter with tags, or NULL */
	struct dnsserver *dns; /* dns = authoritative, else NULL */
	uint64_t now;
	uint8_t digest_key[crypto_shorthash_KEYBYTES];
	struct recent_knock recent[RECENT_SLOTS];
	struct ratelimit refusals;
	uint64_t suppressed[VERDICT_COUNT];
	uint64_t flushed_at; /* the second of the last summary */
	/* Knocks to forward, sent as one record when full or when the packets
	 * at hand are done (so a knock never waits for the next one). */
	struct msg pending[MSG_BATCH_MAX];
	size_t npending;
};

static void child_send(struct child *ch, const struct msg *m, bool block)
{
	/* If the parent is gone there is nobody to work for. */
	if (msg_send(ch->sock, m, block) < 0 && errno != EAGAIN && errno != ENOBUFS)
		_exit(0);
}

/* Sends the knocks gathered so far (waiting for room: they must not be lost). */
static void flush_knocks(struct child *ch)
{
	if (ch->npending == 0)
		return;
	if (msg_send_batch(ch->sock, ch->pending, ch->npending, true) < 0)
		_exit(0); /* the parent is gone: nobody to work for */
	ch->npending = 0;
}

static void report_refusal(struct child *ch, enum verdict v, enum scheme_id scheme,
	const struct scheme_forward *fw, const struct candidate *cand)
{
	if (!ratelimit_allow(&ch->refusals, ch->now)) {
		ch->suppressed[v]++;
		return;
	}
	struct msg m = { .type = MSG_REFUSAL, .user = fw->user, .verdict = (uint8_t)v,
		.scheme = (uint8_t)scheme, .count = 1 };
	m.evidence.carrier = cand->carrier;
	m.evidence.src = cand->src;
	m.skew = fw->skew > INT32_MAX ? INT32_MAX
		: fw->skew < INT32_MIN ? INT32_MIN : (int32_t)fw->skew;
	child_send(ch, &m, false);
}

/* Sends one summary per verdict for what the rate limit held back, at most
 * once a second (under a flood the loop wakes up thousands of times). */
static void flush_suppressed(struct child *ch, bool before_exit)
{
	if (ch->now == ch->flushed_at && !before_exit)
		return;
	ch->flushed_at = ch->now;
	for (int v = 0; v < VERDICT_COUNT; v++) {
		if (!ch->suppressed[v])
			continue;
		struct msg m = { .type = MSG_REFUSAL, .user = MSG_NO_USER,
			.verdict = (uint8_t)v, .count = ch->suppressed[v] };
		child_send(ch, &m, false);
		ch->suppressed[v] = 0;
	}
}

/* True if this evidence was forwarded recently; remembers it otherwise. */
static bool seen_recently(struct child *ch, enum scheme_id scheme,
	const struct scheme_forward *fw)
{
	struct {
		uint32_t user;
		uint8_t scheme, kind;
		uint8_t u[sizeof fw->evidence.u];
	} key;
	memset(&key, 0, sizeof key);
	key.user = fw->user;
	key.scheme = (uint8_t)scheme;
	key.kind = fw->evidence.kind;
	memcpy(key.u, &fw->evidence.u, sizeof key.u);
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t digest;
	crypto_shorthash(out, (const uint8_t *)&key, sizeof key, ch->digest_key);
	memcpy(&digest, out, sizeof digest);
	digest |= 1; /* never 0, the empty mark */
	struct recent_knock *r = &ch->recent[digest % RECENT_SLOTS];
	if (r->digest == digest)
		return true;
	r->digest = digest;
	return false;
}

static void on_candidate(struct child *ch, const struct candidate *cand)
{
	struct scheme_forward fw;
	enum scheme_id scheme;
	enum verdict v = schemes_check(ch->schemes, ch->config, cand, ch->now, &fw, &scheme);
	if (v == VERDICT_IGNORE)
		return;
	if (v != VERDICT_ACCEPT) {
		report_refusal(ch, v, scheme, &fw, cand);
		return;
	}
	if (seen_recently(ch, scheme, &fw)) {
		report_refusal(ch, VERDICT_REPLAY, scheme, &fw, cand);
		return;
	}
	ch->pending[ch->npending++] = (struct msg){ .type = MSG_KNOCK, .user = fw.user,
		.scheme = (uint8_t)scheme, .evidence = fw.evidence };
	if (ch->npending == MSG_BATCH_MAX)
		flush_knocks(ch);
}

static void on_dns_candidate(void *ctx, const struct candidate *cand)
{
	on_candidate(ctx, cand);
}

static void on_packet(void *ctx, int dlt, const uint8_t *pkt, size_t len)
{
	struct child *ch = ctx;
	struct frame f;
	struct candidate cands[CARRIER_MAX_CANDIDATES];
	if (frame_decode(dlt, pkt, len, &f) != FRAME_OK)
		return;
	size_t n = carriers_extract(ch->config, &f, cands, CARRIER_MAX_CANDIDATES);
	for (size_t i = 0; i < n; i++)
		on_candidate(ch, &cands[i]);
}

/* Applies the positions the parent committed; returns false if the parent
 * is gone (or misbehaves), which ends the child. */
static bool read_parent(struct child *ch)
{
	struct p2c_msg m;
	struct errbuf why;
	for (;;) {
		int rc = p2c_recv(ch->sock, &m, (uint32_t)ch->config->nusers, &why);
		if (rc == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		if (rc != 1)
			return false;
		const struct scheme_ops *ops = scheme_get(m.scheme);
		if (ops && ops->apply_position)
			ops->apply_position(ch->schemes->mem[m.scheme], ch->config, m.user,
				m.key, m.position, m.blob, m.blob_len);
	}
}

static void on_capture_event(void *ctx, int event, const char *iface, const char *detail)
{
	struct child *ch = ctx;
	flush_knocks(ch); /* in the order they were seen */
	struct msg m = { .type = MSG_CAPTURE, .user = MSG_NO_USER, .event = (uint8_t)event };
	snprintf(m.iface, sizeof m.iface, "%s", iface);
	snprintf(m.detail, sizeof m.detail, "%s", detail);
	child_send(ch, &m, true);
}

static void child_loop(struct child *ch)
{
	struct pollfd pfds[CONFIG_MAX_IFACES + 1 + DNSSERVER_MAX_FDS];
	for (;;) {
		ch->now = (uint64_t)time(NULL);
		schemes_tick(ch->schemes, ch->config, ch->now);
		flush_suppressed(ch, false);
		if (capfilter_sync(ch->filter, scheme_spa_tags(ch->schemes), ch->capture) < 0) {
			flush_suppressed(ch, true);
			_exit(CHILD_EXIT_CAPTURE);
		}

		size_t n = capture_pollfds(ch->capture, pfds);
		pfds[n].fd = ch->sock;
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		size_t nd = dnsserver_pollfds(ch->dns, pfds + n + 1);
		int rc = poll(pfds, n + 1 + nd, 1000);
		if (rc < 0 && errno != EINTR)
			_exit(1);
		if (pfds[n].revents && !read_parent(ch))
			_exit(0); /* the parent is gone: nobody to work for */
		ch->now = (uint64_t)time(NULL);
		bool failed = false;
		for (size_t i = 0; i < n; i++)
			if (pfds[i].revents && capture_dispatch(ch->capture, i, on_packet, ch) < 0)
				failed = true;
		flush_knocks(ch);
		if (failed) {
			flush_suppressed(ch, true);
			_exit(CHILD_EXIT_CAPTURE);
		}
		for (size_t i = 0; i < nd; i++)
			if (pfds[n + 1 + i].revents)
				dnsserver_dispatch(ch->dns, i, ch->now, on_dns_candidate, ch);
		flush_knocks(ch);
	}
}

void child_main(const struct config *c, struct scheme_set *schemes, int sock,
	const struct sandbox_user *u)
{
	static struct child ch; /* large; lives as long as the process */
	struct errbuf err;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() == 1) /* the parent died before PDEATHSIG was set */
		_exit(0);

	/* Our own copy since the fork: keep no secret we do not need, nor
	 * what no packet of this config asks for: the names index, or all of
	 * the users but their tag keys (config.h). These are mappings of their
	 * own: freed, they are unmapped, and no page is copied. */
	childkeys_forget((struct config *)c);
	if (!config_child_needs_users(c)) { /* the names index goes with them */
		config_release_users((struct config *)c);
		log_info("capture child: %zu users known by their tag keys only "
			"(names and settings freed)", c->nusers);
	} else if (!config_names_user_in_knocks(c)) {
		config_names_release((struct config *)c);
	}
	ch.config = c;
	ch.schemes = schemes;
	ch.sock = sock;
	ch.refusals = (struct ratelimit){ .burst = REFUSAL_BURST, .interval = 1 };
	randombytes_buf(ch.digest_key, sizeof ch.digest_key);
	/* The tables first: "ready" (the first capture event) then means a
	 * knock is recognised, not only queued (at 100 000 users the tag
	 * table takes a few hundred ms). */
	ch.now = (uint64_t)time(NULL);
	schemes_tick(ch.schemes, ch.config, ch.now);
	/* Acquire (capture, as root), then drop and confirm, then read packets. */
	/* The DNS sockets first: "ready" (the first capture event) then means
	 * the zone is being answered. */
	if (c->dns.mode == DNS_AUTHORITATIVE && !(ch.dns = dnsserver_open(c, &err))) {
		log_err("capture child: %s", err.msg);
		_exit(1);
	}
	ch.capture = capture_open(c, on_capture_event, &ch, &err);
	if (!ch.capture) {
		log_err("capture child: %s", err.msg);
		_exit(1);
	}
	/* The tags in the kernel filter from the start (the table is built). */
	ch.filter = capfilter_new(c);
	if (capfilter_sync(ch.filter, scheme_spa_tags(ch.schemes), ch.capture) < 0)
		_exit(CHILD_EXIT_CAPTURE);
	/* Once per start, while logging still works (before the sandbox): the
	 * ring is most of this process's memory. */
	const struct capture_ring *ring = capture_ring_of(ch.capture);
	log_info("capture child: ring snaplen=%u buffer=%u frames=%u per interface",
		ring->snaplen, ring->buffer, ring->frames);
	/* syslog() stamps lines with local time: load the zone file now, while
	 * the filesystem is still there (the sandbox forbids open). */
	struct tm tm;
	time_t t = time(NULL);
	localtime_r(&t, &tm);
	if (sandbox_enter(u, &err) < 0) {
		log_err("capture child: sandbox: %s", err.msg);
		_exit(1);
	}
	testhook_child_sandboxed(c, sock);
	child_loop(&ch);
	_exit(0);
}
