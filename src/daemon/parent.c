/* parent — see parent.h. */
#include "parent.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "audit.h"
#include "caps.h"
#include "child.h"
#include "clockguard.h"
#include "expiry.h"
#include "grant.h"
#include "hooks.h"
#include "linkwatch.h"
#include "log.h"
#include "msg.h"
#include "reconcile.h"
#include "reload.h"
#include "trigger.h"

#define RESTART_MIN_SECONDS 1
#define RESTART_MAX_SECONDS 30
/* A child that lived this long is healthy: the next crash starts back-off anew. */
#define HEALTHY_CHILD_SECONDS 60
#define PRUNE_EVERY_SECONDS 60
/* Refusals of forwarded evidence logged per second before summing (grant.h). */
#define VERIFY_LOG_BURST 20

enum iface_state { IFACE_UNKNOWN, IFACE_CAPTURING, IFACE_LOST };

struct parent {
	const struct config *config;
	struct state *state;
	struct firewall *fw;
	const struct sandbox_user *user;
	int sigfd;
	pid_t child;
	int sock; /* parent's end of the socketpair, -1 when no child */
	uint64_t child_started;
	uint64_t restart_at; /* when to start the next child (0: now) */
	uint32_t backoff;
	bool ready_logged;
	uint64_t next_prune;
	uint64_t next_expiry_check; /* expiry.h: at start, after a reload, daily */
	char ifaces[CONFIG_MAX_IFACES][IF_NAMESIZE];
	enum iface_state ifstate[CONFIG_MAX_IFACES]; /* as the current child reported */
	bool resume_pending[CONFIG_MAX_IFACES]; /* lost by an earlier child */
	bool stopping_child; /* we killed it on purpose: restart at once */
	size_t nifaces;
	struct linkwatch *links; /* NULL when capturing on "any" */
	struct scheme_set schemes; /* inherited by each child at fork */
	/* The caller's config and firewall handle, replaced by a reload. */
	struct config **config_owner;
	struct firewall **fw_owner;
	struct sandbox_user user_now;
	struct clockguard clock; /* replay floor and clock-jump watch */
	struct grant_ctx grant;
	struct runner *runner; /* triggers and open/close hooks (trigger.h) */
	uint64_t hooks_at; /* last second the pending closes were looked at */
	uint64_t checkpoint_at; /* last second the WAL's size was looked at */
};

static uint64_t now_seconds(void)
{
	return (uint64_t)time(NULL);
}

/* Gives the heap's free pages back to the kernel. What start-up allocated
 * and freed before the first fork stays resident in the middle of the heap
 * otherwise (~1.2 MiB at 100 000 users: docs/perf-notes/slim.md), in the
 * parent and, shared, in every child forked after it. glibc only. */
static void return_free_memory(void)
{
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
}

static int spawn_child(struct parent *p)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_err("socketpair: %s", strerror(errno));
		return -1;
	}
	/* The tag keys are the child's (config.h): the parent derives them
	 * again for each child and gives up its view once the child has them.
	 * Without them the child finds no SPA knock's user: it fails closed. */
	struct config *keys_owner = (struct config *)p->config;
	if (config_keys_restore_tags(keys_owner) != 0)
		log_err("out of memory for the tag keys: the capture child will find no SPA knock");
	/* The child's first tables, built here with both CPUs (scheme.h). */
	schemes_prefork(&p->schemes, p->config, now_seconds());
	return_free_memory(); /* before the child inherits it */
	pid_t pid = fork();
	if (pid != 0) { /* the parent's copy: the child has its own */
		schemes_postfork(&p->schemes);
		if (pid > 0)
			config_keys_drop_tags(keys_owner);
		return_free_memory(); /* and what the table's threads left */
	}
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		close(p->sigfd);
		child_main(p->config, &p->schemes, sv[1], p->user);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	/* The new child reports every interface afresh. */
	for (size_t i = 0; i < p->nifaces; i++) {
		if (p->ifstate[i] == IFACE_LOST)
			p->resume_pending[i] = true;
		p->ifstate[i] = IFACE_UNKNOWN;
	}
	p->child = pid;
	p->sock = sv[0];
	p->child_started = now_seconds();
	log_info("capture child started (pid %d)", (int)pid);
	return 0;
}

static void kill_child(struct parent *p, const char *why)
{
	if (p->child <= 0 || p->stopping_child)
		return;
	p->stopping_child = true;
	log_warn("stopping capture child (pid %d): %s", (int)p->child, why);
	kill(p->child, SIGKILL);
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_EXIT_CAPTURE)
		snprintf(buf, len, "a capture failed (interface down?)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status 0x%x", status);
}

/* Reaps the child and schedules the next one with back-off on crashes. */
static void reap_child(struct parent *p)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != p->child) {
			/* A trigger or hook: the runner logs how it ended. */
			(void)runner_reaped(p->runner, pid, status, now_seconds());
			continue;
		}
		char why[96];
		describe_exit(status, why, sizeof why);
		uint64_t now = now_seconds();
		bool capture_lost = WIFEXITED(status) && WEXITSTATUS(status) == CHILD_EXIT_CAPTURE;
		bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (p->stopping_child) {
			/* Stopped on purpose (interface back, bad message): no back-off
			 * for the former, the usual one for the latter is not needed
			 * either: the next child starts from a clean process. */
			p->stopping_child = false;
			p->backoff = 0;
		} else if (now - p->child_started >= HEALTHY_CHILD_SECONDS || capture_lost || clean)
			p->backoff = RESTART_MIN_SECONDS;
		else if (p->backoff < RESTART_MAX_SECONDS)
			p->backoff = p->backoff ? p->backoff * 2 : RESTART_MIN_SECONDS;
		if (p->backoff > RESTART_MAX_SECONDS)
			p->backoff = RESTART_MAX_SECONDS;
		p->restart_at = now + p->backoff;
		log_warn("capture child (pid %d) ended: %s; restarting in %u s",
			(int)pid, why, p->backoff);
		p->child = 0;
		if (p->sock >= 0)
			close(p->sock);
		p->sock = -1;
	}
}

static size_t iface_index(struct parent *p, const char *name)
{
	for (size_t i = 0; i < p->nifaces; i++)
		if (!strcmp(p->ifaces[i], name))
			return i;
	if (p->nifaces == CONFIG_MAX_IFACES)
		return CONFIG_MAX_IFACES;
	snprintf(p->ifaces[p->nifaces], IF_NAMESIZE, "%s", name);
	p->ifstate[p->nifaces] = IFACE_UNKNOWN;
	return p->nifaces++;
}

static void on_capture_msg(struct parent *p, const struct msg *m)
{
	size_t i = iface_index(p, m->iface);
	if (i == CONFIG_MAX_IFACES)
		return;
	enum iface_state before = p->ifstate[i];
	if (m->event == CAPTURE_OPENED) {
		p->ifstate[i] = IFACE_CAPTURING;
		if (p->resume_pending[i])
			log_notice("capture resumed on %s", m->iface);
		p->resume_pending[i] = false;
		if (!p->ready_logged) {
			p->ready_logged = true;
			log_notice("ready: capturing on %s, %zu knock port(s), %zu user(s), "
				"table inet %s, firewall %s", p->config->all_ifaces ? "any" : m->iface,
				p->config->nknock_ports, p->config->nusers, p->config->table,
				p->config->firewall == FIREWALL_DROP ? "drop" : "mark");
		}
		return;
	}
	p->ifstate[i] = IFACE_LOST;
	if (before != IFACE_LOST && !p->resume_pending[i])
		log_warn("interface %s down or missing: %s; will resume capture when it is back",
			m->iface, m->detail);
}

static void on_knock(struct parent *p, const struct msg *m)
{
	struct p2c_msg push;
	bool has_push;
	(void)grant_knock(&p->grant, m, now_seconds(), &push, &has_push);
	/* A child that cannot take the update is restarted: the new one
	 * inherits the current positions. */
	if (has_push && p->sock >= 0 && p2c_send(p->sock, &push) < 0)
		kill_child(p, "it could not take a position update");
}

static void read_child(struct parent *p)
{
	static struct msg batch[MSG_BATCH_MAX];
	struct errbuf why;
	size_t n;
	for (;;) {
		int rc = msg_recv_batch(p->sock, batch, MSG_BATCH_MAX, &n,
			(uint32_t)p->config->nusers, &why);
		for (size_t i = 0; rc == 1 && i < n && p->sock >= 0; i++) {
			const struct msg *m = &batch[i];
			if (m->type == MSG_KNOCK)
				on_knock(p, m);
			else if (m->type == MSG_REFUSAL)
				grant_log_refusal(p->config, m);
			else
				on_capture_msg(p, m);
		}
		if (rc == 1)
			continue;
		if (rc == -2 && p->child > 0) {
			/* Treated as a compromised child: killed, restarted with back-off. */
			log_err("capture child (pid %d) broke the message protocol (%s); "
				"killing it", (int)p->child, why.msg);
			kill(p->child, SIGKILL);
		}
		/* 0: the child closed its end -- or sent an empty record, which
		 * reads the same: a live child never does either, so stop it. */
		if (rc == 0 && p->sock >= 0) {
			close(p->sock);
			p->sock = -1;
			/* Not kill_child(): that means "stopped on purpose, restart at
			 * once"; a child that crashed also shows up here first, and
			 * must get the crash back-off. */
			if (p->child > 0 && !p->stopping_child) {
				log_warn("capture child (pid %d): it closed its message socket "
					"or sent an empty record; stopping it", (int)p->child);
				kill(p->child, SIGKILL);
			}
		}
		return;
	}
}

static bool iface_is_up(const char *name)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	bool up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	close(fd);
	return up;
}

static void on_link_event(void *ctx, enum link_event ev, const char *iface)
{
	struct parent *p = ctx;
	size_t i = iface_index(p, iface);
	if (i == CONFIG_MAX_IFACES)
		return;
	switch (ev) {
	case LINK_DOWN:
		log_warn("interface %s down; capture paused until it is back", iface);
		break;
	case LINK_UP:
		/* The packet socket resumes by itself unless the child lost it. */
		if (p->ifstate[i] != IFACE_LOST)
			log_notice("interface %s up; capture resumed on %s", iface, iface);
		break;
	case LINK_NEW_INDEX:
		log_notice("interface %s was re-created; reopening capture", iface);
		p->ifstate[i] = IFACE_LOST;
		break;
	}
}

/* A lost interface that is up again: restart the child to reopen capture. */
static void check_lost_ifaces(struct parent *p)
{
	if (p->child <= 0)
		return;
	for (size_t i = 0; i < p->nifaces; i++) {
		if (p->ifstate[i] == IFACE_LOST && iface_is_up(p->ifaces[i])) {
			char why[IF_NAMESIZE + 32];
			snprintf(why, sizeof why, "interface %s is up again", p->ifaces[i]);
			kill_child(p, why);
			return;
		}
	}
}

/* Logs a wall-clock jump against CLOCK_BOOTTIME (monotonic, counts suspend). */
static void watch_clock(struct parent *p)
{
	struct timespec real, mono;
	if (clock_gettime(CLOCK_REALTIME, &real) < 0 || clock_gettime(CLOCK_BOOTTIME, &mono) < 0)
		return;
	int64_t jump = clockguard_observe(&p->clock, real.tv_sec, mono.tv_sec);
	if (jump)
		log_warn("clock jump: the wall clock moved %+lld s against the monotonic "
			"clock; knocks are judged by the new time, and none older than "
			"the replay floor (newest record - %u s) is accepted",
			(long long)jump, CLOCKGUARD_MARGIN);
	if (jump < 0)
		p->next_prune = 0; /* it was set in the old wall time */
}

static void housekeeping(struct parent *p)
{
	uint64_t now = now_seconds();
	if (p->child <= 0 && now >= p->restart_at)
		(void)spawn_child(p);
	check_lost_ifaces(p);
	watch_clock(p);
	if (now != p->hooks_at) {
		p->hooks_at = now;
		grant_flush_suppressed(&p->grant);
		schemes_parent_tick(&p->schemes, p->config, now);
		runner_tick(p->runner, now);
		hooks_tick(p->runner, p->state, p->config, now);
	}
	if (now != p->checkpoint_at) {
		struct errbuf err;
		p->checkpoint_at = now;
		if (state_checkpoint(p->state, &err) < 0)
			log_warn("%s", err.msg);
	}
	if (now >= p->next_prune) {
		struct errbuf err;
		/* Only below the replay floor, never past the newest record: a
		 * clock jump cannot reopen a replay window (clockguard.h). */
		uint64_t cutoff;
		if (clockguard_prune_cutoff(&p->clock, now, &cutoff) &&
		    state_prune(p->state, cutoff, &err) < 0)
			log_warn("pruning replay records: %s", err.msg);
		p->next_prune = now + PRUNE_EVERY_SECONDS;
	}
	if (now >= p->next_expiry_check) {
		(void)expiry_warn(p->config, now);
		p->next_expiry_check = now + EXPIRY_CHECK_SECONDS;
	}
}

/* SIGHUP: everything that can fail is done off to the side (reload.c);
 * then the new config is swapped in and the capture child restarted. */
static void reload_config(struct parent *p)
{
	struct reload r;
	struct errbuf err;
	log_notice("SIGHUP: reloading %s", p->config->path);
	if (reload_prepare(p->config->path, p->config, p->state, &r, &err) < 0) {
		log_err("reload refused: %s; keeping the running configuration", err.msg);
		return;
	}
	/* Messages the old child queued name users by the old config's indexes:
	 * drop them (a knock in flight now is lost; the client retries). */
	if (p->sock >= 0) {
		close(p->sock);
		p->sock = -1;
	}
	kill_child(p, "configuration reloaded");
	schemes_unload(&p->schemes);
	p->schemes = r.schemes;
	firewall_close(*p->fw_owner);
	*p->fw_owner = p->fw = r.fw;
	config_free(*p->config_owner); /* wipes the old keys */
	*p->config_owner = r.config;
	p->config = r.config;
	p->user_now = r.user;
	p->grant.config = r.config;
	p->grant.fw = r.fw;
	alert_configure(r.config, &p->user_now);
	audit_reload(r.config);
	linkwatch_close(p->links);
	p->links = NULL;
	p->nifaces = 0;
	memset(p->resume_pending, 0, sizeof p->resume_pending);
	if (!r.config->all_ifaces) {
		p->links = linkwatch_open(r.config->ifaces, r.config->nifaces, &err);
		if (!p->links)
			log_warn("cannot watch interface state (%s); capture still runs", err.msg);
	}
	p->ready_logged = false;
	p->next_expiry_check = 0; /* the new config's keys: warn now */
	log_notice("reloaded %s: %zu user(s), %zu protected port(s); leases kept; "
		"capture child restarting", r.config->path, r.config->nusers,
		r.config->nprotect);
}

/* Returns true to keep running. */
static bool on_signal(struct parent *p)
{
	struct signalfd_siginfo si;
	while (read(p->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_child(p);
			break;
		case SIGHUP:
			reload_config(p);
			break;
		default:
			log_notice("signal %d: shutting down; leases stay in the kernel "
				"and expire on schedule", (int)si.ssi_signo);
			return false;
		}
	}
	return true;
}

int parent_run(struct config **cp, struct state *st, struct firewall **fwp,
	const struct sandbox_user *u, struct tagtable *tags)
{
	const struct config *c = *cp;
	struct firewall *fw = *fwp;
	struct parent p = { .config = c, .state = st, .fw = fw, .user_now = *u,
		.config_owner = cp, .fw_owner = fwp,
		.sock = -1, .backoff = RESTART_MIN_SECONDS };
	p.user = &p.user_now;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	p.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (p.sigfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		tagtable_free(tags);
		return 1;
	}
	struct errbuf err;
	/* Before the schemes load: loading may already raise an alert (an OTP
	 * chain at its low-water mark), which must reach the alert command and
	 * the audit log. No decision before the audit log (if any) is open
	 * (docs/audit.md). */
	if (audit_open(c, &err) < 0) {
		log_err("%s", err.msg);
		tagtable_free(tags);
		close(p.sigfd);
		return 1;
	}
	alert_configure(c, p.user);
	if (schemes_load(&p.schemes, c, st, &err) < 0) {
		log_err("loading scheme state: %s", err.msg);
		tagtable_free(tags);
		close(p.sigfd);
		return 1;
	}
	scheme_spa_adopt_tags(&p.schemes, tags); /* still being built, maybe */
	uint64_t high_water;
	if (state_replay_high_water(st, &high_water, &err) < 0) {
		log_err("%s", err.msg);
		schemes_unload(&p.schemes);
		close(p.sigfd);
		return 1;
	}
	clockguard_init(&p.clock, high_water);
	p.grant = (struct grant_ctx){ .config = c, .schemes = &p.schemes, .state = st,
		.fw = fw, .clock = &p.clock,
		.verify_log = { .burst = VERIFY_LOG_BURST, .interval = 1 } };
	p.runner = runner_new();
	if (!p.runner)
		log_err("out of memory for the trigger runner: triggers and hooks are off");
	p.grant.runner = p.runner;
	/* Before the first knock: the kernel's leases against the state's
	 * (reconcile.h); closes that came due while we were down run from the
	 * first housekeeping on. */
	(void)reconcile_leases(st, c->table, now_seconds());
	if (!c->all_ifaces) {
		p.links = linkwatch_open(c->ifaces, c->nifaces, &err);
		if (!p.links)
			log_warn("cannot watch interface state (%s); capture still runs", err.msg);
	}
	/* Least privilege from here on (caps.h says what is kept and why). */
	struct caps_state cs;
	if (caps_limit(CAPS_PARENT_KEEP, &err) < 0 || caps_read(&cs, &err) < 0) {
		log_err("cannot limit the parent's capabilities: %s", err.msg);
		linkwatch_close(p.links);
		schemes_unload(&p.schemes);
		close(p.sigfd);
		return 1;
	}
	char capnames[512];
	log_info("parent keeps %s (bounding set trimmed to match)",
		caps_format(cs.effective, capnames, sizeof capnames));
	bool running = true;
	bool wal_reserved = false;
	int status = 0;
	while (running) {
		housekeeping(&p);
		/* Once, after the first housekeeping has forked the capture child:
		 * the WAL's reserve (a few MB written, one flush: walfill.c)
		 * overlaps the child's start (capture, sandbox), and no knock is
		 * read before it is done. */
		if (!wal_reserved) {
			wal_reserved = true;
			if (state_reserve_wal(st, &err) < 0) {
				log_err("state store %s: %s", c->state_path, err.msg);
				status = 1;
				break;
			}
		}
		struct pollfd pfds[3 + RUNNER_JOBS_MAX] = {
			{ .fd = p.sigfd, .events = POLLIN },
			{ .fd = p.links ? linkwatch_fd(p.links) : -1, .events = POLLIN },
			{ .fd = p.sock, .events = POLLIN },
		};
		/* Plus the output pipes of running triggers and hooks. */
		size_t njobs = p.runner ? runner_pollfds(p.runner, pfds + 3, RUNNER_JOBS_MAX) : 0;
		int rc = poll(pfds, (nfds_t)(3 + njobs), 1000);
		if (rc < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (p.sock >= 0 && pfds[2].revents)
			read_child(&p);
		if (pfds[1].revents)
			linkwatch_read(p.links, on_link_event, &p);
		if (njobs && rc > 0)
			runner_on_poll(p.runner, pfds + 3, njobs);
		if (pfds[0].revents)
			running = on_signal(&p);
	}
	if (p.child > 0) {
		kill(p.child, SIGTERM);
		waitpid(p.child, NULL, 0);
	}
	linkwatch_close(p.links);
	schemes_unload(&p.schemes);
	runner_free(p.runner);
	audit_close("daemon shutting down");
	alert_free();
	close(p.sigfd);
	return status;
}
