/* report — see report.h. The unusual hours and sources are report_pattern.c's. */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_pattern.h"
#include "timerule.h"

#define DAY 86400

const char *const report_kind_names[REPORT_NKINDS] = {
	"stale", "hours", "source", "otp", "expiry", "disabled",
};
const char *const report_kind_titles[REPORT_NKINDS] = {
	"Stale accounts", "Unusual hours", "Unusual sources",
	"One-time password chains running low", "Keys expiring or expired",
	"Disabled users",
};

size_t report_period_total(const struct report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nusers; i++)
		n += r->users[i].in_period;
	return n;
}

char *report_time(uint64_t t, char buf[static REPORT_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(buf, REPORT_TIME_LEN, "%Y-%m-%d %H:%MZ", &tm) == 0)
		snprintf(buf, REPORT_TIME_LEN, "?");
	return buf;
}

struct report *report_new(const struct config *c, uint64_t now, unsigned days)
{
	if (days < 1 || days > REPORT_MAX_DAYS)
		return NULL;
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->c = c;
	r->now = now;
	r->days = days;
	r->since = now > (uint64_t)days * DAY ? now - (uint64_t)days * DAY : 0;
	r->nusers = c->nusers;
	r->users = calloc(c->nusers ? c->nusers : 1, sizeof *r->users);
	r->per_day = calloc(days, sizeof *r->per_day);
	if (!r->users || !r->per_day) {
		report_free(r);
		return NULL;
	}
	for (size_t i = 0; i < c->nusers; i++)
		r->users[i].cu = &c->users[i];
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	free(r->users);
	free(r->knocks);
	free(r->per_day);
	free(r->f);
	free(r);
}

static bool find_user(const struct report *r, const char *name, size_t *out)
{
	for (size_t i = 0; i < r->nusers; i++)
		if (strcmp(r->users[i].cu->name, name) == 0) {
			*out = i;
			return true;
		}
	return false;
}

int report_add_knock(struct report *r, const char *user, const char *addr, uint64_t at)
{
	size_t u;
	if (!find_user(r, user, &u)) {
		r->unknown++;
		return 0;
	}
	if (r->nknocks == r->kcap) {
		size_t cap = r->kcap ? r->kcap * 2 : 64;
		struct report_knock *k = realloc(r->knocks, cap * sizeof *k);
		if (!k)
			return -1;
		r->knocks = k;
		r->kcap = cap;
	}
	struct report_knock *k = &r->knocks[r->nknocks++];
	k->user = u;
	k->at = at;
	snprintf(k->addr, sizeof k->addr, "%s", addr);
	return 0;
}

int report_add_finding(struct report *r, enum report_kind kind, size_t user,
	const char *fmt, ...)
{
	if (r->nf == r->fcap) {
		size_t cap = r->fcap ? r->fcap * 2 : 32;
		struct report_finding *f = realloc(r->f, cap * sizeof *f);
		if (!f)
			return -1;
		r->f = f;
		r->fcap = cap;
	}
	struct report_finding *f = &r->f[r->nf++];
	f->kind = kind;
	f->user = user;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
	return 0;
}

size_t report_count(const struct report *r, enum report_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nf; i++)
		n += r->f[i].kind == kind;
	return n;
}

int report_add_chain(struct report *r, const char *user, const char *door,
	uint32_t left)
{
	size_t u;
	if (!find_user(r, user, &u))
		return 0;
	uint32_t low = r->users[u].cu->prof->otp->low_water;
	if (left == 0)
		return report_add_finding(r, REPORT_OTP, u, "%s: used up (0 left): "
			"postern otp init", door);
	if (left <= low)
		return report_add_finding(r, REPORT_OTP, u, "%s: %u left (low water %u)",
			door, left, low);
	return 0;
}

/* Per-user figures and the per-day histogram. */
static void count(struct report *r)
{
	for (size_t i = 0; i < r->nknocks; i++) {
		const struct report_knock *k = &r->knocks[i];
		struct report_user *u = &r->users[k->user];
		u->total++;
		if (!u->seen || k->at >= u->last_at) {
			u->seen = true;
			u->last_at = k->at;
			memcpy(u->last_addr, k->addr, sizeof u->last_addr);
		}
		if (k->at < r->since || k->at > r->now)
			continue;
		u->in_period++;
	}
	/* per_day counts UTC calendar days, the last being today's */
	for (size_t i = 0; i < r->nknocks; i++) {
		uint64_t today = r->now / DAY, day = r->knocks[i].at / DAY;
		if (day <= today && today - day < r->days)
			r->per_day[r->days - 1 - (today - day)]++;
	}
}

static int stale(struct report *r, size_t i)
{
	const struct report_user *u = &r->users[i];
	char when[REPORT_TIME_LEN];
	if (!u->seen)
		return report_add_finding(r, REPORT_STALE, i, "never knocked");
	if (u->last_at < r->since)
		return report_add_finding(r, REPORT_STALE, i, "no knock for %llu days "
			"(last %s from %s)", (unsigned long long)((r->now - u->last_at) / DAY),
			report_time(u->last_at, when), u->last_addr);
	return 0;
}

static int expiry_one(struct report *r, size_t i, const char *which, int64_t ends)
{
	char date[TIMERULE_DATE_LEN];
	if (ends <= 0)
		return 0;
	timerule_format_date(ends, date);
	if ((uint64_t)ends <= r->now)
		return report_add_finding(r, REPORT_EXPIRY, i, "%s expired on %s", which, date);
	uint64_t left = (uint64_t)ends - r->now;
	if (r->c->expiry_warning && left <= r->c->expiry_warning)
		return report_add_finding(r, REPORT_EXPIRY, i, "%s expires on %s (%llu days "
			"left)", which, date, (unsigned long long)(left / DAY));
	return 0;
}

int report_analyse(struct report *r)
{
	count(r);
	for (size_t i = 0; i < r->nusers; i++) {
		const struct config_user *cu = r->users[i].cu;
		if (stale(r, i) < 0 || report_hours(r, i) < 0 || report_sources(r, i) < 0
			|| expiry_one(r, i, "key", cu->prof->pol->expires) < 0
			|| (cu->prof->pol->old_key_path[0]
				&& expiry_one(r, i, "old key",
					cu->prof->pol->old_key_until) < 0))
			return -1;
		if (cu->prof->disabled && report_add_finding(r, REPORT_DISABLED, i,
			    "disabled = yes%s", r->users[i].in_period ?
			    " (yet knocked in the period: disabled since?)" : "") < 0)
			return -1;
	}
	return 0;
}
