/* report — the access review behind `postern report`: what the config and
 * the state store's lease history say about each user, and what deserves a
 * second look. This module only computes; report_text.c and report_html.c
 * render, cmd_report.c feeds it.
 *
 * The period is the last `days` days before now. Findings, per user:
 *   stale     no knock in the period (or never a knock at all)
 *   hours     a knock in the period outside the user's hours rule (in the
 *             user's timezone); without a rule, outside the hours of the day
 *             in which REPORT_USUAL_SHARE (90%) of all the user's knocks fall
 *             (the fewest such hours; only with REPORT_MIN_HISTORY knocks or
 *             more, else there is no pattern to leave)
 *   source    an address a knock in the period came from (the address the
 *             door opened for) that was seen only once, or never before the
 *             last REPORT_NEW_SOURCE seconds (7 days)
 *   otp       an RFC 2289 chain at or below the user's otp_low_water, or
 *             used up (report_add_chain)
 *   expiry    the key (expires) or the old key (old_key_until) ends within
 *             the config's expiry_warning, or has ended
 *   disabled  disabled = yes
 * Times are printed in UTC ("YYYY-MM-DD HH:MMZ"); hours findings also in the
 * user's zone. */
#ifndef POSTERN_REPORT_H
#define POSTERN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define REPORT_ADDR_MAX 64
#define REPORT_TEXT_MAX 160
#define REPORT_MIN_HISTORY 10
#define REPORT_USUAL_SHARE 0.9
#define REPORT_NEW_SOURCE (7 * 86400)
#define REPORT_MAX_DAYS 3660
#define REPORT_MAX_HOURS_LISTED 5 /* per user; then one "N more" line */
#define REPORT_TIME_LEN 20 /* "YYYY-MM-DD HH:MMZ" */

enum report_kind {
	REPORT_STALE,
	REPORT_HOURS,
	REPORT_SOURCE,
	REPORT_OTP,
	REPORT_EXPIRY,
	REPORT_DISABLED,
	REPORT_NKINDS,
};

struct report_finding {
	enum report_kind kind;
	size_t user; /* index into report.users */
	char text[REPORT_TEXT_MAX]; /* plain text: escape it for HTML */
};

struct report_user {
	const struct config_user *cu;
	bool seen; /* ever knocked */
	uint64_t last_at;
	char last_addr[REPORT_ADDR_MAX];
	size_t total; /* knocks ever */
	size_t in_period; /* knocks in the period */
};

struct report_knock {
	size_t user;
	uint64_t at;
	char addr[REPORT_ADDR_MAX];
};

struct report {
	const struct config *c;
	uint64_t now, since; /* the period: [since, now] */
	unsigned days;
	struct report_user *users; /* one per config user, in config order */
	size_t nusers;
	struct report_knock *knocks; /* oldest first */
	size_t nknocks, kcap;
	size_t unknown; /* knocks of users no longer in the config */
	size_t *per_day; /* knocks per UTC calendar day, days entries, [days - 1] = today */
	struct report_finding *f;
	size_t nf, fcap;
};

/* Kind names: "stale", "hours", ... and section titles for the renderers. */
extern const char *const report_kind_names[REPORT_NKINDS];
extern const char *const report_kind_titles[REPORT_NKINDS];

/* A report on c (which must outlive it) for days (1..REPORT_MAX_DAYS) up to
 * now. NULL if out of memory or days is out of range. */
struct report *report_new(const struct config *c, uint64_t now, unsigned days);
/* NULL is a no-op. */
void report_free(struct report *r);
/* Adds one knock of the lease history; knocks must come oldest first (as
 * state_query_knocks gives them). 0, or -1 if out of memory. */
int report_add_knock(struct report *r, const char *user, const char *addr, uint64_t at);
/* Tells the state of one RFC 2289 chain of user (responses left); adds an
 * otp finding when it is at or below the user's low water. 0 or -1. */
int report_add_chain(struct report *r, const char *user, const char *door,
	uint32_t left);
/* Computes the per-user figures and the findings. 0, or -1 if out of
 * memory. Call once, after the last report_add_knock. */
int report_analyse(struct report *r);
/* Adds a finding (printf-style text, truncated to REPORT_TEXT_MAX). 0 or -1. */
int report_add_finding(struct report *r, enum report_kind kind, size_t user,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* How many findings of kind there are. */
size_t report_count(const struct report *r, enum report_kind kind);
/* Knocks of all users in the report's period. */
size_t report_period_total(const struct report *r);
/* "YYYY-MM-DD HH:MMZ" of t. Returns buf. */
char *report_time(uint64_t t, char buf[static REPORT_TIME_LEN]);

#endif
