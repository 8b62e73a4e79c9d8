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

#include "capture.h"
#include "carrier.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "tagtable.h"
#include "verify.h"

/* Recently forwarded knocks: replays are refused here without troubling the
 * parent (which still checks its durable store for everything it gets). */
#define RECENT_SLOTS 4096
/* Refusal reports per second before they are summarised (flood guard). */
#define REFUSAL_BURST 20
#define MAX_TAG_CANDIDATES 4

struct recent_knock {
	uint32_t user;
	uint8_t nonce[KNOCK_NONCE_BYTES];
	bool used;
};

struct child {
	const struct config *config;
	int sock;
	struct tagtable *tags;
	struct capture *capture;
	uint64_t now;
	struct recent_knock recent[RECENT_SLOTS];
	struct ratelimit refusals;
	uint64_t suppressed[VERDICT_COUNT];
};

static void child_send(struct child *ch, const struct msg *m)
{
	/* If the parent is gone there is nobody to work for. */
	if (msg_send(ch->sock, m) < 0 && errno != EAGAIN && errno != ENOBUFS)
		_exit(0);
}

static void report_refusal(struct child *ch, enum verdict v, uint32_t user,
	const struct addr *src, enum carrier_id carrier, int64_t skew)
{
	if (!ratelimit_allow(&ch->refusals, ch->now)) {
		ch->suppressed[v]++;
		return;
	}
	struct msg m = { .type = MSG_REFUSAL, .user = user, .verdict = (uint8_t)v,
		.carrier = (uint8_t)carrier, .count = 1, .src = *src };
	m.skew = skew > INT32_MAX ? INT32_MAX : skew < INT32_MIN ? INT32_MIN : (int32_t)skew;
	child_send(ch, &m);
}

/* Sends one summary per verdict for what the rate limit held back. */
static void flush_suppressed(struct child *ch)
{
	for (int v = 0; v < VERDICT_COUNT; v++) {
		if (!ch->suppressed[v])
			continue;
		struct msg m = { .type = MSG_REFUSAL, .user = MSG_NO_USER,
			.verdict = (uint8_t)v, .count = ch->suppressed[v] };
		child_send(ch, &m);
		ch->suppressed[v] = 0;
	}
}

/* True if this knock was forwarded recently; remembers it otherwise. */
static bool seen_recently(struct child *ch, uint32_t user, const struct knock *k)
{
	uint32_t h;
	memcpy(&h, k->nonce, sizeof h);
	struct recent_knock *r = &ch->recent[h % RECENT_SLOTS];
	if (r->used && r->user == user && !memcmp(r->nonce, k->nonce, sizeof r->nonce))
		return true;
	r->used = true;
	r->user = user;
	memcpy(r->nonce, k->nonce, sizeof r->nonce);
	return false;
}

static void on_packet(void *ctx, int dlt, const uint8_t *pkt, size_t len)
{
	struct child *ch = ctx;
	struct frame f;
	uint8_t wire[KNOCK_WIRE_BYTES];
	if (frame_decode(dlt, pkt, len, &f) != FRAME_OK)
		return;
	enum carrier_id carrier = carriers_extract(ch->config, &f, wire);
	if (carrier == CARRIER_NONE)
		return;

	uint32_t users[MAX_TAG_CANDIDATES];
	size_t n = tagtable_lookup(ch->tags, knock_wire_tag(wire), users, MAX_TAG_CANDIDATES);
	if (n == 0) {
		report_refusal(ch, VERDICT_UNKNOWN_TAG, MSG_NO_USER, &f.src, carrier, 0);
		return;
	}
	/* Tags are 64-bit PRF outputs: two candidates is a freak collision,
	 * but trying each costs nothing and keeps both users working. */
	enum verdict first = VERDICT_UNKNOWN_TAG;
	int64_t first_skew = 0;
	for (size_t i = 0; i < n; i++) {
		struct knock k;
		int64_t skew;
		const struct config_user *u = &ch->config->users[users[i]];
		enum verdict v = verify_knock(u, wire, ch->now, ch->config->window, &k, &skew);
		if (v == VERDICT_ACCEPT) {
			if (seen_recently(ch, users[i], &k)) {
				report_refusal(ch, VERDICT_REPLAY, users[i], &f.src, carrier, skew);
			} else {
				struct msg m = { .type = MSG_KNOCK, .user = users[i],
					.carrier = (uint8_t)carrier, .src = f.src };
				memcpy(m.wire, wire, sizeof wire);
				child_send(ch, &m);
			}
			sodium_memzero(&k, sizeof k);
			return;
		}
		if (i == 0) {
			first = v;
			first_skew = skew;
		}
	}
	report_refusal(ch, first, users[0], &f.src, carrier, first_skew);
}

static void on_capture_event(void *ctx, int event, const char *iface, const char *detail)
{
	struct child *ch = ctx;
	struct msg m = { .type = MSG_CAPTURE, .user = MSG_NO_USER, .event = (uint8_t)event };
	snprintf(m.iface, sizeof m.iface, "%s", iface);
	snprintf(m.detail, sizeof m.detail, "%s", detail);
	child_send(ch, &m);
}

static void child_loop(struct child *ch)
{
	struct pollfd pfds[CONFIG_MAX_IFACES + 1];
	for (;;) {
		ch->now = (uint64_t)time(NULL);
		if (tagtable_update(ch->tags, ch->config, ch->now) < 0)
			log_err("out of memory updating the tag table; keeping the old one");
		flush_suppressed(ch);

		size_t n = capture_pollfds(ch->capture, pfds);
		pfds[n].fd = ch->sock;
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		int rc = poll(pfds, n + 1, 1000);
		if (rc < 0 && errno != EINTR)
			_exit(1);
		if (pfds[n].revents) /* parent closed its end or wrote: both mean stop */
			_exit(0);
		ch->now = (uint64_t)time(NULL);
		bool failed = false;
		for (size_t i = 0; i < n; i++)
			if (pfds[i].revents && capture_dispatch(ch->capture, i, on_packet, ch) < 0)
				failed = true;
		if (failed) {
			flush_suppressed(ch);
			_exit(CHILD_EXIT_CAPTURE);
		}
	}
}

void child_main(const struct config *c, int sock, const struct sandbox_user *u)
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

	ch.config = c;
	ch.sock = sock;
	ch.refusals = (struct ratelimit){ .burst = REFUSAL_BURST, .interval = 1 };
	ch.tags = tagtable_new();
	if (!ch.tags) {
		log_err("capture child: out of memory");
		_exit(1);
	}
	/* Acquire (capture, as root), then drop and confirm, then read packets. */
	ch.capture = capture_open(c, on_capture_event, &ch, &err);
	if (!ch.capture) {
		log_err("capture child: %s", err.msg);
		_exit(1);
	}
	if (sandbox_enter(u, &err) < 0) {
		log_err("capture child: sandbox: %s", err.msg);
		_exit(1);
	}
	child_loop(&ch);
	_exit(0);
}
